// Evidence partitioned by month (migrations/20261204T040000): exactly-once storage without a
// unique key on the partitioned table, the months made ahead and the outliers' default
// partition, and retention: a clock moved past it drops the old months and nothing else, and
// the decisions taken from them still replay and still decide.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner } from '../helpers/people.ts';
import { ids, register, waitForBatch } from '../helpers/ingest.ts';
import { createIngestBatchWorker } from '../../jobs/ingest-batch.ts';
import { createEvidencePartitionsWorker } from '../../jobs/evidence-partitions.ts';
import { createFactsRepository } from '../../src/modules/certification/facts-repository.ts';
import { createReplayService } from '../../src/modules/certification/replay.ts';
import { createEvidencePartitionRepository } from '../../src/modules/evidence/partitions-repository.ts';
import { loadPolicyArchive } from '../../src/domain/policy-file.ts';
import { DEFAULT_POLICY_ARCHIVE } from '../../src/modules/certification/cli.ts';

let t: TestContext;
let feed: string;
let bureau: string;
let admin: string;
const people = ids(6, '510104', '1944-05-01');
const partitions = createEvidencePartitionRepository();

const push = async (events: Record<string, unknown>[]) => {
  // An admin key is told duplicates apart (a feed key is not: existence-oracles.test.ts).
  const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: auth(admin), payload: events });
  expect(res.statusCode, res.body).toBe(202);
  return res.json() as { accepted: number; duplicates: number };
};
const ev = (nationalId: string, sourceRef: string, occurredAt: string, kind = 'counter') => ({
  nationalId,
  source: 'bank',
  kind,
  occurredAt,
  identityCheck: 'id_document',
  sourceRef,
});
const count = async (where: string, values: unknown[] = []) =>
  (await t.deps.pool.query(`SELECT count(*)::int AS n FROM events WHERE ${where}`, values)).rows[0].n as number;
const partitionOf = async (sourceRef: string) =>
  (await t.deps.pool.query(`SELECT tableoid::regclass::text AS p FROM events WHERE source_ref = $1`, [sourceRef])).rows.map((r) => r.p as string);
const pensionerId = async (nid: string) =>
  (await t.deps.pool.query('SELECT id::text AS id FROM pensioners WHERE national_id = $1', [nid])).rows[0].id as string;
const rescore = async (nid: string) => {
  const id = await pensionerId(nid);
  await t.deps.transaction((trx) => t.deps.certification.rescore(trx, [id], t.clock.now(), 'test'));
};

/** Runs one job of the evidence-partitions queue through its worker; what it returned. */
async function runJob(name: 'prepare' | 'retire', jobId: string): Promise<unknown> {
  const worker = createEvidencePartitionsWorker(t.deps);
  try {
    await t.deps.queues.add('evidence-partitions', [{ name, data: {}, jobId }]);
    for (let i = 0; i < 600; i++) {
      const state = await t.deps.queues.get('evidence-partitions').getJobState(jobId);
      const job = await t.deps.queues.get('evidence-partitions').getJob(jobId);
      if (state === 'completed') return job!.returnvalue;
      if (state === 'failed') throw new Error(job!.failedReason);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`job ${jobId} not done`);
  } finally {
    await worker.close();
  }
}

beforeAll(async () => {
  t = await createTestContext({ now: '2023-03-15T04:00:00Z' });
  feed = await t.key('feed', { sources: ['bank', 'death'] });
  bureau = await t.key('bureau');
  admin = await t.key('admin');
  for (const nid of people.slice(0, 3)) await registerPensioner(t.app, bureau, nid, { lastCertifiedAt: '2022-06-01' });
  await register(t, bureau, people.slice(3));
});
afterAll(async () => {
  await t?.close();
});

