import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import {
  addDays,
  addMonths,
  addMonthsToMonth,
  ageOn,
  daysBetween,
  isIsoDate,
  monthOf,
  monthsBetween,
  shanghaiDate,
  toShanghaiIso,
  daysInMonth,
  startOfShanghaiDay,
} from '../../src/domain/calendar.ts';

const isoDate = fc
  .date({ min: new Date('1930-01-01T00:00:00Z'), max: new Date('2080-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe('addMonths', () => {
  it('crosses year ends', () => {
    expect(addMonths('2025-11-15', 2)).toBe('2026-01-15');
    expect(addMonths('2026-01-15', -2)).toBe('2025-11-15');
    expect(addMonths('2025-12-31', 12)).toBe('2026-12-31');
  });
  it('clamps to the month end, leap days included', () => {
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2024-02-29', 48)).toBe('2028-02-29');
    expect(addMonths('2025-01-31', 1)).toBe('2025-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2025-03-31', 1)).toBe('2025-04-30');
    expect(addMonths('2025-08-31', 10)).toBe('2026-06-30');
  });
  it('lands in the right month and never on a later day of the month', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: -240, max: 240 }), (d, n) => {
        const r = addMonths(d, n);
        expect(isIsoDate(r)).toBe(true);
        expect(monthsBetween(monthOf(d), monthOf(r))).toBe(n);
        expect(Number(r.slice(8))).toBeLessThanOrEqual(Number(d.slice(8)));
        if (Number(d.slice(8)) <= 28) expect(r.slice(8)).toBe(d.slice(8));
      }),
    );
  });
  it('month arithmetic is invertible', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: -240, max: 240 }), (d, n) => {
        const m = monthOf(d);
        expect(addMonthsToMonth(addMonthsToMonth(m, n), -n)).toBe(m);
      }),
    );
  });
});

describe('days and ages', () => {
  it('addDays and daysBetween agree', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: -4000, max: 4000 }), (d, n) => {
        expect(daysBetween(d, addDays(d, n))).toBe(n);
      }),
    );
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
  });
  it('ageOn counts whole years, birthday included', () => {
    expect(ageOn('1955-03-10', '2025-03-09')).toBe(69);
    expect(ageOn('1955-03-10', '2025-03-10')).toBe(70);
    expect(ageOn('1956-02-29', '2026-02-28')).toBe(69);
  });
});

describe('Shanghai days', () => {
  it('an instant late on 31 Dec UTC is already New Year in Shanghai', () => {
    expect(shanghaiDate(new Date('2025-12-31T16:30:00Z'))).toBe('2026-01-01');
    expect(shanghaiDate(new Date('2025-12-31T15:59:59Z'))).toBe('2025-12-31');
  });
  it('a Shanghai day starts at 16:00 UTC the day before', () => {
    expect(startOfShanghaiDay('2026-01-01').toISOString()).toBe('2025-12-31T16:00:00.000Z');
    fc.assert(
      fc.property(isoDate, (d) => {
        const start = startOfShanghaiDay(d);
        expect(shanghaiDate(start)).toBe(d);
        expect(shanghaiDate(new Date(start.getTime() - 1))).toBe(addDays(d, -1));
      }),
    );
  });
});

describe('Shanghai calendar fast path', () => {
  // Regression guard for the arithmetic shortcut: it must agree with the tz database for
  // every instant, including the 1986–1991 daylight-saving years it leaves to luxon.
  it('agrees with the tz database from 1900 to 2100', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }), (t) => {
        const viaLuxon = DateTime.fromMillis(t, { zone: 'Asia/Shanghai' }).toISODate();
        expect(shanghaiDate(new Date(t))).toBe(viaLuxon);
      }),
      { numRuns: 5000 },
    );
  });

  it('formats instants with the Shanghai offset as the tz database does', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }), (t) => {
        expect(toShanghaiIso(new Date(t))).toBe(DateTime.fromMillis(t, { zone: 'Asia/Shanghai' }).toISO());
      }),
      { numRuns: 5000 },
    );
    expect(toShanghaiIso(new Date('2026-03-05T06:30:00.123Z'))).toBe('2026-03-05T14:30:00.123+08:00');
  });

  it('starts days where the tz database does', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }), (d) => {
        const date = d.toISOString().slice(0, 10);
        const expected = DateTime.fromISO(date, { zone: 'Asia/Shanghai' }).startOf('day').toMillis();
        expect(startOfShanghaiDay(date).getTime()).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('daysInMonth', () => {
  it('agrees with the JavaScript calendar, leap centuries included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), (y, m) => {
        const viaDate = new Date(Date.UTC(2000, m, 0));
        viaDate.setUTCFullYear(y, m, 0);
        expect(daysInMonth(y, m)).toBe(viaDate.getUTCDate());
      }),
    );
    expect([daysInMonth(1900, 2), daysInMonth(2000, 2), daysInMonth(2024, 2), daysInMonth(2026, 2)]).toEqual([28, 29, 29, 28]);
  });
});
