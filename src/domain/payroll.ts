// Payroll math, in integer fen (1 yuan = 100 fen): never floats for money.
//
// The run for month M pays M on M's first day (at the first instant of that Shanghai day, so
// it knows exactly what had been received by then). Past runs are replayed from the decision:
// a run "knew" a certification, sentence, release or death once its receivedAt had passed.
//   paid     — nothing below applies (every month before M counts as paid unless held/stopped)
//   held     — on the run date the person was suspended, under review, reported dead (awaiting
//              verification), detained before trial, or serving a sentence (or released and
//              not yet resumed)
//   stopped  — a death stood on the run date
// Output for month M, one per person:
//   hold        — M is held, with the status and the date the hold began
//   resumption  — M is paid after one or more unpaid months: back pay for the months held for
//                 suspension, review or a reported death, or stopped by a death later
//                 overturned (the person was alive: those payments were owed), held for a
//                 detention that ended in acquittal, or for a sentence later annulled, and the
//                 months after the release month; the months of a sentence (and of a detention
//                 that led to one) are never back-paid
//                 (amounts summed month by month, see below)
//   stop        — the person is deceased and M is the first run after the death was recorded;
//                 overpaidMonths = months after the month of death that were paid before M;
//                 estateBackPay = the months held just before M (the same stretch a resumption
//                 would pay back) in which the person was in fact alive: up to and including
//                 the month of death, never a sentence's; owed to the estate (heirs). Without
//                 it, a person held (a wrong death report, a lapse, a review, a detention) who
//                 then truly died went from hold straight to stop and those months were never
//                 paid. A paid month between breaks the stretch: its resumption paid them.
//                 A detention still open at the death counts as owed: the proceedings end
//                 with the death (刑事诉讼法 art. 16), it never led to a sentence.
// Amounts are summed month by month from the benefit history (the amount in force in each
// month), so back pay includes the annual increases made while held.
//   none        — paid as usual, or not (yet/any longer) a payee
import { addDays, addMonthsToMonth, firstDayOfMonth, monthOf, shanghaiDate, startOfShanghaiDay, type IsoDate, type YearMonth } from './calendar.ts';
import type { Decision, DeathState } from './lifecycle.ts';
import { amountInForce, constantBenefit, type BenefitHistory } from './benefit-history.ts';

export type HoldStatus = 'suspended' | 'under_review' | 'death_reported' | 'detained' | 'ineligible';

export type PayrollAction =
  | { action: 'hold'; status: HoldStatus; since: IsoDate }
  | { action: 'resumption'; backPayMonths: number; backPayAmountFen: bigint }
  | {
      action: 'stop';
      deathDate: IsoDate;
      overpaidMonths: number;
      overpaymentAmountFen: bigint;
      estateBackPayMonths: number;
      estateBackPayAmountFen: bigint;
    }
  | { action: 'none' };

/** `owed`: as known now, the month held is paid back once payment resumes. */
export type RunOutcome = { kind: 'not_payee' } | { kind: 'paid' } | { kind: 'stopped' } | { kind: 'held'; status: HoldStatus; since: IsoDate; owed: boolean };

/** The instant the run of a month takes place. */
export function runInstant(month: YearMonth): Date {
  return startOfShanghaiDay(firstDayOfMonth(month));
}

function deathStateAt(d: Decision, run: Date): { state: DeathState; since: Date | null } {
  let cur: { state: DeathState; since: Date | null } = { state: 'alive', since: null };
  for (const t of d.deathTimeline) if (t.at <= run) cur = { state: t.state, since: t.at };
  return cur;
}

/** The sentence that holds the run of a month (starts in or before it, not yet resumed or annulled as known then). */
function sentenceAt(d: Decision, run: Date, day: IsoDate) {
  return d.custodialPeriods.find(
    (c) =>
      c.recordedAt <= run &&
      c.since <= day &&
      !(c.annulledAt !== null && c.annulledAt <= run) &&
      // Payments resume the month after release: a release on the 1st still holds that month.
      !(c.resumedOn !== null && c.resumedRecordedAt! <= run && c.releasedOn! < day),
  );
}

/** As known now: the month is one of a sentence's (from its month through the release month), never owed. */
export function inSentence(d: Decision, month: YearMonth): boolean {
  return d.custodialPeriods.some((c) => c.annulledAt === null && monthOf(c.since) <= month && (c.releasedOn === null || month <= monthOf(c.releasedOn)));
}

/** What the run of `month` did (or will do), as known at its run instant; `owed` as known now. */
export function runOutcome(d: Decision, month: YearMonth): RunOutcome {
  const o = heldOrNot(d, month);
  return o.kind === 'held' && o.owed && inSentence(d, month) ? { ...o, owed: false } : o;
}

