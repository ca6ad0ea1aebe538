// All SQL of the frozen payroll runs (payroll_runs, payroll_run_lines): the freeze's working set
// of exceptions, the set-based lines of everyone paid as usual, the lines the pure rule gave
// the others, and the reads of a frozen run (its lists, its counts, its export in pages).
// Reads and the run's header are typed Kysely; the set-based statements of a freeze stay SQL.
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import type { PayrollRunsTable } from '../../infra/db-types.ts';
import type { IsoDate, YearMonth } from '../../domain/calendar.ts';
import type { RunLine, RunLineAction } from '../../domain/payroll-run.ts';
import type { HoldStatus } from '../../domain/payroll.ts';
import { inRegionSql } from '../../infra/region-sql.ts';

type Q = Executor;

export interface FrozenRun {
  month: YearMonth;
  frozenAt: Date;
  frozenBy: string;
  holds: number;
  resumptions: number;
  stops: number;
  paid: number;
}

/** One stored line; amounts in fen, as text (bigint). */
export interface StoredLine {
  pensioner_id: string;
  national_id: string;
  region_code: string;
  action: RunLineAction;
  status: string | null;
  since: IsoDate | null;
  months: number | null;
  amount_fen: string;
  death_date: IsoDate | null;
  /** A stop's back pay owed to the estate. */
  back_pay_months: number | null;
  back_pay_fen: string;
  /** Of the line's back pay, how much the freeze set against the person's claims. */
  offset_fen: string;
}

const LINE_COLUMNS = [
  'pensioner_id',
  'national_id',
  'region_code',
  'action',
  'status',
  'since',
  'months',
  'amount_fen',
  'death_date',
  'back_pay_months',
  'back_pay_fen',
  'offset_fen',
] as const;

function frozenRun(r: Selectable<PayrollRunsTable>): FrozenRun {
  return { month: r.month, frozenAt: r.frozen_at, frozenBy: r.frozen_by, holds: r.holds, resumptions: r.resumptions, stops: r.stops, paid: r.paid };
}

export interface NewLine {
  pensionerId: string;
  nationalId: string;
  regionCode: string;
  action: RunLineAction;
  status?: string | null;
  since?: IsoDate | null;
  months?: number | null;
  amountFen?: bigint;
  deathDate?: IsoDate | null;
  backPayMonths?: number | null;
  backPayFen?: bigint;
  offsetFen?: bigint;
}

/** A stored line as the pure rule gave it. */
export function lineOf(r: StoredLine): RunLine {
  const amountFen = BigInt(r.amount_fen);
  if (r.action === 'hold') return { action: 'hold', status: r.status as HoldStatus, since: r.since! };
  if (r.action === 'resumption') return { action: 'resumption', months: r.months!, amountFen };
  if (r.action === 'stop')
    return {
      action: 'stop',
      deathDate: r.death_date!,
      months: r.months!,
      amountFen,
      backPayMonths: r.back_pay_months ?? 0,
      backPayFen: BigInt(r.back_pay_fen),
    };
  return { action: 'pay', amountFen };
}

