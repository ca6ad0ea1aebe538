// The manual-check queue: flags and the daily sweep open checks; staff claim one (atomically,
// for a limited time) and resolve it. Alive and deceased take effect at once through the
// service-point outcome; unreachable puts the check back, higher up the queue.
import type { Clock } from '../../infra/clock.ts';
import type { Executor, Transact } from '../../infra/database.ts';
import { shanghaiDate } from '../../domain/calendar.ts';
import { NEED_WEIGHTS } from '../../domain/priority.ts';
import { keysetPage } from '../../domain/paging.ts';
import { narrowRegion } from '../../domain/region.ts';
import { DomainError, invalid, conflict, notFound } from '../../domain/errors.ts';
import type { Principal } from '../../domain/principal.ts';
import type { AuditWriter } from '../audit/repository.ts';
import { checkDeathDate, type ServicePointService } from '../service-point/service.ts';
import type { ManualCheckRepository, CheckRow, QueueStatus } from './repository.ts';
import type { FlagBodyT, ResolveBodyT } from './schemas.ts';
import { checkContextView, checkView, effectiveStatus } from './view.ts';

/** Priority of a check opened by a flag, by its reason; others get the default. */
export const FLAG_PRIORITY: Record<string, number> = { reported_death: 90, suspected_misuse: 80 };
export const DEFAULT_FLAG_PRIORITY = 70;
/**
 * How much higher a check goes each time nobody could be reached: one failed attempt of the need
 * rank, at once (the next sweep ranks need checks again, counting the visit among the attempts).
 */
export const UNREACHABLE_ESCALATION = NEED_WEIGHTS.failedAttempt;

/** The last row's sort key of a queue page: (priority, opened_at as PostgreSQL prints it, id). */
export type CheckKey = readonly [priority: string, openedAt: string, id: string];

export interface ManualCheckDeps {
  db: Executor;
  transaction: Transact;
  repo: Omit<ManualCheckRepository, 'open' | 'resolveOthers'>;
  servicePoint: Pick<ServicePointService, 'person' | 'applyOutcome' | 'certificationFor'>;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  claimTtlMinutes: number;
}

