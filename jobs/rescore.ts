// Rescoring of the pensioners a batch or push touched: the job carries their ids only.
// Recomputing from all stored evidence makes a re-delivered job harmless.
import { DelayedError, type Job, type Worker } from 'bullmq';
import { sql } from 'kysely';
import type { AppDeps } from '../src/app-deps.ts';

/** Pensioners rescored together: a job's named ones, topped up from the pending backlog. */
export const RESCORE_SET = 2000;

export interface RescoreWorkerOptions {
  concurrency?: number;
  /** How often the worker looks whether ingestion is busy. */
  yieldPollMs?: number;
  /** Overrides RESCORE_DEFER_MAX_MS. */
  maxDeferMs?: number;
}

export function createRescoreWorker(deps: AppDeps, o: RescoreWorkerOptions = {}): Worker {
  const maxDeferMs = o.maxDeferMs ?? deps.config.rescoreDeferMaxMs;
  const pollMs = o.yieldPollMs ?? 1000;
  const gate = maxDeferMs > 0 ? ingestionGate(deps, maxDeferMs) : null;
  const worker = deps.queues.worker<{ pensionerIds: string[] }>(
    'rescore',
    async (job: Job<{ pensionerIds: string[] }>, token?: string) => {
      // A fetch already under way when the worker paused still hands over its job.
      if (gate?.holding) {
        await job.moveToDelayed(Date.now() + pollMs, token);
        throw new DelayedError();
      }
      const ids = (job.data.pensionerIds ?? []).filter((id) => /^\d+$/.test(id));
      // Claim the named pensioners still pending (another job may have rescored them since
      // with everything stored), then top the set up from the rest of the pending backlog: after
      // a backlog of files most jobs' people were claimed by earlier jobs, and full sets are far
      // cheaper per person than many small ones. Rows another job holds are skipped, not waited
      // for. Claim and rescore commit together, so a failure re-pends them.
      return deps.db.transaction().execute(async (trx) => {
        const claimed = (
          await sql<{ id: string }>`DELETE FROM rescore_pending WHERE pensioner_id IN (
            SELECT pensioner_id FROM rescore_pending WHERE pensioner_id = any(${ids}::bigint[]) FOR UPDATE SKIP LOCKED)
            RETURNING pensioner_id::text AS id`.execute(trx)
        ).rows.map((r) => r.id);
        const topUp = (
          await sql<{ id: string }>`DELETE FROM rescore_pending WHERE pensioner_id IN (
            SELECT pensioner_id FROM rescore_pending ORDER BY pensioner_id LIMIT ${RESCORE_SET - claimed.length} FOR UPDATE SKIP LOCKED)
            RETURNING pensioner_id::text AS id`.execute(trx)
        ).rows.map((r) => r.id);
        const { changed } = await deps.certification.rescore(trx, [...claimed, ...topUp], deps.clock.now(), 'system:rescore');
        return { rescored: claimed.length, skipped: ids.length - claimed.length, toppedUp: topUp.length, changed };
      });
    },
    { concurrency: o.concurrency ?? 2, lockDuration: 60_000 },
  );
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
function ingestionGate(deps: AppDeps, maxDeferMs: number) {
  const ingest = deps.queues.get('ingest-batch');
  const rescore = deps.queues.get('rescore');
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