export function createPayrollRunsRepository() {
  return {
    /** Makes the freezing transaction (before its first query) read one snapshot throughout. */
    async repeatableRead(q: Q): Promise<void> {
      await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`.execute(q);
    },

    /** Serialises freezes of one month: the second waits, then finds the run frozen. */
    async lockMonth(q: Q, month: YearMonth): Promise<void> {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`payroll_run:${month}`}))`.execute(q);
    },

    async run(q: Q, month: YearMonth): Promise<FrozenRun | null> {
      const r = await q.selectFrom('payroll_runs').selectAll().where('month', '=', month).executeTakeFirst();
      return r ? frozenRun(r) : null;
    },

    /** When each run from `from` to `to` (inclusive) was frozen. */
    async frozenAt(q: Q, from: YearMonth, to: YearMonth): Promise<Map<YearMonth, Date>> {
      const rows = await q.selectFrom('payroll_runs').select(['month', 'frozen_at']).where('month', '>=', from).where('month', '<=', to).execute();
      return new Map(rows.map((r) => [r.month, r.frozen_at]));
    },

    /**
     * For each of `pensionerIds`, every frozen month and whether its run paid them (a 'pay'
     * line): what the recovery ledger counts as paid, where the runs were frozen.
     */
    async paidByRuns(q: Q, pensionerIds: string[]): Promise<Map<string, Map<YearMonth, boolean>>> {
      const out = new Map<string, Map<YearMonth, boolean>>();
      if (pensionerIds.length === 0) return out;
      const res = await sql<{ id: string; month: string; paid: boolean }>`
        SELECT i.id::text AS id, r.month,
          EXISTS (SELECT FROM payroll_run_lines l WHERE l.month = r.month AND l.pensioner_id = i.id AND l.action = 'pay') AS paid
        FROM payroll_runs r CROSS JOIN unnest(${pensionerIds}::bigint[]) AS i(id)`.execute(q);
      for (const r of res.rows) {
        let months = out.get(r.id);
        if (!months) out.set(r.id, (months = new Map()));
        months.set(r.month, r.paid);
      }
      return out;
    },

    /** Stores a run's lines computed person by person. */
    async insertLines(q: Q, month: YearMonth, lines: NewLine[]): Promise<void> {
      if (lines.length === 0) return;
      const fen = (v: bigint | undefined) => String(v ?? 0n);
      await sql`INSERT INTO payroll_run_lines (month, pensioner_id, national_id, region_code, action, status, since, months, amount_fen, death_date,
          back_pay_months, back_pay_fen, offset_fen)
        SELECT ${month}, * FROM unnest(${lines.map((l) => l.pensionerId)}::bigint[], ${lines.map((l) => l.nationalId)}::text[],
          ${lines.map((l) => l.regionCode)}::text[], ${lines.map((l) => l.action)}::text[], ${lines.map((l) => l.status ?? null)}::text[],
          ${lines.map((l) => l.since ?? null)}::date[], ${lines.map((l) => l.months ?? null)}::int[], ${lines.map((l) => fen(l.amountFen))}::bigint[],
          ${lines.map((l) => l.deathDate ?? null)}::date[], ${lines.map((l) => l.backPayMonths ?? null)}::int[],
          ${lines.map((l) => fen(l.backPayFen))}::bigint[], ${lines.map((l) => fen(l.offsetFen))}::bigint[])`.execute(q);
    },

    /**
     * In one statement, the line of everyone who needs no person-by-person decision (not among
     * `payroll_exceptions`, made by the payroll repository in the same transaction): 'pay' for
     * those certified over the run date, 'hold' (suspended since the day after it ended) for the
     * plain lapses (payroll repository's plainLapsesSql). Returns how many of each.
     */
    async insertUsual(q: Q, month: YearMonth, runDate: IsoDate): Promise<{ pay: number; hold: number }> {
      const res = await sql<{ action: 'pay' | 'hold'; n: string }>`
        WITH written AS (
          INSERT INTO payroll_run_lines (month, pensioner_id, national_id, region_code, action, status, since, amount_fen)
          SELECT ${month}, p.id, p.national_id, p.region_code, l.action, l.status, l.since, l.amount_fen
          FROM certifications c JOIN pensioners p ON p.id = c.pensioner_id
          -- The amount in force in the month (benefit history), for everyone at once: one pass
          -- over the history (its key read backwards), not a lookup per person (half the statement's time at 100k).
          LEFT JOIN (SELECT DISTINCT ON (b.pensioner_id) b.pensioner_id, b.amount_fen FROM benefit_history b
            WHERE b.effective_month <= ${month} ORDER BY b.pensioner_id DESC, b.effective_month DESC) b ON b.pensioner_id = p.id
          CROSS JOIN LATERAL (SELECT
            CASE WHEN c.certified_until >= ${runDate}::date THEN 'pay' ELSE 'hold' END AS action,
            CASE WHEN c.certified_until >= ${runDate}::date THEN NULL ELSE 'suspended' END AS status,
            CASE WHEN c.certified_until >= ${runDate}::date THEN NULL ELSE c.certified_until + 1 END AS since,
            -- The registry's one amount for a person without a history.
            CASE WHEN c.certified_until >= ${runDate}::date THEN COALESCE(b.amount_fen, p.monthly_benefit_fen) ELSE 0 END AS amount_fen) l
          WHERE c.state = 'active' AND c.certified_until IS NOT NULL AND p.benefit_start_date < ${runDate}::date
            AND NOT EXISTS (SELECT FROM payroll_exceptions x WHERE x.id = c.pensioner_id)
          RETURNING action)
        SELECT action, count(*)::text AS n FROM written GROUP BY action`.execute(q);
      const n = (a: string) => Number(res.rows.find((r) => r.action === a)?.n ?? 0);
      return { pay: n('pay'), hold: n('hold') };
    },

    /** Brings the planner's statistics of the run lines up to date (after a freeze wrote a month of them). */
    async analyze(q: Q): Promise<void> {
      await sql`SELECT payroll_run_analyze()`.execute(q);
    },

    /** The run itself, with its counts; the last write of a freeze. */
    async insertRun(q: Q, month: YearMonth, frozenAt: Date, frozenBy: string, counts: Record<RunLineAction, number>): Promise<FrozenRun> {
      const r = await q
        .insertInto('payroll_runs')
        .values({ month, frozen_at: frozenAt, frozen_by: frozenBy, holds: counts.hold, resumptions: counts.resumption, stops: counts.stop, paid: counts.pay })
        .returningAll()
        .executeTakeFirstOrThrow();
      return frozenRun(r);
    },

    /** A frozen run's holds, resumptions and stops within `scope`, by national id. */
    async actions(q: Q, month: YearMonth, scope: string | null): Promise<StoredLine[]> {
      return q
        .selectFrom('payroll_run_lines')
        .select(LINE_COLUMNS)
        .where('month', '=', month)
        .where('action', '<>', 'pay')
        .where(inRegionSql('region_code', scope))
        .orderBy('national_id')
        .orderBy('action')
        .execute();
    },

    /** How many of a frozen run's lines of each action lie within `scope`. */
    async counts(q: Q, month: YearMonth, scope: string | null): Promise<Record<RunLineAction, number>> {
      const rows = await q
        .selectFrom('payroll_run_lines')
        .select((eb) => ['action', eb.fn.countAll<string>().as('n')])
        .where('month', '=', month)
        .where('action', '<>', 'pay')
        .where(inRegionSql('region_code', scope))
        .groupBy('action')
        .execute();
      const counts: Record<RunLineAction, number> = { pay: 0, hold: 0, resumption: 0, stop: 0 };
      for (const r of rows) counts[r.action] = Number(r.n);
      return counts;
    },

    /**
     * One page of a frozen run's lines within `scope`, after the line `after` (pensioner id,
     * action), in that order: by the columns, not the output's text id ('10000' < '9905').
     */
    async page(q: Q, month: YearMonth, scope: string | null, after: { pensionerId: string; action: string } | null, limit: number): Promise<StoredLine[]> {
      return q
        .selectFrom('payroll_run_lines')
        .select(LINE_COLUMNS)
        .where('month', '=', month)
        .where(inRegionSql('region_code', scope))
        .$if(after !== null, (qb) =>
          qb.where(({ eb, refTuple, tuple }) => eb(refTuple('pensioner_id', 'action'), '>', tuple(after!.pensionerId, after!.action as RunLineAction))),
        )
        .orderBy('pensioner_id')
        .orderBy('action')
        .limit(limit)
        .execute();
    },
  };
}
export type PayrollRunsRepository = ReturnType<typeof createPayrollRunsRepository>;
