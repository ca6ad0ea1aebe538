// Reading the evidence catalogue of a policy document (`sources`), and the checks on roles
// that hold whichever format the catalogue came from. Pure.
import {
  DUE_PROCESS_RECORDS,
  isDeathRole,
  ROLES,
  STAFF_RECORDS,
  TIERS,
  type Catalogue,
  type KindSpec,
  type Role,
  type SourceSpec,
  type Tier,
} from './catalogue.ts';
import { join, obj, PolicyError, text, unit } from './policy-fields.ts';

/** Source and kind names travel in URLs, file names and CSV cells: keep them plain. */
const NAME = /^[a-z][a-z0-9_]{0,39}$/;

function name(n: string, path: string): string {
  if (!NAME.test(n)) throw new PolicyError(path, 'a name is a lower-case letter, then lower-case letters, digits or _ (at most 40)');
  return n;
}

function tier(v: unknown, weight: number, path: string): Tier {
  if (v === undefined) {
    // Weight 0 never adds to the score, so whether it may certify does not arise.
    if (weight > 0) throw new PolicyError(path, 'missing: a kind that adds to the score is strong (may certify) or reference (may not alone)');
    return 'reference';
  }
  if (!TIERS.includes(v as Tier)) throw new PolicyError(path, `must be one of ${TIERS.join(', ')}`);
  return v as Tier;
}

function role(v: unknown, path: string): Role | null {
  if (v === undefined) return null;
  if (!(ROLES as readonly unknown[]).includes(v)) throw new PolicyError(path, `must be one of ${ROLES.join(', ')}`);
  return v as Role;
}

function parseKind(v: unknown, path: string): KindSpec {
  const o = obj(v, path, ['weight', 'tier', 'role', 'note']);
  if (o.weight === undefined) throw new PolicyError(`${path}.weight`, 'missing');
  const weight = unit(o.weight, `${path}.weight`);
  if (o.note !== undefined) text(o.note, `${path}.note`);
  return { weight, tier: tier(o.tier, weight, `${path}.tier`), role: role(o.role, `${path}.role`) };
}

function parseSource(v: unknown, path: string): SourceSpec {
  const o = obj(v, path, ['department', 'note', 'kinds']);
  if (o.note !== undefined) text(o.note, `${path}.note`);
  const department = o.department === undefined ? null : text(o.department, `${path}.department`);
  const ko = obj(o.kinds, `${path}.kinds`);
  const kinds = new Map<string, KindSpec>();
  for (const [k, spec] of Object.entries(ko)) kinds.set(name(k, `${path}.kinds.${k}`), parseKind(spec, `${path}.kinds.${k}`));
  if (kinds.size === 0) throw new PolicyError(`${path}.kinds`, 'must name at least one kind');
  return { department, kinds };
}

/**
 * The `sources` object of a policy document. Sources are kept in name order, whatever the
 * file's order: scores multiply group by group in this order, so a new source, wherever it
 * is written, leaves every other score the same to the last bit.
 */
export function parseCatalogue(v: unknown, path: string): Catalogue {
  const o = obj(v, path);
  const catalogue = new Map<string, SourceSpec>();
  for (const s of Object.keys(o).sort()) catalogue.set(name(s, join(path, s)), parseSource(o[s], join(path, s)));
  if (catalogue.size === 0) throw new PolicyError(path, 'must name at least one source');
  const at = (s: string, k: string) => `${join(path, s)}.kinds.${k}`;
  checkRoles(catalogue, { root: path, weight: (s, k) => `${at(s, k)}.weight`, role: (s, k) => `${at(s, k)}.role` });
  return catalogue;
}

/** Where, in the document read, the catalogue and each kind's weight and role were written. */
export interface CataloguePaths {
  root: string;
  weight(source: string, kind: string): string;
  role(source: string, kind: string): string;
}

/** What the rules need of any catalogue: death records, and staff findings under the names the service writes. */
export function checkRoles(catalogue: Catalogue, paths: CataloguePaths): void {
  let deathRecords = 0;
  for (const [source, spec] of catalogue) {
    for (const [kind, k] of spec.kinds) {
      if (isDeathRole(k.role) && k.weight !== 0) throw new PolicyError(paths.weight(source, kind), 'must be 0 for a death record');
      if (k.role === 'death_record') deathRecords++;
      const staff = ({ ...STAFF_RECORDS, ...DUE_PROCESS_RECORDS } as Record<string, { source: string; kind: string }>)[k.role ?? ''];
      if (staff && (staff.source !== source || staff.kind !== kind)) {
        // A staff finding or a bureau decision is written by the service under its one name.
        throw new PolicyError(paths.role(source, kind), `${k.role} is the service's own record ${staff.source}.${staff.kind}`);
      }
    }
  }
  if (deathRecords === 0) throw new PolicyError(paths.root, 'no kind has the role death_record: deaths could not be recorded');
  for (const [r, { source, kind }] of Object.entries(STAFF_RECORDS)) {
    const k = catalogue.get(source)?.kinds.get(kind);
    if (k?.role !== r) throw new PolicyError(paths.role(source, kind), `must be ${r}: the service records staff findings so`);
  }
}
