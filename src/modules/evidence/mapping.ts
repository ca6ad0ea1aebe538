// A mapping applied to one file: compiled once from the file's header into a function that
// turns a CSV record into the event's raw fields (validate.ts then checks them as for any
// file). A value it cannot read (a date not in the formats, a code without a mapping) is the
// line's reject, never an exception.
import { DateTime } from 'luxon';
import { maskIdsInText } from '../../domain/masking.ts';
import { MAPPED_FIELDS, type DateField, type MappedField, type Mapping } from './mapping-config.ts';
import type { EventField, RawEvent } from './validate.ts';

export interface LineError {
  code: string;
  message: string;
}
export type MappedRecord = { raw: RawEvent } | { error: LineError };

/** A column the mapping reads and the header lacks. */
export interface MissingColumn {
  field: MappedField;
  column: string;
}

const headerKey = (h: string) => h.trim().toLowerCase();

/** Where each column the mapping reads is in the header (its first occurrence), and what is missing. */
function positions(m: Mapping, header: readonly string[]) {
  const at = new Map<string, number>();
  header.forEach((h, i) => {
    const k = headerKey(h);
    if (!at.has(k)) at.set(k, i);
  });
  const found: [MappedField, number][] = [];
  const missing: MissingColumn[] = [];
  for (const f of MAPPED_FIELDS) {
    const column = m.columns[f];
    if (column === undefined) continue;
    const i = at.get(headerKey(column));
    if (i === undefined) missing.push({ field: f, column });
    else found.push([f, i]);
  }
  return { found, missing };
}

export function missingColumns(m: Mapping, header: readonly string[]): MissingColumn[] {
  return positions(m, header).missing;
}

export function missingColumnsMessage(m: Mapping, missing: readonly MissingColumn[]): string {
  return `the header lacks column(s) that mapping ${m.name} reads: ${missing.map((x) => `${x.column} (${x.field})`).join(', ')}`;
}

/** How a mapped file names a field in messages: by its column, or the field's name for a constant. */
export function fieldNamer(m: Mapping): (f: EventField) => string {
  return (f) => (f === 'source' ? f : (m.columns[f] ?? f));
}

/** A value from the file, shown in a reject: short, IDs masked, quoted as JSON (which escapes a NUL or half a surrogate pair, so it can be stored). */
function shown(v: string): string {
  return JSON.stringify(maskIdsInText(v.length > 40 ? `${v.slice(0, 40)}…` : v));
}

type Step = (rec: readonly string[], out: Record<string, string>) => LineError | undefined;

/** The trimmed cell, or undefined when it is absent or blank (validate.ts reports a missing field). */
function cell(rec: readonly string[], i: number): string | undefined {
  const v = rec[i];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function codeStep(m: Mapping, f: MappedField, i: number, table: Record<string, string>): Step {
  const codes = new Map(Object.entries(table));
  const known = [...codes.keys()].slice(0, 10).join(', ') + (codes.size > 10 ? ', …' : '');
  return (rec, out) => {
    const v = cell(rec, i);
    if (v === undefined) return undefined;
    const code = codes.get(v);
    if (code === undefined) return { code: 'unmapped_code', message: `${m.columns[f]}: ${shown(v)} has no code in mapping ${m.name} (known: ${known})` };
    out[f] = code;
    return undefined;
  };
}

function dateStep(m: Mapping, f: DateField, i: number, formats: readonly string[]): Step {
  const parsers = formats.map((fmt) => DateTime.buildFormatParser(fmt));
  const opts = { zone: m.zone };
  const write = f === 'occurredAt' ? (d: DateTime) => d.toISO() : (d: DateTime) => d.toISODate();
  return (rec, out) => {
    const v = cell(rec, i);
    if (v === undefined) return undefined;
    for (const p of parsers) {
      let d: DateTime;
      try {
        d = DateTime.fromFormatParser(v, p, opts);
      } catch {
        continue; // a value luxon refuses outright matches no format
      }
      const s = d.isValid ? write(d) : null;
      if (s) {
        out[f] = s;
        return undefined;
      }
    }
    return { code: 'bad_date_format', message: `${m.columns[f]}: ${shown(v)} does not match ${formats.map((x) => `"${x}"`).join(' or ')}` };
  };
}

function plainStep(f: MappedField, i: number): Step {
  return (rec, out) => {
    const v = cell(rec, i);
    if (v !== undefined) out[f] = v;
    return undefined;
  };
}

/**
 * The mapping compiled for a file whose header is `header`: `read` turns one record into the
 * event's raw fields or the line's error. Compiled once per file (date parsers included).
 */
export function compileMapping(m: Mapping, header: readonly string[]): { missing: MissingColumn[]; read: (rec: readonly string[]) => MappedRecord } {
  const { found, missing } = positions(m, header);
  const steps: Step[] = found.map(([f, i]) => {
    const formats = (m.dates as Partial<Record<MappedField, string[]>>)[f];
    if (formats) return dateStep(m, f as DateField, i, formats);
    const table = m.codes[f];
    return table ? codeStep(m, f, i, table) : plainStep(f, i);
  });
  const base: Record<string, string> = { ...m.constants, source: m.source };
  const read = (rec: readonly string[]): MappedRecord => {
    const out = { ...base };
    for (const step of steps) {
      const error = step(rec, out);
      if (error) return { error };
    }
    return { raw: out as RawEvent };
  };
  return { missing, read };
}
