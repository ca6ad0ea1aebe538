// The payroll list of a month: the frozen run once there is one, else a preview computed from
// the current state: candidates are found in SQL, their decisions loaded in chunks, and the
// pure rule (domain/payroll-run.ts → domain/payroll.ts) says what the run does with each.
// Past runs are replayed as they were frozen. Nothing here decides: it gathers and formats.
import type { Executor, Transact } from '../../infra/database.ts';
import { addMonthsToMonth, firstDayOfMonth, type IsoDate, type YearMonth } from '../../domain/calendar.ts';
import { formatYuan } from '../../domain/money.ts';
import { runInstant, type HoldStatus } from '../../domain/payroll.ts';
import { asFrozenRunsKnew, paidOf, runLines, type RunLine } from '../../domain/payroll-run.ts';
import type { CertificationService } from '../certification/service.ts';
import type { CandidateFilter, PayrollRepository } from './repository.ts';
import { lineOf, type PayrollRunsRepository } from './runs-repository.ts';
import type { BenefitRepository } from '../pensioners/benefit-repository.ts';

export interface PayrollList {
  month: YearMonth;
  holds: { nationalId: string; status: HoldStatus; since: IsoDate }[];
  resumptions: ({ nationalId: string; backPayMonths: number; backPayAmount: string } & Settled)[];
  stops: ({
    nationalId: string;
    deathDate: IsoDate;
    overpaidMonths: number;
    overpaymentAmount: string;
    /** Owed to the estate: the months held while the person was alive. */
    estateBackPayMonths: number;
    estateBackPayAmount: string;
  } & Settled)[];
}
/** Frozen runs only (a preview offsets nothing): the back pay set against claims, and what is paid. */
type Settled = { offsetAmount?: string; netAmount?: string };
export type RunState = { state: 'preview'; frozenAt: null } | { state: 'frozen'; frozenAt: string };

/** Pensioners whose decisions are loaded and decided together. */
export const PAYROLL_CHUNK = 2000;
/** How far back a decision to hold can still matter for this month's run (a longer hold ending now is missed). */
const LOOKBACK_MONTHS = 24;

export interface Payee {
  id: string;
  national_id: string;
  region_code: string;
  monthly_benefit_fen: string;
}

/** What the previews and the freeze need to know about the runs before `month`. */
export interface RunContext {
  month: YearMonth;
  /** When each earlier run within the lookback was frozen. */
  frozenAt: Map<YearMonth, Date>;
  filter: Omit<CandidateFilter, 'scope'>;
}

export interface PayrollServiceDeps {
  transaction: Transact;
  repo: PayrollRepository;
  runs: Pick<PayrollRunsRepository, 'frozenAt' | 'run' | 'actions' | 'counts'>;
  certification: Pick<CertificationService, 'decisions'>;
  /** Amounts month by month (absent: the registry's one amount). */
  benefits?: Pick<BenefitRepository, 'histories'>;
}

const byNationalId = (a: { nationalId: string }, b: { nationalId: string }) => (a.nationalId < b.nationalId ? -1 : a.nationalId > b.nationalId ? 1 : 0);

/** A run's line for one person; `offsetFen` is set on a frozen run's lines only. */
interface ListedLine {
  pensionerId: string;
  nationalId: string;
  line: RunLine;
  offsetFen?: bigint;
}

const settled = (l: RunLine, offsetFen: bigint | undefined): Settled =>
  offsetFen === undefined ? {} : { offsetAmount: formatYuan(offsetFen), netAmount: formatYuan(paidOf(l, offsetFen)) };

/** The list shape of a run's lines (payments are not listed). */
function listOf(month: YearMonth, lines: ListedLine[]): PayrollList & { pensionerIds: string[] } {
  const list: PayrollList = { month, holds: [], resumptions: [], stops: [] };
  const ids = new Set<string>();
  for (const { pensionerId, nationalId, line: l, offsetFen } of [...lines].sort(byNationalId)) {
    if (l.action === 'pay') continue;
    ids.add(pensionerId);
    if (l.action === 'hold') list.holds.push({ nationalId, status: l.status, since: l.since });
    else if (l.action === 'resumption')
      list.resumptions.push({ nationalId, backPayMonths: l.months, backPayAmount: formatYuan(l.amountFen), ...settled(l, offsetFen) });
    else
      list.stops.push({
        nationalId,
        deathDate: l.deathDate,
        overpaidMonths: l.months,
        overpaymentAmount: formatYuan(l.amountFen),
        estateBackPayMonths: l.backPayMonths,
        estateBackPayAmount: formatYuan(l.backPayFen),
        ...settled(l, offsetFen),
      });
  }
  return { ...list, pensionerIds: [...ids] };
}

