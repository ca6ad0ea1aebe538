// Fuzz (issue 15): every operation openapi.yaml documents (each path, method, parameter and
// request body) is sent malformed and borderline requests, with valid ones built from the
// document's examples mixed in, by every kind of key. Every answer must be below 500, every 4xx
// in the error shape, and a request that was refused (not 2xx) must leave every table exactly as
// it was; after the run the database must hold no half-written state.
//
// FUZZ_RUNS requests (default 1000, about 10 s); `npm run test:fuzz` sends 10 000 (about 2 min).
// FUZZ_SEED replays a run (fast-check prints the seed and the shrunk request of a failure).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'yaml';
import { sql } from 'kysely';
import { ROOT } from '../../src/app.ts';
import { makeNationalId } from '../../src/domain/national-id.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

// ---------------------------------------------------------------------------------------------
// The document: operations with their parameters and bodies, $refs resolved.

type Schema = { [k: string]: any };
interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
  example?: unknown;
}
interface Operation {
  method: string;
  path: string;
  params: Param[];
  body?: { required: boolean; content: Record<string, { schema?: Schema; example?: unknown }> };
  secured: boolean;
}

const spec = parse(readFileSync(path.join(ROOT, 'openapi.yaml'), 'utf8')) as Schema;

function deref(node: unknown, seen: string[] = []): any {
  if (Array.isArray(node)) return node.map((n) => deref(n, seen));
  if (node === null || typeof node !== 'object') return node;
  const ref = (node as { $ref?: string }).$ref;
  if (typeof ref === 'string') {
    if (seen.includes(ref)) return {};
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((o: any, k) => o?.[k], spec);
    return deref(target, [...seen, ref]);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, deref(v, seen)]));
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const OPERATIONS: Operation[] = Object.entries(spec.paths as Record<string, Schema>).flatMap(([p, item]) => {
  const shared: Param[] = deref(item.parameters ?? []);
  return METHODS.filter((m) => item[m]).map((m) => {
    const op = deref(item[m]);
    const own: Param[] = op.parameters ?? [];
    const params = [...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)), ...own];
    const security = op.security ?? spec.security ?? [];
    return {
      method: m.toUpperCase(),
      path: p,
      params,
      body: op.requestBody ? { required: !!op.requestBody.required, content: op.requestBody.content ?? {} } : undefined,
      secured: security.length > 0,
    };
  });
});

/** The record on each line of a streamed body: the document gives these bodies as strings. */
const LINE_SCHEMA: Record<string, Schema> = {
  '/v1/pensioners/bulk': {
    ...deref(spec.components.schemas.PensionerIn),
    properties: { nationalId: { type: 'string' }, ...deref(spec.components.schemas.PensionerIn).properties },
  },
  '/v1/feeds/{source}/batches': deref(spec.components.schemas.EventIn),
};

// ---------------------------------------------------------------------------------------------
// Values. A Raw is JSON text written as is (1e309, -0, a duplicate key), not a JS value.

