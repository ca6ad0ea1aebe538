// The need rank of the manual-check queue (src/domain/priority.ts): bounded, monotone in each
// factor, a step up on the first day of suspension, and the factors read from a person's facts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LAPSE_STEP, NEED_WEIGHTS, needFactors, needRank, urgencyLevel, type NeedFactors } from '../../src/domain/priority.ts';
import { loadDefaultPolicy } from '../../src/domain/policy.ts';
import type { EvidenceEvent, IdentityCheck } from '../../src/domain/evidence.ts';

const factors: fc.Arbitrary<NeedFactors> = fc.record({
  score: fc.double({ min: 0, max: 1, noNaN: true }),
  strongEvidence: fc.boolean(),
  referenceRecords: fc.nat({ max: 20 }),
  daysToLapse: fc.integer({ min: -3000, max: 400 }),
  age: fc.integer({ min: 40, max: 115 }),
  failedAttempts: fc.nat({ max: 12 }),
});
const rank = (f: NeedFactors) => needRank(f).priority;

describe('needRank', () => {
  it('examples: a due person, the same person on the first day of suspension, with traces, after failed attempts', () => {
    const p: NeedFactors = { score: 0.5, strongEvidence: false, referenceRecords: 0, daysToLapse: 30, age: 80, failedAttempts: 0 };
    // 10 base + 2.5 of 5 approaching (31 of 61 days gone) + 15 score + 10 no strong + 10 age
    expect(needRank(p)).toEqual({ priority: 48, level: 'soon', reasons: ['low_score', 'no_strong_evidence', 'advanced_age', 'lapse_near'] });
    expect(needRank({ ...p, daysToLapse: -1 })).toMatchObject({ priority: 60, reasons: ['lapsed', 'low_score', 'no_strong_evidence', 'advanced_age'] });
    expect(needRank({ ...p, daysToLapse: -1, failedAttempts: 2 })).toMatchObject({ priority: 80, level: 'urgent' });
    expect(needRank({ ...p, referenceRecords: 1 })).toMatchObject({ priority: 43, level: 'normal' });
    expect(needRank({ ...p, referenceRecords: 1 }).reasons.at(-1)).toBe('reference_evidence');
    expect(needRank({ ...p, score: 0.95, strongEvidence: true, age: 65, daysToLapse: 60 })).toEqual({ priority: 14, level: 'normal', reasons: [] });
  });

  it('stays an integer within 0..100, its level read from it', () => {
    fc.assert(
      fc.property(factors, (f) => {
        const r = needRank(f);
        expect(Number.isInteger(r.priority)).toBe(true);
        expect(r.priority).toBeGreaterThanOrEqual(0);
        expect(r.priority).toBeLessThanOrEqual(100);
        expect(r.level).toBe(urgencyLevel(r.priority));
      }),
    );
  });

  it('closer to lapse (or longer lapsed) never lowers it; the first day of suspension adds the lapse step', () => {
    fc.assert(
      fc.property(factors, (f) => {
        expect(rank({ ...f, daysToLapse: f.daysToLapse - 1 })).toBeGreaterThanOrEqual(rank(f));
      }),
    );
    fc.assert(
      fc.property(factors, (f) => {
        const lastDay = needRank({ ...f, daysToLapse: 0, failedAttempts: 0, referenceRecords: 2, age: 60 }).priority;
        const firstSuspended = needRank({ ...f, daysToLapse: -1, failedAttempts: 0, referenceRecords: 2, age: 60 }).priority;
        // Rounding may take up to one point of the step away.
        expect(firstSuspended - lastDay).toBeGreaterThanOrEqual(LAPSE_STEP - 1);
      }),
    );
  });

  it('more failed attempts never lower it', () => {
    fc.assert(
      fc.property(factors, fc.nat({ max: 5 }), (f, more) => {
        expect(rank({ ...f, failedAttempts: f.failedAttempts + more })).toBeGreaterThanOrEqual(rank(f));
      }),
    );
  });

  it('a reference-tier record never raises it', () => {
    fc.assert(
      fc.property(factors, (f) => {
        expect(rank({ ...f, referenceRecords: f.referenceRecords + 1 })).toBeLessThanOrEqual(rank(f));
      }),
    );
  });

  it('a strong record never raises it; a lower score, greater age never lower it', () => {
    fc.assert(
      fc.property(factors, (f) => {
        expect(rank({ ...f, strongEvidence: true })).toBeLessThanOrEqual(rank({ ...f, strongEvidence: false }));
      }),
    );
    fc.assert(
      fc.property(factors, fc.double({ min: 0, max: 1, noNaN: true }), (f, other) => {
        const [lo, hi] = f.score <= other ? [f.score, other] : [other, f.score];
        expect(rank({ ...f, score: lo })).toBeGreaterThanOrEqual(rank({ ...f, score: hi }));
      }),
    );
    fc.assert(
      fc.property(factors, fc.nat({ max: 10 }), (f, years) => {
        expect(rank({ ...f, age: f.age + years })).toBeGreaterThanOrEqual(rank(f));
      }),
    );
  });

  it('names each factor that raised it, largest first, and the relief last', () => {
    fc.assert(
      fc.property(factors, (f) => {
        const { reasons } = needRank(f);
        expect(new Set(reasons).size).toBe(reasons.length);
        expect(reasons.includes('no_strong_evidence')).toBe(!f.strongEvidence);
        expect(reasons.includes('failed_attempts')).toBe(f.failedAttempts > 0);
        expect(reasons.includes('reference_evidence')).toBe(f.referenceRecords > 0);
        expect(reasons.includes('lapsed')).toBe(f.daysToLapse < 0);
        if (f.referenceRecords > 0) expect(reasons.at(-1)).toBe('reference_evidence');
      }),
    );
  });
});

