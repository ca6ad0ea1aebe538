// The evidence catalogue is the policy's data: growing it changes no decision it does not
// touch, reference-tier evidence never certifies alone, and decisions taken before it grew
// (even by the code before the catalogue existed) replay identically.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import defaultJson from '../../policy/default.json' with { type: 'json' };
import { loadDefaultPolicy, parsePolicy, type Policy } from '../../src/domain/policy.ts';
import { loadPolicyArchive } from '../../src/domain/policy-file.ts';
import type { EvidenceEvent, IdentityCheck } from '../../src/domain/evidence.ts';
import { autoCertificationDates, scoreAt } from '../../src/domain/scoring.ts';
import { validateEvent } from '../../src/modules/evidence/validate.ts';
import { decideFor, toState, type PensionerFacts } from '../../src/modules/certification/decide.ts';
import { replayDecision, type StoredDecision } from '../../src/modules/certification/replay.ts';
import { DEFAULT_POLICY_ARCHIVE } from '../../src/modules/certification/cli.ts';
import { DEFAULT_SOURCES, evidenceEvent, IDENTITY_CHECKS } from '../helpers/arbitraries.ts';
import { makeNationalId } from '../../src/domain/national-id.ts';

type Json = Record<string, any>;
const current = loadDefaultPolicy();

/** The shipped policy with `grow` applied to a copy of its document, as a new version. */
function grown(grow: (sources: Json) => void, version = '2099.1'): Policy {
  const doc = structuredClone(defaultJson) as Json;
  grow(doc.sources);
  return parsePolicy({ ...doc, version });
}

/** A post office that reports pension collections at the counter, and a new kind at the bank. */
const withPostOffice = grown((sources) => {
  sources.post_office = {
    department: '邮政 pension counters',
    kinds: { counter_collection: { weight: 0.92, tier: 'strong' }, parcel_pickup: { weight: 0.3, tier: 'reference' } },
  };
  sources.bank.kinds.video_teller = { weight: 0.9, tier: 'strong' };
});

const NAME = fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/);
const kindJson = fc.record({
  weight: fc.double({ min: 0, max: 1, noNaN: true }),
  tier: fc.constantFrom('strong', 'reference'),
  role: fc.constantFrom(undefined, 'death_record', 'self_service', 'custodial_sentence_start', 'release', 'pretrial_detention'),
});
/** Any growth of the catalogue: new sources with new kinds, and new kinds of existing sources. */
const growth = fc.record({
  sources: fc.dictionary(NAME, fc.dictionary(NAME, kindJson, { minKeys: 1, maxKeys: 3 }), { maxKeys: 3 }),
  kinds: fc.array(fc.tuple(fc.constantFrom(...DEFAULT_SOURCES), NAME, kindJson), { maxLength: 3 }),
});
function grow(g: Json): Policy {
  return grown((sources) => {
    const put = (kinds: Json, name: string, k: Json) => {
      if (kinds[name]) return; // growing adds; it does not change a kind
      kinds[name] = { weight: k.role === 'death_record' ? 0 : k.weight, tier: k.tier, ...(k.role ? { role: k.role } : {}) };
    };
    for (const [s, kinds] of Object.entries(g.sources as Record<string, Json>)) {
      if (sources[s]) continue;
      sources[s] = { kinds: {} };
      for (const [k, spec] of Object.entries(kinds)) put(sources[s].kinds, k, spec as Json);
    }
    for (const [s, k, spec] of g.kinds as [string, string, Json][]) put(sources[s].kinds, k, spec);
  });
}

const event = evidenceEvent({ sources: DEFAULT_SOURCES, from: '2024-06-01T00:00:00Z', to: '2026-06-01T00:00:00Z', maxLagDays: 40 });
const person = fc
  .record({ events: fc.array(event, { maxLength: 15 }), birthDate: fc.constantFrom('1930-02-10', '1948-02-29', '1962-12-31') })
  .map(({ events, birthDate }): PensionerFacts => ({
    pensionerId: '7',
    regionCode: '510104',
    birthDate,
    benefitStartDate: '2008-03-01',
    legacyCertifiedAt: '2024-09-30',
    events: events.map((e, i) => ({ ...e, id: `r${i}`, deathDate: null })),
  }));
const instant = fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2026-09-01T00:00:00Z') }).map((t) => new Date(t));

