// Rescoring of the pensioners a batch or push touched: the job carries their ids only.
// Recomputing from all stored evidence makes a re-delivered job harmless.
import type { Job, Worker } from 'bullmq';
import { sql } from 'kysely';
import type { AppDeps } from '../src/app-deps.ts';

export function createRescoreWorker(deps: AppDeps, o: { concurrency?: number } = {}): Worker {
  return deps.queues.worker<{ pensionerIds: string[] }>(
    'rescore',
    async (job: Job<{ pensionerIds: string[] }>) => {
      const ids = (job.data.pensionerIds ?? []).filter((id) => /^\d+$/.test(id));
      // Claim the named pensioners still pending: another job may have rescored them since
      // with everything stored. Claim and rescore commit together, so a failure re-pends them.
      return deps.db.transaction().execute(async (trx) => {
        const claimed = (await sql<{ id: string }>`DELETE FROM rescore_pending WHERE pensioner_id = any(${ids}::bigint[]) RETURNING pensioner_id::text AS id`.execute(trx)).rows.map((r) => r.id);
        const { changed } = await deps.certification.rescore(trx, claimed, deps.clock.now(), 'system:rescore');
        return { rescored: claimed.length, skipped: ids.length - claimed.length, changed };
      });
    },
    { concurrency: o.concurrency ?? 2, lockDuration: 60_000 },
  );
}
