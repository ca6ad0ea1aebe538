// Fast day arithmetic for the generator's hot path: dates as integer day numbers
// (days since 1970-01-01, UTC calendar), with a cache of their ISO strings.
import type { IsoDate } from '../domain/calendar.ts';

const MS_PER_DAY = 86_400_000;
const CACHE_FROM = -25_567; // 1900-01-01
const cache: (string | undefined)[] = [];

export function dayNumberOf(y: number, m: number, d: number): number {
  return Math.round(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

export function dayNumber(date: IsoDate): number {
  return dayNumberOf(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)));
}

export function isoOfDayNumber(n: number): IsoDate {
  const i = n - CACHE_FROM;
  const hit = i >= 0 ? cache[i] : undefined;
  if (hit !== undefined) return hit;
  const s = new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
  if (i >= 0 && i < 120_000) cache[i] = s;
  return s;
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Day number of the birthday in year `y` (29 February → 28 February in common years, as calendar.addMonths). */
export function birthdayIn(y: number, birthMonth: number, birthDay: number): number {
  const d = birthMonth === 2 && birthDay === 29 && !isLeapYear(y) ? 28 : birthDay;
  return dayNumberOf(y, birthMonth, d);
}

/** 'YYYY-MM-01' of a month index (year × 12 + month − 1). */
export function firstOfMonth(monthIndex: number): IsoDate {
  const y = Math.floor(monthIndex / 12);
  const m = (monthIndex % 12) + 1;
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-01`;
}

export function monthIndexOf(date: IsoDate): number {
  return Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
}
