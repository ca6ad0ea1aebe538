// Evidence: one record from a department saying something about a pensioner at `occurredAt`.
// Which sources and kinds exist is the policy's catalogue (catalogue.ts); the identity checks
// are fixed by the interface contract.

export const IDENTITY_CHECKS = ['biometric', 'id_document', 'card_pin', 'none'] as const;
export type IdentityCheck = (typeof IDENTITY_CHECKS)[number];

export interface EvidenceEvent {
  id: string;
  /** A source of the catalogue (an event of a source a later policy dropped is kept, weighing nothing). */
  source: string;
  kind: string;
  occurredAt: Date;
  /** When the service learnt of it: decides what a past payroll run could have known. */
  receivedAt: Date;
  identityCheck: IdentityCheck;
  location?: string | null;
  /** Death events only: the date of death (YYYY-MM-DD, Shanghai) when it differs from occurredAt. */
  deathDate?: string | null;
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

/** Deterministic order: by occurredAt, then id, so results never depend on input order. */
export function byOccurrence(a: EvidenceEvent, b: EvidenceEvent): number {
  const d = a.occurredAt.getTime() - b.occurredAt.getTime();
  if (d !== 0) return d;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
