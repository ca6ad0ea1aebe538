// The SQL side of the payroll list: which pensioners could possibly need an action in a
// month (a superset, cheap to find), and what the pure payroll rule needs about each.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../infra/db-types.ts';
import type { IsoDate } from '../../domain/calendar.ts';
import { regionSql } from '../pensioners/repository.ts';

type Q = Kysely<DB> | Transaction<DB>;

/** Decision statuses that mean a payroll month may have been held or stopped. */
export const NOT_PAID_STATUSES = ['suspended', 'under_review', 'ineligible', 'deceased'] as const;

export function createPayrollRepository() {
  return {
    /**
     * Everyone the run of a month might hold, resume or stop, in id order:
     * - not in the active state now (deceased, ineligible, under review);
     * - certification ended before the run date (suspended at the run);
     * - any recorded decision of a non-paying status since `decisionsSince`: they may be
     *   resuming (back pay) or have had a death overturned.
     * Everyone else was paid last month and is paid this month: no action.
     */
    async candidateIds(q: Q, f: { scope: string | null; runDate: IsoDate; decisionsSince: Date }): Promise<string[]> {
      const res = await sql<{ id: string }>`
        SELECT c.pensioner_id::text AS id FROM certifications c
          WHERE c.state <> 'active' AND ${regionSql('c.region_code', f.scope)}
        UNION
        SELECT c.pensioner_id::text FROM certifications c
          WHERE c.certified_until < ${f.runDate}::date AND ${regionSql('c.region_code', f.scope)}
        UNION
        SELECT d.pensioner_id::text FROM decisions d JOIN pensioners p ON p.id = d.pensioner_id
          WHERE d.status = any(${[...NOT_PAID_STATUSES]}::text[]) AND d.decided_at >= ${f.decisionsSince}::timestamptz
            AND ${regionSql('p.region_code', f.scope)}
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
