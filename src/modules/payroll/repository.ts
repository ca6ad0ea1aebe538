// The SQL side of the payroll list: which pensioners could possibly need an action in a
// month (a superset, cheap to find), and what the pure payroll rule needs about each.
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import type { IsoDate } from '../../domain/calendar.ts';
import { inRegionSql } from '../../infra/region-sql.ts';

type Q = Executor;

/** Decision statuses under which a payroll month is held. */
const HOLD_STATUSES = ['suspended', 'under_review', 'death_reported', 'detained', 'ineligible'] as const;
/** States held now (the calendar's suspension aside). */
const HELD_STATES = ['ineligible', 'under_review', 'death_reported', 'detained'] as const;

export function createPayrollRepository() {
  return {
    /** Makes the transaction `q` (before its first query) one read-only snapshot: every read of a list sees the same state. */
    async snapshot(q: Q): Promise<void> {
      await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`.execute(q);
    },

    /**
     * Everyone the run of a month might hold, resume or stop, in id order:
     * - held now: ineligible, under review, reported dead or detained;
     * - certification ended before the run date (suspended at the run), unless deceased;
     * - a decision of a holding status since `holdsSince`: they may be resuming (back pay),
     *   or were held at the run of a past month;
     * - a decision of `deceased` since `holdsSince` whose death no longer stands (reversed,
     *   contradicted): the months stopped are paid back, however long ago the stop was;
     * - a decision of `deceased` after the previous month's run: a stop applies in the first
     *   run after the death was recorded, and a decision is taken no earlier than that.
     * Everyone else was paid last month and is paid this month (or is long dead): no action.
     */
    async candidateIds(q: Q, f: { scope: string | null; runDate: IsoDate; holdsSince: Date; deathsSince: Date }): Promise<string[]> {
      const res = await sql<{ id: string }>`
        SELECT c.pensioner_id::text AS id FROM certifications c
          WHERE c.state = any(${[...HELD_STATES]}::text[]) AND ${inRegionSql('c.region_code', f.scope)}
        UNION
        SELECT c.pensioner_id::text FROM certifications c
          WHERE c.certified_until < ${f.runDate}::date AND c.state <> 'deceased' AND ${inRegionSql('c.region_code', f.scope)}
        UNION
        SELECT d.pensioner_id::text FROM decisions d JOIN pensioners p ON p.id = d.pensioner_id
          WHERE ((d.status = any(${[...HOLD_STATUSES]}::text[]) AND d.decided_at >= ${f.holdsSince}::timestamptz)
              OR (d.status = 'deceased' AND d.decided_at > ${f.deathsSince}::timestamptz))
            AND ${inRegionSql('p.region_code', f.scope)}
        UNION
        SELECT d.pensioner_id::text FROM decisions d JOIN certifications c ON c.pensioner_id = d.pensioner_id
          WHERE d.status = 'deceased' AND d.decided_at >= ${f.holdsSince}::timestamptz AND c.state <> 'deceased'
            AND ${inRegionSql('c.region_code', f.scope)}
        ORDER BY 1`.execute(q);
      return res.rows.map((r) => r.id);
    },

    async payees(q: Q, ids: string[]) {
      const res = await sql<{ id: string; national_id: string; monthly_benefit_fen: string }>`
        SELECT id::text AS id, national_id, monthly_benefit_fen::text AS monthly_benefit_fen
        FROM pensioners WHERE id = any(${ids}::bigint[])`.execute(q);
      return res.rows;
    },
  };
}
export type PayrollRepository = ReturnType<typeof createPayrollRepository>;
