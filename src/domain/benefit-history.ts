// A pensioner's monthly amount as a history: each change is an amount in integer fen and the
// month from which it is paid. Annual increases (调待) arrive as new rows, so back pay for
// months held while an increase took effect is paid at the increased amount.
import { addMonthsToMonth, type YearMonth } from './calendar.ts';

export interface BenefitChange {
  effectiveMonth: YearMonth;
  amountFen: bigint;
}

/** Changes ordered by month (YYYY-MM sorts as text), one per month: a later entry for a month replaces an earlier one. */
export type BenefitHistory = readonly BenefitChange[];

/** A history of one amount, from any month: what a single figure means. */
export const constantBenefit = (amountFen: bigint | number): BenefitHistory => [{ effectiveMonth: '0000-01', amountFen: BigInt(amountFen) }];

/** A history from unordered changes (later entries for the same month win). */
export function benefitHistory(changes: readonly BenefitChange[]): BenefitHistory {
  const byMonth = new Map<YearMonth, bigint>();
  for (const c of changes) byMonth.set(c.effectiveMonth, BigInt(c.amountFen));
  return [...byMonth.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([effectiveMonth, amountFen]) => ({ effectiveMonth, amountFen }));
}

/**
 * The amount paid for `month`: the latest change effective in or before it. Before the first
 * change the first amount applies (a person's history starts at registration, which may be
 * later than the benefit start); an empty history pays nothing.
 */
export function amountInForce(history: BenefitHistory, month: YearMonth): bigint {
  let amount = history[0]?.amountFen ?? 0n;
  for (const c of history) {
    if (c.effectiveMonth > month) break;
    amount = c.amountFen;
  }
  return amount;
}

/** Σ of the amounts in force over some months. */
export function sumInForce(history: BenefitHistory, months: Iterable<YearMonth>): bigint {
  let total = 0n;
  for (const m of months) total += amountInForce(history, m);
  return total;
}

/** The months from `from` to `to`, both included (none when `to` is before `from`). */
export function* monthRange(from: YearMonth, to: YearMonth): Generator<YearMonth> {
  for (let m = from; m <= to; m = addMonthsToMonth(m, 1)) yield m;
}
