// The manual-check priority (src/domain/priority.ts): bounded, monotone in what makes a
// check urgent, and a step up on the first day of suspension.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/domain/calendar.ts';
import { LAPSE_STEP, checkPriority } from '../../src/domain/priority.ts';

const isoDate = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2060-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const person = fc.record({
  score: fc.double({ min: 0, max: 1, noNaN: true }),
  certifiedUntil: isoDate,
  birthDate: fc
    .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('1970-12-31T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
});

describe('checkPriority', () => {
  it('examples: a due person, the same person on the first day of suspension, and six months on', () => {
    const p = { score: 0.5, certifiedUntil: '2026-07-15', birthDate: '1946-07-01' };
    expect(checkPriority({ ...p, today: '2026-06-15' })).toBe(10 + 20 + 0 + 10);
    expect(checkPriority({ ...p, today: '2026-07-15' })).toBe(40); // the last certified day
    expect(checkPriority({ ...p, today: '2026-07-16' })).toBe(Math.round(40 + LAPSE_STEP + 1 / 9));
    expect(checkPriority({ ...p, today: '2027-01-15' })).toBe(10 + 20 + 30 + 10); // the lapse term is full after ~6 months
  });

  it('stays within 0..100, whatever the score, lapse and age', () => {
    fc.assert(
      fc.property(person, fc.integer({ min: -400, max: 20_000 }), (p, d) => {
        const v = checkPriority({ ...p, today: addDays(p.certifiedUntil, d) });
        expect(Number.isInteger(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(100);
      }),
    );
  });

  it('never falls as time passes, and rises by at least the lapse step on the first day of suspension', () => {
    fc.assert(
      fc.property(person, fc.integer({ min: -400, max: 2000 }), (p, d) => {
        const today = addDays(p.certifiedUntil, d);
        const next = addDays(today, 1);
        expect(checkPriority({ ...p, today: next })).toBeGreaterThanOrEqual(checkPriority({ ...p, today }));
      }),
    );
    fc.assert(
      fc.property(person, (p) => {
        const lastDay = checkPriority({ ...p, today: p.certifiedUntil });
        const firstSuspended = checkPriority({ ...p, today: addDays(p.certifiedUntil, 1) });
        // Rounding may take up to one point of the step away.
        expect(firstSuspended - lastDay).toBeGreaterThanOrEqual(LAPSE_STEP - 1);
      }),
    );
  });

  it('a lower score is never less urgent', () => {
    fc.assert(
      fc.property(person, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: -400, max: 2000 }), (p, other, d) => {
        const today = addDays(p.certifiedUntil, d);
        const [lo, hi] = p.score <= other ? [p.score, other] : [other, p.score];
        expect(checkPriority({ ...p, score: lo, today })).toBeGreaterThanOrEqual(checkPriority({ ...p, score: hi, today }));
      }),
    );
  });
});
