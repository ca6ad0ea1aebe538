// A file's rescoring waits BATCH_RESCORE_DELAY_MS, so the people of files arriving together
// are rescored once by the first job to claim them; pushes are rescored at once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Worker } from 'bullmq';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth } from '../helpers/people.ts';
import { ids, register, rescoreJobsOfBatch, waitForBatch } from '../helpers/ingest.ts';
import { createIngestBatchWorker } from '../../jobs/ingest-batch.ts';

let t: TestContext;
let admin: string;
let worker: Worker;
const people = ids(4, '510104', '1944-05-01');
const DELAY = 60_000;

beforeAll(async () => {
  t = await createTestContext({ now: '2026-06-15T04:00:00Z', config: { batchRescoreDelayMs: DELAY } });
  admin = await t.key('admin');
  await register(t, admin, people);
  worker = createIngestBatchWorker(t.deps);
});
afterAll(async () => {
  await worker?.close();
  await t?.close();
});

const rescoreJobs = async (prefix: string) =>
  (await t.deps.queues.get('rescore').getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'])).filter((j) => j.id!.startsWith(prefix));

it('delays the rescoring of a batch, not of a push', async () => {
  const csv = `national_id,kind,occurred_at,source_ref,identity_check\n${people[0]},admission,2026-06-01T10:00:00+08:00,D-1,id_document\n${people[1]},discharge,2026-06-02T10:00:00+08:00,D-2,id_document\n`;
  const up = await t.app.inject({ method: 'POST', url: '/v1/feeds/hospital/batches', headers: { ...auth(admin), 'content-type': 'text/csv' }, payload: csv });
  expect(up.statusCode).toBe(202);
  const batchId = up.json().batchId as string;
  await waitForBatch(t, admin, batchId);
  const [job] = await rescoreJobsOfBatch(t, batchId);
  expect(job!.opts.delay).toBe(DELAY);
  expect(await job!.getState()).toBe('delayed');

  const push = await t.app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: auth(admin),
    payload: [
      { nationalId: people[2], source: 'hospital', kind: 'admission', occurredAt: '2026-06-03T10:00:00+08:00', sourceRef: 'D-3', identityCheck: 'id_document' },
    ],
  });
  expect(push.json().accepted).toBe(1);
  const [pushed] = await rescoreJobs('push_');
  expect(pushed!.opts.delay ?? 0).toBe(0);
});