describe('needFactors', () => {
  const policy = loadDefaultPolicy();
  let seq = 0;
  const ev = (source: string, kind: string, at: string, identityCheck: IdentityCheck = 'id_document'): EvidenceEvent => ({
    id: `e${++seq}`,
    source,
    kind,
    occurredAt: new Date(at),
    receivedAt: new Date(at),
    identityCheck,
  });
  const person = { birthDate: '1940-06-20', score: 0.4, certifiedAt: '2025-07-15', certifiedUntil: '2026-07-15', unreachableVisits: 1 };

  it('reads the year’s strong and reference records, the failed face checks since certification and the visits', () => {
    const events = [
      ev('hospital', 'admission', '2025-03-01T02:00:00Z'), // strong, but more than a year ago
      ev('hospital', 'outpatient', '2026-03-01T02:00:00Z'), // reference
      ev('bank', 'counter', '2026-04-01T02:00:00Z', 'card_pin'), // a strong kind, card only: reference
      ev('self_service', 'face_failed', '2026-06-01T02:00:00Z', 'biometric'),
      ev('self_service', 'face_failed', '2025-06-01T02:00:00Z', 'biometric'), // before the certification
      ev('death', 'cremation', '2026-05-01T02:00:00Z'), // no life evidence
    ];
    expect(needFactors(policy, { ...person, events }, '2026-06-15')).toEqual({
      score: 0.4,
      strongEvidence: false,
      referenceRecords: 2,
      daysToLapse: 30,
      age: 85,
      failedAttempts: 2,
    });
    const withRail = [...events, ev('travel', 'rail_boarding', '2026-01-01T02:00:00Z')];
    expect(needFactors(policy, { ...person, events: withRail }, '2026-06-15').strongEvidence).toBe(true);
  });

  it('adding a reference-tier record to anyone’s facts never raises their rank', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.constantFrom('outpatient', 'ticket_purchase', 'ledger_confirmation'), (daysAgo, kind) => {
        const source = kind === 'outpatient' ? 'hospital' : kind === 'ticket_purchase' ? 'travel' : 'community';
        const at = new Date(Date.parse('2026-06-15T02:00:00Z') - daysAgo * 86_400_000).toISOString();
        const before = needFactors(policy, { ...person, events: [] }, '2026-06-15');
        const after = needFactors(policy, { ...person, events: [ev(source, kind, at)] }, '2026-06-15');
        expect(needRank(after).priority).toBeLessThanOrEqual(needRank(before).priority);
      }),
    );
  });

  it('the default weights add up past 100 only for the neediest (held at 100)', () => {
    const w = NEED_WEIGHTS;
    expect(w.base + w.score + w.noStrongEvidence + w.approach + w.lapseStep + w.lapseMax + w.ageMax + w.failedMax).toBeGreaterThan(100);
  });
});
