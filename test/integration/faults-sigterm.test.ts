// SIGTERM (a deploy, a scale-down) to a worker, a real process, mid-batch: it finishes the chunk
// it is merging, hands the batch back to the queue at once — another worker resumes it within
// seconds, not after BullMQ's stalled-job check (30 s, then a 60 s lock) — and exits 0.
// The API's SIGTERM is in faults-api.test.ts.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestContext } from '../helpers/context.ts';
import { ids } from '../helpers/ingest.ts';
import { auth } from '../helpers/people.ts';
import { faultSize, openFaultWorld, report, waitUntil, type FaultWorld } from '../helpers/service-process.ts';

const LINES = faultSize(20_000);
const CHUNK = Math.max(500, Math.min(20_000, Math.floor(LINES / 20)));
const people = ids(Math.max(100, Math.floor(LINES / 10)), '510104', '1944-02-01');
const when = new Date(Date.now() - 86_400_000).toISOString();
const csv = (n: number, ref: string) =>
  [
    'national_id,kind,occurred_at,source_ref,identity_check',
    ...Array.from({ length: n }, (_, i) => `${people[i % people.length]},admission,${when},${ref}-${i},id_document`),
  ].join('\n') + '\n';

let world: FaultWorld;
let t: TestContext;
let watch: pg.Client;

beforeAll(async () => {
  // The queues' own lock and stalled check (60 s, 30 s): a batch handed back must not need them.
  world = await openFaultWorld(people, { INGEST_CHUNK_LINES: String(CHUNK), LOG_LEVEL: 'info' });
  ({ t, watch } = world);
}, 60_000);
afterAll(() => world?.close());

const batchRow = async (id: string) => (await watch.query('SELECT status, records_done::int AS done FROM batches WHERE id = $1', [id])).rows[0];
const start = (role: 'worker') => world.start(role);

it('a worker on SIGTERM commits its chunk, hands the batch back, exits 0; another resumes it at once', async () => {
  const key = await t.key('feed', { sources: ['hospital'] });
  const up = await t.app.inject({
    method: 'POST',
    url: '/v1/feeds/hospital/batches',
    headers: { ...auth(key), 'content-type': 'text/csv' },
    payload: csv(LINES, 'T'),
  });
  const batchId = up.json().batchId as string;
  const w1 = await start('worker');
  await waitUntil(
    'first chunk committed',
    async () => (await batchRow(batchId)).done >= CHUNK,
    60_000,
    () => w1.output(),
    5,
  );
  // Hold the batch's row: w1's next chunk waits in its transaction, parsed and not yet merged.
  const holder = new pg.Client({ connectionString: t.ownerUrl });
  holder.on('error', () => {});
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM batches WHERE id = $1 FOR UPDATE', [batchId]);
  const held = (await batchRow(batchId)).done;
  expect(held).toBeLessThan(LINES - CHUNK);
  const w2 = await start('worker'); // idle: the batch's job is w1's
  const sent = Date.now();
  w1.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  await holder.query('ROLLBACK');
  await holder.end();
  expect(await w1.exited, w1.output()).toBe(0);
  const exitMs = Date.now() - sent;
  // Exactly the chunk it was in: committed, and no further one started.
  const left = (await batchRow(batchId)).done;
  expect(left).toBe(held + CHUNK);
  const resumedMs = await waitUntil(
    'another worker resumes the batch',
    async () => (await batchRow(batchId)).done > left,
    20_000,
    () => w2.output().slice(-3000),
  );
  await waitUntil(
    'batch completed',
    async () => (await batchRow(batchId)).status === 'completed',
    120_000,
    () => w2.output().slice(-3000),
  );
  const doneMs = Date.now() - sent;
  const events = await watch.query(`SELECT count(*)::int AS n, count(DISTINCT source_ref)::int AS refs FROM events WHERE source_ref LIKE 'T-%'`);
  expect(events.rows[0]).toEqual({ n: LINES, refs: LINES });
  expect(w1.output()).toContain('SIGTERM: shutting down');
  report('worker SIGTERM', { lines: LINES, chunk: CHUNK, exitMs, resumedByOtherMs: exitMs + resumedMs, batchCompletedMs: doneMs });
  expect(exitMs + resumedMs).toBeLessThan(15_000);
}, 180_000);
