// How urgent a manual check is (0..100, higher first). A lower evidence score, a longer
// lapse and a higher age all make it more urgent: those are the people most likely to
// have died unreported, or to be going without money they are owed.
import { ageOn, daysBetween, type IsoDate } from './calendar.ts';

/** Checks opened because someone needs certifying: a certification answers them. */
export const DUE_CHECK_REASON = 'certification_due';
export const SELF_SERVICE_FAILED = 'self_service_failed';
export const NEED_REASONS: readonly string[] = [DUE_CHECK_REASON, SELF_SERVICE_FAILED];

export const REVIEW_PRIORITY = { conflicting_death_record: 85, suspected_card_misuse: 80 } as const;

/**
 * A face check on the national platform that did not match: the person tried and failed (an
 * old face, a poor camera) or someone else tried for them. Someone should see them soon, above
 * most due checks, below the conflicts around a recorded death.
 */
export const SELF_SERVICE_FAILED_PRIORITY = 60;

/**
 * Added on the first day of suspension: the reminders (when due, and a month later) went
 * unanswered and payments are now held, so the check moves up the queue at once rather than
 * a fraction of a point a day.
 */
export const LAPSE_STEP = 10;

export function checkPriority(input: { score: number; certifiedUntil: IsoDate; birthDate: IsoDate; today: IsoDate }): number {
  const lapsedDays = Math.max(0, daysBetween(input.certifiedUntil, input.today));
  const age = ageOn(input.birthDate, input.today);
  const fromScore = (1 - Math.min(1, Math.max(0, input.score))) * 40; // 0..40
  const fromLapse = lapsedDays > 0 ? LAPSE_STEP + Math.min(30 - LAPSE_STEP, lapsedDays / 9) : 0; // 0, or 10..30 (full at ~6 months)
  const fromAge = Math.min(20, Math.max(0, age - 60) / 2); // 0..20, full at 100
  return Math.round(10 + fromScore + fromLapse + fromAge);
}
