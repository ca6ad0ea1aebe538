import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EvidenceEvent, type IdentityCheck } from '../../src/domain/evidence.ts';
import { loadDefaultPolicy, parsePolicy } from '../../src/domain/policy.ts';
import v3 from '../../policy/archive/2026.3.json' with { type: 'json' };
import { DEFAULT_SOURCES, evidenceEvent } from '../helpers/arbitraries.ts';
import { autoCertificationDates, decay, eventWeight, hazardRate, scoreAt, type AutoCertification } from '../../src/domain/scoring.ts';
import type { IsoDate } from '../../src/domain/calendar.ts';
import type { Policy } from '../../src/domain/policy.ts';

/** Every auto-certification with its explanation worked out. */
function autoCertifications(p: Policy, born: IsoDate, evs: readonly EvidenceEvent[]): AutoCertification[] {
  return autoCertificationDates(p, born, evs).map(({ explain, ...date }) => ({ ...explain(), ...date }));
}
/** The latest auto-certification, or null when the evidence never reached the threshold. */
const autoCertification = (p: Policy, born: IsoDate, evs: readonly EvidenceEvent[]) => autoCertifications(p, born, evs).at(-1) ?? null;

const policy = loadDefaultPolicy();
const BIRTH = '1950-06-01';
let seq = 0;
function ev(source: string, kind: string, at: string, identityCheck: IdentityCheck = 'id_document', id?: string): EvidenceEvent {
  const occurredAt = new Date(at);
  return { id: id ?? `e${++seq}`, source, kind, occurredAt, receivedAt: occurredAt, identityCheck };
}

const CHECKS: IdentityCheck[] = ['biometric', 'id_document', 'card_pin', 'none'];
/** The reference-tier kinds of the shipped catalogue (hospital outpatient, ATM, village ledger, bus card…). */
const WEAK: [string, string][] = [...policy.catalogue].flatMap(([s, spec]) =>
  [...spec.kinds].filter(([, k]) => k.tier === 'reference' && k.weight > 0).map(([k]): [string, string] => [s, k]),
);
const instant = fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2026-06-01T00:00:00Z') });
const withIds = (evs: Omit<EvidenceEvent, 'id'>[]) => evs.map((e, i) => ({ ...e, id: `g${i}` }));
const anyEvent = evidenceEvent({ sources: DEFAULT_SOURCES, from: '2024-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z', maxLagDays: 30 });
const events = fc.array(anyEvent, { maxLength: 25 }).map(withIds);
const weakEvent = fc.oneof(
  // card-only evidence of any kind
  anyEvent.map((e) => ({
    ...e,
    identityCheck: e.identityCheck === 'biometric' || e.identityCheck === 'id_document' ? ('card_pin' as const) : e.identityCheck,
  })),
  // weak kinds, whatever the identity check
  fc.record({ w: fc.constantFrom(...WEAK), identityCheck: fc.constantFrom(...CHECKS), t: instant }).map(({ w, identityCheck, t }) => ({
    source: w[0],
    kind: w[1],
    identityCheck,
    occurredAt: new Date(t),
    receivedAt: new Date(t),
  })),
);
const AT = new Date('2026-06-01T00:00:00Z');

describe('eventWeight', () => {
  it('uses the kind weight, lowered by the identity check', () => {
    expect(eventWeight(policy, ev('hospital', 'admission', '2025-01-01T00:00:00Z', 'biometric'))).toBe(0.95);
    expect(eventWeight(policy, ev('hospital', 'admission', '2025-01-01T00:00:00Z', 'none'))).toBe(0.3);
    expect(eventWeight(policy, ev('bank', 'atm', '2025-01-01T00:00:00Z', 'card_pin'))).toBe(0.3);
    expect(eventWeight(policy, ev('bank', 'cash_point', '2025-01-01T00:00:00Z', 'card_pin'))).toBe(0.35);
  });
  it('gives deaths and sentence starts no life weight', () => {
    expect(eventWeight(policy, ev('death', 'cremation', '2025-01-01T00:00:00Z'))).toBe(0);
    expect(eventWeight(policy, ev('service_point', 'deceased', '2025-01-01T00:00:00Z'))).toBe(0);
    expect(eventWeight(policy, ev('judicial', 'custodial_sentence_start', '2025-01-01T00:00:00Z'))).toBe(0);
  });
});