function heldOrNot(d: Decision, month: YearMonth): RunOutcome {
  if (month < monthOf(d.benefitStartDate)) return { kind: 'not_payee' };
  const run = runInstant(month);
  const day = firstDayOfMonth(month);
  const death = deathStateAt(d, run);
  if (death.state === 'deceased') return { kind: 'stopped' };
  if (death.state !== 'alive') return { kind: 'held', status: death.state, since: shanghaiDate(death.since!), owed: true };
  const custody = sentenceAt(d, run, day);
  if (custody) {
    const owed = custody.annulledAt !== null || (custody.releasedOn !== null && custody.releasedOn < day);
    return { kind: 'held', status: 'ineligible', since: custody.since, owed };
  }
  const detention = d.detentions.find((x) => x.recordedAt <= run && !(x.endedRecordedAt !== null && x.endedRecordedAt <= run));
  if (detention)
    return { kind: 'held', status: 'detained', since: detention.since, owed: detention.outcome === 'acquitted' || detention.outcome === 'annulled' };
  // The first payment month is covered by the certification at benefit start.
  if (month === monthOf(d.benefitStartDate)) return { kind: 'paid' };
  const known = d.periods.filter((p) => p.decidedAt <= run);
  if (known.some((p) => p.certifiedAt <= day && day <= p.certifiedUntil)) return { kind: 'paid' };
  const lapsed = known
    .map((p) => p.certifiedUntil)
    .filter((u) => u < day)
    .sort()
    .at(-1);
  return { kind: 'held', status: 'suspended', since: lapsed ? addDays(lapsed, 1) : day, owed: true };
}

/** The first month whose run takes place at or after an instant. */
function firstRunAtOrAfter(instant: Date): YearMonth {
  const m = monthOf(shanghaiDate(instant));
  return runInstant(m) >= instant ? m : addMonthsToMonth(m, 1);
}

/** Whether `month` is owed as the decision now stands: alive in it (up to the month of death) and not serving a sentence. */
export function owedMonth(d: Decision, month: YearMonth): boolean {
  if (d.status === 'deceased' && d.deathDate && month > monthOf(d.deathDate)) return false;
  return !inSentence(d, month);
}

/** A single amount (older callers) or a history; a single amount is in force in every month. */
export type Benefit = BenefitHistory | bigint | number;
export const asHistory = (b: Benefit): BenefitHistory => (typeof b === 'bigint' || typeof b === 'number' ? constantBenefit(b) : b);

/** Whether a month the run did not pay is owed as the decision now stands (see the header: resumption, stop). */
function owedUnpaid(d: Decision, month: YearMonth, o: RunOutcome): boolean {
  if (o.kind !== 'stopped' && o.kind !== 'held') return false;
  const owed = o.kind === 'stopped' || o.owed || (o.status === 'detained' && d.status === 'deceased' && openAtDeath(d, o.since));
  // A month the person is now known not to be owed (a sentence, after a standing death) is never back-paid.
  return owed && owedMonth(d, month);
}

/** The detention held since `since` never ended: the person died in it. */
const openAtDeath = (d: Decision, since: IsoDate) => d.detentions.some((x) => x.since === since && x.outcome === null);

/** The unbroken stretch of months the runs did not pay just before `month`, and what of it is owed. */
function unpaidBefore(d: Decision, history: BenefitHistory, month: YearMonth): { unpaid: number; owed: number; amountFen: bigint } {
  let unpaid = 0;
  let owed = 0;
  let amountFen = 0n;
  for (let m = addMonthsToMonth(month, -1); ; m = addMonthsToMonth(m, -1)) {
    const o = runOutcome(d, m);
    if (o.kind === 'paid' || o.kind === 'not_payee') break;
    unpaid++;
    if (!owedUnpaid(d, m, o)) continue;
    owed++;
    amountFen += amountInForce(history, m);
  }
  return { unpaid, owed, amountFen };
}

export function payrollAction(d: Decision, benefit: Benefit, month: YearMonth): PayrollAction {
  const history = asHistory(benefit);
  const outcome = runOutcome(d, month);
  if (outcome.kind === 'held') return { action: 'hold', status: outcome.status, since: outcome.since };
  if (outcome.kind === 'stopped') {
    if (d.status !== 'deceased' || !d.deathDate || !d.deathRecordedAt) return { action: 'none' };
    if (firstRunAtOrAfter(d.deathRecordedAt) !== month) return { action: 'none' };
    let overpaid = 0;
    let amount = 0n;
    for (let m = addMonthsToMonth(monthOf(d.deathDate), 1); m < month; m = addMonthsToMonth(m, 1)) {
      if (runOutcome(d, m).kind !== 'paid') continue;
      overpaid++;
      amount += amountInForce(history, m);
    }
    const estate = unpaidBefore(d, history, month);
    return {
      action: 'stop',
      deathDate: d.deathDate,
      overpaidMonths: overpaid,
      overpaymentAmountFen: amount,
      estateBackPayMonths: estate.owed,
      estateBackPayAmountFen: estate.amountFen,
    };
  }
  if (outcome.kind !== 'paid') return { action: 'none' };
  const back = unpaidBefore(d, history, month);
  if (back.unpaid === 0) return { action: 'none' };
  return { action: 'resumption', backPayMonths: back.owed, backPayAmountFen: back.amountFen };
}
