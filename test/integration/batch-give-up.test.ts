// A batch whose processing keeps failing fails once, with its reason, and its stored file is
// discarded; the sweep no longer re-queues it every few minutes for ever (regression).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth } from '../helpers/people.ts';
import { ids, register } from '../helpers/ingest.ts';

let t: TestContext;
let feed: string;
const people = ids(1, '510104', '1944-05-01');

beforeAll(async () => {
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  await register(t, await t.key('admin'), people);
  feed = await t.key('feed', { sources: ['hospital'] });
});
afterAll(async () => t?.close());

describe('a batch that cannot be processed', () => {
  it('fails once with its reason when its job has spent its attempts', async () => {
    const csv = `national_id,kind,occurred_at,source_ref,identity_check\n${people[0]},admission,2026-06-02T08:00:00+08:00,G-1,id_document\n`;
    const up = await t.app.inject({ method: 'POST', url: '/v1/feeds/hospital/batches', headers: { ...auth(feed), 'content-type': 'text/csv' }, payload: csv });
    const { batchId } = up.json();
    // The job as the queue holds it after its last attempt failed.
    const q = t.deps.queues.get('ingest-batch');
    await (await q.getJob(batchId))?.remove();
    await t.deps.queues.add('ingest-batch', [{ name: 'ingest-batch', data: { batchId }, jobId: batchId, opts: { attempts: 1 } }]);
    const worker = t.deps.queues.worker('ingest-batch', async () => {
      throw new Error(`disk on fire near ${people[0]}`);
    });
    for (let i = 0; i < 100 && (await (await q.getJob(batchId))?.getState()) !== 'failed'; i++) await new Promise((r) => setTimeout(r, 50));
    await worker.close();

    t.clock.advance(120_000); // the sweep looks at batches waiting over a minute
    expect(await t.deps.evidence.sweep()).toBe(0);
    const status = (await t.app.inject({ method: 'GET', url: `/v1/feeds/batches/${batchId}`, headers: auth(feed) })).json();
    expect(status.status).toBe('failed');
    expect(status.error).toMatch(/^processing failed after 1 attempts: disk on fire near \d{6}\*{8}\d{3}[\dX]$/);
    const chunks = await t.deps.pool.query('SELECT count(*)::int AS n FROM batch_chunks WHERE batch_id = $1', [batchId]);
    expect(chunks.rows[0].n).toBe(0);
    expect(await t.deps.evidence.sweep()).toBe(0);
    expect(await q.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 0, delayed: 0 });
  });
});
