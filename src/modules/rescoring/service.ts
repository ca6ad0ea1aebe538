// Rescoring after evidence arrives: pending pensioners recorded with the evidence, jobs that
// only say where to look, and the claim-and-rescore a job runs. Recomputing from all stored
// evidence makes a re-delivered job harmless.
import { byRowId, isRowId } from '../../domain/ids.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Executor, Transact } from '../../infra/database.ts';
import type { Queues } from '../../infra/queue.ts';
import type { RescorePendingRepository } from './repository.ts';

/** Pensioners rescored together: a job's named ones, topped up from the pending backlog. */
export const RESCORE_SET = 2000;
/** Pensioners named per rescore job. */
export const RESCORE_JOB_SIZE = 1000;

/** Backlog jobs queued by one recovery pass at most; the next pass queues more if still needed. */
export const MAX_BACKLOG_JOBS = 100;

export interface RescoringDeps {
  db: Executor;
  transaction: Transact;
  pending: RescorePendingRepository;
  queues: Queues;
  clock: Clock;
  rescore: (q: Executor, ids: string[], now: Date, actor: string) => Promise<{ changed: number }>;
}

export function createRescoringService(deps: RescoringDeps) {
  async function queue(ids: string[], jobKey: string, delay = 0): Promise<number> {
    // In id order (not the text order they arrive in: 1, 10, 100, 2…), so that a job names
    // neighbours and its set is read by range (facts-repository.ts factsReadFor).
    const ordered = byRowId(ids);
    const jobs = [];
    for (let i = 0; i < ordered.length; i += RESCORE_JOB_SIZE) {
      jobs.push({ name: 'rescore', data: { pensionerIds: ordered.slice(i, i + RESCORE_JOB_SIZE) }, jobId: `${jobKey}_${i / RESCORE_JOB_SIZE}`, delay });
    }
    return deps.queues.add('rescore', jobs);
  }

  return {
    /**
     * Records the pensioners as pending, in the transaction that stores their evidence: a crash
     * after the commit leaves them pending for the next job or sweep, never forgotten.
     */
    markPending: (trx: Executor, ids: string[]) => deps.pending.add(trx, ids),

    /**
     * Queues jobs for pensioners already marked pending, AFTER the commit that marked them (a job
     * that ran first would find none of them pending). Job ids derive from `jobKey`, so queueing
     * the same key again adds nothing.
     */
    queue,

    /** markPending and queue in one, for callers with no transaction of their own. */
    async request(q: Executor, ids: string[], jobKey: string, delay = 0): Promise<number> {
      if (ids.length === 0) return 0;
      await deps.pending.add(q, ids);
      return queue(ids, jobKey, delay);
    },

    /**
     * Recovery after the queue lost its jobs (Redis flushed or restarted empty, or a job added
     * after the commit that never reached it): people pending for longer than `minAgeMs` while
     * no rescore job is waiting, delayed or running have no job that will claim them. Queues
     * jobs that name nobody: each claims a full set from the backlog. While any rescore job is
     * left, it tops its set up from the backlog, so nothing is queued then.
     */
    async requeueBacklog(minAgeMs: number): Promise<number> {
      const c = await deps.queues.get('rescore').getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      if (Object.values(c).some((n) => n > 0)) return 0;
      const waiting = await deps.pending.countWaitingLongerThan(deps.db, minAgeMs);
      if (waiting === 0) return 0;
      // No job ids: a pass runs only when the queue is idle, so there is nothing to deduplicate.
      const jobs = Array.from({ length: Math.min(MAX_BACKLOG_JOBS, Math.ceil(waiting / RESCORE_SET)) }, () => ({
        name: 'rescore',
        data: { pensionerIds: [] as string[] },
      }));
      return deps.queues.add('rescore', jobs);
    },

    /**
     * A rescore job: claims its named pensioners still pending (another job may have rescored
     * them since, with everything stored) and tops the set up from the backlog — after a backlog
     * of files most jobs' people were claimed by earlier jobs, and full sets are far cheaper per
     * person. Claim and rescore commit together, so a failure leaves them pending.
     */
    async rescorePending(named: string[]) {
      const ids = named.filter(isRowId);
      return deps.transaction(async (trx) => {
        const { claimed, toppedUp } = await deps.pending.claim(trx, ids, RESCORE_SET);
        const { changed } = await deps.rescore(trx, [...claimed, ...toppedUp], deps.clock.now(), 'system:rescore');
        return { rescored: claimed.length, skipped: ids.length - claimed.length, toppedUp: toppedUp.length, changed };
      });
    },
  };
}
export type RescoringService = ReturnType<typeof createRescoringService>;
