// A worker SIGKILLed in the middle of a batch, then another picking it up (stalled-job
// recovery), ends with exactly the counts and rows of an uninterrupted run.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Worker } from 'bullmq';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth } from '../helpers/people.ts';
import { ids, waitForBatch } from '../helpers/ingest.ts';
import { REDIS_URL } from '../helpers/env.ts';
import { createIngestBatchWorker } from '../../jobs/ingest-batch.ts';

const NOW = '2026-06-15T04:00:00Z';
const people = ids(3000, '510104', '1941-01-01');
const strangers = ids(300, '110101', '1942-01-01');

function file(): string {
  const out = ['national_id,name,kind,occurred_at,source_ref,identity_check'];
  for (let i = 0; i < 30_000; i++) {
    const who = i % 10 === 3 ? strangers[i % strangers.length] : people[(i * 7) % people.length];
    const ref = i % 10 === 5 ? `K-${i - 1}` : `K-${i}`; // a repeat
    const kind = i % 50 === 7 ? 'levitation' : ['admission', 'discharge', 'outpatient'][i % 3];
    const day = String(1 + (i % 28)).padStart(2, '0');
    out.push(`${who},"测试, ${i}",${kind},2026-05-${day}T08:00:00+08:00,${ref},id_document`);
  }
  return out.join('\n') + '\n';
}

async function seed(t: TestContext) {
  await t.deps.pool.query(
    `INSERT INTO pensioners (national_id, name, region_code, birth_date, benefit_start_date, monthly_benefit_fen)
     SELECT nid, '测试', '510104', '1941-01-01', '2005-01-01', 300000 FROM unnest($1::text[]) AS nid`,
    [people],
  );
}

async function outcome(t: TestContext, key: string, batchId: string) {
  const b = await waitForBatch(t, key, batchId, 120_000);
  const rows = await t.deps.pool.query(
    `SELECT p.national_id, e.source, e.kind, e.source_ref, e.occurred_at, e.identity_check FROM events e JOIN pensioners p ON p.id = e.pensioner_id ORDER BY e.source_ref`,
  );
  const touched = await t.deps.queues.get('rescore').getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']);
  const ids = new Set<string>();
  for (const j of touched) for (const id of (j.data as { pensionerIds: string[] }).pensionerIds) ids.add(id);
  const nids = await t.deps.pool.query('SELECT national_id FROM pensioners WHERE id = any($1::bigint[]) ORDER BY 1', [[...ids]]);
  const { batchId: _b, receivedAt: _r, completedAt: _c, ...counts } = b;
  return { counts, rows: rows.rows, rescored: nids.rows.map((r) => r.national_id) };
}

let clean: TestContext;
let killed: TestContext;
const text = file();

beforeAll(async () => {
  [clean, killed] = await Promise.all([createTestContext({ now: NOW }), createTestContext({ now: NOW })]);
  await Promise.all([seed(clean), seed(killed)]);
}, 120_000);
afterAll(async () => {
  await clean?.close();
  await killed?.close();
});

it('resumes after SIGKILL with the same counts, rows and rescoring as a clean run', async () => {
  // The clean run.
  const cleanKey = await clean.key('feed', { sources: ['hospital'] });
  const cleanWorker = createIngestBatchWorker(clean.deps, { chunkLines: 1000 });
  const up1 = await clean.app.inject({
    method: 'POST',
    url: '/v1/feeds/hospital/batches',
    headers: { ...auth(cleanKey), 'content-type': 'text/csv' },
    payload: text,
  });
  expect(up1.statusCode).toBe(202);
  // Read with an admin key: a feed key's own counts do not tell duplicates and unmatched apart (README, "Audit").
  const expected = await outcome(clean, await clean.key('admin'), up1.json().batchId);
  await cleanWorker.close();
  expect(expected.counts).toMatchObject({ status: 'completed', lines: 30_000, rejected: 600 });
  expect(expected.counts.unmatched).toBeGreaterThan(2000);
  expect(expected.counts.duplicates).toBeGreaterThan(2000);

  // The killed run: a child process works on the batch and is SIGKILLed mid-way.
  const key = await killed.key('feed', { sources: ['hospital'] });
  const up2 = await killed.app.inject({
    method: 'POST',
    url: '/v1/feeds/hospital/batches',
    headers: { ...auth(key), 'content-type': 'text/csv' },
    payload: text,
  });
  const batchId = up2.json().batchId;
  // One process (node with the tsx loader), so SIGKILL kills the worker itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/ingest-worker-child.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: killed.dbUrl,
      REDIS_URL,
      QUEUE_PREFIX: killed.deps.config.queuePrefix,
      CLOCK: NOW,
      INGEST_CHUNK_LINES: '1000',
      INGEST_CHUNK_DELAY_MS: '150',
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: false,
  });
  let done = 0;
  for (let i = 0; i < 600; i++) {
    const r = await killed.deps.pool.query('SELECT records_done::int AS n, status FROM batches WHERE id = $1', [batchId]);
    done = r.rows[0].n;
    if (done >= 5000) break;
    await new Promise((res) => setTimeout(res, 25));
  }
  expect(done).toBeGreaterThanOrEqual(5000);
  expect(child.exitCode).toBeNull();
  expect(done).toBeLessThan(30_000);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const mid = await killed.deps.pool.query('SELECT status, records_done::int AS n FROM batches WHERE id = $1', [batchId]);
  expect(mid.rows[0].status).toBe('processing');

  // Another worker picks the stalled job up once the dead one's lock expires.
  let restarted: Worker | undefined;
  try {
    restarted = createIngestBatchWorker(killed.deps, { chunkLines: 1000, stalledInterval: 500, lockDuration: 5000 });
    const got = await outcome(killed, await killed.key('admin'), batchId);
    expect(got.counts).toEqual(expected.counts);
    expect(got.rows).toEqual(expected.rows);
    expect(got.rescored).toEqual(expected.rescored);
  } finally {
    await restarted?.close();
  }
}, 180_000);

it('the sweep re-enqueues a batch whose job was lost', async () => {
  const key = await killed.key('feed', { sources: ['bank'] });
  const text2 = `national_id,kind,occurred_at,source_ref,identity_check\n${people[0]},counter,2026-06-01T10:00:00+08:00,SW-1,id_document\n`;
  const up = await killed.app.inject({ method: 'POST', url: '/v1/feeds/bank/batches', headers: { ...auth(key), 'content-type': 'text/csv' }, payload: text2 });
  const batchId = up.json().batchId;
  const job = await killed.deps.queues.get('ingest-batch').getJob(batchId);
  await job!.remove(); // the queue lost it
  killed.clock.advance(10 * 60_000);
  expect(await killed.deps.evidence.sweep()).toBeGreaterThanOrEqual(1);
  const w = createIngestBatchWorker(killed.deps);
  try {
    const b = await waitForBatch(killed, key, batchId);
    expect(b).toMatchObject({ status: 'completed', accepted: 1 });
  } finally {
    await w.close();
  }
});
