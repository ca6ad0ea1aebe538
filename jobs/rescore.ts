// Rescoring of the pensioners a batch or push touched: the job carries their ids only; the
// rescoring service claims them (and more of the pending backlog) and rescores them.
import { DelayedError, type Worker } from 'bullmq';
import type { Queues } from '../src/infra/queue.ts';
import type { RescoringService } from '../src/modules/rescoring/service.ts';

export interface RescoreWorkerOptions {
  concurrency?: number;
  /** How often the worker looks whether ingestion is busy. */
  yieldPollMs?: number;
  /** Overrides RESCORE_DEFER_MAX_MS. */
  maxDeferMs?: number;
}

export interface RescoreDeps {
  queues: Queues;
  config: { rescoreDeferMaxMs: number };
  rescoring: Pick<RescoringService, 'rescorePending'>;
}

export function createRescoreWorker(deps: RescoreDeps, o: RescoreWorkerOptions = {}): Worker {
  const maxDeferMs = o.maxDeferMs ?? deps.config.rescoreDeferMaxMs;
  const pollMs = o.yieldPollMs ?? 1000;
  const gate = maxDeferMs > 0 ? ingestionGate(deps.queues, maxDeferMs) : null;
  const worker = deps.queues.worker(
    'rescore',
    async (job, token) => {
      // A fetch already under way when the worker paused still hands over its job.
      if (gate?.holding) {
        await job.moveToDelayed(Date.now() + pollMs, token);
        throw new DelayedError();
      }
      return deps.rescoring.rescorePending(job.data.pensionerIds ?? []);
    },
    o.concurrency ? { concurrency: o.concurrency } : {},
  ) as Worker;
  gate?.attach(worker, pollMs);
  return worker;
}

/** Whether rescoring holds back now: only while files are merged, and never past the bound. */
export function holdRescoring(s: { ingestionBusy: boolean; oldestWaitingMs: number | null; maxDeferMs: number }): boolean {
  return s.ingestionBusy && (s.oldestWaitingMs === null || s.oldestWaitingMs < s.maxDeferMs);
}

/**
 * A backlog of files (a department's year, a day after an outage) touches the same people
 * file after file. Rescoring them between merges reads each person's scattered events again
 * and again and takes the cores from the merges; holding rescoring while files are merged
 * rescores each person once, after them. Holding pauses the worker rather than moving jobs,
 * so thousands of waiting jobs cost nothing; queue time is the queue's clock (real time).
 */
function ingestionGate(queues: Queues, maxDeferMs: number) {
  const ingest = queues.get('ingest-batch');
  const rescore = queues.get('rescore');
  const gate = {
    holding: false,
    attach(worker: Worker, pollMs: number) {
      let closing = false;
      let looking = false;
      const tick = async () => {
        if (looking || closing) return;
        looking = true;
        try {
          const c = await ingest.getJobCounts('active', 'waiting', 'prioritized');
          const ingestionBusy = (c.active ?? 0) + (c.waiting ?? 0) + (c.prioritized ?? 0) > 0;
          let oldestWaitingMs: number | null = null;
          if (ingestionBusy) {
            const [oldest] = await rescore.getJobs(['waiting', 'prioritized', 'delayed'], 0, 0, true);
            oldestWaitingMs = oldest ? Date.now() - (oldest.timestamp + (oldest.opts.delay ?? 0)) : null;
          }
          if (closing) return;
          gate.holding = holdRescoring({ ingestionBusy, oldestWaitingMs, maxDeferMs });
          if (gate.holding && !worker.isPaused()) await worker.pause(true);
          else if (!gate.holding && worker.isPaused()) await worker.resume();
        } catch {
          // The queue backend is unreachable: the worker's own reconnection deals with it.
        } finally {
          looking = false;
        }
      };
      const timer = setInterval(() => void tick(), pollMs);
      timer.unref();
      worker.on('closing', () => {
        closing = true;
        clearInterval(timer);
      });
    },
  };
  return gate;
}
