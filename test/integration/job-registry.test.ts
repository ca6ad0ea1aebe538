// The job registry's contract: producers get the queue's options, workers report failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { JOBS } from '../../src/infra/jobs.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => {
  await t?.close();
});

describe('job registry', () => {
  it('adds jobs with their queue options, and a producer may set an id and a delay', async () => {
    await t.deps.queues.add('pull-feed', [{ name: 'pull', data: { feed: 'x' }, jobId: 'registry-probe', delay: 60_000 }]);
    const job = await t.deps.queues.get('pull-feed').getJob('registry-probe');
    expect(job?.opts.attempts).toBe(JOBS['pull-feed'].job.attempts);
    expect(job?.opts.delay).toBe(60_000);
    await job?.remove();
  });

  it('logs a failed job with its queue and id, never its data', async () => {
    const worker = t.deps.queues.worker('pull-feed', async () => {
      throw new Error('interface down');
    });
    try {
      await t.deps.queues.add('pull-feed', [{ name: 'pull', data: { feed: '110101195001011234' }, jobId: 'fails-once', opts: { attempts: 1 } }]);
      for (let i = 0; i < 100 && !t.logs.some((l) => l.includes('fails-once')); i++) await new Promise((r) => setTimeout(r, 50));
      const line = t.logs.find((l) => l.includes('fails-once'))!;
      expect(JSON.parse(line)).toMatchObject({ msg: 'job failed', queue: 'pull-feed', jobId: 'fails-once', err: { message: 'interface down' } });
      expect(line).not.toContain('110101195001011234');
    } finally {
      await worker.close();
    }
  });
});
