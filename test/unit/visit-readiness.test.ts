// When a manual check is worth a visit (src/domain/visit-readiness.ts): a due check of a person
// the reminders reach waits for them, never past the lead before the lapse; everything else is
// ready at once; and once ready, a check stays ready as the days pass.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addMonths } from '../../src/domain/calendar.ts';
import { DUE_CHECK_REASON, SELF_SERVICE_FAILED } from '../../src/domain/priority.ts';
import { VISIT_LEAD_DAYS, readyOn, visitFrom, type ReminderReach } from '../../src/domain/visit-readiness.ts';

/** A due check of someone certified on 2025-05-10: due 2026-03-10, certified until 2026-05-10. */
const due: ReminderReach = { reason: DUE_CHECK_REASON, hasPhone: true, failedAttempts: 0, dueFrom: '2026-03-10', certifiedUntil: '2026-05-10' };

const day = fc.integer({ min: 0, max: 3000 }).map((n) => addDays('2024-01-01', n));
/** A certification's dates as the cycle makes them (12 months, due 1 or 2 months before the end), and a day at or after its due date. */
const check: fc.Arbitrary<{ c: ReminderReach; today: string }> = fc
  .record({
    certifiedAt: day,
    reminderMonths: fc.constantFrom(1, 2),
    reason: fc.constantFrom(DUE_CHECK_REASON, SELF_SERVICE_FAILED, 'death_verification', 'reported_death', 'conflicting_death_record'),
    hasPhone: fc.boolean(),
    failedAttempts: fc.nat({ max: 3 }),
    sinceDue: fc.integer({ min: 0, max: 200 }),
  })
  .map((r) => {
    const certifiedUntil = addMonths(r.certifiedAt, 12);
    const dueFrom = addMonths(r.certifiedAt, 12 - r.reminderMonths);
    return { c: { reason: r.reason, hasPhone: r.hasPhone, failedAttempts: r.failedAttempts, dueFrom, certifiedUntil }, today: addDays(dueFrom, r.sinceDue) };
  });
const lead = fc.integer({ min: 0, max: 90 });

describe('visitFrom', () => {
  it('examples: waits for the reminders until the lead before the lapse; ready at once without a phone, after a failure, once lapsed', () => {
    // Lapse 2026-05-11; 30 days before it is 2026-04-11, before the reminders' end (2026-05-10).
    expect(visitFrom(due, '2026-03-10')).toBe('2026-04-11');
    expect(visitFrom(due, '2026-04-10')).toBe('2026-04-11');
    expect(visitFrom(due, '2026-04-11')).toBeNull();
    expect(visitFrom(due, '2026-03-10', 0)).toBe('2026-05-10');
    expect(visitFrom({ ...due, hasPhone: false }, '2026-03-10')).toBeNull();
    expect(visitFrom({ ...due, failedAttempts: 1 }, '2026-03-10')).toBeNull();
    expect(visitFrom(due, '2026-05-11', 0)).toBeNull();
    expect(visitFrom({ ...due, reason: SELF_SERVICE_FAILED }, '2026-03-10')).toBeNull();
    expect(visitFrom({ ...due, reason: 'reported_death' }, '2026-03-10')).toBeNull();
    // A region that reminds one month ahead: the lead still decides (the reminders' end is after the lapse).
    expect(visitFrom({ ...due, dueFrom: '2026-04-10' }, '2026-04-10')).toBe('2026-04-11');
    expect(visitFrom({ ...due, dueFrom: '2026-04-10' }, '2026-04-10', 45)).toBeNull();
  });

  it('is later than today when not null, and never later than the lead before the lapse nor the reminders’ end', () => {
    fc.assert(
      fc.property(check, lead, ({ c, today }, l) => {
        const from = visitFrom(c, today, l);
        if (from === null) return;
        expect(from > today).toBe(true);
        expect(from <= addDays(c.certifiedUntil, 1 - l)).toBe(true);
        expect(from <= addMonths(c.dueFrom, 2)).toBe(true);
      }),
    );
  });

  it('waits only for a due check of a person with a phone, no failed attempt, not lapsed', () => {
    fc.assert(
      fc.property(check, lead, ({ c, today }, l) => {
        const reachable = c.reason === DUE_CHECK_REASON && c.hasPhone && c.failedAttempts === 0 && today <= c.certifiedUntil;
        if (!reachable) expect(visitFrom(c, today, l)).toBeNull();
      }),
    );
  });

  it('once ready, stays ready on every later day; and its date does not move while it waits', () => {
    fc.assert(
      fc.property(check, lead, fc.integer({ min: 1, max: 120 }), ({ c, today }, l, later) => {
        const from = visitFrom(c, today, l);
        const then = addDays(today, later);
        if (from === null) expect(visitFrom(c, then, l)).toBeNull();
        else expect(visitFrom(c, then, l)).toBe(readyOn(from, then) ? null : from);
      }),
    );
  });

  it('a longer lead never makes a check wait longer', () => {
    fc.assert(
      fc.property(check, lead, lead, ({ c, today }, a, b) => {
        const [short, long] = a <= b ? [a, b] : [b, a];
        const fromShort = visitFrom(c, today, short);
        const fromLong = visitFrom(c, today, long);
        if (fromShort === null) expect(fromLong).toBeNull();
        else if (fromLong !== null) expect(fromLong <= fromShort).toBe(true);
      }),
    );
  });

  it('the default lead leaves staff a month of rounds before the lapse', () => {
    expect(VISIT_LEAD_DAYS).toBe(30);
    expect(readyOn(null, '2026-01-01')).toBe(true);
    expect(readyOn('2026-01-02', '2026-01-01')).toBe(false);
    expect(readyOn('2026-01-01', '2026-01-01')).toBe(true);
  });
});
