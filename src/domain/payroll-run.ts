// A month's payroll run as lines, one per person and action, and the replay of past runs as
// they were frozen. Only wraps the rules of payroll.ts: what a run does for one person is
// still payrollAction's answer; this file says how it becomes lines and what each run knew.
import type { IsoDate, YearMonth } from './calendar.ts';
import type { Decision } from './lifecycle.ts';
import { asHistory, payrollAction, runInstant, runOutcome, type Benefit, type HoldStatus } from './payroll.ts';
import { amountInForce } from './benefit-history.ts';

export type RunLineAction = 'pay' | 'hold' | 'resumption' | 'stop';

export type RunLine =
  | { action: 'pay'; amountFen: bigint }
  | { action: 'hold'; status: HoldStatus; since: IsoDate }
  | { action: 'resumption'; months: number; amountFen: bigint }
  /** `months`/`amountFen`: paid after the month of death (a claim); `backPay…`: owed to the estate. */
  | { action: 'stop'; deathDate: IsoDate; months: number; amountFen: bigint; backPayMonths: number; backPayFen: bigint };

/** The back pay a line carries (a resumption's, or the estate's on a stop): what the freeze may set against claims. */
export function backPayOf(l: RunLine): bigint {
  return l.action === 'resumption' ? l.amountFen : l.action === 'stop' ? l.backPayFen : 0n;
}

/** What the bank pays on a line: the month's amount, or the back pay less what was set against claims. */
export function paidOf(l: RunLine, offsetFen: bigint): bigint {
  return l.action === 'pay' ? l.amountFen : backPayOf(l) - offsetFen;
}

/**
 * What the run of `month` does for one payee, as lines: the month's payment ('pay'), plus back
 * pay on a resumption; a hold or a stop instead of a payment; nothing for someone not (or no
 * longer) a payee. The one place the per-person rule is called for a run.
 */
export function runLines(d: Decision, benefit: Benefit, month: YearMonth): RunLine[] {
  const a = payrollAction(d, benefit, month);
  if (a.action === 'hold') return [{ action: 'hold', status: a.status, since: a.since }];
  if (a.action === 'stop')
    return [
      {
        action: 'stop',
        deathDate: a.deathDate,
        months: a.overpaidMonths,
        amountFen: a.overpaymentAmountFen,
        backPayMonths: a.estateBackPayMonths,
        backPayFen: a.estateBackPayAmountFen,
      },
    ];
  if (runOutcome(d, month).kind !== 'paid') return [];
  const pay: RunLine = { action: 'pay', amountFen: amountInForce(asHistory(benefit), month) };
  if (a.action === 'resumption') return [pay, { action: 'resumption', months: a.backPayMonths, amountFen: a.backPayAmountFen }];
  return [pay];
}

/**
 * The decision as the frozen runs saw it. The rules replay the run of month M with what was
 * received by M's run instant (the 1st, 00:00); a frozen run knew what was received by its
 * freeze instant instead. Each instant between the two is moved to the side of the run
 * instant the freeze put it on: received after an early freeze, it counts as received just
 * after the run (so the next run carries it); received before a late freeze, at the run.
 */
export function asFrozenRunsKnew(d: Decision, frozenAt: ReadonlyMap<YearMonth, Date>): Decision {
  if (frozenAt.size === 0) return d;
  const windows = [...frozenAt].map(([month, at]) => {
    const run = runInstant(month).getTime();
    const k = at.getTime();
    return { lo: Math.min(k, run), hi: Math.max(k, run), to: k < run ? run + 1 : run };
  });
  const moved = (t: Date): Date => {
    const ms = t.getTime();
    const w = windows.find((x) => ms > x.lo && ms <= x.hi);
    return w ? new Date(w.to) : t;
  };
  const maybe = (t: Date | null) => (t ? moved(t) : t);
  return {
    ...d,
    deathRecordedAt: maybe(d.deathRecordedAt),
    periods: d.periods.map((p) => ({ ...p, decidedAt: moved(p.decidedAt) })),
    custodialPeriods: d.custodialPeriods.map((c) => ({ ...c, recordedAt: moved(c.recordedAt), releaseRecordedAt: maybe(c.releaseRecordedAt) })),
    deathTimeline: d.deathTimeline.map((x) => ({ ...x, at: moved(x.at) })),
  };
}
