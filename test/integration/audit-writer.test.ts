// The audit writer stores every entry exactly as given, whatever its shape: details with quotes,
// backslashes, commas and Chinese text, no key or person, ids given as number, text or bigint,
// more entries in one flush than one INSERT takes, and requests that share a flush. Entries of a
// flush that differ only in the person are stored as one row naming them (rows.ts): read back
// here one row per person, as audit_by_pensioner shows them.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withClient } from '../helpers/context.ts';
import { createAuditWriter, type AuditEntry, type AuditWriter } from '../../src/modules/audit/repository.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let writer: AuditWriter;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  writer = createAuditWriter(pool);
}, 60_000);
afterAll(async () => {
  await writer?.close();
  await pool?.end();
  await db?.drop();
});

const KEY = '6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b';
const stored = async (action: string) =>
  withClient(
    db.ownerUrl,
    async (c) =>
      (
        await c.query<{ key_id: string | null; role: string | null; pensioner_id: string | null; detail: unknown }>(
          `SELECT key_id::text AS key_id, role, coalesce(a.pensioner_id, p.id)::text AS pensioner_id, detail
           FROM audit_log a LEFT JOIN LATERAL unnest(a.pensioner_ids) WITH ORDINALITY AS p(id, n) ON true
           WHERE action = $1 ORDER BY a.id, p.n`,
          [action],
        )
      ).rows,
  );

describe('audit writer', () => {
  it('stores each entry as given', async () => {
    const detail = { note: 'He said "不在家", then \\ left, a,b', nested: { n: 1, list: [null, true, 'x'] } };
    const entries: AuditEntry[] = [
      { keyId: KEY, role: 'staff', action: 'shape', pensionerId: 42, detail },
      { keyId: null, role: null, action: 'shape', pensionerId: null },
      { keyId: KEY, role: 'bureau', action: 'shape', pensionerId: '9007199254740993', detail: null },
      { keyId: KEY, role: 'bureau', action: 'shape', pensionerId: 9007199254740995n },
    ];
    await writer.record(entries);
    expect(await stored('shape')).toEqual([
      { key_id: KEY, role: 'staff', pensioner_id: '42', detail },
      { key_id: null, role: null, pensioner_id: null, detail: null },
      { key_id: KEY, role: 'bureau', pensioner_id: '9007199254740993', detail: null },
      { key_id: KEY, role: 'bureau', pensioner_id: '9007199254740995', detail: null },
    ]);
  });

  it('stores more entries than one INSERT takes, and requests sharing a flush, each once', async () => {
    // With detail each entry is a row of its own: more rows than one INSERT takes.
    const big = Array.from({ length: 6001 }, (_, i) => ({ keyId: KEY, role: 'bureau', action: 'many', pensionerId: i + 1, detail: { i } }));
    const small = Array.from({ length: 20 }, (_, i) => writer.record({ keyId: KEY, role: 'bureau', action: 'many', pensionerId: 10_000 + i }));
    await Promise.all([writer.record(big), ...small]);
    const rows = await stored('many');
    expect(rows).toHaveLength(6021);
    expect(new Set(rows.map((r) => r.pensioner_id)).size).toBe(6021);
    const rowCount = await withClient(db.ownerUrl, async (c) => (await c.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'many'`)).rows[0].n);
    expect(rowCount).toBeLessThan(6021); // the twenty lookups that shared a flush are fewer rows
  });

  it('a bad entry fails its flush whole: nothing of it is stored', async () => {
    await expect(writer.record([{ keyId: 'not-a-uuid', role: 'bureau', action: 'bad', pensionerId: 1 }])).rejects.toThrow();
    expect(await stored('bad')).toEqual([]);
  });
});
