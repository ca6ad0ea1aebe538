// The simulator's words, shared by the person's life, the channels, the answers to reminders
// and the departments' files: kept apart so that those import them, not the model that
// imports them (no circles).

export const PERSONAS = ['urban_active', 'rural', 'frail', 'isolated'] as const;
export type Persona = (typeof PERSONAS)[number];
export type Source = 'hospital' | 'travel' | 'bank' | 'death' | 'judicial' | 'health' | 'medical_insurance' | 'civil_affairs' | 'community' | 'transit';
export type IdentityCheck = 'biometric' | 'id_document' | 'card_pin' | 'none';

/** One happening in a person's life as a department records it (days from the start). */
export interface RawEvent {
  source: Source;
  kind: string;
  day: number;
  /** Seconds after local midnight. */
  sec: number;
  check: IdentityCheck;
  location: string;
  deathDay?: number;
  /** Department's own labels: hospital / station / branch / authority. */
  place: string;
  /** Department's detail: ward, train or flight number, amount, facility. */
  detail: string;
}

/** An event as the contract names its fields. */
export interface FeedEvent {
  nationalId: string;
  source: Source;
  kind: string;
  occurredAt: string;
  sourceRef: string;
  identityCheck: string;
  location?: string;
  deathDate?: string;
}
