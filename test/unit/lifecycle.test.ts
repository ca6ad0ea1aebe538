import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EvidenceEvent, type IdentityCheck } from '../../src/domain/evidence.ts';
import { DEFAULT_SOURCES, kindAt } from '../helpers/arbitraries.ts';
import { decide, type Facts } from '../../src/domain/lifecycle.ts';
import { loadDefaultPolicy } from '../../src/domain/policy.ts';

const policy = loadDefaultPolicy();
let seq = 0;
function ev(source: string, kind: string, at: string, identityCheck: IdentityCheck = 'id_document', extra: Partial<EvidenceEvent> = {}): EvidenceEvent {
  const occurredAt = new Date(at);
  return { id: `e${String(++seq).padStart(4, '0')}`, source, kind, occurredAt, receivedAt: occurredAt, identityCheck, ...extra };
}
const facts = (events: EvidenceEvent[], more: Partial<Facts> = {}): Facts => ({
  birthDate: '1952-04-10',
  benefitStartDate: '2012-05-01',
  legacyCertifiedAt: '2025-03-15',
  events,
  ...more,
});
const on = (date: string) => new Date(`${date}T04:00:00Z`); // noon in Shanghai

describe('certification cycle', () => {
  it('a legacy certification runs 12 months, due in the last 2', () => {
    const f = facts([]);
    expect(decide(policy, f, on('2025-06-01'))).toMatchObject({
      status: 'certified',
      certifiedAt: '2025-03-15',
      certifiedUntil: '2026-03-15',
      dueFrom: '2026-01-15',
      method: 'legacy',
      policyVersion: '2026.3',
    });
    expect(decide(policy, f, on('2026-01-14')).status).toBe('certified');
    expect(decide(policy, f, on('2026-01-15')).status).toBe('due');
    expect(decide(policy, f, on('2026-03-15')).status).toBe('due');
    expect(decide(policy, f, on('2026-03-16')).status).toBe('suspended');
  });
  it('a new recipient is certified at benefit start; leap days clamp', () => {
    const d = decide(policy, facts([], { benefitStartDate: '2024-02-29', legacyCertifiedAt: null }), on('2025-03-01'));
    expect(d).toMatchObject({ certifiedAt: '2024-02-29', certifiedUntil: '2025-02-28', status: 'suspended' });
  });
  it('uses the Shanghai day of now', () => {
    const f = facts([]);
    expect(decide(policy, f, new Date('2026-03-15T15:59:00Z')).status).toBe('due');
    expect(decide(policy, f, new Date('2026-03-15T16:01:00Z')).status).toBe('suspended');
  });
  it('a strong event re-certifies, dated on its Shanghai day', () => {
    const rail = ev('travel', 'rail_boarding', '2025-12-31T16:30:00Z', 'id_document', { receivedAt: new Date('2026-01-02T00:00:00Z') });
    const d = decide(policy, facts([rail]), on('2026-04-01'));
    expect(d).toMatchObject({ status: 'certified', certifiedAt: '2026-01-01', certifiedUntil: '2027-01-01', method: 'auto' });
    expect(d.scoreAtCertification).toBeCloseTo(0.95, 9);
    expect(d.evidence[0]).toMatchObject({ eventId: rail.id, source: 'travel', kind: 'rail_boarding' });
    expect(d.periods.at(-1)).toMatchObject({ certifiedAt: '2026-01-01', decidedAt: rail.receivedAt, eventId: rail.id });
  });
  it('weak evidence alone does not, card use never does', () => {
    const d = decide(
      policy,
      facts([
        ev('bank', 'atm', '2026-02-01T02:00:00Z', 'card_pin'),
        ev('hospital', 'outpatient', '2026-02-03T02:00:00Z'),
        ev('travel', 'ticket_purchase', '2026-02-05T02:00:00Z'),
      ]),
      on('2026-04-01'),
    );
    expect(d).toMatchObject({ status: 'suspended', certifiedAt: '2025-03-15', method: 'legacy' });
    expect(d.score).toBeGreaterThan(0.5);
  });
  it('a staff check certifies whatever identity check it recorded', () => {
    const d = decide(policy, facts([ev('service_point', 'home_visit', '2026-05-02T03:00:00Z', 'none')]), on('2026-05-03'));
    expect(d).toMatchObject({ status: 'certified', certifiedAt: '2026-05-02', method: 'home_visit' });
  });
  it('self-service face check is its own method', () => {
    const d = decide(policy, facts([ev('self_service', 'face', '2026-05-02T03:00:00Z', 'biometric')]), on('2026-05-03'));
    expect(d).toMatchObject({ certifiedAt: '2026-05-02', method: 'self_service' });
  });
  it('ignores facts that had not happened by now', () => {
    const d = decide(policy, facts([ev('travel', 'flight_boarding', '2026-05-02T03:00:00Z')]), on('2026-04-01'));
    expect(d.certifiedAt).toBe('2025-03-15');
  });
});

