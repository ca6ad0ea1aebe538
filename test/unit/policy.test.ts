import { describe, expect, it } from 'vitest';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { effectivePolicy, loadDefaultPolicy, parsePolicy, PolicyError } from '../../src/domain/policy.ts';
import { loadPolicyFile } from '../../src/domain/policy-file.ts';
import { kindSpec, sourcesOf } from '../../src/domain/catalogue.ts';
import defaultJson from '../../policy/default.json' with { type: 'json' };
import legacyJson from '../../policy/archive/2026.1.json' with { type: 'json' };

const doc = () => structuredClone(defaultJson) as Record<string, any>;
const legacyDoc = () => structuredClone(legacyJson) as Record<string, any>;

function errorPath(json: unknown): string {
  try {
    parsePolicy(json);
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return (e as PolicyError).path;
  }
  throw new Error('policy was accepted');
}

/** The path of the field parsePolicy names in a copy of `base` with one fault put in. */
function faultPath(base: () => Record<string, any>, putFault: (d: any) => unknown): string {
  const d = base();
  putFault(d);
  return errorPath(d);
}

// The contract's default catalogue ("Evidence catalogue (v2)"): source, kind, weight, tier (S/R; - for weight 0).
const CONTRACT: [string, string, number, 'S' | 'R' | '-'][] = [
  ['hospital', 'admission', 0.95, 'S'],
  ['hospital', 'discharge', 0.95, 'S'],
  ['hospital', 'outpatient', 0.5, 'R'],
  ['travel', 'rail_boarding', 0.95, 'S'],
  ['travel', 'flight_boarding', 0.95, 'S'],
  ['travel', 'ticket_purchase', 0.4, 'R'],
  ['bank', 'counter', 0.92, 'S'],
  ['bank', 'mobile_face', 0.92, 'S'],
  ['bank', 'cash_point', 0.35, 'R'],
  ['bank', 'atm', 0.3, 'R'],
  ['health', 'elderly_checkup', 0.95, 'S'],
  ['health', 'family_doctor_visit', 0.9, 'S'],
  ['health', 'vaccination', 0.9, 'S'],
  ['medical_insurance', 'pharmacy_purchase', 0.92, 'S'],
  ['medical_insurance', 'clinic_settlement', 0.92, 'S'],
  ['civil_affairs', 'assistance_visit', 0.95, 'S'],
  ['civil_affairs', 'allowance_verification', 0.92, 'S'],
  ['community', 'ledger_confirmation', 0.8, 'R'],
  ['transit', 'bus_card', 0.2, 'R'],
  ['self_service', 'face', 1, 'S'],
  ['self_service', 'face_failed', 0, '-'],
  ['service_point', 'in_person', 1, 'S'],
  ['service_point', 'home_visit', 1, 'S'],
  ['service_point', 'deceased', 0, '-'],
  ['death', 'household_deregistration', 0, '-'],
  ['death', 'cremation', 0, '-'],
  ['death', 'death_certificate', 0, '-'],
  ['judicial', 'pretrial_detention', 0, '-'],
  ['judicial', 'acquittal', 0, '-'],
  ['judicial', 'custodial_sentence_start', 0, '-'],
  ['judicial', 'release', 0, '-'],
  ['due_process', 'death_confirmation', 0, '-'],
  ['due_process', 'death_reversal', 0, '-'],
  ['due_process', 'resumption', 0, '-'],
  ['due_process', 'reinstatement', 0, '-'],
  ['due_process', 'appeal_certification', 0, '-'],
];

