// Replaying stored decisions under the policy version each records, from what had been
// received when it was taken.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_SOURCES, evidenceEvent } from '../helpers/arbitraries.ts';
import { loadDefaultPolicy, parsePolicy, type Policy } from '../../src/domain/policy.ts';
import { loadPolicyArchive } from '../../src/domain/policy-file.ts';
import policyJson from '../../policy/default.json' with { type: 'json' };
import { decideFor, toState, type PensionerFacts } from '../../src/modules/certification/decide.ts';
import { replayDecision, type StoredDecision } from '../../src/modules/certification/replay.ts';
import { DEFAULT_POLICY_ARCHIVE } from '../../src/modules/certification/cli.ts';

const current = loadDefaultPolicy();
// An earlier version: stricter threshold, outpatient and counter weighed differently.
const earlierJson = structuredClone(policyJson);
earlierJson.sources.hospital.kinds.outpatient.weight = 0.6;
earlierJson.sources.bank.kinds.counter.weight = 0.9;
const earlier: Policy = parsePolicy({ ...earlierJson, version: '2025.1', threshold: 0.93 });
const archive = new Map([
  [current.version, current],
  [earlier.version, earlier],
]);

/** What the certification service stores for a decision taken at `at` from `facts`. */
function stored(policy: Policy, facts: PensionerFacts, at: Date, id = '1'): StoredDecision {
  const d = decideFor(policy, facts, at);
  const s = toState(d, at);
  // Stored evidence comes back from jsonb: a JSON round trip, keys reordered.
  const evidence = JSON.parse(JSON.stringify(s.evidence)).map((e: Record<string, unknown>) => Object.fromEntries(Object.entries(e).reverse()));
  return {
    id,
    decidedAt: at,
    knownEventIds: facts.events.map((e) => e.id),
    status: d.status,
    certifiedAt: s.certifiedAt,
    certifiedUntil: s.certifiedUntil,
    method: s.method,
    score: s.score,
    policyVersion: s.policyVersion,
    evidence,
  };
}

const event = evidenceEvent({ sources: DEFAULT_SOURCES, from: '2024-06-01T00:00:00Z', to: '2026-06-01T00:00:00Z', maxLagDays: 40 }).map((e) => ({
  ...e,
  deathDate: null,
}));
const person = fc.array(event, { maxLength: 15 }).map((evs): PensionerFacts => ({
  pensionerId: '7',
  regionCode: '510104',
  birthDate: '1948-02-29',
  benefitStartDate: '2008-03-01',
  legacyCertifiedAt: '2024-09-30',
  events: evs.map((e, i) => ({ ...e, id: `r${i}` })),
}));
const instant = fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2026-09-01T00:00:00Z') }).map((t) => new Date(t));

describe('replaying a stored decision', () => {
  it('is identical under the version it records, whichever version that is, from the events it was taken from', () => {
    fc.assert(
      fc.property(person, instant, fc.constantFrom(current, earlier), (facts, at, policy) => {
        // What was known when the decision was taken; the full history arrives later.
        const known = { ...facts, events: facts.events.filter((e) => e.receivedAt <= at) };
        const r = replayDecision(archive, facts, stored(policy, known, at));
        expect(r.differences).toEqual([]);
        expect(r.outcome).toBe('identical');
        // Decisions recorded before their events were kept replay by the instant.
        expect(replayDecision(archive, facts, { ...stored(policy, known, at), knownEventIds: null }).outcome).toBe('identical');
      }),
      { numRuns: 300 },
    );
  });

  it('names the fields that differ when a decision does not follow from its policy', () => {
    const at = new Date('2026-03-01T04:00:00Z');
    const facts: PensionerFacts = {
      pensionerId: '7',
      regionCode: '510104',
      birthDate: '1948-02-29',
      benefitStartDate: '2008-03-01',
      legacyCertifiedAt: '2024-09-30',
      events: [
        {
          id: 'c1',
          source: 'bank',
          kind: 'counter',
          identityCheck: 'id_document',
          occurredAt: new Date('2026-02-01T02:00:00Z'),
          receivedAt: new Date('2026-02-02T00:00:00Z'),
          deathDate: null,
        },
      ],
    };
    // A counter visit (0.92) certifies under today's threshold (0.9) but not under 2025.1's (0.93, counter 0.9).
    const underCurrent = stored(current, facts, at);
    expect(underCurrent.method).toBe('auto');
    const mislabelled = { ...underCurrent, policyVersion: earlier.version };
    const r = replayDecision(archive, facts, mislabelled);
    expect(r.outcome).toBe('different');
    expect(r.differences.map((d) => d.field)).toEqual(expect.arrayContaining(['certifiedAt', 'method']));
  });

  it('says so when the version it records is not archived', () => {
    const facts: PensionerFacts = {
      pensionerId: '7',
      regionCode: '510104',
      birthDate: '1948-02-29',
      benefitStartDate: '2008-03-01',
      legacyCertifiedAt: null,
      events: [],
    };
    const s = { ...stored(current, facts, new Date('2026-03-01T04:00:00Z')), policyVersion: '2019.9' };
    expect(replayDecision(archive, facts, s)).toMatchObject({ outcome: 'policy_not_archived', differences: [] });
  });
});

describe('the policy archive', () => {
  it('holds the policy in force verbatim, so its decisions stay replayable after it changes', async () => {
    const archived = await loadPolicyArchive(DEFAULT_POLICY_ARCHIVE);
    expect(archived.get(current.version)).toEqual(current);
  });

  it('rejects a file not named after the version it holds', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'policy-archive-'));
    writeFileSync(path.join(dir, '2024.1.json'), JSON.stringify(policyJson));
    await expect(loadPolicyArchive(dir)).rejects.toThrow(/2024\.1\.json holds version 2026\.4/);
    rmSync(dir, { recursive: true, force: true });
  });
});
