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
/**
 * The statuses the contract lists a claim in. `cancelled` (the claim's reason is gone, e.g. a
 * death reversed) is the service's own: a list without a status leaves it out, so clients that
 * know the contract's four never meet it unless they ask for it.
 */
export const LISTED_CLAIM_STATUSES: readonly ClaimStatus[] = ['open', 'notified', 'recovered', 'written_off'];

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

// ---- reconciliation --------------------------------------------------------------------

/** A claim as stored: what reconciliation compares with. */
export interface StoredClaim {
  id: string;
  reason: ClaimReason;
  key: string;
  status: ClaimStatus;
  amountFen: bigint;
  /** Repaid, offset and written off together. */
  settledFen: bigint;
  notified: boolean;
  basis: { since: IsoDate; months: { month: YearMonth; amountFen: string }[] };
}

export type ClaimChange =
  | { kind: 'open'; owed: OwedClaim }
  | { kind: 'reopen'; id: string; owed: OwedClaim; status: ClaimStatus; why: string }
  | { kind: 'amend'; id: string; owed: OwedClaim; status: ClaimStatus; why: string }
  | { kind: 'cancel'; id: string; why: string };

/** Where a claim stands once its amount or settlement changed. */
export function settledStatus(c: { amountFen: bigint; settledFen: bigint; notified: boolean; status: ClaimStatus }): ClaimStatus {
  if (c.status === 'written_off' || c.status === 'cancelled') return c.status;
  if (c.settledFen >= c.amountFen) return 'recovered';
  return c.notified ? 'notified' : 'open';
}

/** Why an amount changed, in the order a person would look for it. */
function amendReason(before: StoredClaim, owed: OwedClaim): string {
  const what = owed.reason === 'death' ? 'death date' : 'sentence start';
  if (before.basis.since !== owed.since) return `${what} corrected from ${before.basis.since} to ${owed.since}`;
  const months = (l: { month: YearMonth }[]) => l.map((m) => m.month).join(',');
  if (months(before.basis.months) !== months(owed.months))
    return `months paid that were not owed changed from ${before.basis.months.length} to ${owed.months.length}`;
  return 'benefit amount corrected';
}

/**
 * What to do so the stored claims match those the decision makes: open new ones, reopen a
 * cancelled one whose cause stands again, amend an amount with its reason, cancel one whose
 * cause no longer stands. A written-off claim is final: only a cancellation reaches it.
 */
export function reconcileClaims(stored: readonly StoredClaim[], owed: readonly OwedClaim[], d: Pick<Decision, 'status'>): ClaimChange[] {
  const changes: ClaimChange[] = [];
  const keyOf = (c: { reason: ClaimReason; key: string }) => `${c.reason}/${c.key}`;
  const byKey = new Map(stored.map((c) => [keyOf(c), c]));
  const wanted = new Set<string>();
  for (const o of owed) {
    wanted.add(keyOf(o));
    const s = byKey.get(keyOf(o));
    if (!s) changes.push({ kind: 'open', owed: o });
    else if (s.status === 'cancelled') {
      const status = settledStatus({ ...s, status: 'open', amountFen: o.amountFen });
      changes.push({ kind: 'reopen', id: s.id, owed: o, status, why: `${o.reason === 'death' ? 'the death' : 'the sentence'} stands again` });
    } else if (s.status !== 'written_off' && (s.amountFen !== o.amountFen || s.basis.since !== o.since)) {
      changes.push({ kind: 'amend', id: s.id, owed: o, status: settledStatus({ ...s, amountFen: o.amountFen }), why: amendReason(s, o) });
    }
  }
  for (const s of stored) {
    if (s.status === 'cancelled' || wanted.has(keyOf(s))) continue;
    const why =
      s.reason === 'death'
        ? d.status === 'deceased'
          ? 'no month after the death was paid'
          : 'the death no longer stands'
        : 'no month of the sentence was paid, or the sentence no longer stands';
    changes.push({ kind: 'cancel', id: s.id, why });
  }
  return changes;
}

// ---- offset against back pay ---------------------------------------------------------------

/** What is set against one claim. */
export interface OffsetTake {
  claimId: string;
  takeFen: bigint;
  /** The claim's status once the take is counted. */
  status: ClaimStatus;
}

/**
 * Back pay set against a person's outstanding claims (open or notified), oldest (lowest id)
 * first, each up to what is outstanding; the rest of the back pay is paid. Σ takes =
 * min(back pay, Σ outstanding). A written-off, cancelled or recovered claim takes nothing.
 */
export function allocateOffset(claims: readonly StoredClaim[], backPayFen: bigint): OffsetTake[] {
  const takes: OffsetTake[] = [];
  let left = backPayFen;
  const oldestFirst = [...claims].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));
  for (const c of oldestFirst) {
    if (left <= 0n) break;
    if (c.status !== 'open' && c.status !== 'notified') continue;
    const outstanding = c.amountFen - c.settledFen;
    const takeFen = outstanding < left ? outstanding : left;
    if (takeFen <= 0n) continue;
    left -= takeFen;
    takes.push({ claimId: c.id, takeFen, status: settledStatus({ ...c, settledFen: c.settledFen + takeFen }) });
  }
  return takes;
}