class Raw {
  constructor(readonly text: string) {}
}
function toJson(v: unknown): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}
function toText(v: unknown): string {
  if (v instanceof Raw) return v.text;
  return typeof v === 'string' ? v : toJson(v);
}

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d\ude00',
  '张三',
  '\u202e\u0301',
  '\ufeff',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
  '-1',
  '0',
  '9223372036854775808',
  '99999999999999999999',
  '__proto__',
  'constructor',
  'toString',
  '..',
  '../..',
  '%00',
  '%',
  "'; DROP TABLE pensioners; --",
  '<script>alert(1)</script>',
  '\r\n',
  '"',
  ',',
  '\\',
  'a'.repeat(65),
  'a'.repeat(101),
  'a'.repeat(129),
  'a'.repeat(201),
  'a'.repeat(1001),
  '长'.repeat(5000),
];
const DATES = [
  '2026-06-15',
  '0000-01-01',
  '0001-01-01',
  '2026-02-30',
  '2024-02-29',
  '2026-02-29',
  '9999-12-31',
  '1900-01-01',
  '1869-12-31',
  '2026-6-1',
  '20260615',
  '+002026-06-15',
  '-000001-01-01',
  '10000-01-01',
  '2026-06-15T00:00:00Z',
  '2026-13-01',
  '2026-00-10',
];
const DATE_TIMES = [
  '2026-06-01T09:30:00+08:00',
  '2026-06-15T04:00:00Z',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00+14:00',
  '9999-12-31T23:59:59Z',
  '9999-12-31T23:59:59-12:00',
  '2026-02-30T00:00:00Z',
  '2026-06-01T25:00:00Z',
  '2026-06-01T09:30:00+25:00',
  '2026-06-01T09:30:00+99:99',
  '2026-06-01T09:30:00',
  '2026-06-01',
  '2026-06-01T09:30:00.123456789Z',
  '-271821-04-20T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '2026-06-01 09:30:00+08',
  '1e309',
];
const UUIDS = [
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '7d7c7f0e-2d7a-4f59-9d5b-2b1f0c1f6c11',
  'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
  '-'.repeat(36),
  '7d7c7f0e2d7a4f599d5b2b1f0c1f6c11',
  '{7d7c7f0e-2d7a-4f59-9d5b-2b1f0c1f6c11}',
];
/** National IDs that are not: wrong check digit, impossible birth dates (with a matching check digit), wrong shape. */
const BAD_NATIONAL_IDS = [
  '110105194912310021',
  makeNationalId('110105', '0000-01-01', 1),
  makeNationalId('110105', '2026-02-30', 1),
  makeNationalId('110105', '9999-12-31', 1),
  makeNationalId('000000', '1950-01-01', 1),
  makeNationalId('510104', '2090-01-01', 1),
  '11010519491231002',
  '11010519491231002XX',
  ' 11010519491231002X ',
  '１１０１０５１９４９１２３１００２Ｘ',
  '000000000000000000',
  '999999999999999999',
];

const rawNumbers = fc.constantFrom(new Raw('1e309'), new Raw('-1e309'), new Raw('-0'), new Raw('1e-400'), new Raw('99999999999999999999999'), new Raw('0.1e1'));
const nastyText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
);
/** Any JSON value of any type, mostly strange. */
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyText,
  rawNumbers,
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53 + 1, -(2 ** 63), {}, [], [null], { a: { b: { c: [] } } }),
  fc.constantFrom(new Raw('{"__proto__":{"x":1}}'), new Raw('{"a":1,"a":2}'), new Raw('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]')),
  fc.constantFrom(...DATES, ...DATE_TIMES, ...UUIDS, ...BAD_NATIONAL_IDS),
);

/** Values near the edges of what `schema` allows, on both sides. */
function borderline(schema: Schema | undefined, valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const s = schema ?? {};
  const options: fc.Arbitrary<unknown>[] = [valid, nastyValue];
  if (Array.isArray(s.enum)) options.push(fc.constantFrom(...s.enum, ...s.enum.map((e: unknown) => String(e).toUpperCase()), `${s.enum[0]} `));
  if (s.format === 'date') options.push(fc.constantFrom(...DATES));
  if (s.format === 'date-time') options.push(fc.constantFrom(...DATE_TIMES));
  if (s.format === 'uuid') options.push(fc.constantFrom(...UUIDS));
  if (typeof s.maxLength === 'number') options.push(fc.constantFrom('x'.repeat(s.maxLength), 'x'.repeat(s.maxLength + 1), '\u0000'.repeat(s.maxLength)));
  if (s.minLength) options.push(fc.constant(''));
  if (s.type === 'integer' || s.type === 'number') {
    const min = s.minimum ?? 0;
    const max = s.maximum ?? 1000;
    options.push(fc.constantFrom(min - 1, min, max, max + 1, 1.5, String(max), `${min}`), rawNumbers);
  }
  if (typeof s.pattern === 'string')
    options.push(fc.constantFrom('0', '000000', '1234567', '51010', '5101 04', '５１０１０４', '510104\n', '1380013800', '138001380000'));
  if (s.type === 'array')
    options.push(fc.constantFrom([], [null], [{}]), fc.constant(Array.from({ length: (s.maxItems ?? 1000) + 1 }, () => '11010519491231002X')));
  return fc.oneof(...options);
}

// ---------------------------------------------------------------------------------------------
// The world the requests act on, made in beforeAll.

let t: TestContext;
const keys: Record<string, string | null> = {};
const pools: Record<string, unknown[]> = {};
const stats = { sent: 0, byStatus: new Map<number, number>(), fiveHundreds: 0, byOperation: new Map<string, Map<number, number>>() };

