// The rolling certification cycle: a certification on day D holds until D + 12 months
// (same day, or the month's last day), the reminder window opens 2 months before that,
// and the person is suspended from the day after it ends.
import { addMonths, type IsoDate } from './calendar.ts';

export interface CycleRules {
  cycleMonths: number;
  reminderMonths: number;
}

export const DEFAULT_CYCLE: CycleRules = { cycleMonths: 12, reminderMonths: 2 };

export interface CycleDates {
  certifiedAt: IsoDate;
  certifiedUntil: IsoDate;
  dueFrom: IsoDate;
}

// A decision works out the cycle of every candidate certification date, and a sweep of a
// million people asks for the same few hundred dates: the answers are kept per pair of rules
// (by value: a regional policy is a fresh object in every decision).
const known = new Map<number, Map<IsoDate, Readonly<CycleDates>>>();

export function cycleDates(certifiedAt: IsoDate, rules: CycleRules = DEFAULT_CYCLE): Readonly<CycleDates> {
  const rulesKey = rules.cycleMonths * 1000 + rules.reminderMonths;
  let byDate = known.get(rulesKey);
  if (!byDate) known.set(rulesKey, (byDate = new Map()));
  let dates = byDate.get(certifiedAt);
  if (!dates) {
    dates = Object.freeze({
      certifiedAt,
      certifiedUntil: addMonths(certifiedAt, rules.cycleMonths),
      dueFrom: addMonths(certifiedAt, rules.cycleMonths - rules.reminderMonths),
    });
    if (byDate.size >= 100_000) byDate.clear();
    byDate.set(certifiedAt, dates);
  }
  return dates;
}

/**
 * The certification date taken for a person registered without one (no lastCertifiedAt): a
 * new pensioner is certified from the benefit start; anyone whose benefit started earlier is
 * due on the day of registration (as if certified cycleMonths − reminderMonths ago), so gets a
 * reminder and a check, and is suspended only if nothing certifies them within the reminder
 * window, never on the day the bureau registers them.
 */
export function assumedCertification(benefitStart: IsoDate, registeredOn: IsoDate, rules: CycleRules = DEFAULT_CYCLE): IsoDate {
  const dueToday = addMonths(registeredOn, rules.reminderMonths - rules.cycleMonths);
  return benefitStart > dueToday ? benefitStart : dueToday;
}

export type CalendarStatus = 'certified' | 'due' | 'suspended';

/**
 * Status on a Shanghai calendar day. The SQL filter in the certification repository
 * mirrors this (test/integration checks they agree).
 */
export function calendarStatus(dates: { dueFrom: IsoDate; certifiedUntil: IsoDate }, today: IsoDate): CalendarStatus {
  if (today > dates.certifiedUntil) return 'suspended';
  if (today >= dates.dueFrom) return 'due';
  return 'certified';
}
