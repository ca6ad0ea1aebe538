// Interface mappings: how a department's own CSV export (its headers, date formats, code
// values) reads as events. Read from the JSON file named by MAPPINGS_FILE, a list such as
// [{"name": "sc-hospital-his", "source": "hospital",
//   "columns": {"nationalId": "身份证号", "kind": "就诊类型", "occurredAt": "就诊日期", "sourceRef": "结算单号"},
//   "dates": {"occurredAt": ["yyyy/MM/dd HH:mm"]}, "zone": "Asia/Shanghai",
//   "constants": {"identityCheck": "id_document"},
//   "codes": {"kind": {"入院": "admission", "出院": "discharge"}}}]
// Checked at start: a bad file stops the process with the path of the field at fault. Sources,
// kinds and identity checks are plain strings here; what is known comes from the caller.
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';

/** Event fields a mapping fills (`source` is the mapping's own). */
export const MAPPED_FIELDS = ['nationalId', 'kind', 'occurredAt', 'sourceRef', 'identityCheck', 'location', 'deathDate'] as const;
export type MappedField = (typeof MAPPED_FIELDS)[number];
const REQUIRED: readonly MappedField[] = ['nationalId', 'kind', 'occurredAt', 'sourceRef', 'identityCheck'];
/** Fields that may be fixed for a whole file; an ID, a record's reference or a date never is. */
const CONSTANT_FIELDS: readonly MappedField[] = ['kind', 'identityCheck', 'location'];
export const DATE_FIELDS = ['occurredAt', 'deathDate'] as const;
export type DateField = (typeof DATE_FIELDS)[number];
export const DEFAULT_ZONE = 'Asia/Shanghai';
const MAX_FORMATS = 10;

export interface Mapping {
  name: string;
  source: string;
  /** Event field → the file's header for it. */
  columns: Partial<Record<MappedField, string>>;
  /** Event field → its value for every line of the file. */
  constants: Partial<Record<MappedField, string>>;
  /** Date field → luxon formats, tried in order. */
  dates: Partial<Record<DateField, string[]>>;
  /** The zone of dates written without an offset. */
  zone: string;
  /** Event field → the file's value → the event's value. */
  codes: Partial<Record<MappedField, Record<string, string>>>;
}

/** What the policy in force knows, to refuse a mapping that could never produce a valid event. */
export interface MappingCatalogue {
  isSource(source: string): boolean;
  isKind(source: string, kind: string): boolean;
  isIdentityCheck(check: string): boolean;
}

export class MappingConfigError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'MappingConfigError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function object(v: unknown, path: string, allowed?: readonly string[]): Obj {
  if (!isObj(v)) throw new MappingConfigError(path, 'must be an object');
  if (allowed) for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new MappingConfigError(`${path}.${k}`, 'unknown field');
  return v;
}

function text(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new MappingConfigError(path, 'must be a non-empty string');
  if (v !== v.trim()) throw new MappingConfigError(path, 'must not begin or end with spaces');
  return v;
}

/** A header as the upload's header check can read it: one unquoted CSV cell. */
function columnName(v: unknown, path: string): string {
  const s = text(v, path);
  if (/[",\r\n]/.test(s)) throw new MappingConfigError(path, 'must not hold a comma, a quote or a line break');
  return s;
}

function fieldsOf<T>(v: unknown, path: string, allowed: readonly MappedField[], each: (x: unknown, path: string) => T) {
  const o = object(v ?? {}, path, allowed);
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, each(x, `${path}.${k}`)])) as Partial<Record<MappedField, T>>;
}

// A date far from today, with every unit distinct: a format reads back its year, month and day.
const SAMPLE = { year: 1987, month: 11, day: 23, hour: 14, minute: 35, second: 47 };

/** A luxon format that reads back a date written in it. */
function dateFormat(v: unknown, path: string, zone: string): string {
  const fmt = text(v, path);
  let back: DateTime | null = null;
  try {
    back = DateTime.fromFormatParser(DateTime.fromObject(SAMPLE, { zone }).toFormat(fmt), DateTime.buildFormatParser(fmt), { zone });
  } catch {
    back = null;
  }
  if (!back?.isValid || back.year !== SAMPLE.year || back.month !== SAMPLE.month || back.day !== SAMPLE.day)
    throw new MappingConfigError(
      path,
      `luxon format "${fmt}" does not read back a date written in it (it needs a year, a month and a day, e.g. yyyy/MM/dd HH:mm)`,
    );
  return fmt;
}

function formats(v: unknown, path: string, zone: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_FORMATS) throw new MappingConfigError(path, `must be a list of 1 to ${MAX_FORMATS} luxon formats`);
  return v.map((f, i) => dateFormat(f, `${path}[${i}]`, zone));
}

function zoneOf(v: unknown, path: string): string {
  if (v === undefined) return DEFAULT_ZONE;
  const z = text(v, path);
  if (!DateTime.now().setZone(z).isValid) throw new MappingConfigError(path, `unknown time zone ${z} (e.g. Asia/Shanghai)`);
  return z;
}