describe('default policy', () => {
  const p = loadDefaultPolicy();
  it('is valid, versioned and complete', () => {
    expect(p.version).toBe('2026.4');
    expect(p.dueProcess).toEqual({ deathQuietPeriodDays: 60, appealReviewDays: 60, staffFindingOfDeathStands: true });
    expect(p.newestRecordDates).toBe(true);
    expect(() => parsePolicy({ ...defaultJson, newestRecordDates: 'yes' })).toThrow(/newestRecordDates/);
    expect(p.threshold).toBe(0.9);
    expect(p.cycleMonths).toBe(12);
    expect(p.reminderMonths).toBe(2);
    expect(p.identityCaps).toEqual({ biometric: 1, id_document: 1, card_pin: 0.35, none: 0.3 });
  });
  it("holds the contract's catalogue, and nothing else", () => {
    for (const [source, kind, weight, tier] of CONTRACT) {
      const k = kindSpec(p.catalogue, source, kind);
      expect(k?.weight, `${source}.${kind}`).toBe(weight);
      if (tier !== '-') expect(k?.tier, `${source}.${kind}`).toBe(tier === 'S' ? 'strong' : 'reference');
    }
    const named = [...p.catalogue].flatMap(([s, spec]) => [...spec.kinds.keys()].map((k) => `${s}.${k}`));
    expect(named.sort()).toEqual(CONTRACT.map(([s, k]) => `${s}.${k}`).sort());
  });
  it('gives the kinds the code must know their roles', () => {
    const role = (s: string, k: string) => kindSpec(p.catalogue, s, k)?.role;
    expect(['household_deregistration', 'cremation', 'death_certificate'].map((k) => role('death', k))).toEqual(Array(3).fill('death_record'));
    expect([role('service_point', 'in_person'), role('service_point', 'home_visit'), role('service_point', 'deceased')]).toEqual([
      'staff_in_person',
      'staff_home_visit',
      'staff_death',
    ]);
    expect(role('self_service', 'face')).toBe('self_service');
    expect(role('judicial', 'custodial_sentence_start')).toBe('custodial_sentence_start');
    expect(role('hospital', 'admission')).toBeNull();
  });
  it('keeps sources in name order, whatever the file says', () => {
    expect(sourcesOf(p.catalogue)).toEqual(sourcesOf(p.catalogue).slice().sort());
  });
});

describe('the first policy format (2026.1, archived)', () => {
  const p = parsePolicy(legacyJson);
  it('reads as the catalogue it stood for: every kind strong, roles as the code then tied them', () => {
    expect(sourcesOf(p.catalogue)).toEqual(['hospital', 'travel', 'bank', 'death', 'judicial', 'service_point', 'self_service']);
    expect([...p.catalogue.values()].every((s) => [...s.kinds.values()].every((k) => k.tier === 'strong'))).toBe(true);
    expect(kindSpec(p.catalogue, 'judicial', 'release')).toEqual({ weight: 0.9, tier: 'strong', role: 'release' });
    expect(kindSpec(p.catalogue, 'service_point', 'deceased')?.role).toBe('staff_death');
    expect(kindSpec(p.catalogue, 'death', 'cremation')?.role).toBe('death_record');
    expect(kindSpec(p.catalogue, 'self_service', 'face')?.role).toBe('self_service');
    expect(kindSpec(p.catalogue, 'health', 'vaccination')).toBeUndefined();
  });
  it.each([
    ['weight above 1', (d: any) => (d.weights.bank.atm = 1.2), 'weights.bank.atm'],
    ['missing kind', (d: any) => delete d.weights.hospital.outpatient, 'weights.hospital.outpatient'],
    ['missing source', (d: any) => delete d.weights.self_service, 'weights.self_service'],
    ['unknown kind', (d: any) => (d.weights.bank.wire = 0.5), 'weights.bank.wire'],
    ['death as life evidence', (d: any) => (d.weights.death.cremation = 0.5), 'weights.death.cremation'],
    ['unknown death kind', (d: any) => (d.deathKinds.death = ['burial']), 'deathKinds.death[0]'],
    ['no death kinds', (d: any) => (d.deathKinds.death = []), 'deathKinds.death'],
    ['both formats', (d: any) => (d.sources = defaultJson.sources), 'sources'],
    ['bad region weight', (d: any) => (d.regions = { '5101': { weights: { bank: { atm: 3 } } } }), 'regions.5101.weights.bank.atm'],
  ])('names the bad field: %s', (_name, mutate, path) => expect(faultPath(legacyDoc, mutate)).toBe(path));
});

