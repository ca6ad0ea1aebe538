// Freezing a month's payroll run: in one transaction, everyone paid as usual gets a 'pay' line
// and every plain lapse a 'hold' line from one INSERT … SELECT, and only the
// exceptions (other holds, recertifications after a lapse, deaths, custody, new payees) are
// decided person by person, in chunks, by the pure rule; their back pay is set against their
// outstanding claims (only here: a preview changes nothing) and each line records the offset;
// then the run row is written with its counts. Triggers keep it as it is from then on. All in
// the one transaction: a failed freeze offsets nothing, and a run is frozen (and offsets) once.

import type { Executor, Transact } from '../../infra/database.ts';
import { addMonthsToMonth, firstDayOfMonth, monthOf, shanghaiDate, type YearMonth } from '../../domain/calendar.ts';
import { runInstant } from '../../domain/payroll.ts';
import { backPayOf, type RunLineAction } from '../../domain/payroll-run.ts';
import { conflict } from '../../domain/errors.ts';
import type { PayrollRepository } from './repository.ts';
import type { FrozenRun, NewLine, PayrollRunsRepository } from './runs-repository.ts';
import { PAYROLL_CHUNK, type PayrollService } from './service.ts';

export interface PayrollFreezeDeps {
  transaction: Transact;
  repo: Pick<PayrollRepository, 'markExceptions' | 'exceptionIds'>;
  runs: Pick<PayrollRunsRepository, 'repeatableRead' | 'lockMonth' | 'run' | 'insertLines' | 'insertUsual' | 'insertRun' | 'analyze'>;
  payroll: Pick<PayrollService, 'context' | 'decide'>;
  /** Day of the month before on which a month's run is frozen (PAYROLL_FREEZE_DAY). */
  freezeDay: number;
  /** Exceptions decided together (PAYROLL_CHUNK; smaller in tests). */
  chunk?: number;
  /** Told how long each step took (the bench). */
  trace?: (step: string, ms: number) => void;
  /**
   * The recovery ledger, brought up to date for the people the run stops: the runs frozen
   * before the death was known paid months the replay alone would not count.
   */
  reconcileClaims?: (q: Executor, ids: string[], now: Date, actor: string) => Promise<number>;
  /**
   * Sets each person's back pay against their outstanding claims (ClaimService.offsetBackPay),
   * in the freeze's transaction: only a frozen run settles claims, and only once.
   */
  offsetBackPay?: (
    q: Executor,
    items: { pensionerId: string; backPayFen: bigint }[],
    month: YearMonth,
    actor: string,
    now: Date,
  ) => Promise<Map<string, bigint>>;
}

export interface FreezeResult {
  run: FrozenRun;
  exceptions: number;
}