export function createPayrollService(deps: PayrollServiceDeps) {
  const { transaction, repo, runs, certification } = deps;

  async function context(q: Executor, month: YearMonth): Promise<RunContext> {
    const previous = addMonthsToMonth(month, -1);
    const frozenAt = await runs.frozenAt(q, addMonthsToMonth(month, -LOOKBACK_MONTHS), previous);
    const previousRun = runInstant(previous);
    const previousFreeze = frozenAt.get(previous);
    return {
      month,
      frozenAt,
      filter: {
        runDate: firstDayOfMonth(month),
        holdsSince: runInstant(addMonthsToMonth(month, -LOOKBACK_MONTHS)),
        previousRunKnew: previousFreeze && previousFreeze < previousRun ? previousFreeze : previousRun,
      },
    };
  }

  /** What the run of `ctx.month` does for each of `ids` (payees only), as known at `now`. */
  async function decide(q: Executor, ctx: RunContext, ids: string[], now: Date): Promise<{ payee: Payee; lines: RunLine[] }[]> {
    // In sequence: a transaction's one connection takes one query at a time.
    const decisions = await certification.decisions(q, ids, now);
    const payees = await repo.payees(q, ids);
    const histories = await deps.benefits?.histories(q, ids);
    return payees.flatMap((p) => {
      const d = decisions.get(p.id);
      const benefit = histories?.get(p.id) ?? BigInt(p.monthly_benefit_fen);
      return d ? [{ payee: p, lines: runLines(asFrozenRunsKnew(d, ctx.frozenAt), benefit, ctx.month) }] : [];
    });
  }

  /** The preview of the run of `month` within `scope`, read in one snapshot so the list is consistent. */
  const preview = (month: YearMonth, scope: string | null, now: Date) =>
    transaction(async (tx) => {
      await repo.snapshot(tx);
      const ctx = await context(tx, month);
      const ids = await repo.candidateIds(tx, { ...ctx.filter, scope });
      const lines: ListedLine[] = [];
      for (let i = 0; i < ids.length; i += PAYROLL_CHUNK) {
        for (const { payee, lines: ls } of await decide(tx, ctx, ids.slice(i, i + PAYROLL_CHUNK), now)) {
          for (const line of ls) if (line.action !== 'pay') lines.push({ pensionerId: payee.id, nationalId: payee.national_id, line });
        }
      }
      return listOf(month, lines);
    });

  return {
    context,
    decide,

    /**
     * How many the run of `month` holds, resumes and stops within `scope`: figures only, no
     * person. The frozen run's own, or set-based counts for a preview (nobody decided one by one).
     */
    async counts(month: YearMonth, scope: string | null): Promise<{ holds: number; resumptions: number; stops: number } & RunState> {
      return transaction(async (tx) => {
        const run = await runs.run(tx, month);
        if (run) {
          const c = await runs.counts(tx, month, scope);
          return { holds: c.hold, resumptions: c.resumption, stops: c.stop, state: 'frozen', frozenAt: run.frozenAt.toISOString() };
        }
        const { filter } = await context(tx, month);
        const counts = await repo.previewCounts(tx, { ...filter, scope, previousRunDate: firstDayOfMonth(addMonthsToMonth(month, -1)) });
        return { ...counts, state: 'preview', frozenAt: null };
      });
    },

    /** Whether the run of `month` is frozen, and when. */
    async state(month: YearMonth): Promise<RunState> {
      const run = await transaction((tx) => runs.run(tx, month));
      return run ? { state: 'frozen', frozenAt: run.frozenAt.toISOString() } : { state: 'preview', frozenAt: null };
    },

    /** What the run of `month` does for the pensioners within `scope`: the frozen run, or a preview as known at `now`. */
    async list(month: YearMonth, scope: string | null, now: Date): Promise<PayrollList & RunState & { pensionerIds: string[] }> {
      const { db, stored } = await transaction(async (tx) => {
        const run = await runs.run(tx, month);
        return { db: run, stored: run ? await runs.actions(tx, month, scope) : [] };
      });
      if (db) {
        const lines = stored.map((r) => ({ pensionerId: r.pensioner_id, nationalId: r.national_id, line: lineOf(r), offsetFen: BigInt(r.offset_fen) }));
        return { ...listOf(month, lines), state: 'frozen', frozenAt: db.frozenAt.toISOString() };
      }
      return { ...(await preview(month, scope, now)), state: 'preview', frozenAt: null };
    },
  };
}
export type PayrollService = ReturnType<typeof createPayrollService>;
