// What an upload is checked for before anything is stored: its media type and charset, that a
// UTF-8 body is UTF-8, and that its CSV header can be read (by snake_case names or the mapping).
import { utf8Checker } from '../../infra/utf8-check.ts';
import { DomainError, invalid } from '../../domain/errors.ts';
import { normaliseCharset, firstLine, headerMap, FileFormatError } from './parse.ts';
import type { Mapping } from './mapping-config.ts';
import { missingColumns, missingColumnsMessage } from './mapping.ts';

/** A batch's media type and charset from its Content-Type header. */
export function batchContentType(header: string | undefined): { media: 'text/csv' | 'application/x-ndjson'; charset: 'utf-8' | 'gbk' } {
  const [mediaRaw, ...params] = (header ?? '').split(';');
  const media = mediaRaw!.trim().toLowerCase();
  if (media !== 'text/csv' && media !== 'application/x-ndjson') {
    throw new DomainError('unsupported', 'unsupported_media_type', 'a batch is text/csv or application/x-ndjson');
  }
  const csParam = params.map((p) => p.trim().split('=')).find(([k]) => k?.trim().toLowerCase() === 'charset')?.[1];
  const charset = normaliseCharset(csParam);
  if (!charset) throw new DomainError('unsupported', 'unsupported_charset', `charset ${csParam} is not supported (utf-8 or gbk)`);
  return { media, charset };
}

/** A body declared (or taken as) UTF-8 must be: a GBK file sent without its charset is refused, not misread. */
export function refuseNonUtf8() {
  const check = utf8Checker();
  let at = 0;
  return (chunk: Buffer | null) => {
    if (chunk ? check.add(chunk) : check.end()) {
      at += chunk?.length ?? 0;
      return;
    }
    throw invalid('not_utf8', `the file is not UTF-8 (from about byte ${at}): if it is GBK, send it with Content-Type charset=gbk (feed upload --charset gbk)`);
  };
}

export function checkHeader(head: Buffer, charset: 'utf-8' | 'gbk', complete: boolean, mapping: Mapping | null) {
  const line = firstLine(head, charset, complete);
  if (line === null) throw invalid('malformed_file', 'the CSV header line is longer than 64 KiB');
  checkHeaderLine(line, mapping);
}

/** A header the file's records cannot be read by is refused before anything is stored. */
function checkHeaderLine(line: string, mapping: Mapping | null) {
  const cells = line.split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
  if (mapping) {
    const missing = missingColumns(mapping, cells);
    if (missing.length)
      throw invalid(
        'unmapped_columns',
        missingColumnsMessage(mapping, missing),
        missing.map((x) => ({ field: x.field, column: x.column, message: `column ${x.column} is not in the header` })),
      );
    return;
  }
  try {
    headerMap(cells);
  } catch (e) {
    if (e instanceof FileFormatError) throw invalid(e.code, e.message);
    throw e;
  }
}