/** A valid value of a parameter or field, by name where the name says more than the schema. */
function validOf(name: string, schema: Schema | undefined, example?: unknown): fc.Arbitrary<unknown> {
  const pool = pools[name];
  if (pool?.length) return fc.constantFrom(...pool);
  if (example !== undefined) return fc.constant(example);
  if (Array.isArray(schema?.enum)) return fc.constantFrom(...schema.enum);
  if (schema?.default !== undefined) return fc.constant(schema.default);
  return fc.constant('x');
}

/** A body like `example` (valid), or with some fields dropped, replaced or added. */
function mutated(schema: Schema | undefined, example: unknown, depth = 0): fc.Arbitrary<unknown> {
  if (schema?.type === 'array' && Array.isArray(example)) {
    const item = mutated(schema.items, example[0], depth + 1);
    return fc.oneof(
      { weight: 4, arbitrary: fc.array(item, { minLength: 1, maxLength: 4 }) },
      { weight: 1, arbitrary: borderline(schema, fc.constant(example)) },
    );
  }
  if (example !== null && typeof example === 'object' && !Array.isArray(example) && depth < 3) {
    const props: Record<string, Schema> = schema?.properties ?? {};
    const names = [...new Set([...Object.keys(example), ...Object.keys(props)])];
    const fields = Object.fromEntries(
      names.map((n) => {
        const present = n in (example as object);
        const valid = pools[n]?.length || !present ? validOf(n, props[n]) : fc.constant((example as Record<string, unknown>)[n]);
        return [
          n,
          fc.oneof(
            { weight: 8, arbitrary: present ? valid.map((v) => ({ v })) : fc.constant(null) },
            { weight: 1, arbitrary: fc.constant(null) }, // left out
            { weight: 2, arbitrary: borderline(props[n], valid).map((v) => ({ v })) },
          ),
        ];
      }),
    );
    const extra = fc.option(fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor', '', 'nationalid', 'NAME'), nastyValue), { freq: 6 });
    return fc.record({ fields: fc.record(fields), extra }).map(({ fields: f, extra: x }) => {
      const out: Record<string, unknown> = {};
      for (const [k, box] of Object.entries(f)) if (box) out[k] = (box as { v: unknown }).v;
      if (x) Object.defineProperty(out, x[0], { value: x[1], enumerable: true, configurable: true, writable: true });
      return out;
    });
  }
  return borderline(schema, fc.constant(example));
}

const CSV_HEADER = 'national_id,kind,occurred_at,source_ref,identity_check,location,death_date';
const CSV_KEYS = ['nationalId', 'kind', 'occurredAt', 'sourceRef', 'identityCheck', 'location', 'deathDate'];
const csvCell = (v: unknown) => {
  const s = v === undefined ? '' : toText(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** A streamed body: NDJSON or CSV lines, some valid, some not, some not lines at all. */
function linesBody(lineSchema: Schema, example: Record<string, unknown>): fc.Arbitrary<{ text: string; kind: 'ndjson' | 'csv' }> {
  const record = mutated(lineSchema, example) as fc.Arbitrary<Record<string, unknown>>;
  const junk = fc.constantFrom('{', '[]', '"x"', 'null', '', '\u0000', '{"a":1}{"b":2}', '\ufeff{}', '"unterminated,a,b', 'a,b,c,d,e,f,g,h,i,j');
  const ndjson = fc
    .tuple(
      fc.array(fc.oneof({ weight: 4, arbitrary: record.map(toJson) }, { weight: 1, arbitrary: junk }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom('\n', '\r\n'),
    )
    .map(([lines, eol]) => ({ text: lines.join(eol), kind: 'ndjson' as const }));
  const csv = fc
    .tuple(
      fc.constantFrom(CSV_HEADER, `\ufeff${CSV_HEADER}`, 'national_id,kind', CSV_HEADER.toUpperCase(), `${CSV_HEADER},${CSV_HEADER}`, ''),
      fc.array(fc.oneof({ weight: 4, arbitrary: record.map((r) => CSV_KEYS.map((k) => csvCell(r[k])).join(',')) }, { weight: 1, arbitrary: junk }), {
        maxLength: 6,
      }),
      fc.constantFrom('\n', '\r\n'),
    )
    .map(([header, rows, eol]) => ({ text: [header, ...rows].join(eol), kind: 'csv' as const }));
  return fc.oneof(ndjson, csv);
}

// ---------------------------------------------------------------------------------------------
// Requests.

interface Request {
  /** The operation it was made from, e.g. `PUT /v1/pensioners/{nationalId}`. */
  operation: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/x-ndjson',
  'application/x-ndjson; charset=gbk',
  'text/csv',
  'text/csv; charset=gbk',
  'text/csv; charset=latin1',
  'text/csv; charset="utf-8"',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  ';;;',
];

/** encodeURIComponent, except that half a surrogate pair is sent as its WTF-8 bytes (as a careless client would) instead of throwing. */
function enc(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) out += `%ED%${(0xa0 | ((cp >> 6) & 0x1f)).toString(16).toUpperCase()}%${(0x80 | (cp & 0x3f)).toString(16).toUpperCase()}`;
    else out += encodeURIComponent(ch);
  }
  return out;
}

function pathValue(p: Param): fc.Arbitrary<string> {
  const valid = validOf(p.name, p.schema, p.example).map((v) => enc(String(v)));
  const bad = fc.oneof(
    fc.constantFrom(...BAD_NATIONAL_IDS, ...UUIDS, ...DATES, '9999-12', '0000-01', '2026-13', '10000-01', 'HOSPITAL', 'x'.repeat(250)).map(enc),
    nastyText.map(enc),
    // Written as is: already percent-encoded, or not encodable at all.
    fc.constantFrom('%00', '..', '%2e%2e', '%2F', '%ZZ', '%', '%ED%A0%80', '%C0%AE', '%FF', '.', 'a%20b', '%E5%BC%A0'),
  );
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: bad });
}

function queryPart(p: Param): fc.Arbitrary<string | null> {
  const valid = validOf(p.name, p.schema, p.example);
  const value = fc.oneof(
    { weight: 3, arbitrary: valid.map(String) },
    { weight: 2, arbitrary: borderline(p.schema, valid).map(toText) },
    { weight: 1, arbitrary: fc.constantFrom(...(pools.badCursor as string[])) },
  );
  const one = value.map((v) => `${p.name}=${enc(v)}`);
  return fc.oneof(
    { weight: 4, arbitrary: one },
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.tuple(one, one).map(([a, b]) => `${a}&${b}`) }, // repeated: an array
    { weight: 1, arbitrary: fc.constantFrom(`${p.name}`, `${p.name}=`, `${p.name}[]=1`, `${p.name}[a]=1`, `${p.name}=%00`, `${p.name}=%ZZ`) },
  );
}

