// The first policy format (version 2026.1, archived): a closed table of weights over the
// sources and kinds the code then knew, and a list of death kinds. Decisions taken under it
// are replayed under it, so it is read into today's catalogue with the outcomes it had then:
// every kind may certify (the format had no tiers), and the roles are what the code then
// tied to those names. Frozen: nothing is ever added here. Pure.
import type { Catalogue, KindSpec, Role, SourceSpec } from './catalogue.ts';
import { checkRoles } from './catalogue-parse.ts';
import { obj, PolicyError, unit } from './policy-fields.ts';

/** The vocabulary of the first format, in the order its scores multiplied in. */
const LEGACY_KINDS: Readonly<Record<string, readonly string[]>> = {
  hospital: ['admission', 'discharge', 'outpatient'],
  travel: ['rail_boarding', 'flight_boarding', 'ticket_purchase'],
  bank: ['counter', 'cash_point', 'atm', 'mobile_face'],
  death: ['household_deregistration', 'cremation', 'death_certificate'],
  judicial: ['custodial_sentence_start', 'release'],
  service_point: ['in_person', 'home_visit', 'deceased'],
  self_service: ['face'],
};
const LEGACY_SOURCES = Object.keys(LEGACY_KINDS);

/** Whether a policy document is of the first format. */
export function isLegacyPolicy(o: Record<string, unknown>): boolean {
  return o.weights !== undefined || o.deathKinds !== undefined;
}

/** A full (or, for a region, partial) table of weights; paths as the first format named them. */
export function legacyWeights(v: unknown, path: string, partial: boolean): Record<string, Record<string, number>> {
  const o = obj(v, path, LEGACY_SOURCES);
  const out: Record<string, Record<string, number>> = {};
  for (const source of LEGACY_SOURCES) {
    if (o[source] === undefined) {
      if (partial) continue;
      throw new PolicyError(`${path}.${source}`, 'missing');
    }
    const ko = obj(o[source], `${path}.${source}`, LEGACY_KINDS[source]);
    const row: Record<string, number> = {};
    for (const kind of LEGACY_KINDS[source]!) {
      if (ko[kind] === undefined) {
        if (partial) continue;
        throw new PolicyError(`${path}.${source}.${kind}`, 'missing');
      }
      row[kind] = unit(ko[kind], `${path}.${source}.${kind}`);
    }
    out[source] = row;
  }
  return out;
}

function legacyDeathKinds(v: unknown, path: string): Set<string> {
  const o = obj(v, path, LEGACY_SOURCES);
  const out = new Set<string>();
  for (const [source, kinds] of Object.entries(o)) {
    if (!Array.isArray(kinds)) throw new PolicyError(`${path}.${source}`, 'must be an array of kinds');
    kinds.forEach((k, i) => {
      if (typeof k !== 'string' || !LEGACY_KINDS[source]!.includes(k)) throw new PolicyError(`${path}.${source}[${i}]`, 'unknown kind');
      out.add(`${source}.${k}`);
    });
  }
  if (![...out].some((k) => k.startsWith('death.'))) throw new PolicyError(`${path}.death`, 'must list the death registry kinds');
  return out;
}

/** What the code of the first format tied to each name. */
function legacyRole(source: string, kind: string, deaths: Set<string>): Role | null {
  if (deaths.has(`${source}.${kind}`)) return source === 'service_point' ? 'staff_death' : 'death_record';
  if (source === 'service_point') return kind === 'in_person' ? 'staff_in_person' : kind === 'home_visit' ? 'staff_home_visit' : null;
  if (source === 'self_service') return 'self_service';
  if (source === 'judicial') return kind as 'custodial_sentence_start' | 'release';
  return null;
}

/** The catalogue a first-format document (`weights`, `deathKinds`) stands for. */
export function legacyCatalogue(weightsJson: unknown, deathKindsJson: unknown): Catalogue {
  const weights = legacyWeights(weightsJson, 'weights', false);
  const deaths = legacyDeathKinds(deathKindsJson, 'deathKinds');
  const catalogue = new Map<string, SourceSpec>();
  for (const source of LEGACY_SOURCES) {
    const kinds = new Map<string, KindSpec>();
    for (const kind of LEGACY_KINDS[source]!) {
      kinds.set(kind, { weight: weights[source]![kind]!, tier: 'strong', role: legacyRole(source, kind, deaths) });
    }
    catalogue.set(source, { department: null, kinds });
  }
  const at = (s: string, k: string) => `weights.${s}.${k}`;
  checkRoles(catalogue, { root: 'deathKinds', weight: at, role: at });
  return catalogue;
}
