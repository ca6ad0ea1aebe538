// Turns a stored file (a stream of byte chunks) into records, never holding it whole:
// decoding (UTF-8 or GBK, BOM dropped), then CSV (csv-parse: quoted fields with commas and
// newlines, CRLF) or NDJSON lines. Each record carries the line an editor shows it on.
import { parse as csvParse } from 'csv-parse';
import iconv from 'iconv-lite';
import { StringDecoder } from 'node:string_decoder';
import { EVENT_FIELDS, SNAKE, type RawEvent, type EventField } from './validate.ts';
import type { Mapping } from './mapping-config.ts';
import { compileMapping, missingColumnsMessage } from './mapping.ts';

export type ParsedRecord = { line: number; raw: RawEvent } | { line: number; error: { code: string; message: string } };

export const MAX_LINE_CHARS = 64 * 1024;

export class FileFormatError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function normaliseCharset(cs: string | undefined): 'utf-8' | 'gbk' | null {
  const c = (cs ?? 'utf-8').trim().toLowerCase().replace(/^"|"$/g, '');
  if (c === 'utf-8' || c === 'utf8') return 'utf-8';
  if (c === 'gbk' || c === 'gb2312' || c === 'gb18030' || c === 'cp936') return 'gbk';
  return null;
}

/** Decodes byte chunks to text chunks; a leading BOM is dropped. */
async function* decode(chunks: AsyncIterable<Buffer>, charset: 'utf-8' | 'gbk'): AsyncGenerator<string> {
  const dec = charset === 'gbk' ? iconv.getDecoder('gb18030') : new StringDecoder('utf8');
  let first = true;
  for await (const b of chunks) {
    let s = dec.write(b) ?? '';
    if (first && s.length > 0) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      first = false;
    }
    if (s) yield s;
  }
  const rest = dec.end() ?? '';
  if (rest) yield first && rest.charCodeAt(0) === 0xfeff ? rest.slice(1) : rest;
}

const BY_SNAKE = new Map<string, EventField>(EVENT_FIELDS.map((f) => [SNAKE[f], f]));

/** Maps a CSV header to field positions; unknown columns are ignored (never stored). */
export function headerMap(header: string[]): Map<number, EventField> {
  const map = new Map<number, EventField>();
  header.forEach((h, i) => {
    const f = BY_SNAKE.get(h.trim().toLowerCase());
    if (f && ![...map.values()].includes(f)) map.set(i, f);
  });
  const have = new Set(map.values());
  const missing = EVENT_FIELDS.filter((f) => !['source', 'location', 'deathDate'].includes(f) && !have.has(f));
  if (missing.length)
    throw new FileFormatError('missing_column', `CSV header lacks column(s): ${missing.map((f) => SNAKE[f]).join(', ')} (header names are snake_case)`);
  return map;
}

/** Counts the newlines inside a record's fields, and how many are CRLF, into `tally` (reused: one call per record). */
function countNewlinesInside(rec: string[], tally: { nl: number; crlf: number }): void {
  tally.nl = 0;
  tally.crlf = 0;
  for (const f of rec) {
    for (let i = f.indexOf('\n'); i !== -1; i = f.indexOf('\n', i + 1)) {
      tally.nl++;
      if (i > 0 && f.charCodeAt(i - 1) === 13) tally.crlf++;
    }
  }
}

/** A CSV record's known fields by the header; empty fields are absent. */
function rawOf(header: Map<number, EventField>, rec: string[]): RawEvent {
  const raw: Record<string, string> = {};
  for (const [i, f] of header) {
    const v = rec[i];
    if (v !== undefined && v !== '') raw[f] = v.trim();
  }
  return raw as RawEvent;
}

/** Ends the parser and waits until it has flushed (an error is reported by its handler). */
function endOf(parser: ReturnType<typeof csvParse>): Promise<void> {
  return new Promise<void>((resolve) => {
    parser.once('end', resolve);
    parser.once('error', () => resolve());
    parser.end();
  });
}

type RecordReader = (rec: string[], line: number) => ParsedRecord;

/** How a file's records are read, decided once by its header: by the snake_case names, or by a mapping. */
function readerFor(header: string[], mapping: Mapping | undefined): RecordReader {
  if (!mapping) {
    const map = headerMap(header);
    return (rec, line) => ({ line, raw: rawOf(map, rec) });
  }
  const { missing, read } = compileMapping(mapping, header);
  if (missing.length) throw new FileFormatError('unmapped_columns', missingColumnsMessage(mapping, missing));
  return (rec, line) => {
    const r = read(rec);
    return 'raw' in r ? { line, raw: r.raw } : { line, error: r.error };
  };
}