function bodyOf(op: Operation): fc.Arbitrary<{ payload?: string | Buffer; type?: string }> {
  const declared = Object.keys(op.body?.content ?? {});
  const json = op.body?.content['application/json'];
  const lineSchema = LINE_SCHEMA[op.path];
  const lineExample = lineSchema ? (pools[`line:${op.path}`]?.[0] as Record<string, unknown>) : undefined;
  const shapes: fc.Arbitrary<{ payload?: string | Buffer; kind: string }>[] = [
    fc.constant({ payload: undefined, kind: 'none' }),
    fc.constantFrom('', ' ', '{', '[', 'null', '"x"', '{"a":', '\u0000', '\ufeff{}', 'NaN', '1e309').map((payload) => ({ payload, kind: 'junk' })),
    fc
      .constantFrom(Buffer.from([0xff, 0xfe, 0x00, 0x7b]), Buffer.from([0xc0, 0xae, 0x7b, 0x7d]), Buffer.from('{"name":"\xed\xa0\x80"}', 'latin1'))
      .map((payload) => ({ payload, kind: 'bytes' })),
    nastyValue.map((v) => ({ payload: toJson(v), kind: 'json' })),
  ];
  const schemaBody = json?.schema ?? (lineSchema ? { type: 'array', items: lineSchema } : undefined);
  const example = json?.example ?? (lineExample ? [lineExample] : { a: 1 });
  shapes.push(mutated(schemaBody, example).map((v) => ({ payload: toJson(v), kind: 'json' })));
  if (json) shapes.push(fc.constant({ payload: toJson(json.example), kind: 'json' }));
  const line = LINE_SCHEMA[op.path] ?? LINE_SCHEMA['/v1/feeds/{source}/batches']!;
  const lineEx = (pools[`line:${op.path}`]?.[0] ?? pools['line:/v1/feeds/{source}/batches']?.[0] ?? {}) as Record<string, unknown>;
  shapes.push(linesBody(line, lineEx).map(({ text, kind }) => ({ payload: text, kind })));
  const matching = (kind: string) => (kind === 'csv' ? 'text/csv' : kind === 'ndjson' ? 'application/x-ndjson' : (declared[0] ?? 'application/json'));
  return fc
    .tuple(
      fc.oneof(...shapes),
      fc.oneof(
        { weight: 4, arbitrary: fc.constant('matching') },
        { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
        { weight: 1, arbitrary: fc.constant('none') },
      ),
    )
    .map(([{ payload, kind }, ct]) => ({
      payload,
      type: ct === 'none' ? undefined : ct === 'matching' ? (payload === undefined ? undefined : matching(kind)) : ct,
    }));
}

/** A body as the document describes it: the example, its fields drawn from the world's values. */
function validBody(op: Operation): fc.Arbitrary<{ payload?: string | Buffer; type?: string }> {
  const json = op.body?.content['application/json'];
  const lineSchema = LINE_SCHEMA[op.path];
  if (lineSchema) {
    const line = validRecord(pools[`line:${op.path}`]![0] as Record<string, unknown>);
    const asCsv = !!op.body?.content['text/csv'];
    return fc
      .tuple(fc.array(line, { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([recs, csv]) =>
        csv && asCsv
          ? { payload: [CSV_HEADER, ...recs.map((r) => CSV_KEYS.map((k) => csvCell(r[k])).join(','))].join('\n'), type: 'text/csv' }
          : { payload: recs.map(toJson).join('\n'), type: 'application/x-ndjson' },
      );
  }
  if (!json) return fc.constant({});
  const example = json.example;
  if (example === undefined) throw new Error(`${op.method} ${op.path}: the document gives its JSON body no example`);
  const body = Array.isArray(example)
    ? fc.array(validRecord(example[0] as Record<string, unknown>), { minLength: 1, maxLength: 4 })
    : validRecord(example as Record<string, unknown>);
  return body.map((v) => ({ payload: toJson(v), type: 'application/json' }));
}
function validRecord(example: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(Object.fromEntries(Object.entries(example).map(([k, v]) => [k, pools[k]?.length ? fc.constantFrom(...pools[k]) : fc.constant(v)])));
}

const MODES = ['valid', 'one fault', 'chaos'] as const;
const PARTS = ['method', 'path', 'query', 'key', 'body'] as const;

/**
 * One request to `op`: valid (the document's example with the world's values), valid but for
 * one fault (method, a path parameter, the query, the key or the body), or wrong everywhere.
 */
function requestOf(op: Operation): fc.Arbitrary<Request> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const sendsBody = !!op.body || op.method !== 'GET';
  const validParts = fc.record({
    method: fc.constant(op.method),
    path: fc.tuple(...pathParams.map((p) => validOf(p.name, p.schema, p.example).map((v) => enc(String(v))))),
    query: fc.tuple(
      ...queryParams.map((p) =>
        fc.option(
          validOf(p.name === 'cursor' ? `cursor:${op.path}` : p.name, p.schema, p.example).map((v) => `${p.name}=${enc(String(v))}`),
          { freq: 2 },
        ),
      ),
    ),
    key: fc.constantFrom('admin', 'admin', 'bureau', 'staff', 'feed'),
    body: sendsBody ? validBody(op) : fc.constant({}),
  });
  const fuzzedParts = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
    path: fc.tuple(...pathParams.map(pathValue)),
    query: fc.tuple(...queryParams.map(queryPart), fc.option(fc.constantFrom('extra=1', 'limit=1&limit=2', '__proto__[x]=1', 'a=%00', '%ZZ=1'), { freq: 8 })),
    key: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...Object.keys(keys)) },
      { weight: 1, arbitrary: fc.constantFrom('Bearer ', 'Bearer x', 'Basic YTpi', 'Bearer \u00e9', 'bearer  ') },
    ),
    body: sendsBody ? bodyOf(op) : fc.constant({ payload: undefined, type: undefined }),
  });
  return fc
    .record({ mode: fc.constantFrom(...MODES), fault: fc.constantFrom(...PARTS), valid: validParts, fuzzed: fuzzedParts })
    .map(({ mode, fault, valid, fuzzed }) => {
      const pick = <P extends (typeof PARTS)[number]>(part: P) => (mode === 'chaos' || (mode === 'one fault' && fault === part) ? fuzzed[part] : valid[part]);
      const method = mode === 'chaos' && fuzzed.method !== op.method && fault !== 'method' ? op.method : pick('method');
      const url = pathParams.reduce((u, p, i) => u.replace(`{${p.name}}`, (pick('path') as string[])[i]!), op.path);
      const q = (pick('query') as (string | null)[]).filter((x): x is string => x !== null).join('&');
      const key = pick('key');
      const body = pick('body') as { payload?: string | Buffer; type?: string };
      const headers: Record<string, string> = {};
      if (key in keys) {
        if (keys[key]) headers.authorization = `Bearer ${keys[key]}`;
      } else headers.authorization = key;
      if (body.type) headers['content-type'] = body.type;
      return { operation: `${op.method} ${op.path}`, method, url: q ? `${url}?${q}` : url, headers, payload: method === 'GET' ? undefined : body.payload };
    });
}

