// When a manual check is worth a staff visit. A `certification_due` check opens the day a
// certification falls due, the same day as the first reminder; the second reminder goes a
// month later (src/modules/reminders). While those two are working, a visit mostly spends
// staff time on people who would have answered, or whose next hospital stay or bank visit was
// about to certify them. So the check of a person the reminders can reach waits for them, but
// never so long that staff cannot get there before payments are held. Pure: dates are inputs.
import { addDays, addMonths, type IsoDate } from './calendar.ts';
import { DUE_CHECK_REASON } from './priority.ts';

/**
 * Days before the lapse (the day after certifiedUntil) from which staff are sent whatever the
 * reminders did: with monthly staff rounds a person needs one round before the lapse, so the
 * last month is theirs. A deployment with daily rounds can give staff less (VISIT_LEAD_DAYS).
 */
export const VISIT_LEAD_DAYS = 30;

/** What decides whether the reminder loop may be left to work on a person. */
export interface ReminderReach {
  /** The check's reason: only `certification_due` ever waits. */
  reason: string;
  /** Only a person with a phone gets the reminders. */
  hasPhone: boolean;
  /** Face checks failed since the certification, and visits that found nobody: the loop has failed, or staff have begun. */
  failedAttempts: number;
  /** The certification's due date: the first reminder's day. */
  dueFrom: IsoDate;
  /** The last certified day: payments are held from the day after. */
  certifiedUntil: IsoDate;
}

/** The day after the second reminder's month: both reminders have had a month to be answered. */
export function remindersAnsweredBy(dueFrom: IsoDate): IsoDate {
  return addMonths(dueFrom, 2);
}

/**
 * The first day staff should visit for this check, or null when that is today or earlier
 * (ready now). Ready at once: any check but `certification_due` (failed face checks, deaths,
 * reviews, flags: staff are the answer), a person without a phone (the reminders never reach
 * them), one who failed a face check or was not found at home (the loop did not work), and a
 * lapsed person (payments are held). Otherwise the earlier of the reminders' end and
 * `leadDays` before the lapse.
 */
export function visitFrom(c: ReminderReach, today: IsoDate, leadDays: number = VISIT_LEAD_DAYS): IsoDate | null {
  if (c.reason !== DUE_CHECK_REASON || !c.hasPhone || c.failedAttempts > 0 || today > c.certifiedUntil) return null;
  const lapse = addDays(c.certifiedUntil, 1);
  const from = [remindersAnsweredBy(c.dueFrom), addDays(lapse, -Math.max(0, leadDays))].sort()[0]!;
  return from > today ? from : null;
}

/** Whether a check with this `visitFrom` is worth a visit on `today` (null: it always is). */
export function readyOn(from: IsoDate | null, today: IsoDate): boolean {
  return from === null || from <= today;
}
