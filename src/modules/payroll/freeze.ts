// Freezing a month's payroll run: in one transaction, everyone paid as usual gets a 'pay' line
// and every plain lapse a 'hold' line from one INSERT … SELECT, and only the
// exceptions (other holds, recertifications after a lapse, deaths, custody, new payees) are
// decided person by person, in chunks, by the pure rule; then the run row is written with its
// counts. Triggers keep it as it is from then on.
import type { Executor, Transact } from '../../infra/database.ts';
import { addMonthsToMonth, firstDayOfMonth, monthOf, shanghaiDate, type YearMonth } from '../../domain/calendar.ts';
import { runInstant } from '../../domain/payroll.ts';
import type { RunLineAction } from '../../domain/payroll-run.ts';
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

  /** Freezes the run of `month` as known at `now`; 409 when it is frozen or its run instant has passed. */
  async function freeze(month: YearMonth, now: Date, frozenBy: string): Promise<FreezeResult> {
    if (runInstant(month) <= now) throw conflict('run_date_passed', `the run of ${month} took place on ${firstDayOfMonth(month)}: it can no longer be frozen`);
    const result = await transaction(async (tx) => {
      await runs.repeatableRead(tx);
      await runs.lockMonth(tx, month);
      if (await runs.run(tx, month)) throw conflict('already_frozen', `the payroll run of ${month} is already frozen`);
      const ctx = await payroll.context(tx, month);
      const nextRunDate = firstDayOfMonth(addMonthsToMonth(month, 1));
      const exceptions = await timed('exceptions', () => repo.markExceptions(tx, { ...ctx.filter, nextRunDate }));
      const usual = await timed('paid as usual and plain lapses', () => runs.insertUsual(tx, month, ctx.filter.runDate));
      const counts: Record<RunLineAction, number> = { pay: usual.pay, hold: usual.hold, resumption: 0, stop: 0 };
      const stopped: string[] = [];
      for (let after = '0'; ;) {
        const ids = await repo.exceptionIds(tx, after, chunk);
        if (ids.length === 0) break;
        after = ids.at(-1)!;
        const decided = await timed('decide', () => payroll.decide(tx, ctx, ids, now));
        const lines: NewLine[] = decided.flatMap(({ payee, lines: ls }) =>
          ls.map((l) => ({ pensionerId: payee.id, nationalId: payee.national_id, regionCode: payee.region_code, ...l })),
        );
        for (const l of lines) counts[l.action]++;
        stopped.push(...lines.filter((l) => l.action === 'stop').map((l) => l.pensionerId));
        await timed('insert decided', () => runs.insertLines(tx, month, lines));
      }
      const run = await timed('run', () => runs.insertRun(tx, month, now, frozenBy, counts));
      await deps.reconcileClaims?.(tx, stopped, now, frozenBy);
      return { run, exceptions };
    });
    // The export reads the lines next: without statistics that know them it sorts the rest of
    // the run for every page (migration 20261205T000000).
    await timed('statistics', () => transaction((tx) => runs.analyze(tx)));
    return result;
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
