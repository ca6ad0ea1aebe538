// The certification policy is configuration, versioned: every decision records the version
// it was taken under so that it can be explained and replayed. Pure: no I/O here.
import policyJson from '../../policy/default.json' with { type: 'json' };
import { IDENTITY_CHECKS, KINDS, SOURCES, isKnownKind, isKnownSource, type EvidenceEvent, type IdentityCheck, type KindOf, type Source } from './evidence.ts';

export type Weights = { [S in Source]: Record<KindOf<S>, number> };
export type PartialWeights = { [S in Source]?: Partial<Record<KindOf<S>, number>> };

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

export interface Policy {
  version: string;
  /** Auto-certify when the score at the newest contributing event reaches this. */
  threshold: number;
  cycleMonths: number;
  reminderMonths: number;
  /** Chance that an event of this kind shows the pensioner personally alive. */
  weights: Weights;
  /** The identity check can only lower a weight: effective = min(kind weight, cap). */
  identityCaps: Record<IdentityCheck, number>;
  mortality: MortalityPoint[];
  /** Records that make a person deceased (never life evidence). */
  deathKinds: { [S in Source]?: KindOf<S>[] };
  regions: Record<string, RegionOverride>;
}

export class PolicyError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`policy ${path}: ${message}`);
    this.name = 'PolicyError';
  }
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, path: string, allowed: readonly string[]): Obj {
  if (!isObj(v)) throw new PolicyError(path, 'must be an object');
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw new PolicyError(path ? `${path}.${k}` : k, 'unknown field');
  }
  return v;
}

function unit(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new PolicyError(path, 'must be a number in [0, 1]');
  }
  return v;
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

/** Kinds added after 2026.1 that never certify: a policy may leave them out (weight 0). */
const ZERO_WHEN_ABSENT: Partial<Record<Source, readonly string[]>> = { self_service: ['face_failed'] };
const isZeroWhenAbsent = (source: Source, kind: string) => ZERO_WHEN_ABSENT[source]?.includes(kind) ?? false;

function weights(v: unknown, path: string, partial: boolean): PartialWeights {
  const o = obj(v, path, SOURCES);
  const out: Record<string, Record<string, number>> = {};
  for (const source of SOURCES) {
    const kinds = KINDS[source] as readonly string[];
    if (o[source] === undefined) {
      if (partial) continue;
      throw new PolicyError(`${path}.${source}`, 'missing');
    }
    const ko = obj(o[source], `${path}.${source}`, kinds);
    const row: Record<string, number> = {};
    for (const kind of kinds) {
      if (ko[kind] === undefined) {
        if (partial) continue;
        // Kinds that are never evidence of life weigh 0 when a policy does not name them, so
        // that policies written before the kind existed (2026.1, archived) still parse and
        // replay unchanged.
        if (isZeroWhenAbsent(source, kind)) {
          row[kind] = 0;
          continue;
        }
        throw new PolicyError(`${path}.${source}.${kind}`, 'missing');
      }
      row[kind] = unit(ko[kind], `${path}.${source}.${kind}`);
    }
    out[source] = row;
  }
  return out as PartialWeights;
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

function deathKinds(v: unknown, path: string): Policy['deathKinds'] {
  const o = obj(v, path, SOURCES);
  const out: Record<string, string[]> = {};
  for (const [source, kinds] of Object.entries(o)) {
    if (!Array.isArray(kinds)) throw new PolicyError(`${path}.${source}`, 'must be an array of kinds');
    kinds.forEach((k, i) => {
      if (typeof k !== 'string' || !isKnownKind(source, k)) {
        throw new PolicyError(`${path}.${source}[${i}]`, 'unknown kind');
      }
    });
    out[source] = kinds as string[];
  }
  return out as Policy['deathKinds'];
}

function regionOverride(v: unknown, path: string, cycleMonths: number): RegionOverride {
  const o = obj(v, path, ['weights', 'threshold', 'reminderMonths']);
  const r: RegionOverride = {};
  if (o.weights !== undefined) r.weights = weights(o.weights, `${path}.weights`, true);
  if (o.threshold !== undefined) r.threshold = threshold(o.threshold, `${path}.threshold`);
  if (o.reminderMonths !== undefined) {
    r.reminderMonths = months(o.reminderMonths, `${path}.reminderMonths`, 0, cycleMonths);
  }
  return r;
}

/** Validates a policy document; throws PolicyError naming the offending field path. */
export function parsePolicy(json: unknown): Policy {
  const o = obj(json, '', ['version', 'threshold', 'cycleMonths', 'reminderMonths', 'weights', 'identityCaps', 'mortality', 'deathKinds', 'regions']);
  if (typeof o.version !== 'string' || o.version.trim() === '') {
    throw new PolicyError('version', 'must be a non-empty string');
  }
  const cycleMonths = months(o.cycleMonths, 'cycleMonths', 1, 120);
  const caps = obj(o.identityCaps, 'identityCaps', IDENTITY_CHECKS);
  const identityCaps = {} as Record<IdentityCheck, number>;
  for (const c of IDENTITY_CHECKS) {
    if (caps[c] === undefined) throw new PolicyError(`identityCaps.${c}`, 'missing');
    identityCaps[c] = unit(caps[c], `identityCaps.${c}`);
  }
  const policy: Policy = {
    version: o.version,
    threshold: threshold(o.threshold, 'threshold'),
    cycleMonths,
    reminderMonths: months(o.reminderMonths, 'reminderMonths', 0, cycleMonths),
    weights: weights(o.weights, 'weights', false) as Weights,
    identityCaps,
    mortality: mortality(o.mortality, 'mortality'),
    deathKinds: deathKinds(o.deathKinds, 'deathKinds'),
    regions: {},
  };
  if (!policy.deathKinds.death?.length) {
    throw new PolicyError('deathKinds.death', 'must list the death registry kinds');
  }
  // A death record is never life evidence, whatever its weight says.
  for (const [source, kinds] of Object.entries(policy.deathKinds)) {
    for (const kind of kinds as string[]) {
      const w = (policy.weights[source as Source] as Record<string, number>)[kind];
      if (w !== 0) throw new PolicyError(`weights.${source}.${kind}`, 'must be 0 for a death record');
    }
  }
  if (o.regions !== undefined) {
    if (!isObj(o.regions)) throw new PolicyError('regions', 'must be an object');
    for (const [prefix, ov] of Object.entries(o.regions)) {
      if (!/^\d{1,6}$/.test(prefix)) throw new PolicyError(`regions.${prefix}`, 'key must be a 1-6 digit region prefix');
      policy.regions[prefix] = regionOverride(ov, `regions.${prefix}`, cycleMonths);
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
  const out: Policy = { ...policy, weights: structuredClone(policy.weights) };
  for (const p of prefixes) {
    const ov = policy.regions[p]!;
    if (ov.threshold !== undefined) out.threshold = ov.threshold;
    if (ov.reminderMonths !== undefined) out.reminderMonths = ov.reminderMonths;
    for (const [source, row] of Object.entries(ov.weights ?? {})) {
      Object.assign(out.weights[source as Source], row);
    }
  }
  return out;
}

/** An authoritative death record (registry, cremation, certificate, or staff-recorded death). */
export function isDeathRecord(policy: Policy, ev: Pick<EvidenceEvent, 'source' | 'kind'>): boolean {
  if (!isKnownSource(ev.source)) return false;
  return ((policy.deathKinds[ev.source] ?? []) as readonly string[]).includes(ev.kind);
}
