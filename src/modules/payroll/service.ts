// The payroll list of a month, computed on request from the current state: candidates are
// found in SQL, their decisions loaded in chunks, and the pure rule in domain/payroll.ts
// says what the run must do with each. Nothing here decides: it only gathers and formats.
import type { Transact } from '../../infra/database.ts';
import { addMonthsToMonth, firstDayOfMonth, type IsoDate, type YearMonth } from '../../domain/calendar.ts';
import { formatYuan } from '../../domain/money.ts';
import { payrollAction, runInstant, type HoldStatus } from '../../domain/payroll.ts';
import type { Decision } from '../../domain/lifecycle.ts';
import type { CertificationService } from '../certification/service.ts';
import type { PayrollRepository } from './repository.ts';
import type { BenefitHistory } from '../../domain/benefit-history.ts';
import type { BenefitRepository } from '../pensioners/benefit-repository.ts';

export interface PayrollList {
  month: YearMonth;
  holds: { nationalId: string; status: HoldStatus; since: IsoDate }[];
  resumptions: { nationalId: string; backPayMonths: number; backPayAmount: string }[];
  stops: { nationalId: string; deathDate: IsoDate; overpaidMonths: number; overpaymentAmount: string }[];
}

/** Pensioners whose decisions are loaded and decided together. */
const PAYROLL_CHUNK = 2000;
/** How far back a decision to hold can still matter for this month's run (a longer hold ending now is missed). */
const LOOKBACK_MONTHS = 24;

type Row<T> = { pensionerId: string; item: T };
interface Actions {
  holds: Row<PayrollList['holds'][number]>[];
  resumptions: Row<PayrollList['resumptions'][number]>[];
  stops: Row<PayrollList['stops'][number]>[];
}

/** What the run of `month` does for one payee, added to the list it belongs in (nothing for most). */
function addAction(
  lists: Actions,
  month: YearMonth,
  p: { id: string; national_id: string; monthly_benefit_fen: string },
  d: Decision,
  history?: BenefitHistory,
) {
  const a = payrollAction(d, history ?? BigInt(p.monthly_benefit_fen), month);
  const nationalId = p.national_id;
  if (a.action === 'hold') lists.holds.push({ pensionerId: p.id, item: { nationalId, status: a.status, since: a.since } });
  else if (a.action === 'resumption')
    lists.resumptions.push({ pensionerId: p.id, item: { nationalId, backPayMonths: a.backPayMonths, backPayAmount: formatYuan(a.backPayAmountFen) } });
  else if (a.action === 'stop')
    lists.stops.push({
      pensionerId: p.id,
      item: { nationalId, deathDate: a.deathDate, overpaidMonths: a.overpaidMonths, overpaymentAmount: formatYuan(a.overpaymentAmountFen) },
    });
}

export interface PayrollServiceDeps {
  transaction: Transact;
  repo: PayrollRepository;
  certification: Pick<CertificationService, 'decisions'>;
  /** Amounts month by month (absent: the registry's one amount). */
  benefits?: Pick<BenefitRepository, 'histories'>;
}

export function createPayrollService(deps: PayrollServiceDeps) {
  const { transaction, repo, certification } = deps;

  /** Every action of the run of `month` within `scope`, read in one snapshot so the list is consistent. */
  const actions = (month: YearMonth, scope: string | null, now: Date) =>
    transaction(async (tx) => {
      await repo.snapshot(tx);
      const lists: Actions = { holds: [], resumptions: [], stops: [] };
      const ids = await repo.candidateIds(tx, {
        scope,
        runDate: firstDayOfMonth(month),
        holdsSince: runInstant(addMonthsToMonth(month, -LOOKBACK_MONTHS)),
        deathsSince: runInstant(addMonthsToMonth(month, -1)),
      });
      for (let i = 0; i < ids.length; i += PAYROLL_CHUNK) {
        const chunk = ids.slice(i, i + PAYROLL_CHUNK);
        // In sequence: a transaction's one connection takes one query at a time.
        const decisions = await certification.decisions(tx, chunk, now);
        const payees = await repo.payees(tx, chunk);
        const histories = await deps.benefits?.histories(tx, chunk);
        for (const p of payees) {
          const d = decisions.get(p.id);
          if (d) addAction(lists, month, p, d, histories?.get(p.id));
        }
      }
      return lists;
    });

  return {
    /** How many the run of `month` holds, resumes and stops within `scope`: figures only, no person. */
    async counts(month: YearMonth, scope: string | null, now: Date): Promise<{ holds: number; resumptions: number; stops: number }> {
      const { holds, resumptions, stops } = await actions(month, scope, now);
      return { holds: holds.length, resumptions: resumptions.length, stops: stops.length };
    },

    /** What the run of `month` must do for the pensioners within `scope`, as known at `now`. */
    async list(month: YearMonth, scope: string | null, now: Date): Promise<PayrollList & { pensionerIds: string[] }> {
      const { holds, resumptions, stops } = await actions(month, scope, now);
      const byId = (a: Row<{ nationalId: string }>, b: Row<{ nationalId: string }>) =>
        a.item.nationalId < b.item.nationalId ? -1 : a.item.nationalId > b.item.nationalId ? 1 : 0;
      const all = [holds, resumptions, stops].map((rows) => rows.sort(byId));
      return {
        month,
        holds: holds.map((r) => r.item),
        resumptions: resumptions.map((r) => r.item),
        stops: stops.map((r) => r.item),
        pensionerIds: all.flat().map((r) => r.pensionerId),
      };
    },
  };
}
export type PayrollService = ReturnType<typeof createPayrollService>;
