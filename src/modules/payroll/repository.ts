// The SQL side of the payroll list: which pensioners could possibly need an action in a
// month (a superset, cheap to find), and what the pure payroll rule needs about each.
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import type { IsoDate } from '../../domain/calendar.ts';
import { inRegionSql } from '../../infra/region-sql.ts';

type Q = Executor;

/** Decision statuses under which a payroll month is paid (or, for deceased, stopped): every other one holds it. */
const NOT_HOLDING = ['certified', 'due', 'deceased'] as const;

export interface CandidateFilter {
  scope: string | null;
  runDate: IsoDate;
  /** Decisions to hold made since then may still matter (LOOKBACK_MONTHS). */
  holdsSince: Date;
  /** What the previous month's run knew: its freeze, or its run instant if earlier or not frozen. */
  previousRunKnew: Date;
}

/**
 * Everyone the run of a month might hold, resume or stop (a superset, cheap to find):
 * - held now: any status other than active or deceased (ineligible, under review, …);
 * - certification ended before the run date (suspended at the run), unless deceased;
 * - a decision of a holding status since `holdsSince`: they may be resuming (back pay),
 *   or were held at the run of a past month;
 * - certified again, since the previous run, after a certification that had ended before the
 *   day the new one became known: lapsed and recertified before any sweep recorded
 *   `suspended`, they were held by the runs in between and are owed back pay;
 * - a decision of `deceased` within the lookback whose death no longer stands (reversed,
 *   contradicted): the months stopped are paid back, however long ago the stop was;
 * - a decision of `deceased` since the previous run: a stop applies in the first run after
 *   the death was recorded, and a decision is taken no earlier than that.
 * Everyone else was paid last month and is paid this month (or is long dead): no action.
 */
function candidatesSql(f: CandidateFilter) {
  return sql`
    SELECT c.pensioner_id AS id FROM certifications c
      WHERE c.state NOT IN ('active', 'deceased') AND ${inRegionSql('c.region_code', f.scope)}
    UNION
    SELECT c.pensioner_id FROM certifications c
      WHERE c.certified_until < ${f.runDate}::date AND c.state <> 'deceased' AND ${inRegionSql('c.region_code', f.scope)}
    UNION
    SELECT d.pensioner_id FROM decisions d JOIN pensioners p ON p.id = d.pensioner_id
      WHERE ((d.status <> all(${[...NOT_HOLDING]}::text[]) AND d.decided_at >= ${f.holdsSince}::timestamptz)
          OR (d.status = 'deceased' AND d.decided_at > ${f.previousRunKnew}::timestamptz))
        AND ${inRegionSql('p.region_code', f.scope)}
    UNION
    SELECT d.pensioner_id FROM decisions d JOIN pensioners p ON p.id = d.pensioner_id
      CROSS JOIN LATERAL (
        SELECT e.certified_until FROM decisions e
        WHERE e.pensioner_id = d.pensioner_id AND e.decided_at < d.decided_at AND e.certified_until IS NOT NULL
        ORDER BY e.decided_at DESC LIMIT 1) before
      WHERE d.status IN ('certified', 'due') AND d.decided_at > ${f.previousRunKnew}::timestamptz
        AND before.certified_until < (d.decided_at AT TIME ZONE 'Asia/Shanghai')::date
        AND ${inRegionSql('p.region_code', f.scope)}
    UNION
    SELECT d.pensioner_id FROM decisions d JOIN certifications c ON c.pensioner_id = d.pensioner_id
      WHERE d.status = 'deceased' AND d.decided_at >= ${f.holdsSince}::timestamptz AND c.state <> 'deceased'
        AND ${inRegionSql('c.region_code', f.scope)}`;
}

/**
 * Payees whose certification has ended before the run date and who are otherwise in good
 * standing (alive, free, not under review): whatever their history, the run of the month holds
 * them as suspended from the day after it ended (domain/payroll.ts runOutcome), and a held month
 * has no back pay or stop to work out. So they need no person-by-person decision.
 */
export function plainLapsesSql(runDate: IsoDate) {
  return sql`SELECT c.pensioner_id AS id FROM certifications c JOIN pensioners p ON p.id = c.pensioner_id
    WHERE c.state = 'active' AND c.certified_until < ${runDate}::date AND p.benefit_start_date < ${runDate}::date`;
}

