// The certification policy is configuration, versioned: every decision records the version
// it was taken under so that it can be explained and replayed. Pure: no I/O here.
import policyJson from '../../policy/default.json' with { type: 'json' };
import { IDENTITY_CHECKS, type EvidenceEvent, type IdentityCheck } from './evidence.ts';
import { DUE_PROCESS_RECORDS, isDeathRole, kindSpec, roleOf, type Catalogue, type KindSpec, type Role, type SourceSpec } from './catalogue.ts';
import { parseCatalogue } from './catalogue-parse.ts';
import { isLegacyPolicy, legacyCatalogue, legacyWeights } from './policy-legacy.ts';
import { isObj, obj, PolicyError, unit } from './policy-fields.ts';

export { PolicyError } from './policy-fields.ts';

/** Source → kind → weight: a region's weights, over the kinds the catalogue names. */
export type PartialWeights = Record<string, Record<string, number>>;

/** Annual probability of dying at an age; the table is interpolated between ages. */
export interface MortalityPoint {
  age: number;
  annualProbability: number;
}

/** What a region (6-digit code prefix) may set differently from the province. */
export interface RegionOverride {
  weights?: PartialWeights;
  threshold?: number;
  reminderMonths?: number;
}

/**
 * Due process (from 2026.3): a death is held (`death_reported`) until verified, detention
 * holds payment, appeals are reviewed. Absent in older versions, whose decisions replay with
 * the rules they were taken under (one death record stopped payment at once).
 */
export interface DueProcess {
  /** A single death record with nothing contrary becomes `deceased` this many days after it was received. */
  deathQuietPeriodDays: number;
  /** An appeal's deadline, counted from the day it was filed. */
  appealReviewDays: number;
  /**
   * From 2026.4: a staff finding of death is a second record agreeing with the death records
   * before it (so it verifies them), and card-only activity after it is someone else using the
   * card, not a question of life. Absent (2026.3): the finding waited for a second key and
   * every use of the card reopened a review.
   */
  staffFindingOfDeathStands?: boolean;
}

export interface Policy {
  version: string;
  /** Auto-certify when the score at the newest contributing event reaches this. */
  threshold: number;
  cycleMonths: number;
  reminderMonths: number;
  /** The sources and kinds accepted, each kind's weight, tier and role. */
  catalogue: Catalogue;
  /** The identity check can only lower a weight: effective = min(kind weight, cap). */
  identityCaps: Record<IdentityCheck, number>;
  mortality: MortalityPoint[];
  regions: Record<string, RegionOverride>;
  dueProcess: DueProcess | null;
  /**
   * Months of evidence kept (by the month it is of, Shanghai time); older months are dropped
   * whole, after the decisions taken from them keep their copies. Absent: kept for ever
   * (versions before 2026.3).
   */
  evidenceRetentionMonths?: number;
  /**
   * From 2026.4: a strong record that reaches the threshold standing for its source dates the
   * certification, though an older record of that source still weighs more. Absent (older
   * versions): only each source's best record could date it.
   */
  newestRecordDates?: boolean;
}

function threshold(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 1) {
    throw new PolicyError(path, 'must be a number in (0, 1]');
  }
  return v;
}

function months(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new PolicyError(path, `must be an integer in [${min}, ${max}]`);
  }
  return v;
}

/** A region's weights: only kinds the catalogue names. */
function regionWeights(v: unknown, path: string, catalogue: Catalogue): PartialWeights {
  const out: PartialWeights = {};
  for (const [source, row] of Object.entries(obj(v, path))) {
    const spec = catalogue.get(source);
    if (!spec) throw new PolicyError(`${path}.${source}`, 'unknown source');
    out[source] = {};
    for (const [kind, w] of Object.entries(obj(row, `${path}.${source}`))) {
      if (!spec.kinds.has(kind)) throw new PolicyError(`${path}.${source}.${kind}`, 'unknown field');
      out[source][kind] = unit(w, `${path}.${source}.${kind}`);
    }
  }
  return out;
}

