// Recovery from a queue that lost its state (Redis flushed, or restarted empty, or a job added
// after a commit that never reached it). PostgreSQL is the system of record, so each worker
// process, on a timer of its own — not a scheduled job, which would be lost with the rest —
// puts back what the queue should hold:
//  - the schedules (ingest sweep, daily sweep, feed pulls) when any is missing;
//  - a job for each batch left received/processing with no live job;
//  - backlog rescore jobs while people wait in rescore_pending and no rescore job is left.
// Every step is idempotent, so several worker processes doing it at once is harmless.
import type { Logger } from '../src/infra/logger.ts';
import { withTimeout, type Queues } from '../src/infra/queue.ts';
import type { DepartmentInterface } from '../src/modules/feeds/config.ts';
import type { EvidenceService } from '../src/modules/evidence/service.ts';
import type { RescoringService } from '../src/modules/rescoring/service.ts';
import { ensureSchedules, missingSchedules } from './schedules.ts';

export interface RecoveryDeps {
  queues: Queues;
  logger: Pick<Logger, 'warn'>;
  config: { queueRecoveryIntervalMs: number; queueRecoveryMinAgeMs: number };
  feedInterfaces: DepartmentInterface[];
  evidence: Pick<EvidenceService, 'sweep'>;
  rescoring: Pick<RescoringService, 'requeueBacklog'>;
}

export interface RecoveryPass {
  schedules: string[];
  batches: number;
  rescoreJobs: number;
}

export interface Recovery {
  /** The first pass, run at once (a queue down at start makes it find nothing to do). */
  first: Promise<RecoveryPass>;
  /** One pass now, or the one under way. */
  pass(): Promise<RecoveryPass>;
  stop(): void;
}

export function startRecovery(deps: RecoveryDeps): Recovery {
  const { queues, feedInterfaces, logger } = deps;
  const { queueRecoveryIntervalMs: intervalMs, queueRecoveryMinAgeMs: minAgeMs } = deps.config;
  // A step waiting on a queue that does not answer must not hold up the next passes.
  const bound = Math.max(intervalMs, 10_000);
  const step = async <T>(what: string, fn: () => Promise<T>, none: T): Promise<T> => {
    try {
      return await withTimeout(fn(), bound, `recovery: ${what}`);
    } catch (err) {
      logger.warn({ err }, `recovery: ${what} failed; trying again in ${intervalMs} ms`);
      return none;
    }
  };

  async function runPass(): Promise<RecoveryPass> {
    const schedules = await step(
      'schedules',
      async () => {
        const missing = await missingSchedules(queues, feedInterfaces);
        if (missing.length) await ensureSchedules(queues, feedInterfaces);
        return missing;
      },
      [] as string[],
    );
    const batches = await step('batches', () => deps.evidence.sweep(minAgeMs), 0);
    const rescoreJobs = await step('rescoring', () => deps.rescoring.requeueBacklog(minAgeMs), 0);
    if (batches || rescoreJobs) logger.warn({ batches, rescoreJobs }, 'recovery: queued again work the queue had lost (PostgreSQL still had it)');
    if (schedules.length) logger.warn({ schedules }, 'recovery: schedules were missing and are kept again');
    return { schedules, batches, rescoreJobs };
  }

  let current: Promise<RecoveryPass> | undefined;
  const pass = () => (current ??= runPass().finally(() => (current = undefined)));
  const first = pass();
  const timer = setInterval(() => void pass(), intervalMs);
  timer.unref();
  return { first, pass, stop: () => clearInterval(timer) };
}
