import { addMonthsToMonth, isYearMonth, monthOf, shanghaiDate, type YearMonth } from '../domain/calendar.ts';
import { invalid } from '../domain/errors.ts';

/**
 * A payroll or summary month: any month from 1900 to next month, or a 400 invalid_month.
 * Further ahead a list only projects today's certifications forward, and a month's end reaches
 * SQL as an instant, so no month without a successor PostgreSQL can read (9999-12) is taken.
 */
export function requireMonthUpToNext(raw: string, now: Date, what: string): YearMonth {
  if (!isYearMonth(raw)) throw invalid('invalid_month', 'month must be YYYY-MM, e.g. 2026-07');
  const next = addMonthsToMonth(monthOf(shanghaiDate(now)), 1);
  if (raw > next) throw invalid('invalid_month', `${what} are available up to next month (${next})`);
  return raw;
}
