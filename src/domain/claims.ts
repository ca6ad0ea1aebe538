// Overpayment claims, by reconciliation: a claim is Σ, over the months the runs paid that were
// not owed, of the amount in force in each. Not owed: the months after the month of death
// (a standing death: status deceased), and the months of a custodial sentence, from its start
// month to the month of release (payment resumes the month after). Computed afresh from the
// decision each time, so a corrected death date, a reversal or a benefit correction amends or
// cancels the claim rather than adding to it.
import { addMonthsToMonth, monthOf, type IsoDate, type YearMonth } from './calendar.ts';
import { amountInForce, monthRange, type BenefitHistory } from './benefit-history.ts';
import type { Decision } from './lifecycle.ts';
import { runOutcome } from './payroll.ts';

export type ClaimReason = 'death' | 'custody';
export const CLAIM_STATUSES = ['open', 'notified', 'recovered', 'written_off', 'cancelled'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

export interface ClaimMonth {
  month: YearMonth;
  amountFen: bigint;
}

export interface OwedClaim {
  reason: ClaimReason;
  /** One claim per reason and stretch: "death", or the sentence's start date. */
  key: string;
  /** The date it rests on: the date of death, or the sentence's start. */
  since: IsoDate;
  months: ClaimMonth[];
  amountFen: bigint;
}

/**
 * Whether the run of a month paid the person. The seam for frozen payroll runs: where a frozen
 * run line exists for the month, what it did wins; otherwise the run is replayed.
 */
export type PaidIn = (month: YearMonth) => boolean;
export const replayedPaid =
  (d: Decision): PaidIn =>
  (m) =>
    runOutcome(d, m).kind === 'paid';

function owed(reason: ClaimReason, key: string, since: IsoDate, months: Iterable<YearMonth>, history: BenefitHistory, paid: PaidIn): OwedClaim | null {
  const list: ClaimMonth[] = [];
  for (const month of months) if (paid(month)) list.push({ month, amountFen: amountInForce(history, month) });
  if (list.length === 0) return null;
  return { reason, key, since, months: list, amountFen: list.reduce((s, m) => s + m.amountFen, 0n) };
}

/** The claims a decision makes, counting the runs up to and including `lastRun` (the current month). */
export function claimsOwed(d: Decision, history: BenefitHistory, lastRun: YearMonth, paid: PaidIn = replayedPaid(d)): OwedClaim[] {
  const claims: (OwedClaim | null)[] = [];
  const deathMonth = d.status === 'deceased' && d.deathDate ? monthOf(d.deathDate) : null;
  if (deathMonth) claims.push(owed('death', 'death', d.deathDate!, monthRange(addMonthsToMonth(deathMonth, 1), lastRun), history, paid));
  for (const c of d.custodialPeriods) {
    let end = c.releasedOn ? monthOf(c.releasedOn) : lastRun;
    if (end > lastRun) end = lastRun;
    // Months after a death belong to the death's claim, never to two claims.
    if (deathMonth && end > deathMonth) end = deathMonth;
    claims.push(owed('custody', c.since, c.since, monthRange(monthOf(c.since), end), history, paid));
  }
  return claims.filter((c): c is OwedClaim => c !== null);
}
