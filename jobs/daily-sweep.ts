// The daily sweep at 02:00 Shanghai time: one job fans out into pages of pensioner ids.
import type { Job, Worker } from 'bullmq';
import type { AppDeps } from '../src/app-deps.ts';
import { shanghaiDate } from '../src/domain/calendar.ts';

export const SWEEP_SCHEDULE = { pattern: '0 2 * * *', tz: 'Asia/Shanghai' } as const;

type SweepJob = { day?: string; fromId?: string; toId?: string };

export function createDailySweepWorker(deps: AppDeps, o: { concurrency?: number } = {}): Worker {
  return deps.queues.worker<SweepJob>(
    'daily-sweep',
    async (job: Job<SweepJob>) => {
      if (job.name === 'sweep-page') return deps.sweep.sweepPage(job.data.fromId!, job.data.toId!, deps.clock.now());
      const day = shanghaiDate(deps.clock.now());
      const pages = await deps.sweep.pages();
      const q = deps.queues.get('daily-sweep');
      for (let i = 0; i < pages.length; i += 500) {
        await q.addBulk(
          pages.slice(i, i + 500).map((p) => ({
            name: 'sweep-page',
            data: { day, ...p },
            opts: { jobId: `sweep_${day}_${p.fromId}`, attempts: 5, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: 5000, removeOnFail: 5000 },
          })),
        );
      }
      return { day, pages: pages.length };
    },
    { concurrency: o.concurrency ?? 2, lockDuration: 120_000 },
  );
}

export async function scheduleDailySweep(deps: AppDeps): Promise<void> {
  await deps.queues
    .get('daily-sweep')
    .upsertJobScheduler('daily-sweep', SWEEP_SCHEDULE, { name: 'sweep', data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } });
}
