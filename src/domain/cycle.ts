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

export function cycleDates(certifiedAt: IsoDate, rules: CycleRules = DEFAULT_CYCLE): CycleDates {
  return {
    certifiedAt,
    certifiedUntil: addMonths(certifiedAt, rules.cycleMonths),
    dueFrom: addMonths(certifiedAt, rules.cycleMonths - rules.reminderMonths),
  };
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
