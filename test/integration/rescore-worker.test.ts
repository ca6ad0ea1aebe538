// The rescore worker: it yields to ingestion (while files are being merged it takes no new
// jobs, up to RESCORE_DEFER_MAX_MS), and a job tops its set up from the pending backlog; on
// both queue backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from 'bullmq';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { ids, register } from '../helpers/ingest.ts';
import { createRescoreWorker, holdRescoring } from '../../jobs/rescore.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await sleep(50);
  }
}

it('holds only while ingestion is busy, and never past the bound', () => {
  expect(holdRescoring({ ingestionBusy: false, oldestWaitingMs: 10, maxDeferMs: 1000 })).toBe(false);
  expect(holdRescoring({ ingestionBusy: true, oldestWaitingMs: 10, maxDeferMs: 1000 })).toBe(true);
  expect(holdRescoring({ ingestionBusy: true, oldestWaitingMs: null, maxDeferMs: 1000 })).toBe(true);
  expect(holdRescoring({ ingestionBusy: true, oldestWaitingMs: 1000, maxDeferMs: 1000 })).toBe(false);
});

describe.each(['redis', 'postgres'] as const)('on the %s backend', (queue) => {
  let t: TestContext;
  let pids: string[];
  let worker: Worker | undefined;

  beforeAll(async () => {
    t = await createTestContext({ queue, now: '2026-06-15T04:00:00Z' });
    const people = ids(4, '510104', '1944-05-01');
    await register(t, '', people);
    pids = (await t.deps.pool.query('SELECT id::text AS id FROM pensioners ORDER BY id')).rows.map((r) => r.id);
  }, 60_000);
  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  const pending = async () => (await t.deps.pool.query('SELECT pensioner_id::text AS id FROM rescore_pending ORDER BY 1')).rows.map((r) => r.id);
  // A file waiting to be merged: no ingest worker runs in this test, so it stays waiting.
  const busyIngestion = () =>
    t.deps.queues.get('ingest-batch').add('ingest-batch', { batchId: '00000000-0000-0000-0000-000000000000' }, { jobId: `busy-${Date.now()}` });

  it('waits while a file is being merged, then rescores', async () => {
    const file = await busyIngestion();
    worker = createRescoreWorker(t.deps, { yieldPollMs: 50, maxDeferMs: 60_000 });
    await sleep(300); // the worker has looked at the queues and paused
    await t.deps.rescoring.request(t.deps.db, [pids[0]!], 'push_held');
    await sleep(800);
    expect(await pending()).toEqual([pids[0]]);
    const job = await t.deps.queues.get('rescore').getJob('push_held_0');
    // held: waiting, or delayed if a fetch under way when the worker paused handed it over
    expect(['waiting', 'delayed']).toContain(await job!.getState());

    await file.remove();
    await until(pending, (p) => p.length === 0);
    await worker.close();
    worker = undefined;
  }, 30_000);

  it('rescores anyway once a job has waited the longest allowed', async () => {
    const file = await busyIngestion();
    worker = createRescoreWorker(t.deps, { yieldPollMs: 50, maxDeferMs: 1500 });
    await sleep(300);
    const queued = Date.now();
    await t.deps.rescoring.request(t.deps.db, [pids[1]!], 'push_bounded');
    await until(pending, (p) => p.length === 0);
    expect(Date.now() - queued).toBeGreaterThanOrEqual(1000);
    expect(await t.deps.queues.get('ingest-batch').getJobState(file.id!)).toBe('waiting');
    await file.remove();
    await worker.close();
    worker = undefined;
  }, 30_000);

  it('tops a job up with other pending pensioners, so a backlog is drained in full sets', async () => {
    // pids[3] is pending from an earlier file whose own job has not run yet
    await t.deps.pool.query('INSERT INTO rescore_pending (pensioner_id) VALUES ($1)', [pids[3]]);
    worker = createRescoreWorker(t.deps, { yieldPollMs: 50 });
    await t.deps.rescoring.request(t.deps.db, [pids[2]!], 'push_topped');
    await until(pending, (p) => p.length === 0);
    const job = await until(
      () => t.deps.queues.get('rescore').getJob('push_topped_0'),
      (j) => !!j?.returnvalue,
    );
    expect(job!.returnvalue).toMatchObject({ rescored: 1, skipped: 0, toppedUp: 1 });
    const stored = await t.deps.pool.query('SELECT count(*)::int AS n FROM certifications WHERE pensioner_id = any($1::bigint[])', [[pids[2], pids[3]]]);
    expect(stored.rows[0].n).toBe(2);
    await worker.close();
    worker = undefined;
  }, 30_000);
});
