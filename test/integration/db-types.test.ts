// The Kysely table types (src/infra/db-types.ts) against a migrated database: every table and
// column the migrations make is typed, nothing typed is missing from them, and each column's
// type says what PostgreSQL gives (kind as the pg driver parses it, null) and takes (an INSERT
// may leave out exactly the columns with a default or that may be null; a generated one, none).
// Regression: payroll_runs, payroll_run_lines, claims, appeals and others were made by
// migrations but never typed, so their repositories could only use untyped SQL.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withClient } from '../helpers/context.ts';
import { tableTypes, type ColumnTypeInfo } from '../helpers/table-types.ts';

const DB_TYPES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/infra/db-types.ts');

interface Column {
  table_name: string;
  column_name: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
  is_identity: 'YES' | 'NO';
  is_generated: 'ALWAYS' | 'NEVER';
}

/** What the pg driver gives for a type (bigint and numeric as text; dates as text: src/infra/database.ts). */
const KINDS: Record<string, string[]> = {
  int8: ['string'],
  numeric: ['string'],
  int4: ['number'],
  int2: ['number'],
  float8: ['number'],
  float4: ['number'],
  text: ['string'],
  bpchar: ['string'],
  varchar: ['string'],
  uuid: ['string'],
  date: ['string'],
  timestamptz: ['Date'],
  bool: ['boolean'],
  bytea: ['Buffer'],
  _text: ['string[]'],
  _uuid: ['string[]'],
  _int8: ['string[]'],
  _int4: ['number[]'],
};
const JSON_TYPES = new Set(['json', 'jsonb']);

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let columns: Column[];

beforeAll(async () => {
  db = await createTestDatabase();
  // The tables the migrations make: partitions of events are events; Kysely's own are not ours.
  columns = await withClient(
    db.ownerUrl,
    async (c) =>
      (
        await c.query<Column>(`
        SELECT col.table_name, col.column_name, col.udt_name, col.is_nullable, col.column_default, col.is_identity, col.is_generated
        FROM information_schema.columns col
        JOIN pg_class k ON k.relname = col.table_name JOIN pg_namespace n ON n.oid = k.relnamespace AND n.nspname = col.table_schema
        WHERE col.table_schema = 'public' AND k.relkind IN ('r', 'p') AND NOT k.relispartition AND col.table_name NOT LIKE 'kysely\\_%'
        ORDER BY col.table_name, col.ordinal_position`)
      ).rows,
  );
}, 60_000);
afterAll(async () => db?.drop());

function expected(c: Column): Omit<ColumnTypeInfo, 'kinds'> {
  const nullable = c.is_nullable === 'YES';
  const defaulted = c.column_default !== null || c.is_identity === 'YES';
  return { nullable, insert: c.is_generated === 'ALWAYS' ? 'never' : nullable || defaulted ? 'optional' : 'required' };
}

/** Every way a column's type differs from the database's, in words. */
function differences(c: Column, t: ColumnTypeInfo): string[] {
  const at = `${c.table_name}.${c.column_name}`;
  const out: string[] = [];
  const want = expected(c);
  if (JSON_TYPES.has(c.udt_name)) {
    if (!t.kinds.every((k) => k === 'unknown' || k === 'object')) out.push(`${at}: ${c.udt_name} is selected as ${t.kinds.join(' | ')}`);
  } else if (!KINDS[c.udt_name]) {
    out.push(`${at}: no kind known for ${c.udt_name} (add it to KINDS)`);
  } else if (t.kinds.join() !== KINDS[c.udt_name]!.join()) {
    out.push(`${at}: ${c.udt_name} is selected as ${t.kinds.join(' | ')}, the driver gives ${KINDS[c.udt_name]!.join(' | ')}`);
  }
  // `unknown` (a JSON value) holds null: its type cannot tell.
  const untold = t.kinds.join() === 'unknown';
  if (!untold && t.nullable !== want.nullable)
    out.push(`${at}: typed ${t.nullable ? 'nullable' : 'not null'}, the column is ${want.nullable ? 'nullable' : 'NOT NULL'}`);
  if (t.insert !== want.insert) out.push(`${at}: an insert is typed ${t.insert}, the column makes it ${want.insert}`);
  return out;
}

describe('src/infra/db-types.ts', () => {
  const types = tableTypes(DB_TYPES);

  it('types every table the migrations make, and no other', () => {
    expect([...types.keys()].sort()).toEqual([...new Set(columns.map((c) => c.table_name))].sort());
  });

  it('types every column of each, and no other', () => {
    const missing = columns.filter((c) => !types.get(c.table_name)?.has(c.column_name)).map((c) => `${c.table_name}.${c.column_name}`);
    const extra = [...types].flatMap(([table, cols]) =>
      [...cols.keys()].filter((col) => !columns.some((c) => c.table_name === table && c.column_name === col)).map((col) => `${table}.${col}`),
    );
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it("gives each column the database's kind, nullability, and default or generation", () => {
    const wrong = columns.flatMap((c) => {
      const t = types.get(c.table_name)?.get(c.column_name);
      return t ? differences(c, t) : [];
    });
    expect(wrong).toEqual([]);
  });
});
