// A batch chunk's merge finds its people by probing the national ID index once a staged line,
// never by reading the whole registry. Found at 1M pensioners (2026-12-03): joining a chunk of
// 20,000 staged lines to the registry, PostgreSQL hashed all 1,000,000 pensioners (16,400
// buffers, spilled to disk) for every chunk and every small file: 650 ms a merge against 58 ms
// probing, and the scan grows with the province while the probes grow only with the file.
// What the transaction itself read is in pg_stat_xact_user_tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase } from '../helpers/context.ts';
import { ids as nationalIds } from '../helpers/ingest.ts';
import { createDatabase, type Database, type Executor } from '../../src/infra/database.ts';
import { copyLine, createEvidenceRepository } from '../../src/modules/evidence/repository.ts';
import type { EventRecord } from '../../src/modules/evidence/validate.ts';

let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
let database: Database;
const repo = createEvidenceRepository();
/** A registry big enough that the planner prefers hashing it to a staged file of 3,000 lines. */
const REGISTERED = nationalIds(20_000, '510104', '1946-02-01');
const UNKNOWN = nationalIds(200, '510104', '1946-02-01', 50_000);

const event = (nationalId: string, i: number): EventRecord => ({
  nationalId,
  source: 'bank',
  kind: 'counter',
  sourceRef: `probe-${i}`,
  occurredAt: '2026-05-01T10:00:00+08:00',
  identityCheck: 'id_document',
  location: null,
  deathDate: null,
});

/** The pensioners table's scans in the current transaction. */
async function registryScans(trx: Executor): Promise<{ seq: number; idx: number }> {
  const { rows } = await sql<{ seq: number; idx: number }>`
    SELECT coalesce(seq_scan, 0)::int AS seq, coalesce(idx_scan, 0)::int AS idx FROM pg_stat_xact_user_tables WHERE relname = 'pensioners'`.execute(trx);
  return rows[0] ?? { seq: 0, idx: 0 };
}

/** Registry rows only (test/helpers/ingest.ts's register, without an app). */
const registerIn = (ids: string[], region: string) =>
  database.pool.query(
    `INSERT INTO pensioners (national_id, name, region_code, birth_date, benefit_start_date, monthly_benefit_fen)
     SELECT nid, '测试乙', $2, to_date(substr(nid, 7, 8), 'YYYYMMDD'), '2010-04-01', 300000 FROM unnest($1::text[]) AS nid`,
    [ids, region],
  );

beforeAll(async () => {
  tdb = await createTestDatabase();
  database = createDatabase(tdb.url, { max: 2 });
  await registerIn(REGISTERED, '510104');
  await registerIn(nationalIds(20, '320102', '1946-02-01', 90_000), '320102');
});
afterAll(async () => {
  await database.close();
  await tdb.drop();
});

describe("a chunk's merge and the registry", () => {
  it('probes the national ID index for each staged line and reads no whole registry', async () => {
    const staged = [...REGISTERED.slice(0, 2_800), ...UNKNOWN].map(event);
    const result = await database.transaction(async (trx) => {
      await repo.stage(trx, staged.map(copyLine).join(''));
      // A province-wide key's file (a department's provincial feed): no region narrows the registry.
      const merged = await repo.mergeStaged(trx, { regionPrefix: null, receivedAt: new Date(), receivedVia: 'import:probe', batchId: crypto.randomUUID() });
      return { merged, scans: await registryScans(trx) };
    });
    expect(result.merged.matched).toBe(2_800);
    expect(result.merged.inserted).toBe(2_800);
    expect(result.scans.seq).toBe(0);
    expect(result.scans.idx).toBeGreaterThan(0);
  });

  it('still keeps to the region and drops people it does not know', async () => {
    const other = nationalIds(20, '320102', '1946-02-01', 90_000);
    const staged = [...REGISTERED.slice(5_000, 5_010), ...other, ...UNKNOWN.slice(0, 5)].map((id, i) => event(id, 10_000 + i));
    const merged = await database.transaction(async (trx) => {
      await repo.stage(trx, staged.map(copyLine).join(''));
      return repo.mergeStaged(trx, { regionPrefix: '5101', receivedAt: new Date(), receivedVia: 'import:probe', batchId: crypto.randomUUID() });
    });
    expect(merged.matched).toBe(10);
    expect(merged.touched).toHaveLength(10);
  });
});