describe('death', () => {
  it('an authoritative record makes the person deceased from the date of death', () => {
    const cert = ev('death', 'death_certificate', '2026-02-03T02:00:00Z', 'id_document', {
      deathDate: '2026-01-28',
      receivedAt: new Date('2026-02-05T01:00:00Z'),
    });
    const d = decide(policy, facts([cert]), on('2026-03-01'));
    expect(d).toMatchObject({ status: 'deceased', deathDate: '2026-01-28', deathRecordedAt: cert.receivedAt, review: null });
  });
  it('activity on the day of death is normal', () => {
    const d = decide(
      policy,
      facts([
        ev('hospital', 'discharge', '2026-01-28T08:00:00Z', 'biometric'),
        ev('death', 'cremation', '2026-01-30T02:00:00Z', 'none', { deathDate: '2026-01-28' }),
      ]),
      on('2026-03-01'),
    );
    expect(d.status).toBe('deceased');
  });
  it('card use after a death is suspected misuse, payments held', () => {
    const atm = ev('bank', 'atm', '2026-02-10T02:00:00Z', 'card_pin');
    const d = decide(
      policy,
      facts([ev('death', 'household_deregistration', '2026-02-01T02:00:00Z', 'none', { deathDate: '2026-01-28' }), atm]),
      on('2026-03-01'),
    );
    expect(d).toMatchObject({ status: 'under_review', deathDate: '2026-01-28', review: { reason: 'suspected_card_misuse', eventId: atm.id } });
    expect(d.certifiedAt).toBe('2025-03-15');
  });
  it('a failed face check after a death is no activity: the person stays deceased (regression)', () => {
    // face_failed means the platform did NOT recognise the person: no evidence of life, and so
    // no conflict with the death record (before the fix it opened a conflicting_death_record review).
    const failed = ev('self_service', 'face_failed', '2026-02-10T02:00:00Z', 'biometric');
    const d = decide(policy, facts([ev('death', 'cremation', '2026-02-01T02:00:00Z', 'id_document', { deathDate: '2026-01-28' }), failed]), on('2026-03-01'));
    expect(d).toMatchObject({ status: 'deceased', deathDate: '2026-01-28', review: null });
    expect(d.deathTimeline.map((t) => t.state)).toEqual(['deceased']);
  });
  it('identity-checked activity after a death questions the record', () => {
    const rail = ev('travel', 'rail_boarding', '2026-02-10T02:00:00Z', 'biometric');
    const d = decide(
      policy,
      facts([
        ev('death', 'death_certificate', '2026-02-01T02:00:00Z', 'id_document', { deathDate: '2026-01-28' }),
        ev('bank', 'atm', '2026-02-08T02:00:00Z', 'card_pin'),
        rail,
      ]),
      on('2026-03-01'),
    );
    expect(d.review).toMatchObject({ reason: 'conflicting_death_record', eventId: rail.id });
    // Nothing dated after the death certifies while the death stands.
    expect(d.certifiedAt).toBe('2025-03-15');
  });
  it('a staff check of the person alive overrides the earlier death record', () => {
    const d = decide(
      policy,
      facts([
        ev('death', 'death_certificate', '2026-02-01T02:00:00Z', 'id_document', { deathDate: '2026-01-28' }),
        ev('bank', 'counter', '2026-02-10T02:00:00Z', 'id_document'),
        ev('service_point', 'in_person', '2026-02-20T02:00:00Z', 'biometric'),
      ]),
      on('2026-03-01'),
    );
    expect(d).toMatchObject({ status: 'certified', certifiedAt: '2026-02-20', method: 'in_person', deathDate: null, review: null });
  });
  it('a staff-recorded death settles the earlier doubts and keeps the registry date', () => {
    const d = decide(
      policy,
      facts([
        ev('death', 'death_certificate', '2026-02-01T02:00:00Z', 'id_document', { deathDate: '2026-01-28' }),
        ev('bank', 'atm', '2026-02-10T02:00:00Z', 'card_pin'),
        ev('service_point', 'deceased', '2026-02-20T02:00:00Z', 'id_document'),
      ]),
      on('2026-03-01'),
    );
    expect(d).toMatchObject({ status: 'deceased', deathDate: '2026-01-28', review: null });
    expect(d.deathTimeline.map((t) => t.state)).toEqual(['deceased', 'under_review', 'deceased']);
    expect(d.deathRecordedAt).toEqual(new Date('2026-02-20T02:00:00Z'));
  });
  it('a death recorded after a staff visit, dated before it, is a conflict', () => {
    const d = decide(
      policy,
      facts([
        ev('service_point', 'in_person', '2026-02-20T02:00:00Z', 'biometric'),
        ev('death', 'death_certificate', '2026-03-01T02:00:00Z', 'id_document', { deathDate: '2026-02-10' }),
      ]),
      on('2026-03-05'),
    );
    expect(d.review?.reason).toBe('conflicting_death_record');
  });
});

