// Evidence: one record from a department saying something about a pensioner at `occurredAt`.
// The vocabulary (sources, kinds, identity checks) is fixed by the interface contract.

export const SOURCES = ['hospital', 'travel', 'bank', 'death', 'judicial', 'service_point', 'self_service'] as const;
export type Source = (typeof SOURCES)[number];

export const KINDS = {
  hospital: ['admission', 'discharge', 'outpatient'],
  travel: ['rail_boarding', 'flight_boarding', 'ticket_purchase'],
  bank: ['counter', 'cash_point', 'atm', 'mobile_face'],
  death: ['household_deregistration', 'cremation', 'death_certificate'],
  judicial: ['custodial_sentence_start', 'release'],
  // `deceased` is a death recorded by service-point staff (in-person check outcome).
  service_point: ['in_person', 'home_visit', 'deceased'],
  // `face_failed`: the national platform's face check did not match (weight 0: never evidence
  // of life); it opens a manual check. Added here for the reminder loop; the policy's
  // catalogue (branch wip-catalogue) is to take it over.
  self_service: ['face', 'face_failed'],
} as const satisfies Record<Source, readonly string[]>;
export type KindOf<S extends Source> = (typeof KINDS)[S][number];
export type Kind = KindOf<Source>;

export const IDENTITY_CHECKS = ['biometric', 'id_document', 'card_pin', 'none'] as const;
export type IdentityCheck = (typeof IDENTITY_CHECKS)[number];

export interface EvidenceEvent {
  id: string;
  source: Source;
  kind: Kind;
  occurredAt: Date;
  /** When the service learnt of it: decides what a past payroll run could have known. */
  receivedAt: Date;
  identityCheck: IdentityCheck;
  location?: string | null;
  /** Death events only: the date of death (YYYY-MM-DD, Shanghai) when it differs from occurredAt. */
  deathDate?: string | null;
}

export function isKnownSource(source: string): source is Source {
  return (SOURCES as readonly string[]).includes(source);
}

export function isKnownKind(source: string, kind: string): boolean {
  return isKnownSource(source) && (KINDS[source] as readonly string[]).includes(kind);
}

export function isKnownIdentityCheck(check: string): check is IdentityCheck {
  return (IDENTITY_CHECKS as readonly string[]).includes(check);
}

/**
 * Card-only evidence proves that a card (and maybe its PIN) was used, not who used it:
 * relatives keep using a dead person's card. Such events never date a certification.
 */
export function isCardOnly(identityCheck: IdentityCheck): boolean {
  return identityCheck === 'card_pin' || identityCheck === 'none';
}

/** Staff at a service point decided in person (alive) — overrides data from feeds. */
export function isStaffAliveCheck(ev: Pick<EvidenceEvent, 'source' | 'kind'>): boolean {
  return ev.source === 'service_point' && (ev.kind === 'in_person' || ev.kind === 'home_visit');
}

/** Deterministic order: by occurredAt, then id, so results never depend on input order. */
export function byOccurrence(a: EvidenceEvent, b: EvidenceEvent): number {
  const d = a.occurredAt.getTime() - b.occurredAt.getTime();
  if (d !== 0) return d;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