describe('roll-over', () => {
  it('the scheduled job makes this month and the three ahead, once', async () => {
    expect(await runJob('prepare', 'prepare-1')).toEqual({ made: ['2023-03', '2023-04', '2023-05', '2023-06'] });
    expect(await t.deps.evidencePartitions.prepare()).toEqual({ made: [] });
    expect(await partitions.months(t.deps.db)).toEqual(expect.arrayContaining(['2023-03', '2023-04', '2023-05', '2023-06']));
  });

  it('puts a date with no month in the default partition, and moves it out when its month is made', async () => {
    await push([ev(people[3]!, 'OUT-1990', '1990-05-01T10:00:00+08:00'), ev(people[3]!, 'OUT-2023-01', '2023-01-20T10:00:00+08:00')]);
    expect(await partitionOf('OUT-1990')).toEqual(['events_default']);
    expect(await partitionOf('OUT-2023-01')).toEqual(['events_default']);
    expect(await t.deps.transaction((trx) => partitions.prepare(trx, '2023-01'))).toBe(true);
    expect(await partitionOf('OUT-2023-01')).toEqual(['events_p202301']);
    expect(await partitionOf('OUT-1990')).toEqual(['events_default']);
  });
});

describe('exactly once', () => {
  it('stores the same event sent twice once, even with another date (another month)', async () => {
    expect(await push([ev(people[4]!, 'EO-1', '2023-03-01T10:00:00+08:00')])).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await push([ev(people[4]!, 'EO-1', '2023-03-01T10:00:00+08:00')])).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await push([ev(people[4]!, 'EO-1', '2023-02-27T10:00:00+08:00'), ev(people[4]!, 'EO-1', '2023-03-02T10:00:00+08:00')])).toMatchObject({
      accepted: 0,
      duplicates: 2,
    });
    // One push naming one event twice stores it once.
    expect(await push([ev(people[4]!, 'EO-2', '2023-03-03T10:00:00+08:00'), ev(people[4]!, 'EO-2', '2023-03-04T10:00:00+08:00')])).toMatchObject({
      accepted: 1,
    });
    expect(await count(`source_ref IN ('EO-1', 'EO-2')`)).toBe(2);
  });

  it('stores overlapping batches processed at once once', async () => {
    const worker = createIngestBatchWorker(t.deps, { chunkLines: 7 });
    try {
      const header = 'national_id,kind,occurred_at,source_ref,identity_check';
      const line = (i: number) => `${people[5]},counter,2023-03-0${1 + (i % 9)}T10:00:00+08:00,OV-${i},id_document`;
      const file = (from: number, to: number) => [header, ...Array.from({ length: to - from }, (_, k) => line(from + k))].join('\n') + '\n';
      const upload = (body: string) =>
        t.app.inject({ method: 'POST', url: '/v1/feeds/bank/batches', headers: { ...auth(feed), 'content-type': 'text/csv' }, payload: body });
      const [a, b] = await Promise.all([upload(file(0, 60)), upload(file(30, 90))]);
      const [ra, rb] = await Promise.all([waitForBatch(t, feed, a.json().batchId), waitForBatch(t, feed, b.json().batchId)]);
      expect([ra.status, rb.status]).toEqual(['completed', 'completed']);
      expect(await count(`source_ref LIKE 'OV-%'`)).toBe(90);
      const distinct = await t.deps.pool.query(`SELECT count(DISTINCT source_ref)::int AS n FROM events WHERE source_ref LIKE 'OV-%'`);
      expect(distinct.rows[0].n).toBe(90);
    } finally {
      await worker.close();
    }
  });
});

