// How urgent a manual check is (0..100, higher first). A lower evidence score, a longer
// lapse and a higher age all make it more urgent: those are the people most likely to
// have died unreported, or to be going without money they are owed.
import { ageOn, daysBetween, type IsoDate } from './calendar.ts';

export const REVIEW_PRIORITY = { conflicting_death_record: 85, suspected_card_misuse: 80 } as const;

export function checkPriority(input: { score: number; certifiedUntil: IsoDate; birthDate: IsoDate; today: IsoDate }): number {
  const lapsedDays = Math.max(0, daysBetween(input.certifiedUntil, input.today));
  const age = ageOn(input.birthDate, input.today);
  const fromScore = (1 - Math.min(1, Math.max(0, input.score))) * 40; // 0..40
  const fromLapse = Math.min(30, lapsedDays / 6); // 0..30, full at ~6 months
  const fromAge = Math.min(20, Math.max(0, age - 60) / 2); // 0..20, full at 100
  return Math.round(10 + fromScore + fromLapse + fromAge);
}
