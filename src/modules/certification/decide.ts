// The certification decision of one pensioner from everything known about them.
// The rules live in src/domain; this adapter only names the inputs the repository loads.
import { cycleDates, DEFAULT_CYCLE } from '../../domain/cycle.ts';
import type { IsoDate } from '../../domain/calendar.ts';

export interface PensionerFacts {
  pensionerId: string;
  regionCode: string;
  birthDate: IsoDate;
  benefitStartDate: IsoDate;
  legacyCertifiedAt: IsoDate | null;
}

export type StoredState = 'active' | 'deceased' | 'ineligible' | 'under_review';

export interface CertificationState {
  state: StoredState;
  certifiedAt: IsoDate;
  certifiedUntil: IsoDate;
  dueFrom: IsoDate;
  method: string;
  score: number;
  scoreAt: Date | null;
  policyVersion: string;
  evidence: { source: string; kind: string; occurredAt: string; weight: number; contribution: number }[];
  deathDate: IsoDate | null;
  since: IsoDate | null;
}

export const LEGACY_POLICY_VERSION = 'legacy';

/** Before any evidence: certified on the legacy date, or at the benefit start for new recipients. */
export function decideFromRegistry(f: PensionerFacts): CertificationState {
  const certifiedAt = f.legacyCertifiedAt ?? f.benefitStartDate;
  const d = cycleDates(certifiedAt, DEFAULT_CYCLE);
  return {
    state: 'active',
    ...d,
    method: 'legacy',
    score: 0,
    scoreAt: null,
    policyVersion: LEGACY_POLICY_VERSION,
    evidence: [],
    deathDate: null,
    since: null,
  };
}