describe('retention', () => {
  let before: { month: string; rows: number }[];
  let archive: Awaited<ReturnType<typeof loadPolicyArchive>>;

  beforeAll(async () => {
    archive = await loadPolicyArchive(DEFAULT_POLICY_ARCHIVE);
    // March 2023: a counter visit certifies people[0]; a death record makes people[1] death_reported, a second one deceased.
    await push([ev(people[0]!, 'R-0', '2023-03-10T10:00:00+08:00')]);
    await push([
      {
        nationalId: people[1],
        source: 'death',
        kind: 'household_deregistration',
        occurredAt: '2023-03-11T10:00:00+08:00',
        identityCheck: 'id_document',
        sourceRef: 'R-1a',
      },
      { nationalId: people[1], source: 'death', kind: 'cremation', occurredAt: '2023-03-12T10:00:00+08:00', identityCheck: 'id_document', sourceRef: 'R-1b' },
    ]);
    for (const nid of people.slice(0, 2)) await rescore(nid);
    // June 2023, kept: people[2] certified by a visit.
    t.clock.set('2023-06-10T04:00:00Z');
    await push([ev(people[2]!, 'R-2', '2023-06-05T10:00:00+08:00')]);
    await rescore(people[2]!);
    before = (await t.deps.pool.query(`SELECT tableoid::regclass::text AS month, count(*)::int AS rows FROM events GROUP BY 1 ORDER BY 1`)).rows;
  });

  it('keeps everything while the clock is within the retention', async () => {
    t.clock.set('2025-12-10T04:00:00Z'); // 2023-01 is the oldest month of 36 kept
    expect(await t.deps.evidencePartitions.retire()).toEqual({ retired: [], outliers: 1 });
  });

  it('a clock moved past the retention drops the old months and nothing else', async () => {
    const months = await partitions.months(t.deps.db);
    t.clock.set('2026-04-10T04:00:00Z'); // 36 months: 2023-05 … 2026-04 kept
    const r = await t.deps.evidencePartitions.retire();
    expect(r.retired.map((x) => x.month)).toEqual(['2023-01', '2023-03', '2023-04']);
    expect(r.outliers).toBe(1);
    expect(await partitions.months(t.deps.db)).toEqual(months.filter((m) => m >= '2023-05'));
    const after = (await t.deps.pool.query(`SELECT tableoid::regclass::text AS month, count(*)::int AS rows FROM events GROUP BY 1 ORDER BY 1`)).rows;
    expect(after).toEqual(before.filter((p) => !['events_p202301', 'events_p202303', 'events_p202304'].includes(p.month)));
    // Never a row-by-row delete: the months kept are the same tables, the outlier of 1990 still there.
    expect(await partitionOf('OUT-1990')).toEqual(['events_default']);
    expect(await partitionOf('R-2')).toEqual(['events_p202306']);
    // The decisions' events were copied before the drop.
    const kept = await t.deps.pool.query(`SELECT source_ref FROM decision_events ORDER BY 1`);
    expect(kept.rows.map((x) => x.source_ref)).toEqual(expect.arrayContaining(['R-0', 'R-1a', 'R-1b']));
    // A second run finds nothing more to do.
    expect((await t.deps.evidencePartitions.retire()).retired).toEqual([]);
  });

  it('replays an old decision identically after its events are gone', async () => {
    const replay = createReplayService({ db: t.deps.db, repo: t.deps.certificationRepo, facts: createFactsRepository() });
    for (const nid of people.slice(0, 2)) {
      const results = await replay.replayPensioner(await pensionerId(nid), archive);
      expect(results.length).toBeGreaterThan(1);
      expect(results.map((x) => x.outcome)).toEqual(results.map(() => 'identical'));
    }
    expect(await count(`source_ref IN ('R-0', 'R-1a', 'R-1b')`)).toBe(0);
  });

  it('still decides from them: the dead stay dead after a rescore', async () => {
    await rescore(people[1]!);
    const res = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${people[1]}/certification`, headers: auth(bureau) });
    expect(res.json().status).toBe('deceased');
  });

  it('a file re-sent after its month was dropped stays a duplicate', async () => {
    expect(await push([ev(people[0]!, 'R-0', '2023-03-10T10:00:00+08:00')])).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await partitionOf('R-0')).toEqual([]);
  });

  it('runs as the scheduled job', async () => {
    expect(await runJob('retire', 'retire-1')).toEqual({ retired: [], outliers: 1 });
  });
});