describe('parsePolicy names the bad field', () => {
  const kinds = (d: any, s: string) => d.sources[s].kinds;
  it.each([
    ['empty version', (d: any) => (d.version = ' '), 'version'],
    ['weight above 1', (d: any) => (kinds(d, 'bank').atm.weight = 1.2), 'sources.bank.kinds.atm.weight'],
    ['negative weight', (d: any) => (kinds(d, 'travel').ticket_purchase.weight = -0.1), 'sources.travel.kinds.ticket_purchase.weight'],
    ['missing weight', (d: any) => delete kinds(d, 'hospital').outpatient.weight, 'sources.hospital.kinds.outpatient.weight'],
    ['missing tier', (d: any) => delete kinds(d, 'hospital').outpatient.tier, 'sources.hospital.kinds.outpatient.tier'],
    ['unknown tier', (d: any) => (kinds(d, 'hospital').outpatient.tier = 'weak'), 'sources.hospital.kinds.outpatient.tier'],
    ['unknown role', (d: any) => (kinds(d, 'hospital').outpatient.role = 'vip'), 'sources.hospital.kinds.outpatient.role'],
    ['unknown kind field', (d: any) => (kinds(d, 'bank').atm.wieght = 0.3), 'sources.bank.kinds.atm.wieght'],
    ['bad source name', (d: any) => (d.sources['Bad-Name'] = { kinds: { x: { weight: 0 } } }), 'sources.Bad-Name'],
    ['bad kind name', (d: any) => (kinds(d, 'bank')['wire transfer'] = { weight: 0 }), 'sources.bank.kinds.wire transfer'],
    ['source without kinds', (d: any) => (d.sources.post = { kinds: {} }), 'sources.post.kinds'],
    ['no sources', (d: any) => (d.sources = {}), 'sources'],
    ['missing sources', (d: any) => delete d.sources, 'sources'],
    ['unknown field', (d: any) => (d.treshold = 0.9), 'treshold'],
    ['zero threshold', (d: any) => (d.threshold = 0), 'threshold'],
    ['string threshold', (d: any) => (d.threshold = '0.9'), 'threshold'],
    ['cap above 1', (d: any) => (d.identityCaps.none = 2), 'identityCaps.none'],
    ['unsorted hazard', (d: any) => ([d.mortality[3], d.mortality[4]] = [d.mortality[4], d.mortality[3]]), 'mortality[4].age'],
    ['certain death', (d: any) => (d.mortality[0].annualProbability = 1), 'mortality[0].annualProbability'],
    ['reminder beyond cycle', (d: any) => (d.reminderMonths = 13), 'reminderMonths'],
    ['fractional cycle', (d: any) => (d.cycleMonths = 11.5), 'cycleMonths'],
    ['death as life evidence', (d: any) => Object.assign(kinds(d, 'death').cremation, { weight: 0.5, tier: 'strong' }), 'sources.death.kinds.cremation.weight'],
    [
      'no death records',
      (d: any) => {
        for (const k of Object.values(kinds(d, 'death')) as any[]) delete k.role;
      },
      'sources',
    ],
    ['staff finding missing its role', (d: any) => delete kinds(d, 'service_point').in_person.role, 'sources.service_point.kinds.in_person.role'],
    ['staff role elsewhere', (d: any) => (kinds(d, 'bank').counter.role = 'staff_in_person'), 'sources.bank.kinds.counter.role'],
    ['bad region key', (d: any) => (d.regions = { chengdu: {} }), 'regions.chengdu'],
    ['bad region weight', (d: any) => (d.regions = { '5101': { weights: { bank: { atm: 3 } } } }), 'regions.5101.weights.bank.atm'],
    ['region weight of an unknown kind', (d: any) => (d.regions = { '5101': { weights: { bank: { wire: 0.3 } } } }), 'regions.5101.weights.bank.wire'],
    ['region weight of an unknown source', (d: any) => (d.regions = { '5101': { weights: { post: { x: 0.3 } } } }), 'regions.5101.weights.post'],
  ])('%s', (_name, mutate, path) => expect(faultPath(doc, mutate)).toBe(path));
  it('rejects non-objects', () => {
    expect(() => parsePolicy(null)).toThrow(PolicyError);
    expect(() => parsePolicy([])).toThrow(PolicyError);
  });
  it('knows no source by a name found on every object', () => {
    const p = loadDefaultPolicy();
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) expect(p.catalogue.has(name)).toBe(false);
  });
});

describe('regional overrides', () => {
  const d = doc();
  d.regions = {
    '51': { threshold: 0.85, weights: { bank: { atm: 0.25 } } },
    '5101': { weights: { bank: { atm: 0.2, cash_point: 0.3 } }, reminderMonths: 3 },
  };
  const p = parsePolicy(d);
  const weight = (q: typeof p, s: string, k: string) => kindSpec(q.catalogue, s, k)?.weight;
  it('layers prefixes, longest wins field by field', () => {
    const chengdu = effectivePolicy(p, '510104');
    expect(chengdu.threshold).toBe(0.85);
    expect(chengdu.reminderMonths).toBe(3);
    expect(weight(chengdu, 'bank', 'atm')).toBe(0.2);
    expect(weight(chengdu, 'bank', 'counter')).toBe(0.92);
    expect(kindSpec(chengdu.catalogue, 'bank', 'atm')?.tier).toBe('reference');
    const mianyang = effectivePolicy(p, '510704');
    expect(weight(mianyang, 'bank', 'atm')).toBe(0.25);
    expect(mianyang.reminderMonths).toBe(2);
    expect(effectivePolicy(p, '110101')).toBe(p);
    expect(effectivePolicy(p, '510105')).toBe(chengdu);
  });
  it('leaves the province policy untouched', () => {
    effectivePolicy(p, '510104');
    expect(weight(p, 'bank', 'atm')).toBe(0.3);
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
