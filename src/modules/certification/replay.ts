// Replaying stored decisions: each is decided again from exactly the events it was taken
// from (recorded with it; older decisions: those received by then), under the policy
// version it records (from the archive of every version in force), and compared field by
// field with what was stored. An auditor's
// question "would the rules as they stood then say the same?" gets a yes or the differences.
import { isDeepStrictEqual } from 'node:util';
import type { Executor } from '../../infra/database.ts';
import type { Policy } from '../../domain/policy.ts';
import type { IsoDate } from '../../domain/calendar.ts';
import { decideFor, toState, type PensionerFacts } from './decide.ts';
import type { FactsRepository } from './facts-repository.ts';
import type { CertificationRepository } from './repository.ts';

export interface StoredDecision {
  id: string;
  decidedAt: Date;
  status: string;
  certifiedAt: IsoDate | null;
  certifiedUntil: IsoDate | null;
  method: string | null;
  score: number;
  policyVersion: string;
  evidence: unknown;
  /** The events the decision was taken from; null on decisions recorded before they were kept. */
  knownEventIds: string[] | null;
}

export interface ReplayResult {
  decisionId: string;
  decidedAt: string;
  policyVersion: string;
  outcome: 'identical' | 'different' | 'policy_not_archived';
  differences: { field: string; stored: unknown; replayed: unknown }[];
}

/** Pure: the replay of one stored decision. */
export function replayDecision(archive: ReadonlyMap<string, Policy>, facts: PensionerFacts, stored: StoredDecision): ReplayResult {
  const base = { decisionId: stored.id, decidedAt: stored.decidedAt.toISOString(), policyVersion: stored.policyVersion };
  const policy = archive.get(stored.policyVersion);
  if (!policy) return { ...base, outcome: 'policy_not_archived', differences: [] };
  const at = stored.decidedAt.getTime();
  const ids = stored.knownEventIds && new Set(stored.knownEventIds);
  const known = { ...facts, events: facts.events.filter((e) => (ids ? ids.has(e.id) : e.receivedAt.getTime() <= at)) };
  const decision = decideFor(policy, known, stored.decidedAt);
  const state = toState(decision, stored.decidedAt);
  const replayed: Record<string, unknown> = {
    status: decision.status,
    certifiedAt: state.certifiedAt,
    certifiedUntil: state.certifiedUntil,
    method: state.method,
    score: state.score,
    evidence: state.evidence,
  };
  const differences = Object.entries(replayed)
    .map(([field, value]) => ({ field, stored: stored[field as keyof StoredDecision], replayed: value }))
    .filter((d) => !isDeepStrictEqual(d.stored, d.replayed)); // jsonb reorders keys: compare by value
  return { ...base, outcome: differences.length ? 'different' : 'identical', differences };
}

export interface ReplayServiceDeps {
  db: Executor;
  repo: Pick<CertificationRepository, 'decisionsToReplay'>;
  facts: Pick<FactsRepository, 'facts'>;
}

export function createReplayService(deps: ReplayServiceDeps) {
  return {
    /** Every stored decision of a pensioner replayed under the policy version it records, oldest first. */
    async replayPensioner(pensionerId: string, archive: ReadonlyMap<string, Policy>): Promise<ReplayResult[]> {
      const [facts] = await deps.facts.facts(deps.db, [pensionerId]);
      if (!facts) return [];
      const rows = await deps.repo.decisionsToReplay(deps.db, pensionerId);
      return rows.map((r) =>
        replayDecision(archive, facts, {
          id: r.id,
          decidedAt: new Date(r.decided_ms),
          status: r.status,
          certifiedAt: r.certified_at,
          certifiedUntil: r.certified_until,
          method: r.method,
          score: r.score,
          policyVersion: r.policy_version,
          evidence: r.evidence,
          knownEventIds: r.known_event_ids,
        }),
      );
    },
  };
}
export type ReplayService = ReturnType<typeof createReplayService>;