// ---------------------------------------------------------------------------------------------
// What must hold.

const TABLES = [
  'api_keys',
  'pensioners',
  'certifications',
  'decisions',
  'batches',
  'batch_chunks',
  'events',
  'feed_cursors',
  'manual_checks',
  'reminders',
  'audit_log',
] as const;

/**
 * Each table's row count and a digest of its content. A refused registration of someone the key
 * may not see is audited as what it told (that the ID is taken): that row is the one write a
 * refusal makes on purpose, so it is left out; every other audit row counts.
 */
async function snapshot(): Promise<Record<string, { n: number; digest: string }>> {
  const parts = TABLES.map(
    (tb) =>
      sql`(SELECT json_build_object('n', count(*), 'digest', md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))) FROM ${sql.table(tb)} x
        ${tb === 'audit_log' ? sql`WHERE x.action <> 'pensioner.register_refused'` : sql``}) AS ${sql.ref(tb)}`,
  );
  const row = (await sql<Record<string, { n: number; digest: string }>>`SELECT ${sql.join(parts)}`.execute(t.deps.db)).rows[0]!;
  return row;
}

function describeRequest(r: Request): string {
  const body = r.payload === undefined ? '' : typeof r.payload === 'string' ? r.payload : `<bytes ${r.payload.toString('hex')}>`;
  return `${r.method} ${r.url} ${JSON.stringify(r.headers)} ${JSON.stringify(body.slice(0, 400))}`;
}

