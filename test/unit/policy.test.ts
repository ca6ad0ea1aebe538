import { describe, expect, it } from 'vitest';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { effectivePolicy, loadDefaultPolicy, parsePolicy, PolicyError } from '../../src/domain/policy.ts';
import { loadPolicyFile } from '../../src/domain/policy-file.ts';
import { KINDS, SOURCES } from '../../src/domain/evidence.ts';
import defaultJson from '../../policy/default.json' with { type: 'json' };

const doc = () => structuredClone(defaultJson) as Record<string, any>;

function errorPath(json: unknown): string {
  try {
    parsePolicy(json);
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return (e as PolicyError).path;
  }
  throw new Error('policy was accepted');
}

describe('default policy', () => {
  const p = loadDefaultPolicy();
  it('is valid, versioned and complete', () => {
    expect(p.version).toBe('2026.1');
    expect(p.threshold).toBe(0.9);
    expect(p.cycleMonths).toBe(12);
    expect(p.reminderMonths).toBe(2);
    for (const s of SOURCES) for (const k of KINDS[s]) expect((p.weights[s] as Record<string, number>)[k]).toBeTypeOf('number');
  });
  it('has the design weights', () => {
    expect(p.weights.hospital.admission).toBe(0.95);
    expect(p.weights.bank.atm).toBe(0.3);
    expect(p.weights.judicial.custodial_sentence_start).toBe(0);
    expect(p.identityCaps).toEqual({ biometric: 1, id_document: 1, card_pin: 0.35, none: 0.3 });
    expect(p.deathKinds.service_point).toEqual(['deceased']);
  });
});

describe('parsePolicy names the bad field', () => {
  it.each([
    ['empty version', (d: any) => (d.version = ' '), 'version'],
    ['weight above 1', (d: any) => (d.weights.bank.atm = 1.2), 'weights.bank.atm'],
    ['negative weight', (d: any) => (d.weights.travel.ticket_purchase = -0.1), 'weights.travel.ticket_purchase'],
    ['missing kind', (d: any) => delete d.weights.hospital.outpatient, 'weights.hospital.outpatient'],
    ['missing source', (d: any) => delete d.weights.self_service, 'weights.self_service'],
    ['unknown kind', (d: any) => (d.weights.bank.wire = 0.5), 'weights.bank.wire'],
    ['unknown field', (d: any) => (d.treshold = 0.9), 'treshold'],
    ['zero threshold', (d: any) => (d.threshold = 0), 'threshold'],
    ['string threshold', (d: any) => (d.threshold = '0.9'), 'threshold'],
    ['cap above 1', (d: any) => (d.identityCaps.none = 2), 'identityCaps.none'],
    ['unsorted hazard', (d: any) => ([d.mortality[3], d.mortality[4]] = [d.mortality[4], d.mortality[3]]), 'mortality[4].age'],
    ['certain death', (d: any) => (d.mortality[0].annualProbability = 1), 'mortality[0].annualProbability'],
    ['reminder beyond cycle', (d: any) => (d.reminderMonths = 13), 'reminderMonths'],
    ['fractional cycle', (d: any) => (d.cycleMonths = 11.5), 'cycleMonths'],
    ['death as life evidence', (d: any) => (d.weights.death.cremation = 0.5), 'weights.death.cremation'],
    ['unknown death kind', (d: any) => (d.deathKinds.death = ['burial']), 'deathKinds.death[0]'],
    ['bad region key', (d: any) => (d.regions = { chengdu: {} }), 'regions.chengdu'],
    ['bad region weight', (d: any) => (d.regions = { '5101': { weights: { bank: { atm: 3 } } } }), 'regions.5101.weights.bank.atm'],
  ])('%s', (_name, mutate, path) => {
    const d = doc();
    mutate(d);
    expect(errorPath(d)).toBe(path);
  });
  it('rejects non-objects', () => {
    expect(() => parsePolicy(null)).toThrow(PolicyError);
    expect(() => parsePolicy([])).toThrow(PolicyError);
  });
});

describe('regional overrides', () => {
  const d = doc();
  d.regions = {
    '51': { threshold: 0.85, weights: { bank: { atm: 0.25 } } },
    '5101': { weights: { bank: { atm: 0.2, cash_point: 0.3 } }, reminderMonths: 3 },
  };
  const p = parsePolicy(d);
  it('layers prefixes, longest wins field by field', () => {
    const chengdu = effectivePolicy(p, '510104');
    expect(chengdu.threshold).toBe(0.85);
    expect(chengdu.reminderMonths).toBe(3);
    expect(chengdu.weights.bank.atm).toBe(0.2);
    expect(chengdu.weights.bank.counter).toBe(0.92);
    const mianyang = effectivePolicy(p, '510704');
    expect(mianyang.weights.bank.atm).toBe(0.25);
    expect(mianyang.reminderMonths).toBe(2);
    expect(effectivePolicy(p, '110101')).toBe(p);
  });
  it('leaves the province policy untouched', () => {
    effectivePolicy(p, '510104');
    expect(p.weights.bank.atm).toBe(0.3);
  });
});

describe('loadPolicyFile', () => {
  it('reads and validates a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policy-'));
    const good = join(dir, 'p.json');
    await writeFile(good, JSON.stringify({ ...doc(), version: 'test-1' }));
    expect((await loadPolicyFile(good)).version).toBe('test-1');
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ nope');
    await expect(loadPolicyFile(bad)).rejects.toThrow(PolicyError);
    await rm(dir, { recursive: true, force: true });
  });
});
