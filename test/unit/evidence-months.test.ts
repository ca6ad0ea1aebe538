// Which months of evidence are made ahead and which are past the retention (pure), and the
// policy's evidenceRetentionMonths.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { monthsToPrepare, monthsToRetire, oldestKeptMonth } from '../../src/domain/evidence-months.ts';
import { loadDefaultPolicy, parsePolicy, PolicyError } from '../../src/domain/policy.ts';
import { monthsBetween } from '../../src/domain/calendar.ts';
import defaultJson from '../../policy/default.json' with { type: 'json' };
import previousJson from '../../policy/archive/2026.2.json' with { type: 'json' };

describe('evidence months', () => {
  it('prepares this month (Shanghai) and the three ahead', () => {
    expect(monthsToPrepare(new Date('2026-12-31T16:30:00Z'))).toEqual(['2027-01', '2027-02', '2027-03', '2027-04']); // already 1 January in Shanghai
    expect(monthsToPrepare(new Date('2026-11-15T04:00:00Z'))).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
  });

  it('keeps this month and the R − 1 before it', () => {
    expect(oldestKeptMonth(new Date('2026-04-10T04:00:00Z'), 36)).toBe('2023-05');
    expect(monthsToRetire(['2023-01', '2023-04', '2023-05', '2026-04', '2026-07'], new Date('2026-04-10T04:00:00Z'), 36)).toEqual(['2023-01', '2023-04']);
  });

  it('retires nothing without a retention', () => {
    expect(monthsToRetire(['1990-01'], new Date('2026-04-10T04:00:00Z'), undefined)).toEqual([]);
  });

  it('never retires a month within the retention, nor one it will prepare (property)', () => {
    const month = fc
      .record({ y: fc.integer({ min: 2000, max: 2040 }), m: fc.integer({ min: 1, max: 12 }) })
      .map(({ y, m }) => `${y}-${String(m).padStart(2, '0')}`);
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2001-01-01'), max: new Date('2039-01-01'), noInvalidDate: true }),
        fc.integer({ min: 13, max: 240 }),
        fc.array(month),
        (now, r, existing) => {
          const retired = monthsToRetire(existing, now, r);
          const oldest = oldestKeptMonth(now, r);
          for (const m of retired) expect(monthsBetween(m, oldest)).toBeGreaterThan(0);
          for (const m of monthsToPrepare(now)) expect(monthsToRetire([m], now, r)).toEqual([]);
          expect(retired.length).toBe(existing.filter((m) => m < oldest).length);
        },
      ),
    );
  });
});

describe('policy evidenceRetentionMonths', () => {
  it('is 36 in the policy in force; versions before 2026.3 have none', () => {
    expect(loadDefaultPolicy().evidenceRetentionMonths).toBe(36);
    expect(parsePolicy(previousJson).evidenceRetentionMonths).toBeUndefined();
  });

  it('must outlast a cycle and be a whole number of months', () => {
    for (const bad of [12, 0, 24.5, '36', 1201]) {
      expect(() => parsePolicy({ ...defaultJson, evidenceRetentionMonths: bad })).toThrow(PolicyError);
    }
    expect(parsePolicy({ ...defaultJson, evidenceRetentionMonths: 13 }).evidenceRetentionMonths).toBe(13);
  });
});