export function createPayrollRepository() {
  return {
    /** Makes the transaction `q` (before its first query) one read-only snapshot: every read of a list sees the same state. */
    async snapshot(q: Q): Promise<void> {
      await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`.execute(q);
    },

    /** Everyone the run of a month might hold, resume or stop within `scope` (see `candidatesSql`), in id order. */
    async candidateIds(q: Q, f: CandidateFilter): Promise<string[]> {
      const res = await sql<{ id: string }>`SELECT x.id::text AS id FROM (${candidatesSql(f)}) x ORDER BY x.id`.execute(q);
      return res.rows.map((r) => r.id);
    },

    /**
     * The same, province-wide, plus the month's new payees, less the plain lapses (see
     * plainLapsesSql; runs-repository's insertUsual holds them), kept for the transaction as the temporary table
     * `payroll_exceptions`: the freeze decides them person by person, and writes everyone
     * else's line (paid as usual, or held for a plain lapse) in one statement each.
     */
    async markExceptions(q: Q, f: Omit<CandidateFilter, 'scope'> & { nextRunDate: IsoDate }): Promise<number> {
      await sql`CREATE TEMPORARY TABLE payroll_exceptions (id bigint PRIMARY KEY) ON COMMIT DROP`.execute(q);
      const res = await sql`INSERT INTO payroll_exceptions
        (${candidatesSql({ ...f, scope: null })}
        UNION
        SELECT p.id FROM pensioners p WHERE p.benefit_start_date >= ${f.runDate}::date AND p.benefit_start_date < ${f.nextRunDate}::date
        UNION
        SELECT c.pensioner_id FROM certifications c WHERE c.state = 'active' AND c.certified_until IS NULL)
        EXCEPT
        ${plainLapsesSql(f.runDate)}`.execute(q);
      await sql`ANALYZE payroll_exceptions`.execute(q);
      return Number(res.numAffectedRows ?? 0);
    },

    /** The next `limit` exceptions after `afterId`, in id order. */
    async exceptionIds(q: Q, afterId: string, limit: number): Promise<string[]> {
      const res = await sql<{
        id: string;
      }>`SELECT x.id::text AS id FROM payroll_exceptions x WHERE x.id > ${afterId}::bigint ORDER BY x.id LIMIT ${limit}`.execute(q);
      return res.rows.map((r) => r.id);
    },

    /**
     * The preview's counts in three set-based counts, without deciding anyone: held at the run
     * (any holding status, or certification ended before the run date); stopped (deceased,
     * recorded since the previous run); resumed (paid now after a decision that held them, or
     * a certification that had ended before the previous run date). The same superset rules as
     * the candidates, so close to the decided list but not exact; a frozen run's are.
     */
    async previewCounts(q: Q, f: CandidateFilter & { previousRunDate: IsoDate }): Promise<{ holds: number; resumptions: number; stops: number }> {
      const res = await sql<{ holds: string; resumptions: string; stops: string }>`
        SELECT
          (SELECT count(*) FROM certifications c
            WHERE (c.state NOT IN ('active', 'deceased') OR (c.state = 'active' AND c.certified_until < ${f.runDate}::date))
              AND ${inRegionSql('c.region_code', f.scope)})::text AS holds,
          (SELECT count(*) FROM certifications c
            WHERE c.state = 'deceased' AND ${inRegionSql('c.region_code', f.scope)}
              AND EXISTS (SELECT FROM decisions d WHERE d.pensioner_id = c.pensioner_id AND d.status = 'deceased' AND d.decided_at > ${f.previousRunKnew}::timestamptz))::text AS stops,
          (SELECT count(DISTINCT d.pensioner_id) FROM decisions d JOIN certifications c ON c.pensioner_id = d.pensioner_id
            CROSS JOIN LATERAL (
              SELECT e.status, e.certified_until FROM decisions e WHERE e.pensioner_id = d.pensioner_id AND e.decided_at < d.decided_at
              ORDER BY e.decided_at DESC LIMIT 1) before
            WHERE d.status IN ('certified', 'due') AND d.decided_at > ${f.previousRunKnew}::timestamptz
              AND c.state = 'active' AND c.certified_until >= ${f.runDate}::date AND ${inRegionSql('c.region_code', f.scope)}
              AND (before.status <> all(${[...NOT_HOLDING]}::text[]) OR before.certified_until < ${f.previousRunDate}::date))::text AS resumptions`.execute(q);
      const r = res.rows[0]!;
      return { holds: Number(r.holds), resumptions: Number(r.resumptions), stops: Number(r.stops) };
    },

    async payees(q: Q, ids: string[]) {
      const res = await sql<{ id: string; national_id: string; region_code: string; monthly_benefit_fen: string }>`
        SELECT id::text AS id, national_id, region_code, monthly_benefit_fen::text AS monthly_benefit_fen
        FROM pensioners WHERE id = any(${ids}::bigint[])`.execute(q);
      return res.rows;
    },
  };
}
export type PayrollRepository = ReturnType<typeof createPayrollRepository>;
