// Which months of evidence have a partition: the ones ahead are made before they begin, and
// those past the policy's retention are dropped whole. Months are Shanghai's. Pure.
import { addMonthsToMonth, monthOf, monthsBetween, shanghaiDate, type YearMonth } from './calendar.ts';

/** Partitions made ahead of the month they hold: evidence is dated at most now (a future time is refused). */
export const MONTHS_AHEAD = 3;

/** This month and the MONTHS_AHEAD after it, which must have their partitions. */
export function monthsToPrepare(now: Date, ahead = MONTHS_AHEAD): YearMonth[] {
  const current = monthOf(shanghaiDate(now));
  return Array.from({ length: ahead + 1 }, (_, i) => addMonthsToMonth(current, i));
}

/** The oldest month kept: with a retention of R months, this month and the R − 1 before it are kept. */
export function oldestKeptMonth(now: Date, retentionMonths: number): YearMonth {
  return addMonthsToMonth(monthOf(shanghaiDate(now)), 1 - retentionMonths);
}

/** Of the months that have a partition, those wholly past the retention, oldest first; none without a retention. */
export function monthsToRetire(existing: readonly YearMonth[], now: Date, retentionMonths: number | undefined): YearMonth[] {
  if (retentionMonths === undefined) return [];
  const oldest = oldestKeptMonth(now, retentionMonths);
  return existing.filter((m) => monthsBetween(m, oldest) > 0).sort();
}
