// Recomputes and stores the certification of a set of pensioners from all their stored
// evidence, recording a decision whenever the outcome changes and opening a manual check
// when evidence conflicts with a recorded death. Called by registration, ingestion
// (rescore jobs), staff actions and the daily sweep; always set-based.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../infra/db-types.ts';
import type { EvidenceEvent, IdentityCheck, Source } from '../../domain/evidence.ts';
import type { Policy } from '../../domain/policy.ts';
import type { Decision } from '../../domain/lifecycle.ts';
import { REVIEW_PRIORITY } from '../../domain/priority.ts';
import type { CertificationRepository } from './repository.ts';
import { decideFor, toState, type CertificationState, type PensionerFacts } from './decide.ts';

type Q = Kysely<DB> | Transaction<DB>;

export interface ReviewCheck {
  pensionerId: string;
  regionCode: string;
  reason: string;
  priority: number;
}

export type OpenChecks = (q: Q, rows: ReviewCheck[], now: Date, openedBy: string) => Promise<unknown>;

interface StoredOutcome {
  state: string;
  status: string;
  certified_at: string | null;
  method: string | null;
  death_date: string | null;
  policy_version: string;
}

function sameOutcome(a: StoredOutcome | undefined, status: string, b: CertificationState) {
  return (
    !!a &&
    a.status === status &&
    a.state === b.state &&
    a.certified_at === b.certifiedAt &&
    a.method === b.method &&
    a.death_date === b.deathDate &&
    a.policy_version === b.policyVersion
  );
}

/** What a certification is decided from, with the national ID its row is looked up by. */
export type StoredFacts = PensionerFacts & { nationalId: string };

/** Everything known about pensioners that their certification is decided from. */
export async function loadFacts(q: Q, ids: string[]): Promise<StoredFacts[]> {
  const [people, events] = await Promise.all([
    sql<{ id: string; national_id: string; region_code: string; birth_date: string; benefit_start_date: string; legacy_certified_at: string | null }>`
      SELECT id::text AS id, national_id, region_code, birth_date, benefit_start_date, legacy_certified_at
      FROM pensioners WHERE id = any(${ids}::bigint[])`.execute(q),
    // Instants as epoch milliseconds: parsing timestamp text was the largest cost of a sweep.
    sql<{
      id: string;
      pensioner_id: string;
      source: Source;
      kind: string;
      occurred_ms: number;
      received_ms: number;
      identity_check: IdentityCheck;
      location: string | null;
      death_date: string | null;
    }>`
      SELECT id::text AS id, pensioner_id::text AS pensioner_id, source, kind,
        (extract(epoch FROM occurred_at) * 1000)::float8 AS occurred_ms, (extract(epoch FROM received_at) * 1000)::float8 AS received_ms,
        identity_check, location, death_date
      FROM events WHERE pensioner_id = any(${ids}::bigint[])`.execute(q),
  ]);
  const byPerson = new Map<string, EvidenceEvent[]>();
  for (const e of events.rows) {
    let list = byPerson.get(e.pensioner_id);
    if (!list) byPerson.set(e.pensioner_id, (list = []));
    list.push({
      id: e.id,
      source: e.source,
      kind: e.kind as EvidenceEvent['kind'],
      occurredAt: new Date(e.occurred_ms),
      receivedAt: new Date(e.received_ms),
      identityCheck: e.identity_check,
      location: e.location,
      deathDate: e.death_date,
    });
  }
  return people.rows.map((p) => ({
    pensionerId: p.id,
    nationalId: p.national_id,
    regionCode: p.region_code,
    birthDate: p.birth_date,
    benefitStartDate: p.benefit_start_date,
    legacyCertifiedAt: p.legacy_certified_at,
    events: byPerson.get(p.id) ?? [],
  }));
}

export function createCertificationService(deps: { repo: CertificationRepository; policy: Policy; openChecks: OpenChecks }) {
  const { repo, policy } = deps;

  return {
    policy,
    loadFacts,

    /** The full decision (with history) of pensioners, for payroll and replay. */
    async decisions(q: Q, ids: string[], now: Date): Promise<Map<string, Decision>> {
      const facts = await loadFacts(q, ids);
      return new Map(facts.map((f) => [f.pensionerId, decideFor(policy, f, now)]));
    },

    async rescore(q: Q, pensionerIds: string[], now: Date, actor: string) {
      if (pensionerIds.length === 0) return { changed: 0 };
      const [facts, current] = await Promise.all([loadFacts(q, pensionerIds), repo.current(q, pensionerIds)]);
      const before = new Map(current.map((c) => [String(c.pensioner_id), c as StoredOutcome]));
      const decided = facts.map((f) => {
        const decision = decideFor(policy, f, now);
        const state = toState(decision, now);
        const changed = !sameOutcome(before.get(f.pensionerId), decision.status, state);
        return { pensionerId: f.pensionerId, nationalId: f.nationalId, regionCode: f.regionCode, decision, state, changed, events: f.events };
      });
      await repo.save(
        q,
        decided.map((d) => ({
          pensionerId: d.pensionerId,
          nationalId: d.nationalId,
          regionCode: d.regionCode,
          state: d.state,
          status: d.decision.status,
          history: d.changed ? { detail: d.decision.review ? { review: d.decision.review } : undefined, knownEventIds: d.events.map((e) => e.id) } : undefined,
        })),
        now,
        actor,
      );
      const reviews = decided.filter((d) => d.decision.review);
      if (reviews.length) {
        await deps.openChecks(
          q,
          reviews.map((d) => ({
            pensionerId: d.pensionerId,
            regionCode: d.regionCode,
            reason: d.decision.review!.reason,
            priority: REVIEW_PRIORITY[d.decision.review!.reason],
          })),
          now,
          'system:review',
        );
      }
      return { changed: decided.filter((d) => d.changed).length };
    },
  };
}
export type CertificationService = ReturnType<typeof createCertificationService>;