function mortality(v: unknown, path: string): MortalityPoint[] {
  if (!Array.isArray(v) || v.length === 0) throw new PolicyError(path, 'must be a non-empty array');
  return v.map((p, i) => {
    const o = obj(p, `${path}[${i}]`, ['age', 'annualProbability']);
    const age = o.age;
    if (typeof age !== 'number' || !Number.isFinite(age) || age < 0) {
      throw new PolicyError(`${path}[${i}].age`, 'must be a non-negative number');
    }
    const prev = v[i - 1] as { age: number } | undefined;
    if (prev && !(age > prev.age)) throw new PolicyError(`${path}[${i}].age`, 'ages must be strictly increasing');
    const q = o.annualProbability;
    // q = 1 would be an infinite hazard rate (−ln 0): nobody is certainly dead within a year.
    if (typeof q !== 'number' || !Number.isFinite(q) || q < 0 || q >= 1) {
      throw new PolicyError(`${path}[${i}].annualProbability`, 'must be a number in [0, 1)');
    }
    return { age, annualProbability: q };
  });
}

function regionOverride(v: unknown, path: string, cycleMonths: number, weightsOf: (v: unknown, path: string) => PartialWeights): RegionOverride {
  const o = obj(v, path, ['weights', 'threshold', 'reminderMonths']);
  const r: RegionOverride = {};
  if (o.weights !== undefined) r.weights = weightsOf(o.weights, `${path}.weights`);
  if (o.threshold !== undefined) r.threshold = threshold(o.threshold, `${path}.threshold`);
  if (o.reminderMonths !== undefined) {
    r.reminderMonths = months(o.reminderMonths, `${path}.reminderMonths`, 0, cycleMonths);
  }
  return r;
}

const FIELDS = [
  'version',
  'threshold',
  'cycleMonths',
  'reminderMonths',
  'dueProcess',
  'sources',
  'identityCaps',
  'mortality',
  'regions',
  'evidenceRetentionMonths',
  'newestRecordDates',
];
/** A century: past that, a retention is a typo. */
const MAX_RETENTION_MONTHS = 1200;
/** The first format (2026.1) had `weights` and `deathKinds` where `sources` is now. */
const LEGACY_FIELDS = ['version', 'threshold', 'cycleMonths', 'reminderMonths', 'weights', 'identityCaps', 'mortality', 'deathKinds', 'regions'];

/** An optional rule switch: absent in the versions before it, else true or false. */
function flag(v: unknown, path: string): boolean | undefined {
  if (v !== undefined && typeof v !== 'boolean') throw new PolicyError(path, 'must be a boolean');
  return v;
}

function dueProcess(v: unknown, catalogue: Catalogue): DueProcess | null {
  if (v === undefined) return null;
  const o = obj(v, 'dueProcess', ['deathQuietPeriodDays', 'appealReviewDays', 'staffFindingOfDeathStands']);
  const days = (k: string) => {
    const d = o[k];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > 3650) throw new PolicyError(`dueProcess.${k}`, 'must be an integer in [1, 3650]');
    return d;
  };
  // The service writes the bureau's decisions as events of these kinds: they must exist.
  for (const [role, { source, kind }] of Object.entries(DUE_PROCESS_RECORDS)) {
    if (kindSpec(catalogue, source, kind)?.role !== role) throw new PolicyError(`sources.${source}.kinds.${kind}.role`, `must be ${role} under dueProcess`);
  }
  const out: DueProcess = { deathQuietPeriodDays: days('deathQuietPeriodDays'), appealReviewDays: days('appealReviewDays') };
  const stands = flag(o.staffFindingOfDeathStands, 'dueProcess.staffFindingOfDeathStands');
  if (stands !== undefined) out.staffFindingOfDeathStands = stands;
  return out;
}

function identityCaps(v: unknown): Record<IdentityCheck, number> {
  const caps = obj(v, 'identityCaps', IDENTITY_CHECKS);
  const out = {} as Record<IdentityCheck, number>;
  for (const c of IDENTITY_CHECKS) {
    if (caps[c] === undefined) throw new PolicyError(`identityCaps.${c}`, 'missing');
    out[c] = unit(caps[c], `identityCaps.${c}`);
  }
  return out;
}

/**
 * Validates a policy document; throws PolicyError naming the offending field path. Two
 * formats: today's, whose `sources` is the evidence catalogue, and the first one (2026.1,
 * `weights` and `deathKinds`), read so that its decisions replay as they were taken.
 */
