// The certification decision of one pensioner from everything known about them: the
// rules live in src/domain/lifecycle.ts; this adapter maps stored rows in and out.
import { toShanghaiIso, type IsoDate } from '../../domain/calendar.ts';
import type { EvidenceEvent } from '../../domain/evidence.ts';
import { decide, type Decision } from '../../domain/lifecycle.ts';
import { effectivePolicy, type Policy } from '../../domain/policy.ts';

export interface PensionerFacts {
  pensionerId: string;
  regionCode: string;
  birthDate: IsoDate;
  benefitStartDate: IsoDate;
  legacyCertifiedAt: IsoDate | null;
  events: EvidenceEvent[];
}

export type StoredState = 'active' | 'death_reported' | 'deceased' | 'detained' | 'ineligible' | 'under_review';

const STORED: ReadonlySet<string> = new Set(['death_reported', 'deceased', 'detained', 'ineligible', 'under_review']);

/** Since when the state holds (shown with it): the date of death, of the sentence or detention, or of the review. */
function sinceOf(d: Decision): IsoDate | null {
  switch (d.status) {
    case 'deceased':
    case 'death_reported':
      return d.deathDate;
    case 'ineligible':
      return d.ineligibleSince;
    case 'detained':
      return d.detentions.at(-1)?.since ?? null;
    case 'under_review':
      return d.review?.since ?? null;
    default:
      return null;
  }
}

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

const round = (x: number) => Math.round(x * 10_000) / 10_000;

export function toState(d: Decision, now: Date): CertificationState {
  const state = (STORED.has(d.status) ? d.status : 'active') as StoredState;
  const since = sinceOf(d);
  // certifiedAt is never null: everyone is certified at least from the benefit start.
  return {
    state,
    certifiedAt: d.certifiedAt ?? d.benefitStartDate,
    certifiedUntil: d.certifiedUntil!,
    dueFrom: d.dueFrom!,
    method: d.method ?? 'legacy',
    score: d.score,
    scoreAt: now,
    policyVersion: d.policyVersion,
    evidence: d.evidence.map((e) => ({
      source: e.source,
      kind: e.kind,
      occurredAt: toShanghaiIso(e.occurredAt),
      weight: round(e.weight),
      contribution: round(e.contribution),
    })),
    deathDate: d.deathDate,
    since,
  };
}

export function decideFor(policy: Policy, f: PensionerFacts, now: Date): Decision {
  return decide(
    effectivePolicy(policy, f.regionCode),
    { birthDate: f.birthDate, benefitStartDate: f.benefitStartDate, legacyCertifiedAt: f.legacyCertifiedAt, events: f.events },
    now,
  );
}
