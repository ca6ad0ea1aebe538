// The evidence catalogue: which sources the service takes records from, their kinds, each
// kind's default weight and tier, and the few kinds whose meaning the code must know (roles).
// It is data of the versioned policy, not code: a policy version may add a source or a kind
// and every interface accepts it. Pure: no I/O here.

export type Tier = 'strong' | 'reference';
export const TIERS: readonly Tier[] = ['strong', 'reference'];

/**
 * What the code knows about a kind beyond its weight. The set is closed (the rules that read
 * it are code); which kinds hold a role is the policy's.
 * - `death_record`: an authoritative death (registry, cremation, certificate): never life evidence.
 * - `staff_death`, `staff_in_person`, `staff_home_visit`: a staff finding, written by the
 *   service itself (service-point checks): it settles what is dated before it.
 * - `self_service`: the person's own face check on the national platform (method `self_service`).
 * - `custodial_sentence_start`, `release`: open and close a custodial period.
 * - `pretrial_detention`, `acquittal`: open and close a detention (held; paid back on acquittal)
 *   under a policy with `dueProcess`; stored only under older ones.
 * - `death_confirmation`, `death_reversal`, `resumption`, `reinstatement`,
 *   `appeal_certification`: the bureau's own decisions (DUE_PROCESS_RECORDS), written by the
 *   service when a second key confirms a death, a death is reversed, payment resumes after
 *   release, a person is re-instated, or an appeal against a lapse (suspended or due) is
 *   overturned, which certifies the person from the decision.
 * - `face_failed`: a failed face check; never evidence of life, never activity after a death;
 *   it opens a `self_service_failed` check for someone due or lapsed (modules/self-service).
 */
export const ROLES = [
  'death_record',
  'staff_death',
  'staff_in_person',
  'staff_home_visit',
  'self_service',
  'custodial_sentence_start',
  'release',
  'pretrial_detention',
  'acquittal',
  'face_failed',
  'death_confirmation',
  'death_reversal',
  'resumption',
  'reinstatement',
  'appeal_certification',
] as const;
export type Role = (typeof ROLES)[number];

/** Staff findings are written by the service under these names, so each role must name exactly that kind. */
export const STAFF_RECORDS: Readonly<Record<'staff_in_person' | 'staff_home_visit' | 'staff_death', { source: string; kind: string }>> = {
  staff_in_person: { source: 'service_point', kind: 'in_person' },
  staff_home_visit: { source: 'service_point', kind: 'home_visit' },
  staff_death: { source: 'service_point', kind: 'deceased' },
};

/** The bureau's own decisions, written by the service under these names (policies with `dueProcess`). */
export const DUE_PROCESS_RECORDS: Readonly<
  Record<'death_confirmation' | 'death_reversal' | 'resumption' | 'reinstatement' | 'appeal_certification', { source: string; kind: string }>
> = {
  death_confirmation: { source: 'due_process', kind: 'death_confirmation' },
  death_reversal: { source: 'due_process', kind: 'death_reversal' },
  resumption: { source: 'due_process', kind: 'resumption' },
  reinstatement: { source: 'due_process', kind: 'reinstatement' },
  appeal_certification: { source: 'due_process', kind: 'appeal_certification' },
};
export type DueProcessRole = keyof typeof DUE_PROCESS_RECORDS;

/** A decision of the bureau's (never evidence of life nor activity). */
export function isDueProcessRole(role: Role | null): role is DueProcessRole {
  return role !== null && role in DUE_PROCESS_RECORDS;
}

export interface KindSpec {
  /** Chance that an event of this kind shows the pensioner personally alive. */
  readonly weight: number;
  /** `strong` may certify; `reference` adds to the score but never certifies without a strong one. */
  readonly tier: Tier;
  readonly role: Role | null;
}

export interface SourceSpec {
  readonly department: string | null;
  /** In the policy file's order (messages list them so). */
  readonly kinds: ReadonlyMap<string, KindSpec>;
}

/**
 * Source name → its kinds. Maps, not plain objects: a name such as `constructor` must be
 * unknown, not found on Object's prototype. Its order is the order scores multiply in.
 */
export type Catalogue = ReadonlyMap<string, SourceSpec>;

export function kindSpec(catalogue: Catalogue, source: string, kind: string): KindSpec | undefined {
  return catalogue.get(source)?.kinds.get(kind);
}

export function sourcesOf(catalogue: Catalogue): string[] {
  return [...catalogue.keys()];
}

export function kindsOf(catalogue: Catalogue, source: string): string[] {
  return [...(catalogue.get(source)?.kinds.keys() ?? [])];
}

export function roleOf(catalogue: Catalogue, ev: { source: string; kind: string }): Role | null {
  return kindSpec(catalogue, ev.source, ev.kind)?.role ?? null;
}

/** An authoritative death: a death record or a staff-recorded death. */
export function isDeathRole(role: Role | null): boolean {
  return role === 'death_record' || role === 'staff_death';
}

/** Staff at a service point decided in person (alive): overrides data from feeds. */
export function isStaffAliveRole(role: Role | null): boolean {
  return role === 'staff_in_person' || role === 'staff_home_visit';
}

/**
 * A record that the person was NOT recognised (a failed face check): no activity of theirs, so
 * dated after a death it questions nothing (someone tried and failed, or an old face did not match).
 */
export function isFailedAttemptRole(role: Role | null): boolean {
  return role === 'face_failed';
}

/** Any staff finding, alive or dead. */
export function isStaffRole(role: Role | null): boolean {
  return isStaffAliveRole(role) || role === 'staff_death';
}
