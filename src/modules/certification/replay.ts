// Replaying stored decisions: each is decided again from exactly the events it was taken
// from (recorded with it; older decisions: those received by then), under the policy
// version it records (from the archive of every version in force), and compared field by
// field with what was stored. An auditor's
// question "would the rules as they stood then say the same?" gets a yes or the differences.
import { isDeepStrictEqual } from 'node:util';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../infra/db-types.ts';
import type { Policy } from '../../domain/policy.ts';
import type { IsoDate } from '../../domain/calendar.ts';
import { decideFor, toState, type PensionerFacts } from './decide.ts';
import { loadFacts } from './service.ts';

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

export function createReplayService(deps: { db: Kysely<DB>; archive: ReadonlyMap<string, Policy> }) {
  return {
    async replayPensioner(pensionerId: string): Promise<ReplayResult[]> {
      const [facts] = await loadFacts(deps.db, [pensionerId]);
      if (!facts) return [];
      const rows = await sql<{
        id: string;
        decided_ms: number;
        status: string;
        certified_at: string | null;
        certified_until: string | null;
        method: string | null;
        score: number;
        policy_version: string;
        evidence: unknown;
        known_event_ids: string[] | null;
      }>`
        SELECT id::text AS id, (extract(epoch FROM decided_at) * 1000)::float8 AS decided_ms, status, certified_at::text AS certified_at,
          certified_until::text AS certified_until, method, score, policy_version, evidence, known_event_ids::text[] AS known_event_ids
        FROM decisions WHERE pensioner_id = ${pensionerId}::bigint ORDER BY decided_at, id`.execute(deps.db);
      return rows.rows.map((r) =>
        replayDecision(deps.archive, facts, {
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