describe('decay by mortality', () => {
  it('follows the table at its ages', () => {
    expect(1 - Math.exp(-hazardRate(policy, 60))).toBeCloseTo(0.01, 6);
    expect(1 - Math.exp(-hazardRate(policy, 90))).toBeCloseTo(0.16, 6);
    expect(hazardRate(policy, 120)).toBe(hazardRate(policy, 110));
  });
  it('one year at 70 keeps about 97.5%', () => {
    const born = '1955-01-01';
    const d = decay(policy, 1, born, new Date('2024-07-01T00:00:00Z'), new Date('2025-07-01T00:00:00Z'));
    expect(d).toBeGreaterThan(0.97);
    expect(d).toBeLessThan(0.98);
  });
  it('never increases with time and is faster when older', () => {
    fc.assert(
      fc.property(instant, fc.nat(5 * 365), fc.nat(5 * 365), (t, a, b) => {
        const from = new Date(t);
        const d1 = decay(policy, 0.9, BIRTH, from, new Date(t + Math.min(a, b) * 86_400_000));
        const d2 = decay(policy, 0.9, BIRTH, from, new Date(t + Math.max(a, b) * 86_400_000));
        expect(d2).toBeLessThanOrEqual(d1);
        expect(d1).toBeLessThanOrEqual(0.9);
      }),
    );
    const year = [new Date('2024-01-01T00:00:00Z'), new Date('2025-01-01T00:00:00Z')] as const;
    expect(decay(policy, 1, '1930-01-01', ...year)).toBeLessThan(decay(policy, 1, '1960-01-01', ...year));
  });
});