// Long only by its methods, each a short step; they share the deps closed over here.
export function createManualCheckService(deps: ManualCheckDeps) {
  const { db, transaction, repo, servicePoint, audit, clock, claimTtlMinutes } = deps;

  const viewer = (who: Principal) => ({ keyId: who.keyId, masked: who.role === 'staff' });

  /** Checks as the queue shows them, each with its person's context (read after the audit rows are written). */
  async function withContext(rows: CheckRow[], now: Date, who: Principal) {
    const contexts = new Map((await repo.contexts(db, [...new Set(rows.map((r) => r.pensioner_id))])).map((c) => [c.pensioner_id, c]));
    const v = viewer(who);
    const today = shanghaiDate(now);
    return rows.map((r) => ({ ...checkView(r, now, v), ...checkContextView(contexts.get(r.pensioner_id), today, v.masked) }));
  }

  function auditAction(who: Principal, action: string, row: Pick<CheckRow, 'id' | 'pensioner_id'>, now: Date, detail: Record<string, unknown> = {}) {
    return audit.record({
      keyId: who.keyId,
      role: who.role,
      action,
      pensionerId: row.pensioner_id,
      detail: { checkId: row.id, keyName: who.name, at: now.toISOString(), ...detail },
    });
  }

  /** Why a claim or resolve matched nothing: not there (404) or someone else's turn (409). */
  async function refusal(id: string, who: Principal, now: Date, verb: 'claim' | 'resolve'): Promise<DomainError> {
    const row = await repo.get(db, id, who.regionPrefix);
    if (!row) return notFound('manual check');
    const status = effectiveStatus(row, now);
    if (status === 'resolved') return conflict('check_resolved', 'this manual check is already resolved');
    if (verb === 'claim') return conflict('claimed_by_other', 'someone else holds the claim on this manual check');
    if (status === 'claimed') return conflict('claimed_by_other', 'someone else holds the claim on this manual check');
    if (row.claimed_by === who.keyId) return conflict('claim_expired', 'your claim on this manual check has expired; claim it again');
    return conflict('not_claimed', 'claim this manual check before resolving it');
  }

  return {
    /** A page of the queue after the key `after` (a decoded cursor); `next` is where the next page starts. */
    async list(q: { status?: QueueStatus; ready?: 'true' | 'false'; region?: string; limit?: number; after?: CheckKey }, who: Principal) {
      const now = clock.now();
      const scope = narrowRegion(who.regionPrefix, q.region);
      if (scope === false) return { items: [], next: null };
      const limit = q.limit ?? 100;
      const after = q.after && { priority: q.after[0], openedAt: q.after[1], id: q.after[2] };
      const readyOn = q.ready === 'true' ? shanghaiDate(now) : undefined;
      const rows = await repo.list(db, { scope, status: q.status, readyOn, now, limit: limit + 1, after });
      const { items: page, next } = keysetPage(rows, limit, (r): CheckKey => [String(r.priority), r.opened_at_key, r.id]);
      await audit.record(
        page.map((r) => ({
          keyId: who.keyId,
          role: who.role,
          action: 'manual_check.list',
          pensionerId: r.pensioner_id,
          detail: { checkId: r.id, at: now.toISOString() },
        })),
      );
      return { items: await withContext(page, now, who), next };
    },

    async get(id: string, who: Principal) {
      const now = clock.now();
      const row = await repo.get(db, id, who.regionPrefix);
      if (!row) throw notFound('manual check');
      await auditAction(who, 'manual_check.read', row, now);
      return (await withContext([row], now, who))[0]!;
    },

    async flag(nationalId: string, body: FlagBodyT, who: Principal) {
      const now = clock.now();
      const p = await servicePoint.person(nationalId, who.regionPrefix);
      const reason = body.reason.trim();
      // Own keys only: a reason like `__proto__` or `constructor` is free text, not a lookup into Object.
      const priority = Object.hasOwn(FLAG_PRIORITY, reason) ? FLAG_PRIORITY[reason]! : DEFAULT_FLAG_PRIORITY;
      const opened = await repo.openOrKeep(
        db,
        { pensionerId: p.id, regionCode: p.regionCode, reason, priority, note: body.note?.trim() || null },
        now,
        `key:${who.keyId}`,
      );
      const row = (await repo.get(db, opened.id, null))!;
      await auditAction(who, 'manual_check.flag', row, now, { servicePointId: body.servicePointId ?? null, reason, created: opened.inserted });
      return { created: opened.inserted, check: checkView(row, now, viewer(who)) };
    },

    async claim(id: string, servicePointId: string | null, who: Principal) {
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + claimTtlMinutes * 60_000);
      const row = await repo.claim(db, id, { keyId: who.keyId, servicePointId, now, expiresAt, scope: who.regionPrefix });
      if (!row) throw await refusal(id, who, now, 'claim');
      await auditAction(who, 'manual_check.claim', row, now, { servicePointId, expiresAt: expiresAt.toISOString() });
      return checkView(row, now, viewer(who));
    },

    async resolve(id: string, body: ResolveBodyT, who: Principal) {
      const now = clock.now();
      const servicePointId = body.servicePointId ?? null;
      const note = body.note?.trim() || null;
      const current = await repo.get(db, id, who.regionPrefix);
      if (!current) throw notFound('manual check');
      const person = { id: current.pensioner_id, nationalId: current.national_id, regionCode: current.region_code, birthDate: '' };
      if (body.outcome === 'unreachable') {
        if (body.deathDate !== undefined) throw invalid('invalid_death_date', 'deathDate is only for the outcome deceased');
        const row = await repo.reopen(db, id, { keyId: who.keyId, now, escalation: UNREACHABLE_ESCALATION, note, servicePointId, scope: who.regionPrefix });
        if (!row) throw await refusal(id, who, now, 'resolve');
        await auditAction(who, 'manual_check.resolve', row, now, { servicePointId, outcome: 'unreachable', priority: row.priority });
        return { check: checkView(row, now, viewer(who)), certification: null };
      }
      const p = await servicePoint.person(current.national_id, who.regionPrefix);
      const deathDate = checkDeathDate(body.outcome, body.deathDate, { ...person, birthDate: p.birthDate }, shanghaiDate(now));
      const method = body.method ?? 'id_document';
      const outcome = body.outcome;
      // Re-runnable: the body is already parsed, so a deadlock retry repeats only the SQL.
      const done = await transaction(
        async (trx) => {
          const row = await repo.resolve(trx, id, { keyId: who.keyId, now, outcome, note, servicePointId, scope: who.regionPrefix });
          if (!row) return null;
          const applied = await servicePoint.applyOutcome(trx, p, { outcome, method, deathDate, now, who, servicePointId, exceptCheckId: id });
          return { row, applied };
        },
        { retries: 2 },
      );
      if (!done) throw await refusal(id, who, now, 'resolve');
      await auditAction(who, 'manual_check.resolve', done.row, now, {
        servicePointId,
        outcome,
        method,
        eventRef: done.applied.eventRef,
        ...(deathDate ? { deathDate } : {}),
        ...(done.applied.alsoResolved.length ? { resolvedChecks: done.applied.alsoResolved } : {}),
      });
      return { check: checkView(done.row, now, viewer(who)), certification: await servicePoint.certificationFor(p, who) };
    },
  };
}
export type ManualCheckService = ReturnType<typeof createManualCheckService>;
