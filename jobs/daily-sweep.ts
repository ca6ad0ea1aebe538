// The daily sweep at 02:00 Shanghai time: one job fans out into pages of pensioner ids.
import type { Worker } from 'bullmq';
import type { Clock } from '../src/infra/clock.ts';
import type { Queues } from '../src/infra/queue.ts';
import { shanghaiDate } from '../src/domain/calendar.ts';
import type { SweepService } from '../src/modules/certification/sweep.ts';

export interface DailySweepDeps {
  queues: Queues;
  clock: Clock;
  sweep: Pick<SweepService, 'pages' | 'sweepPage'>;
}

export function createDailySweepWorker(deps: DailySweepDeps, o: { concurrency?: number } = {}): Worker {
  return deps.queues.worker(
    'daily-sweep',
    async (job) => {
      if (job.name === 'sweep-page') return deps.sweep.sweepPage(job.data.fromId!, job.data.toId!, deps.clock.now());
      const day = shanghaiDate(deps.clock.now());
      const pages = await deps.sweep.pages();
      // One job id per day and page: a second fan-out the same day adds nothing.
      await deps.queues.add(
        'daily-sweep',
        pages.map((p) => ({ name: 'sweep-page', data: { day, ...p }, jobId: `sweep_${day}_${p.fromId}` })),
      );
      return { day, pages: pages.length };
    },
    o.concurrency ? { concurrency: o.concurrency } : {},
  ) as Worker;
}