describe('scoreAt', () => {
  it('combines independent sources by noisy-OR, one best per source', () => {
    const t = '2026-01-10T02:00:00Z';
    const s = scoreAt(policy, BIRTH, [ev('hospital', 'outpatient', t), ev('hospital', 'outpatient', t), ev('travel', 'ticket_purchase', t)], new Date(t));
    expect(s.score).toBeCloseTo(1 - 0.5 * 0.6, 12);
    expect(s.evidence.map((e) => e.source)).toEqual(['hospital', 'travel']);
  });
  it('counts card-only evidence of all sources as one correlated group', () => {
    const t = '2026-01-10T02:00:00Z';
    const s = scoreAt(policy, BIRTH, [ev('bank', 'atm', t, 'card_pin'), ev('travel', 'rail_boarding', t, 'none')], new Date(t));
    expect(s.score).toBeCloseTo(0.3, 12);
    expect(s.evidence).toHaveLength(1);
  });
  it('ignores events after the scoring instant and decays older ones', () => {
    const e = ev('hospital', 'discharge', '2025-01-01T00:00:00Z');
    expect(scoreAt(policy, BIRTH, [e], new Date('2024-12-31T00:00:00Z')).score).toBe(0);
    const s = scoreAt(policy, BIRTH, [e], new Date('2026-01-01T00:00:00Z'));
    expect(s.score).toBeLessThan(0.95);
    expect(s.evidence[0]).toMatchObject({ eventId: e.id, weight: 0.95, contribution: s.score });
  });
  it('adding evidence never lowers the score', () => {
    fc.assert(
      fc.property(events, anyEvent, (evs, extra) => {
        const before = scoreAt(policy, BIRTH, evs, AT).score;
        const after = scoreAt(policy, BIRTH, [...evs, { ...extra, id: 'extra' }], AT).score;
        expect(after).toBeGreaterThanOrEqual(before);
      }),
    );
  });
  it('the newest record that reaches the threshold only ever moves a certification later, never loses one (2026.4 against the rule before)', () => {
    const before: Policy = { ...policy, newestRecordDates: false };
    fc.assert(
      fc.property(events, fc.constantFrom('1930-02-10', BIRTH, '1962-12-31'), (evs, born) => {
        const old = autoCertification(before, born, evs);
        const now = autoCertification(policy, born, evs);
        if (old) expect(now!.certifiedAt >= old.certifiedAt).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
  it('does not depend on the order of events', () => {
    fc.assert(
      fc.property(
        events.chain((evs) => fc.tuple(fc.constant(evs), fc.shuffledSubarray(evs, { minLength: evs.length }))),
        ([a, b]) => {
          expect(scoreAt(policy, BIRTH, b, AT)).toEqual(scoreAt(policy, BIRTH, a, AT));
        },
      ),
    );
  });
});

describe('autoCertification', () => {
  it('one strong event certifies on its Shanghai date', () => {
    const c = autoCertification(policy, BIRTH, [ev('travel', 'rail_boarding', '2025-12-31T16:30:00Z')]);
    expect(c).toMatchObject({ certifiedAt: '2026-01-01', method: 'auto' });
    expect(c!.score).toBeCloseTo(0.95, 12);
  });
  it('a newer strong record that reaches the threshold dates the certification, though an older one of its source weighs more (regression: 100k province)', () => {
    // Seen in the 100k province: a yearly check-up (0.95) in November, then family-doctor
    // follow-ups (0.9) in April and July; the decayed check-up stayed the health group's best,
    // so the follow-ups never moved the date, the person fell due in September and staff were
    // sent — one of the 260 living whose strong records alone should have kept them silent.
    const checkup = ev('health', 'elderly_checkup', '2025-11-29T02:00:00Z');
    const followUp = ev('health', 'family_doctor_visit', '2026-07-01T02:00:00Z');
    const c = autoCertification(policy, '1949-09-15', [checkup, followUp]);
    expect(c).toMatchObject({ certifiedAt: '2026-07-01', datedBy: followUp.id });
    // The explanation stands on the record that dated it.
    expect(c!.score).toBeGreaterThanOrEqual(policy.threshold);
    expect(c!.evidence.map((e) => e.eventId)).toEqual([followUp.id]);
    // Under 2026.3 (replays) the check-up kept its date.
    expect(autoCertification(parsePolicy(v3), '1949-09-15', [checkup, followUp])).toMatchObject({ certifiedAt: '2025-11-29', datedBy: checkup.id });
  });
  it('several weak ones together do not', () => {
    const t = '2026-01-10T02:00:00Z';
    expect(
      autoCertification(policy, BIRTH, [
        ev('hospital', 'outpatient', t),
        ev('travel', 'ticket_purchase', t),
        ev('bank', 'cash_point', t),
        ev('self_service', 'face', t, 'card_pin'),
        ev('judicial', 'release', t, 'none'),
      ]),
    ).toBeNull();
  });
  it('a card used later never dates the certification', () => {
    const hospital = ev('hospital', 'admission', '2025-03-01T02:00:00Z', 'id_document');
    const atm = ev('bank', 'atm', '2025-09-01T02:00:00Z', 'card_pin');
    const c = autoCertification(policy, BIRTH, [hospital, atm]);
    expect(c!.certifiedAt).toBe('2025-03-01');
    expect(c!.datedBy).toBe(hospital.id);
  });
  it('returns the latest certification and the method of its dating event', () => {
    const c = autoCertification(policy, BIRTH, [
      ev('bank', 'counter', '2025-02-01T02:00:00Z'),
      ev('self_service', 'face', '2025-08-01T02:00:00Z', 'biometric'),
      ev('bank', 'atm', '2025-10-01T02:00:00Z', 'card_pin'),
    ]);
    expect(c).toMatchObject({ certifiedAt: '2025-08-01', method: 'self_service' });
  });
  it('a weak-only history never certifies', () => {
    fc.assert(
      fc.property(fc.array(weakEvent, { maxLength: 30 }).map(withIds), (evs) => {
        expect(autoCertification(policy, BIRTH, evs)).toBeNull();
      }),
    );
  });
  // The incremental scan (group bests re-decayed from instant to instant) decides when the
  // threshold is reached; the score taken afresh at that instant must agree.
  it('each certification is the score taken afresh at its instant', () => {
    fc.assert(
      fc.property(events, fc.constantFrom('1930-02-10', BIRTH, '1962-12-31'), (evs, born) => {
        for (const c of autoCertifications(policy, born, evs)) {
          // The record that dated it stands for its source (policy 2026.4: it may not be the source's best).
          const fresh = scoreAt(
            policy,
            born,
            evs,
            c.at,
            evs.find((e) => e.id === c.datedBy),
          );
          expect(fresh.score).toBeGreaterThanOrEqual(policy.threshold);
          expect({ score: c.score, evidence: c.evidence }).toEqual(fresh);
        }
      }),
      { numRuns: 500 },
    );
  });
  it('does not depend on the order of events', () => {
    fc.assert(
      fc.property(
        events.chain((evs) => fc.tuple(fc.constant(evs), fc.shuffledSubarray(evs, { minLength: evs.length }))),
        ([a, b]) => {
          expect(autoCertification(policy, BIRTH, b)).toEqual(autoCertification(policy, BIRTH, a));
        },
      ),
    );
  });
});
