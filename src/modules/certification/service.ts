// Recomputes and stores the certification of a set of pensioners from all their stored
// evidence, recording a decision whenever the outcome changes and opening a manual check
// when evidence conflicts with a recorded death. Called by registration, ingestion
// (rescore jobs), staff actions and the daily sweep; always set-based.
import type { Executor } from '../../infra/database.ts';
import { effectivePolicy, type Policy } from '../../domain/policy.ts';
import { shanghaiDate } from '../../domain/calendar.ts';
import type { Decision } from '../../domain/lifecycle.ts';
import { DEATH_VERIFICATION, NEED_REASONS, REVIEW_PRIORITY, needFactors, type NeedFactors } from '../../domain/priority.ts';
import type { CertificationRepository } from './repository.ts';
import type { FactsRepository } from './facts-repository.ts';
import { decideFor, toState, type CertificationState } from './decide.ts';

type Q = Executor;

export interface ReviewCheck {
  pensionerId: string;
  regionCode: string;
  reason: string;
  priority: number;
  /** The priority's reason codes (domain/priority.ts), when ranked by need. */
  reasons?: string[];
  /** A due check: from which day staff should visit (domain/visit-readiness.ts); null or none: now. */
  visitFrom?: string | null;
}

/** A person due or lapsed after a rescore, with what their checks rank on (visits not counted: the checks hold them). */
export interface PersonNeed {
  pensionerId: string;
  regionCode: string;
  status: 'due' | 'suspended';
  factors: NeedFactors;
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

/** Resolves the open checks of these reasons of these pensioners as answered by a certification. */
export type ResolveCertifiedChecks = (q: Q, pensionerIds: string[], reasons: readonly string[], now: Date, outcome?: string) => Promise<unknown>;

/** Brings the overpayment claims of people just decided in line with their decisions (the claims module). */
export type ReconcileClaims = (q: Q, people: { pensionerId: string; regionCode: string; decision: Decision }[], now: Date, actor: string) => Promise<unknown>;

/** Whether a claim may follow from a decision, or from the outcome stored before it (a death reversed). */
const mayOwe = (d: Decision, before: StoredOutcome | undefined) =>
  d.deathDate !== null || d.custodialPeriods.length > 0 || !!before?.death_date || before?.status === 'deceased' || before?.status === 'ineligible';

const CONTRADICTED = 'conflicting_death_record';

/** What a decision keeps beside its outcome: the review it opened (or the contradicted death it left to look at), and the reason given by its caller. */
function decisionDetail(d: Decision, given: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const detail = { ...(d.review ? { review: d.review } : {}), ...(d.contradictedDeath ? { contradictedDeath: d.contradictedDeath } : {}), ...given };
  return Object.keys(detail).length ? detail : undefined;
}

export interface CertificationServiceDeps {
  repo: Pick<CertificationRepository, 'current' | 'save'>;
  facts: Pick<FactsRepository, 'facts'>;
  policy: Policy;
  openChecks: OpenChecks;
  resolveCertifiedChecks: ResolveCertifiedChecks;
  reconcileClaims?: ReconcileClaims;
}

export function createCertificationService(deps: CertificationServiceDeps) {
  const { repo, policy } = deps;

  return {
    /** The full decision (with history) of pensioners, for payroll. */
    async decisions(q: Q, ids: string[], now: Date): Promise<Map<string, Decision>> {
      const facts = await deps.facts.facts(q, ids);
      return new Map(facts.map((f) => [f.pensionerId, decideFor(policy, f, now)]));
    },

    /**
     * `sweep`: no fact is new, only time passed; claims are then reconciled only for outcomes
     * that changed (time alone makes no run paid that was not owed). `detail`: why, kept with
     * the decisions that change (an appeal decided).
     */
    async rescore(q: Q, pensionerIds: string[], now: Date, actor: string, opts: { sweep?: boolean; detail?: Record<string, unknown> } = {}) {
      if (pensionerIds.length === 0) return { changed: 0, needs: [] as PersonNeed[] };
      // In sequence: `q` is usually a transaction, whose one connection takes one query at a time.
      const facts = await deps.facts.facts(q, pensionerIds);
      const current = await repo.current(q, pensionerIds);
      const before = new Map(current.map((c) => [String(c.pensioner_id), c as StoredOutcome]));
      const decided = facts.map((f) => {
        const decision = decideFor(policy, f, now);
        const state = toState(decision, now);
        const changed = !sameOutcome(before.get(f.pensionerId), decision.status, state);
        return {
          pensionerId: f.pensionerId,
          nationalId: f.nationalId,
          regionCode: f.regionCode,
          birthDate: f.birthDate,
          decision,
          state,
          changed,
          events: f.events,
        };
      });
      await repo.save(
        q,
        decided.map((d) => ({
          pensionerId: d.pensionerId,
          nationalId: d.nationalId,
          regionCode: d.regionCode,
          state: d.state,
          status: d.decision.status,
          history: d.changed ? { detail: decisionDetail(d.decision, opts.detail), knownEventIds: d.events.map((e) => e.id) } : undefined,
        })),
        now,
        actor,
      );
      const owing = decided.filter((d) => (d.changed || !opts.sweep) && mayOwe(d.decision, before.get(d.pensionerId)));
      if (owing.length && deps.reconcileClaims) await deps.reconcileClaims(q, owing, now, actor);
      // Certified just now (by any evidence: a face check, a hospital stay): the checks opened
      // because they needed certifying are answered, so staff are not sent to them.
      const certified = decided.filter((d) => d.changed && d.decision.status === 'certified').map((d) => d.pensionerId);
      if (certified.length) await deps.resolveCertifiedChecks(q, certified, NEED_REASONS, now);
      // A reported death opens its verification; once settled either way, the check is answered.
      const settled = decided.filter((d) => d.changed && d.decision.status !== 'death_reported');
      for (const outcome of ['deceased', 'alive'] as const) {
        const ids = settled.filter((d) => (d.decision.status === 'deceased') === (outcome === 'deceased')).map((d) => d.pensionerId);
        if (ids.length) await deps.resolveCertifiedChecks(q, ids, [DEATH_VERIFICATION.reason], now, outcome);
      }
      const reviews = decided.flatMap((d): ReviewCheck[] => {
        const { pensionerId, regionCode } = d;
        if (d.decision.review) return [{ pensionerId, regionCode, reason: d.decision.review.reason, priority: REVIEW_PRIORITY[d.decision.review.reason] }];
        // Paid again, but the death record still stands against an ID document only: someone looks.
        if (d.decision.contradictedDeath) return [{ pensionerId, regionCode, reason: CONTRADICTED, priority: REVIEW_PRIORITY[CONTRADICTED] }];
        // A death only staff found is the bureau's to confirm (its second key): no visit is asked for.
        const verify = d.decision.status === 'death_reported' && !d.decision.deathReport?.byStaffOnly;
        return verify ? [{ pensionerId, regionCode, ...DEATH_VERIFICATION }] : [];
      });
      if (reviews.length) await deps.openChecks(q, reviews, now, 'system:review');
      const today = shanghaiDate(now);
      const needs: PersonNeed[] = decided.flatMap((d) => {
        const { status, score, certifiedAt, certifiedUntil } = d.decision;
        if ((status !== 'due' && status !== 'suspended') || !certifiedAt || !certifiedUntil) return [];
        const p = { birthDate: d.birthDate, score, certifiedAt, certifiedUntil, events: d.events, unreachableVisits: 0 };
        return [{ pensionerId: d.pensionerId, regionCode: d.regionCode, status, factors: needFactors(effectivePolicy(policy, d.regionCode), p, today) }];
      });
      return { changed: decided.filter((d) => d.changed).length, needs };
    },
  };
}
export type CertificationService = ReturnType<typeof createCertificationService>;