describe('growing the catalogue', () => {
  it('never changes a decision it does not touch: a person with no events of what was added is decided identically', () => {
    fc.assert(
      fc.property(person, instant, growth, (facts, at, g) => {
        const bigger = grow(g);
        const { policyVersion: _a, ...before } = decideFor(current, facts, at);
        const { policyVersion: _b, ...after } = decideFor(bigger, facts, at);
        expect(after).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });

  it('is accepted by validation with no code change, and what it does not name is refused as before', () => {
    const nationalId = makeNationalId('510104', '1950-03-01', 17);
    const line = (source: string, kind: string, extra: Json = {}) => ({
      nationalId,
      source,
      kind,
      occurredAt: '2026-05-01T09:00:00+08:00',
      sourceRef: 'x-1',
      identityCheck: 'id_document',
      ...extra,
    });
    const now = new Date('2026-06-01T00:00:00Z');
    const under = (p: Policy) => (raw: Json) => validateEvent(raw, { now, catalogue: p.catalogue });
    expect(under(withPostOffice)(line('post_office', 'counter_collection'))).toMatchObject({ ok: true, value: { source: 'post_office' } });
    expect(under(withPostOffice)(line('bank', 'video_teller'))).toMatchObject({ ok: true });
    expect(under(current)(line('post_office', 'counter_collection'))).toMatchObject({ ok: false, code: 'unknown_source' });
    expect(under(current)(line('bank', 'video_teller'))).toMatchObject({ ok: false, code: 'unknown_kind' });
    expect(under(withPostOffice)(line('post_office', 'telegram'))).toMatchObject({
      ok: false,
      code: 'unknown_kind',
      message: 'unknown kind for post_office: telegram (one of counter_collection, parcel_pickup)',
    });
    expect(under(withPostOffice)(line('constructor', 'x'))).toMatchObject({ ok: false, code: 'unknown_source' });
    // A date of death belongs to death records, whichever source the policy gives them.
    const undertaker = grown((s) => (s.funeral_home = { kinds: { cremation_booked: { weight: 0, role: 'death_record' } } }));
    expect(under(undertaker)(line('funeral_home', 'cremation_booked', { deathDate: '2026-04-30' }))).toMatchObject({ ok: true });
    expect(under(undertaker)(line('bank', 'counter', { deathDate: '2026-04-30' }))).toMatchObject({ ok: false, code: 'invalid_field' });
  });

  it('an added strong source certifies, an added reference one does not alone', () => {
    const at = (t: string, source: string, kind: string, id: string): EvidenceEvent => ({
      id,
      source,
      kind,
      occurredAt: new Date(t),
      receivedAt: new Date(t),
      identityCheck: 'id_document',
    });
    const collected = at('2026-03-02T02:00:00Z', 'post_office', 'counter_collection', 'a');
    expect(autoCertificationDates(withPostOffice, '1950-01-01', [collected]).map((c) => c.certifiedAt)).toEqual(['2026-03-02']);
    expect(autoCertificationDates(current, '1950-01-01', [collected])).toEqual([]); // unknown to the policy: weighs nothing
    const parcel = at('2026-03-02T02:00:00Z', 'post_office', 'parcel_pickup', 'b');
    expect(autoCertificationDates(withPostOffice, '1950-01-01', [parcel])).toEqual([]);
  });
});

describe('reference-tier evidence', () => {
  /** A policy whose reference kinds are as heavy as `weight` and whose threshold is `threshold`. */
  const heavyReferences = (weight: number, threshold: number) => {
    const doc = structuredClone(defaultJson) as Json;
    for (const s of Object.values(doc.sources) as Json[]) {
      for (const k of Object.values(s.kinds) as Json[]) if (k.tier === 'reference' && k.weight > 0) k.weight = weight;
    }
    doc.sources.rumour = { kinds: { heard: { weight, tier: 'reference' }, seen: { weight, tier: 'reference' } } };
    return parsePolicy({ ...doc, threshold, version: 'heavy' });
  };
  const references = (p: Policy) =>
    [...p.catalogue].flatMap(([s, spec]) => [...spec.kinds].filter(([, k]) => k.tier === 'reference' && k.weight > 0).map(([k]) => [s, k] as const));

  it('never certifies alone, whatever their number, weight, identity check or the threshold', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.nat(), (weight, threshold, seed) => {
        const p = heavyReferences(weight, threshold);
        const kinds = references(p);
        const evs = fc.sample(
          fc.record({
            which: fc.nat({ max: kinds.length - 1 }),
            identityCheck: fc.constantFrom<IdentityCheck>(...IDENTITY_CHECKS),
            t: fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2026-06-01T00:00:00Z') }),
          }),
          { seed, numRuns: 60 },
        );
        const events: EvidenceEvent[] = evs.map((e, i) => ({
          id: `x${i}`,
          source: kinds[e.which]![0],
          kind: kinds[e.which]![1],
          identityCheck: e.identityCheck,
          occurredAt: new Date(e.t),
          receivedAt: new Date(e.t),
        }));
        expect(autoCertificationDates(p, '1950-01-01', events)).toEqual([]);
        const d = decideFor(
          p,
          { pensionerId: '1', regionCode: '510104', birthDate: '1950-01-01', benefitStartDate: '2008-03-01', legacyCertifiedAt: null, events },
          new Date('2026-07-01T00:00:00Z'),
        );
        expect(d.method).toBe('legacy');
        expect(d.periods.every((x) => x.method === 'legacy')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('adds to a strong event once there is one, which dates the certification; the score shows each tier', () => {
    // A threshold a bank counter visit (0.92) does not reach alone; the village ledger (0.8) lifts it.
    const p = parsePolicy({ ...defaultJson, threshold: 0.95, version: 'strict' });
    const counter: EvidenceEvent = {
      id: 'c',
      source: 'bank',
      kind: 'counter',
      identityCheck: 'id_document',
      occurredAt: new Date('2026-03-01T02:00:00Z'),
      receivedAt: new Date('2026-03-01T02:00:00Z'),
    };
    const ledger: EvidenceEvent = {
      id: 'l',
      source: 'community',
      kind: 'ledger_confirmation',
      identityCheck: 'id_document',
      occurredAt: new Date('2026-04-01T02:00:00Z'),
      receivedAt: new Date('2026-04-02T02:00:00Z'),
    };
    expect(autoCertificationDates(p, '1950-01-01', [counter])).toEqual([]);
    expect(autoCertificationDates(p, '1950-01-01', [ledger])).toEqual([]);
    const both = autoCertificationDates(p, '1950-01-01', [counter, ledger]);
    expect(both.map((c) => [c.certifiedAt, c.datedBy])).toEqual([['2026-03-01', 'c']]);
    expect(both[0]!.decidedAt).toEqual(ledger.receivedAt); // known once the ledger arrived
    const s = scoreAt(p, '1950-01-01', [counter, ledger], new Date('2026-04-01T02:00:00Z'));
    expect(s.evidence.map((e) => [e.source, e.tier])).toEqual([
      ['bank', 'strong'],
      ['community', 'reference'],
    ]);
  });
});

describe('decisions taken before the catalogue grew', () => {
  interface Fixture {
    facts: Omit<PensionerFacts, 'events'> & { events: (Omit<EvidenceEvent, 'occurredAt' | 'receivedAt'> & { occurredAt: string; receivedAt: string })[] };
    decisions: (Omit<StoredDecision, 'decidedAt'> & { decidedAt: string })[];
  }
  // Taken by the code before the catalogue moved into the policy, under 2026.1 (test/fixtures/README.md).
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/decisions-2026.1.json', import.meta.url), 'utf8')) as Fixture[];
  const factsOf = (f: Fixture['facts']): PensionerFacts => ({
    ...f,
    events: f.events.map((e) => ({ ...e, occurredAt: new Date(e.occurredAt), receivedAt: new Date(e.receivedAt) })),
  });
  // Records of sources and kinds that did not exist then, arriving after every decision.
  const later = (p: PensionerFacts): PensionerFacts => ({
    ...p,
    events: [
      ...p.events,
      ...[
        ['post_office', 'counter_collection'],
        ['bank', 'video_teller'],
        ['health', 'elderly_checkup'],
        ['community', 'ledger_confirmation'],
      ].map(([source, kind], i) => ({
        id: `${p.pensionerId}n${i}`,
        source: source!,
        kind: kind!,
        identityCheck: 'biometric' as const,
        occurredAt: new Date('2026-08-01T02:00:00Z'),
        receivedAt: new Date('2026-10-01T02:00:00Z'),
      })),
    ],
  });

  it('replay identically under their archived policy, the first format included, with the catalogue grown since', async () => {
    const archive = await loadPolicyArchive(DEFAULT_POLICY_ARCHIVE);
    expect([...archive.keys()]).toEqual(['2026.1', '2026.2', '2026.3', '2026.4']);
    archive.set(withPostOffice.version, withPostOffice);
    let replayed = 0;
    for (const { facts, decisions } of fixture) {
      const all = later(factsOf(facts));
      for (const d of decisions) {
        const stored: StoredDecision = { ...d, decidedAt: new Date(d.decidedAt) };
        expect(replayDecision(archive, all, stored)).toMatchObject({ outcome: 'identical', differences: [] });
        expect(replayDecision(archive, all, { ...stored, knownEventIds: null })).toMatchObject({ outcome: 'identical', differences: [] });
        replayed++;
      }
    }
    expect(replayed).toBe(306);
  });

  it('replay identically under the policy in force after the catalogue grows', () => {
    const archive = new Map([
      [current.version, current],
      [withPostOffice.version, withPostOffice],
    ]);
    fc.assert(
      fc.property(person, instant, (facts, at) => {
        const known = { ...facts, events: facts.events.filter((e) => e.receivedAt <= at) };
        const d = decideFor(current, known, at);
        const s = toState(d, at);
        const { certifiedAt, certifiedUntil, method, score, policyVersion } = s;
        const evidence: unknown = JSON.parse(JSON.stringify(s.evidence)); // as jsonb gives it back
        const stored: StoredDecision = {
          id: '1',
          decidedAt: at,
          knownEventIds: known.events.map((e) => e.id),
          status: d.status,
          certifiedAt,
          certifiedUntil,
          method,
          score,
          policyVersion,
          evidence,
        };
        expect(replayDecision(archive, later(facts), stored).outcome).toBe('identical');
      }),
      { numRuns: 200 },
    );
  });
});