async function send(r: Request): Promise<number> {
  const before = await snapshot();
  const res = await t.app.inject({ method: r.method as 'GET', url: r.url, headers: r.headers, payload: r.payload });
  stats.sent++;
  stats.byStatus.set(res.statusCode, (stats.byStatus.get(res.statusCode) ?? 0) + 1);
  const ofOp = stats.byOperation.get(r.operation) ?? new Map<number, number>();
  stats.byOperation.set(r.operation, ofOp.set(res.statusCode, (ofOp.get(res.statusCode) ?? 0) + 1));
  const what = `${describeRequest(r)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
  if (res.statusCode >= 500) stats.fiveHundreds++;
  expect(res.statusCode, what).toBeLessThan(500);
  if (res.statusCode >= 400) {
    expect(res.headers['content-type'], what).toMatch(/^application\/json/);
    expect(JSON.parse(res.body), what).toMatchObject({ error: { code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) } });
  }
  if (res.statusCode < 200 || res.statusCode >= 300) expect(await snapshot(), `a refused request changed the database: ${what}`).toEqual(before);
  return res.statusCode;
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  t = await createTestContext({ config: { rateLimitPerSecond: 1_000_000, batchLimitBytes: 256 * 1024 } });
  for (const role of ['admin', 'bureau', 'staff', 'feed'] as const) keys[role] = await t.key(role);
  keys.bureauChengdu = await t.key('bureau', { region: '5101', name: 'bureau-5101' });
  keys.staffBeijing = await t.key('staff', { region: '1101', name: 'staff-1101' });
  keys.feedHospital = await t.key('feed', { sources: ['hospital'], name: 'feed-hospital' });
  keys.none = null;

  const people = ['11010519491231002X', syntheticId('110105'), ...Array.from({ length: 5 }, () => syntheticId('510104'))];
  for (const id of people) await registerPensioner(t.app, keys.admin!, id, { regionCode: id.slice(0, 6) });
  const post = async (url: string, payload: unknown, key = keys.admin!) => {
    const res = await t.app.inject({ method: 'POST', url, headers: auth(key), payload: payload as object });
    if (res.statusCode >= 300) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`);
    return res.json();
  };
  await post(
    '/v1/events',
    people.flatMap((id, i) => [
      {
        nationalId: id,
        source: 'hospital',
        kind: 'admission',
        occurredAt: '2026-05-01T09:30:00+08:00',
        sourceRef: `seed-a-${i}`,
        identityCheck: 'id_document',
        location: '510104',
      },
      { nationalId: id, source: 'bank', kind: 'atm_withdrawal', occurredAt: '2026-05-02T09:30:00+08:00', sourceRef: `seed-b-${i}`, identityCheck: 'card_pin' },
    ]),
  );
  const checks = [];
  for (const id of people.slice(2, 5)) checks.push((await post(`/v1/pensioners/${id}/flags`, { reason: 'reported_death' }, keys.staff!)).id as string);
  await post(`/v1/manual-checks/${checks[0]}/claim`, {}, keys.staff!);
  const csv = `national_id,kind,occurred_at,source_ref,identity_check,location\n${people[2]},admission,2026-06-01T09:30:00+08:00,seed-csv-1,id_document,510104\n`;
  const batch = await t.app.inject({
    method: 'POST',
    url: '/v1/feeds/hospital/batches',
    headers: { ...auth(keys.feed!), 'content-type': 'text/csv' },
    payload: csv,
  });
  const batchId = batch.json().batchId as string;

  const cursors: string[] = [];
  for (const url of ['/v1/certifications', '/v1/manual-checks', '/v1/pensioners/{nationalId}/decisions', '/v1/pensioners/{nationalId}/evidence']) {
    const res = await t.app.inject({ method: 'GET', url: `${url.replace('{nationalId}', people[2]!)}?limit=1`, headers: auth(keys.admin!) });
    const next = res.json().nextCursor as string | null;
    if (next) cursors.push(next);
    pools[`cursor:${url}`] = next ? [next] : [];
  }
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  pools.badCursor = [
    ...cursors.map((c) => c.slice(0, -2)),
    ...cursors.map((c) => `${c}x`),
    ...cursors.map((c) => c.replace(/^./, (ch) => (ch === 'W' ? 'X' : 'W'))),
    b64(['9999-12-31', '9223372036854775807']),
    b64(['0001-01-01', '0']),
    b64(['2026-02-30', '1']),
    b64(['999999999999999999']),
    b64(['999999999999999999', '2026-06-15 04:00:00+00', '00000000-0000-0000-0000-000000000000']),
    b64(['1', '9999-12-31 23:59:59.999999-15:59', 'ffffffff-ffff-ffff-ffff-ffffffffffff']),
    b64(['1', '2026-06-15 04:00:00+99:99', '00000000-0000-0000-0000-000000000000']),
    b64(['2026-06-15 04:00:00+99', '1']),
    b64(['2026-06-15T04:00:00-1600', '1']),
    b64(['0001-01-01 00:00:00+14', '1']),
    b64([1, 2]),
    b64({ a: 1 }),
    b64([]),
    b64(['\u0000']),
    'x'.repeat(201),
    '%%%',
    '',
  ];
  Object.assign(pools, {
    nationalId: [...people, syntheticId('510104'), syntheticId('510104'), syntheticId('110105'), '11010519491231002x'],
    id: [...checks, '7d7c7f0e-2d7a-4f59-9d5b-2b1f0c1f6c11'],
    batchId: [batchId, '5f0c7a52-3c1e-4d8e-9a51-0c3f1f2d9b10'],
    month: ['2026-06', '2026-07', '2025-12', '1900-01'],
    region: ['5101', '510104', '1101', '1', '999999'],
    limit: [1, 2, 100, 1000],
    cursor: cursors,
    sourceRef: ['fz-1', 'fz-2', 'fz-3', 'seed-a-0'],
    deathDate: ['2026-06-01'],
    occurredAt: ['2026-06-01T09:30:00+08:00', '2026-06-14T23:00:00Z'],
    servicePointId: ['SP-510104-01'],
    'line:/v1/pensioners/bulk': [
      {
        nationalId: people[3],
        name: '王某',
        regionCode: '510104',
        benefitStartDate: '2010-01-01',
        monthlyBenefit: '3000',
        address: { village: '红星社区', street: '红星路12号' },
      },
    ],
    'line:/v1/feeds/{source}/batches': [
      { nationalId: people[4], kind: 'admission', occurredAt: '2026-06-01T09:30:00+08:00', sourceRef: 'ZY20260601-0042', identityCheck: 'id_document' },
    ],
  });
}, 120_000);

