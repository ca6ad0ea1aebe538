// Calendar arithmetic for the rolling certification cycle and payroll months.
// All calendar rules are in Asia/Shanghai; dates travel as ISO 'YYYY-MM-DD' strings.
import { DateTime } from 'luxon';

export const ZONE = 'Asia/Shanghai';
export type IsoDate = string; // YYYY-MM-DD
export type YearMonth = string; // YYYY-MM

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_RE = /^(\d{4})-(\d{2})$/;

export function isIsoDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  // Year 0000 does not exist (1 BC is followed by AD 1), and PostgreSQL refuses it.
  if (!m || m[1] === '0000') return false;
  return DateTime.fromObject({ year: +m[1]!, month: +m[2]!, day: +m[3]! }, { zone: 'UTC' }).isValid;
}

export function isYearMonth(s: string): boolean {
  const m = MONTH_RE.exec(s);
  return !!m && +m[2]! >= 1 && +m[2]! <= 12 && +m[1]! >= 1900;
}

function parts(date: IsoDate): [number, number, number] {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a date: ${date}`);
  return [+m[1]!, +m[2]!, +m[3]!];
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return MONTH_DAYS[month - 1]!;
}

/** Same day `n` months later (or earlier), clamped to the month's last day: 2024-02-29 + 12 → 2025-02-28. */
export function addMonths(date: IsoDate, n: number): IsoDate {
  const [y, m, d] = parts(date);
  const total = y * 12 + (m - 1) + n;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  return `${pad(ny, 4)}-${pad(nm)}-${pad(Math.min(d, daysInMonth(ny, nm)))}`;
}

export function addDays(date: IsoDate, n: number): IsoDate {
  const [y, m, d] = parts(date);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

// China has kept +08:00 without daylight saving since September 1991, so from 1992 on the
// Shanghai calendar is plain arithmetic; earlier instants (birth dates) go through the tz
// database. Scoring converts millions of instants, and Intl time-zone lookups dominated it.
const FIXED_OFFSET_FROM = Date.UTC(1992, 0, 1);
const FIXED_OFFSET_MS = 8 * 3_600_000;
// toISOString switches to six-digit years from 10000 on.
const MAX_ISO_YEAR_MS = Date.UTC(9999, 11, 31, 16);

/** The calendar date in Shanghai of an instant. */
export function shanghaiDate(instant: Date): IsoDate {
  const t = instant.getTime();
  if (t >= FIXED_OFFSET_FROM && t < MAX_ISO_YEAR_MS) {
    // A sweep asks for the same few hundred days millions of times: formatting each was a
    // large share of it, so the day's text is kept (bounded: a day is 10 bytes).
    const day = Math.floor((t + FIXED_OFFSET_MS) / 86_400_000);
    let text = dayTexts.get(day);
    if (text === undefined) {
      text = new Date(day * 86_400_000).toISOString().slice(0, 10);
      if (dayTexts.size >= 100_000) dayTexts.clear();
      dayTexts.set(day, text);
    }
    return text;
  }
  return DateTime.fromJSDate(instant, { zone: ZONE }).toISODate()!;
}
const dayTexts = new Map<number, IsoDate>();

const dayStarts = new Map<IsoDate, number>();

/** The instant at which a Shanghai calendar date begins. */
export function startOfShanghaiDay(date: IsoDate): Date {
  const [y, m, d] = parts(date);
  if (y >= 1992) return new Date(Date.UTC(y, m - 1, d) - FIXED_OFFSET_MS);
  let t = dayStarts.get(date);
  if (t === undefined) {
    t = DateTime.fromObject({ year: y, month: m, day: d }, { zone: ZONE }).toMillis();
    if (dayStarts.size > 100_000) dayStarts.clear();
    dayStarts.set(date, t);
  }
  return new Date(t);
}

export function monthOf(date: IsoDate): YearMonth {
  return date.slice(0, 7);
}

export function firstDayOfMonth(month: YearMonth): IsoDate {
  return `${month}-01`;
}

export function addMonthsToMonth(month: YearMonth, n: number): YearMonth {
  return addMonths(firstDayOfMonth(month), n).slice(0, 7);
}

/** Whole months from `a` to `b` (b − a), e.g. 2025-11 → 2026-02 is 3. */
export function monthsBetween(a: YearMonth, b: YearMonth): number {
  const [ay, am] = a.split('-').map(Number) as [number, number];
  const [by, bm] = b.split('-').map(Number) as [number, number];
  return (by - ay) * 12 + (bm - am);
}

/** Age in whole years on `on`. */
export function ageOn(birthDate: IsoDate, on: IsoDate): number {
  const [by, bm, bd] = parts(birthDate);
  const [y, m, d] = parts(on);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** Days from a to b (b − a). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  const [ay, am, ad] = parts(a);
  const [by, bm, bd] = parts(b);
  return Math.round((Date.UTC(by, bm - 1, bd) - Date.UTC(ay, am - 1, ad)) / 86_400_000);
}

/** An instant as ISO 8601 with the Shanghai offset: 2026-03-05T14:30:00.000+08:00. */
export function toShanghaiIso(instant: Date): string {
  const t = instant.getTime();
  // Every stored decision's evidence goes through here: the same fixed-offset shortcut as shanghaiDate.
  if (t >= FIXED_OFFSET_FROM && t < MAX_ISO_YEAR_MS) return `${new Date(t + FIXED_OFFSET_MS).toISOString().slice(0, 23)}+08:00`;
  return DateTime.fromJSDate(instant, { zone: ZONE }).toISO()!;
}