export function parsePolicy(json: unknown): Policy {
  const legacy = isObj(json) && isLegacyPolicy(json);
  const o = obj(json, '', legacy ? LEGACY_FIELDS : FIELDS);
  if (typeof o.version !== 'string' || o.version.trim() === '') {
    throw new PolicyError('version', 'must be a non-empty string');
  }
  const cycleMonths = months(o.cycleMonths, 'cycleMonths', 1, 120);
  const catalogue = legacy ? legacyCatalogue(o.weights, o.deathKinds) : parseCatalogue(o.sources, 'sources');
  const policy: Policy = {
    version: o.version,
    threshold: threshold(o.threshold, 'threshold'),
    cycleMonths,
    reminderMonths: months(o.reminderMonths, 'reminderMonths', 0, cycleMonths),
    catalogue,
    identityCaps: identityCaps(o.identityCaps),
    mortality: mortality(o.mortality, 'mortality'),
    regions: {},
    dueProcess: legacy ? null : dueProcess(o.dueProcess, catalogue),
  };
  // Longer than a cycle: the evidence a certification stands on stays while it runs (and a month more, as months are whole).
  if (o.evidenceRetentionMonths !== undefined) {
    policy.evidenceRetentionMonths = months(o.evidenceRetentionMonths, 'evidenceRetentionMonths', cycleMonths + 1, MAX_RETENTION_MONTHS);
  }
  const newest = flag(o.newestRecordDates, 'newestRecordDates');
  if (newest !== undefined) policy.newestRecordDates = newest;
  const weightsOf = legacy ? (v: unknown, p: string) => legacyWeights(v, p, true) : (v: unknown, p: string) => regionWeights(v, p, catalogue);
  if (o.regions !== undefined) {
    if (!isObj(o.regions)) throw new PolicyError('regions', 'must be an object');
    for (const [prefix, ov] of Object.entries(o.regions)) {
      if (!/^\d{1,6}$/.test(prefix)) throw new PolicyError(`regions.${prefix}`, 'key must be a 1-6 digit region prefix');
      policy.regions[prefix] = regionOverride(ov, `regions.${prefix}`, cycleMonths, weightsOf);
    }
  }
  return policy;
}

let defaultPolicy: Policy | undefined;

/** The policy shipped with the service (policy/default.json), validated once. */
export function loadDefaultPolicy(): Policy {
  defaultPolicy ??= parsePolicy(policyJson);
  return defaultPolicy;
}

/** The catalogue with a region's weights laid over it (the tiers and roles stay the province's). */
function withWeights(catalogue: Catalogue, weights: PartialWeights): Catalogue {
  const out = new Map(catalogue);
  for (const [source, row] of Object.entries(weights)) {
    const spec = out.get(source)!;
    const kinds = new Map<string, KindSpec>(spec.kinds);
    for (const [kind, weight] of Object.entries(row)) kinds.set(kind, { ...kinds.get(kind)!, weight });
    out.set(source, { ...spec, kinds } satisfies SourceSpec);
  }
  return out;
}

// Policies never change once parsed: each region's layering is worked out once per policy.
const layered = new WeakMap<Policy, Map<string, Policy>>();

/**
 * The policy as it applies in a region. Overrides are layered from the shortest matching
 * prefix to the longest, so the most specific region wins field by field
 * (e.g. '51' sets the threshold and '5101' one weight: Chengdu gets both).
 */
export function effectivePolicy(policy: Policy, regionCode: string | null | undefined): Policy {
  if (!regionCode) return policy;
  const prefixes = Object.keys(policy.regions)
    .filter((p) => regionCode.startsWith(p))
    .sort((a, b) => a.length - b.length);
  if (prefixes.length === 0) return policy;
  let byPrefixes = layered.get(policy);
  if (!byPrefixes) layered.set(policy, (byPrefixes = new Map()));
  const key = prefixes.join(',');
  let out = byPrefixes.get(key);
  if (!out) {
    out = { ...policy };
    for (const p of prefixes) {
      const ov = policy.regions[p]!;
      if (ov.threshold !== undefined) out.threshold = ov.threshold;
      if (ov.reminderMonths !== undefined) out.reminderMonths = ov.reminderMonths;
      if (ov.weights) out.catalogue = withWeights(out.catalogue, ov.weights);
    }
    byPrefixes.set(key, out);
  }
  return out;
}

/** What the policy in force says of an event's kind; undefined for a source or kind it does not name. */
export function kindOf(policy: Policy, ev: Pick<EvidenceEvent, 'source' | 'kind'>): KindSpec | undefined {
  return kindSpec(policy.catalogue, ev.source, ev.kind);
}

export function roleIn(policy: Policy, ev: Pick<EvidenceEvent, 'source' | 'kind'>): Role | null {
  return roleOf(policy.catalogue, ev);
}

/** An authoritative death record (registry, cremation, certificate, or staff-recorded death). */
export function isDeathRecord(policy: Policy, ev: Pick<EvidenceEvent, 'source' | 'kind'>): boolean {
  return isDeathRole(roleOf(policy.catalogue, ev));
}
