// Rescoring of the pensioners a batch or push touched: the job carries their ids only.
// Recomputing from all stored evidence makes a re-delivered job harmless.
import type { Job, Worker } from 'bullmq';
import type { AppDeps } from '../src/app-deps.ts';

export function createRescoreWorker(deps: AppDeps, o: { concurrency?: number } = {}): Worker {
  return deps.queues.worker<{ pensionerIds: string[] }>(
    'rescore',
    async (job: Job<{ pensionerIds: string[] }>) => {
      const ids = (job.data.pensionerIds ?? []).filter((id) => /^\d+$/.test(id));
      return deps.db.transaction().execute((trx) => deps.certification.rescore(trx, ids, deps.clock.now(), 'system:rescore'));
    },
    { concurrency: o.concurrency ?? 2, lockDuration: 60_000 },
  );
}