describe('custodial sentence', () => {
  it('makes the person ineligible until release, then normal rules apply', () => {
    const start = ev('judicial', 'custodial_sentence_start', '2025-06-10T02:00:00Z');
    const release = ev('judicial', 'release', '2026-08-20T02:00:00Z', 'id_document');
    expect(decide(policy, facts([start]), on('2026-01-01'))).toMatchObject({ status: 'ineligible', ineligibleSince: '2025-06-10' });
    // A release says where a prisoner went, not that anyone saw them: it never certifies (weight 0).
    const after = decide(policy, facts([start, release]), on('2026-09-01'));
    expect(after).toMatchObject({ status: 'suspended', ineligibleSince: null, releasedOn: '2026-08-20' });
    const seen = ev('bank', 'counter', '2026-08-25T02:00:00Z', 'id_document');
    expect(decide(policy, facts([start, release, seen]), on('2026-09-01'))).toMatchObject({ status: 'certified', certifiedAt: '2026-08-25' });
  });
});

describe('replay', () => {
  const CHECKS: IdentityCheck[] = ['biometric', 'id_document', 'card_pin', 'none'];
  const SOURCES = DEFAULT_SOURCES;
  const event = fc
    .record({
      source: fc.constantFrom(...SOURCES),
      pick: fc.nat(),
      identityCheck: fc.constantFrom(...CHECKS),
      t: fc.integer({ min: Date.parse('2024-06-01T00:00:00Z'), max: Date.parse('2026-06-01T00:00:00Z') }),
      lag: fc.integer({ min: 0, max: 20 * 86_400_000 }),
      deathLag: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
    })
    .map(({ source, pick, identityCheck, t, lag, deathLag }) => {
      const kind = kindAt(source, pick);
      const occurredAt = new Date(t);
      const deathDate = deathLag === undefined ? null : new Date(t - deathLag * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
      return { source, kind, identityCheck, occurredAt, receivedAt: new Date(t + lag), deathDate };
    });
  const history = fc.array(event, { maxLength: 20 }).map((evs) => evs.map((e, i) => ({ ...e, id: `r${i}` })));
  const now = fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') }).map((t) => new Date(t));

  it('gives the identical decision twice and for any order of the facts', () => {
    fc.assert(
      fc.property(
        history.chain((h) => fc.tuple(fc.constant(h), fc.shuffledSubarray(h, { minLength: h.length }))),
        now,
        ([a, b], t) => {
          const first = decide(policy, facts(a), t);
          expect(decide(policy, facts(a), t)).toEqual(first);
          expect(decide(policy, facts(b), t)).toEqual(first);
        },
      ),
      { numRuns: 200 },
    );
  });
  it('is always a coherent decision', () => {
    fc.assert(
      fc.property(history, now, (h, t) => {
        const d = decide(policy, facts(h), t);
        expect(d.score).toBeGreaterThanOrEqual(0);
        expect(d.score).toBeLessThanOrEqual(1);
        expect(d.certifiedAt! <= d.certifiedUntil!).toBe(true);
        if (d.status === 'deceased') expect(d.deathDate).not.toBeNull();
        if (d.status === 'under_review') expect(d.review).not.toBeNull();
        if (d.status === 'ineligible') expect(d.ineligibleSince).not.toBeNull();
      }),
      { numRuns: 200 },
    );
  });
});