afterAll(async () => {
  // The figures the README's Reliability section quotes.
  const statuses = [...stats.byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`);
  console.log(`fuzz: ${stats.sent} requests, ${stats.fiveHundreds} answered 5xx; statuses ${statuses.join(' ')}`);
  if (process.env.FUZZ_VERBOSE) for (const [op, m] of stats.byOperation) console.log(`  ${op}: ${[...m].map(([st, n]) => `${st}:${n}`).join(' ')}`);
  await t?.close();
});

describe('fuzz of every documented operation', () => {
  it('covers every operation of openapi.yaml', () => {
    expect(OPERATIONS.length).toBeGreaterThanOrEqual(20);
    for (const op of OPERATIONS) {
      const url = op.path.replace(/\{(\w+)\}/g, ':$1');
      expect(
        t.app.servedRoutes.some((r) => r.method === op.method && r.url === url),
        `${op.method} ${op.path}`,
      ).toBe(true);
    }
  });

  it('a registration refused for a person of another region writes nothing but the audit of what it told (found by the fuzz)', async () => {
    const id = '11010519491231002X';
    const record = {
      name: '王某',
      regionCode: '510104',
      benefitStartDate: '2010-04-01',
      monthlyBenefit: '3120.50',
      pensionType: 'enterprise',
      lastCertifiedAt: '2026-01-10',
    };
    const headers = { authorization: `Bearer ${keys.bureauChengdu}`, 'content-type': 'application/json' };
    const status = await send({
      operation: 'PUT /v1/pensioners/{nationalId}',
      method: 'PUT',
      url: `/v1/pensioners/${id}`,
      headers,
      payload: JSON.stringify(record),
    });
    expect(status).toBe(404);
    const audited = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log a JOIN pensioners p ON p.id = a.pensioner_id
      WHERE p.national_id = ${id} AND a.action = 'pensioner.register_refused'`.execute(t.deps.db);
    expect(audited.rows[0]!.n).toBeGreaterThan(0);
  });

  it(
    `answers ${RUNS} malformed, borderline and valid requests below 500, refusals in the error shape and writing nothing`,
    async () => {
      const request = fc.constantFrom(...OPERATIONS).chain(requestOf);
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          await send(r);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: false },
      );
    },
    Math.max(60_000, RUNS * 200),
  );

  it('leaves nothing half-written', async () => {
    const one = async (q: ReturnType<typeof sql<{ n: string }>>) => Number((await q.execute(t.deps.db)).rows[0]!.n);
    // No upload left mid-way, and a received batch holds exactly the bytes it counted.
    expect(await one(sql`SELECT count(*) AS n FROM batches WHERE status = 'uploading'`)).toBe(0);
    expect(
      await one(
        sql`SELECT count(*) AS n FROM batches b WHERE b.bytes <> (SELECT coalesce(sum(octet_length(c.data)), 0) FROM batch_chunks c WHERE c.batch_id = b.id)`,
      ),
    ).toBe(0);
    // Every file the fuzz got accepted can be ingested to an end (as the ingest-batch job would),
    // none left to retry forever.
    const received = await sql<{ id: string }>`SELECT id::text AS id FROM batches WHERE status = 'received'`.execute(t.deps.db);
    for (const { id } of received.rows) await t.deps.evidence.processBatch(id);
    expect(await one(sql`SELECT count(*) AS n FROM batches WHERE status NOT IN ('completed', 'failed')`)).toBe(0);
    // Every pensioner has its one certification, naming it as it is; audit rows name people who exist.
    expect(await one(sql`SELECT count(*) AS n FROM pensioners p LEFT JOIN certifications c ON c.pensioner_id = p.id WHERE c.pensioner_id IS NULL`)).toBe(0);
    expect(
      await one(
        sql`SELECT count(*) AS n FROM certifications c JOIN pensioners p ON p.id = c.pensioner_id WHERE c.national_id <> p.national_id OR c.region_code <> p.region_code`,
      ),
    ).toBe(0);
    expect(await one(sql`SELECT count(*) AS n FROM audit_by_pensioner a WHERE NOT EXISTS (SELECT 1 FROM pensioners p WHERE p.id = a.pensioner_id)`)).toBe(0);
    // A check's state and its columns agree.
    expect(
      await one(
        sql`SELECT count(*) AS n FROM manual_checks WHERE (status = 'claimed' AND (claimed_by IS NULL OR claim_expires_at IS NULL)) OR (status = 'resolved' AND (resolved_at IS NULL OR outcome IS NULL))`,
      ),
    ).toBe(0);
  });
});