async function* csvRecords(text: AsyncIterable<string>, mapping: Mapping | undefined): AsyncGenerator<ParsedRecord> {
  const tally = { nl: 0, crlf: 0 };
  // Records and skipped (malformed) records are queued in parse order.
  const queue: ParsedRecord[] = [];
  let lastEnd = 0;
  let crlfInside = 0;
  let reader: RecordReader | null = null;
  let headerError: Error | null = null;
  const parser = csvParse({
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    record_delimiter: ['\r\n', '\n'],
    max_record_size: MAX_LINE_CHARS,
    on_record: (rec: string[], ctx: { lines: number }) => {
      // csv-parse counts a CRLF inside a quoted field as two lines; an editor shows one.
      countNewlinesInside(rec, tally);
      const nl = tally.nl;
      crlfInside += tally.crlf;
      const end = ctx.lines - crlfInside;
      const start = end - nl;
      lastEnd = end;
      if (!reader) {
        try {
          reader = readerFor(
            rec.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h)),
            mapping,
          );
        } catch (e) {
          headerError = e as Error;
          reader = () => ({ line: 0, raw: {} });
        }
        return null;
      }
      if (rec.length === 1 && rec[0]!.trim() === '') return null;
      queue.push(reader(rec, start));
      return null;
    },
    on_skip: (err: { message: string; code?: string } | undefined) => {
      const line = lastEnd + 1;
      lastEnd = line;
      queue.push({
        line,
        error: { code: 'malformed_line', message: `malformed CSV record: ${err?.message?.replace(/ at line \d+.*$/, '') ?? 'unparseable'}` },
      });
      return undefined;
    },
  } as any);
  parser.on('data', () => {});
  let failure: Error | null = null;
  parser.on('error', (e) => {
    failure = e;
  });
  const drain = function* () {
    if (headerError) throw headerError;
    while (queue.length) yield queue.shift()!;
  };
  for await (const s of text) {
    if (!parser.write(s)) await new Promise((r) => parser.once('drain', r));
    yield* drain();
    if (failure) throw new FileFormatError('malformed_file', (failure as Error).message);
  }
  await endOf(parser);
  yield* drain();
  if (failure) throw new FileFormatError('malformed_file', (failure as Error).message);
  if (!reader) throw new FileFormatError('missing_column', 'the file is empty: a CSV needs a header line');
}

async function* ndjsonRecords(text: AsyncIterable<string>): AsyncGenerator<ParsedRecord> {
  let carry = '';
  let line = 0;
  let overflow = false;
  const one = (piece: string, tooLong: boolean): ParsedRecord | null => {
    line++;
    if (tooLong) return { line, error: { code: 'malformed_line', message: `line is longer than ${MAX_LINE_CHARS} characters` } };
    const t = piece.endsWith('\r') ? piece.slice(0, -1) : piece;
    if (t.trim() === '') return null;
    let obj: unknown;
    try {
      obj = JSON.parse(t);
    } catch {
      return { line, error: { code: 'malformed_line', message: 'line is not valid JSON' } };
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { line, error: { code: 'malformed_line', message: 'line is not a JSON object' } };
    const o = obj as Record<string, unknown>;
    const raw: Record<string, unknown> = {};
    for (const f of EVENT_FIELDS) if (f in o) raw[f] = o[f]; // other fields are ignored, never stored
    return { line, raw: raw as RawEvent };
  };
  for await (const s of text) {
    let start = 0;
    let nl: number;
    while ((nl = s.indexOf('\n', start)) !== -1) {
      const r = one(overflow ? '' : carry + s.slice(start, nl), overflow || carry.length + nl - start > MAX_LINE_CHARS);
      carry = '';
      overflow = false;
      if (r) yield r;
      start = nl + 1;
    }
    if (!overflow) carry += s.slice(start);
    if (carry.length > MAX_LINE_CHARS) {
      overflow = true;
      carry = '';
    }
  }
  if (carry.length || overflow) {
    const r = one(carry, overflow);
    if (r) yield r;
  }
}

/** A stored file's records; with a mapping (CSV only), each record is read through it. */
export function records(chunks: AsyncIterable<Buffer>, o: { contentType: string; charset: 'utf-8' | 'gbk'; mapping?: Mapping }): AsyncGenerator<ParsedRecord> {
  const text = decode(chunks, o.charset);
  return o.contentType === 'text/csv' ? csvRecords(text, o.mapping) : ndjsonRecords(text);
}

/** The first line of a CSV (decoded), to check its header while the upload streams; `complete`: `head` is the whole file. */
export function firstLine(head: Buffer, charset: 'utf-8' | 'gbk', complete = false): string | null {
  let nl = head.indexOf(0x0a);
  if (nl === -1 && complete) nl = head.length;
  if (nl === -1) return null;
  let s = charset === 'gbk' ? iconv.decode(head.subarray(0, nl), 'gb18030') : head.subarray(0, nl).toString('utf8');
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  return s.replace(/\r$/, '');
}
