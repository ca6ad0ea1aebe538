// rescore_pending: the pensioners whose evidence changed and who wait to be rescored. Ingestion
// adds to it in the transaction that stored the evidence; rescore jobs claim from it.
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';

export function createRescorePendingRepository() {
  return {
    async add(q: Executor, pensionerIds: string[]): Promise<void> {
      if (pensionerIds.length === 0) return;
      await sql`INSERT INTO rescore_pending (pensioner_id) SELECT unnest(${pensionerIds}::bigint[]) ON CONFLICT DO NOTHING`.execute(q);
    },

    /** Pensioners pending for longer than `ms` (by the database's clock, which wrote `since`). */
    async countWaitingLongerThan(q: Executor, ms: number): Promise<number> {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM rescore_pending WHERE since < now() - make_interval(secs => ${ms / 1000})`.execute(q);
      return r.rows[0]?.n ?? 0;
    },

    /**
     * Claims the named pensioners still pending, then tops the set up to `setSize` from the
     * rest of the backlog. Rows another transaction holds are skipped, not waited for; the
     * claim is undone if the caller's transaction fails.
     */
    async claim(q: Executor, named: string[], setSize: number): Promise<{ claimed: string[]; toppedUp: string[] }> {
      const claimed = (
        await sql<{ id: string }>`DELETE FROM rescore_pending WHERE pensioner_id IN (
            SELECT pensioner_id FROM rescore_pending WHERE pensioner_id = any(${named}::bigint[]) FOR UPDATE SKIP LOCKED)
            RETURNING pensioner_id::text AS id`.execute(q)
      ).rows.map((r) => r.id);
      const toppedUp = (
        await sql<{ id: string }>`DELETE FROM rescore_pending WHERE pensioner_id IN (
            SELECT pensioner_id FROM rescore_pending ORDER BY pensioner_id LIMIT ${Math.max(0, setSize - claimed.length)} FOR UPDATE SKIP LOCKED)
            RETURNING pensioner_id::text AS id`.execute(q)
      ).rows.map((r) => r.id);
      return { claimed, toppedUp };
    },
  };
}
export type RescorePendingRepository = ReturnType<typeof createRescorePendingRepository>;