function codeTable(v: unknown, path: string): Record<string, string> {
  const o = object(v, path);
  if (Object.keys(o).length === 0) throw new MappingConfigError(path, 'must map at least one value');
  for (const [k, x] of Object.entries(o)) {
    text(k, `${path}.${k}`);
    text(x, `${path}.${k}`);
  }
  return o as Record<string, string>;
}

/** Each field is read one way: from a column or as a constant; dates and codes apply to columns. */
function checkCoverage(m: Mapping, path: string) {
  for (const f of MAPPED_FIELDS) {
    if (m.columns[f] !== undefined && m.constants[f] !== undefined)
      throw new MappingConfigError(`${path}.constants.${f}`, `is also read from column ${m.columns[f]}`);
    if (m.columns[f] === undefined && (m.dates as Obj)[f] !== undefined) throw new MappingConfigError(`${path}.dates.${f}`, `${f} is not read from a column`);
    if (m.columns[f] === undefined && m.codes[f] !== undefined) throw new MappingConfigError(`${path}.codes.${f}`, `${f} is not read from a column`);
  }
  for (const f of REQUIRED) {
    if (m.columns[f] === undefined && m.constants[f] === undefined)
      throw new MappingConfigError(
        `${path}.columns.${f}`,
        `missing: every event needs ${f}, from a column${CONSTANT_FIELDS.includes(f) ? ' or a constant' : ''}`,
      );
  }
}

/** Constants and code values must name what the catalogue knows. */
function checkValues(m: Mapping, path: string, known: MappingCatalogue) {
  if (!known.isSource(m.source)) throw new MappingConfigError(`${path}.source`, `${m.source} is not a known source`);
  const check = (field: 'kind' | 'identityCheck', value: string, at: string) => {
    if (field === 'kind' && !known.isKind(m.source, value)) throw new MappingConfigError(at, `${value} is not a kind of ${m.source}`);
    if (field === 'identityCheck' && !known.isIdentityCheck(value)) throw new MappingConfigError(at, `${value} is not an identity check`);
  };
  for (const f of ['kind', 'identityCheck'] as const) {
    if (m.constants[f] !== undefined) check(f, m.constants[f], `${path}.constants.${f}`);
    for (const [k, v] of Object.entries(m.codes[f] ?? {})) check(f, v, `${path}.codes.${f}.${k}`);
  }
}

const ENTRY_FIELDS = ['name', 'description', 'source', 'columns', 'constants', 'dates', 'zone', 'codes'];

/** One mapping, checked and in its canonical form (what a batch stores and is deduplicated by). */
export function parseMapping(v: unknown, path: string, known?: MappingCatalogue): Mapping {
  const o = object(v, path, ENTRY_FIELDS);
  const name = text(o.name, `${path}.name`);
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) throw new MappingConfigError(`${path}.name`, 'must be 1-64 lower-case letters, digits, - or _');
  if (o.description !== undefined && typeof o.description !== 'string') throw new MappingConfigError(`${path}.description`, 'must be a string');
  const zone = zoneOf(o.zone, `${path}.zone`);
  const m: Mapping = {
    name,
    source: text(o.source, `${path}.source`),
    columns: fieldsOf(o.columns, `${path}.columns`, MAPPED_FIELDS, columnName),
    constants: fieldsOf(o.constants, `${path}.constants`, CONSTANT_FIELDS, text),
    dates: fieldsOf(o.dates, `${path}.dates`, DATE_FIELDS, (x, p) => formats(x, p, zone)),
    zone,
    codes: fieldsOf(
      o.codes,
      `${path}.codes`,
      MAPPED_FIELDS.filter((f) => !(DATE_FIELDS as readonly string[]).includes(f)),
      codeTable,
    ),
  };
  checkCoverage(m, path);
  if (known) checkValues(m, path, known);
  return m;
}

/** The mappings of a mappings file, by name. */
export function parseMappings(json: unknown, known?: MappingCatalogue): Map<string, Mapping> {
  if (!Array.isArray(json)) throw new MappingConfigError('mappings', 'must be a JSON array of mappings');
  const out = new Map<string, Mapping>();
  json.forEach((v, i) => {
    const m = parseMapping(v, `mappings[${i}]`, known);
    if (out.has(m.name)) throw new MappingConfigError(`mappings[${i}].name`, `${m.name} is used twice`);
    out.set(m.name, m);
  });
  return out;
}

/** MAPPINGS_FILE read and checked; none configured, no mappings. */
export function loadMappings(file: string | undefined, known?: MappingCatalogue): Map<string, Mapping> {
  if (!file) return new Map();
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new MappingConfigError(`MAPPINGS_FILE ${file}`, `cannot be read: ${(e as Error).message}`);
  }
  try {
    return parseMappings(json, known);
  } catch (e) {
    if (e instanceof MappingConfigError) throw new MappingConfigError(`MAPPINGS_FILE ${file}: ${e.path}`, e.message.slice(e.path.length + 2));
    throw e;
  }
}