export function createPayrollFreezeService(deps: PayrollFreezeDeps) {
  const { transaction, repo, runs, payroll } = deps;
  const chunk = deps.chunk ?? PAYROLL_CHUNK;
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    if (!deps.trace) return fn();
    const t0 = performance.now();
    const v = await fn();
    deps.trace(step, performance.now() - t0);
    return v;
  };

  /**
   * The decided lines as stored: the ledger is first brought up to date for those the run stops
   * or pays back pay to (the runs frozen before a death was known paid months the replay alone
   * would not count), then each back pay (a resumption's, the estate's on a stop) is set against
   * the person's outstanding claims, and the line records what was offset.
   */
  async function settle(tx: Executor, decided: Awaited<ReturnType<PayrollService['decide']>>, month: YearMonth, now: Date, actor: string): Promise<NewLine[]> {
    const lines: NewLine[] = decided.flatMap(({ payee, lines: ls }) =>
      ls.map((l) => ({ pensionerId: payee.id, nationalId: payee.national_id, regionCode: payee.region_code, ...l })),
    );
    const backPay = decided.flatMap(({ payee, lines: ls }) =>
      ls.filter((l) => backPayOf(l) > 0n).map((l) => ({ pensionerId: payee.id, backPayFen: backPayOf(l) })),
    );
    const concerned = new Set([...lines.filter((l) => l.action === 'stop').map((l) => l.pensionerId), ...backPay.map((b) => b.pensionerId)]);
    if (concerned.size > 0) await deps.reconcileClaims?.(tx, [...concerned], now, actor);
    const offsets = deps.offsetBackPay ? await deps.offsetBackPay(tx, backPay, month, actor, now) : new Map<string, bigint>();
    return lines.map((l) => (l.action === 'resumption' || l.action === 'stop' ? { ...l, offsetFen: offsets.get(l.pensionerId) ?? 0n } : l));
  }

  /** Freezes the run of `month` as known at `now`; 409 when it is frozen or its run instant has passed. */
  async function freeze(month: YearMonth, now: Date, frozenBy: string): Promise<FreezeResult> {
    if (runInstant(month) <= now) throw conflict('run_date_passed', `the run of ${month} took place on ${firstDayOfMonth(month)}: it can no longer be frozen`);
    let result: FreezeResult;
    try {
      result = await freezeOnce(month, now, frozenBy);
    } catch (e) {
      // Two freezes at once: the second's snapshot was taken before it waited for the month's
      // lock, so it does not see the first's run and fails on what the first wrote (a
      // serialization failure or a duplicate line). Rolled back whole: it offset nothing.
      const code = (e as { code?: string }).code;
      if ((code === '40001' || code === '23505') && (await transaction((tx) => runs.run(tx, month))))
        throw conflict('already_frozen', `the payroll run of ${month} is already frozen`);
      throw e;
    }
    // The export reads the lines next: without statistics that know them it sorts the rest of
    // the run for every page (migration 20261205T000000).
    await timed('statistics', () => transaction((tx) => runs.analyze(tx)));
    return result;
  }

  async function freezeOnce(month: YearMonth, now: Date, frozenBy: string): Promise<FreezeResult> {
    return transaction(async (tx) => {
      await runs.repeatableRead(tx);
      await runs.lockMonth(tx, month);
      if (await runs.run(tx, month)) throw conflict('already_frozen', `the payroll run of ${month} is already frozen`);
      const ctx = await payroll.context(tx, month);
      const nextRunDate = firstDayOfMonth(addMonthsToMonth(month, 1));
      const exceptions = await timed('exceptions', () => repo.markExceptions(tx, { ...ctx.filter, nextRunDate }));
      const usual = await timed('paid as usual and plain lapses', () => runs.insertUsual(tx, month, ctx.filter.runDate));
      const counts: Record<RunLineAction, number> = { pay: usual.pay, hold: usual.hold, resumption: 0, stop: 0 };
      for (let after = '0'; ;) {
        const ids = await repo.exceptionIds(tx, after, chunk);
        if (ids.length === 0) break;
        after = ids.at(-1)!;
        const decided = await timed('decide', () => payroll.decide(tx, ctx, ids, now));
        const lines = await timed('offset', () => settle(tx, decided, month, now, frozenBy));
        for (const l of lines) counts[l.action]++;
        await timed('insert decided', () => runs.insertLines(tx, month, lines));
      }
      const run = await timed('run', () => runs.insertRun(tx, month, now, frozenBy, counts));
      return { run, exceptions };
    });
  }

  /** The month whose run is due to be frozen at `now` (on or after the freeze day of the month before), if any. */
  function dueMonth(now: Date): YearMonth | null {
    const today = shanghaiDate(now);
    if (Number(today.slice(8, 10)) < deps.freezeDay) return null;
    return addMonthsToMonth(monthOf(today), 1);
  }

  return {
    freeze,
    dueMonth,

    /** The scheduled freeze: next month's run, once its freeze day has come (later days catch up a missed one); nothing when already frozen. */
    async freezeDue(now: Date): Promise<{ month: YearMonth; frozen: boolean } | null> {
      const month = dueMonth(now);
      if (!month) return null;
      try {
        await freeze(month, now, 'system:payroll-freeze');
        return { month, frozen: true };
      } catch (e) {
        if ((e as { code?: string }).code === 'already_frozen') return { month, frozen: false };
        throw e;
      }
    },
  };
}
export type PayrollFreezeService = ReturnType<typeof createPayrollFreezeService>;
