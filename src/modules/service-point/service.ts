// What staff at a service point record: a person seen alive (in person or at home) or found
// dead. The outcome is stored as an event of source `service_point` and the certification is
// recomputed in the same transaction, so it takes effect at once.
import { keysetPage } from '../../domain/paging.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Executor, Transact } from '../../infra/database.ts';
import { isIsoDate, shanghaiDate } from '../../domain/calendar.ts';
import { maskNationalId } from '../../domain/masking.ts';
import { viaKey } from '../../domain/origin.ts';
import { regionName } from '../../domain/regions.ts';
import { invalid, notFound } from '../../domain/errors.ts';
import type { Principal } from '../../domain/principal.ts';
import type { AuditWriter } from '../audit/repository.ts';
import type { CertificationService } from '../certification/service.ts';
import type { CertificationRepository } from '../certification/repository.ts';
import { certificationView } from '../certification/view.ts';
import type { PensionerRepository } from '../pensioners/repository.ts';
import type { StaffEventRepository, StaffIdentityCheck, StaffKind } from './repository.ts';
import type { InPersonBodyT } from './schemas.ts';

export type Method = 'id_document' | 'biometric' | 'home_visit';

export interface PersonRef {
  id: string;
  nationalId: string;
  regionCode: string;
  birthDate: string;
}

/** A code the region table does not know (newer than its edition, or mistyped) shows as itself. */
export function regionLabel(code: string): string {
  return regionName(code) ?? code;
}

/** How a staff outcome is stored: kind and identity check of its event. */
export function staffEventOf(outcome: 'alive' | 'deceased', method: Method): { kind: StaffKind; identityCheck: StaffIdentityCheck } {
  const identityCheck: StaffIdentityCheck = method === 'biometric' ? 'biometric' : 'id_document';
  if (outcome === 'deceased') return { kind: 'deceased', identityCheck };
  return { kind: method === 'home_visit' ? 'home_visit' : 'in_person', identityCheck };
}

/** 400 unless a death date is given exactly when the outcome is a death, and is plausible. */
export function checkDeathDate(outcome: string, deathDate: string | undefined, person: PersonRef, today: string): string | null {
  if (outcome !== 'deceased') {
    if (deathDate !== undefined) throw invalid('invalid_death_date', 'deathDate is only for the outcome deceased');
    return null;
  }
  if (deathDate === undefined) throw invalid('missing_death_date', 'deathDate is required when the outcome is deceased');
  if (!isIsoDate(deathDate)) throw invalid('invalid_death_date', 'deathDate is not a real date');
  if (deathDate > today) throw invalid('invalid_death_date', 'deathDate is in the future');
  if (deathDate < person.birthDate) throw invalid('invalid_death_date', 'deathDate is before the birth date');
  return deathDate;
}

/**
 * Answers a person's other open checks once they were seen (or found dead); given by the
 * manual-check module, which depends on this one, so the two do not import each other.
 */
export type ResolveOtherChecks = (
  q: Executor,
  pensionerId: string,
  f: { exceptId: string | null; keyId: string; now: Date; outcome: string; servicePointId: string | null },
) => Promise<string[]>;

export interface ServicePointDeps {
  db: Executor;
  transaction: Transact;
  events: StaffEventRepository;
  resolveOtherChecks: ResolveOtherChecks;
  pensionerRepo: Pick<PensionerRepository, 'findByNationalId'>;
  certification: Pick<CertificationService, 'rescore'>;
  certificationRepo: Pick<CertificationRepository, 'viewByNationalId'>;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
}

/** The last row's sort key of an evidence page: (occurred_at as PostgreSQL prints it, id). */
export type EvidenceKey = readonly [occurredAt: string, id: string];

// Long only by its methods, each a short step; they share the deps closed over here.
export function createServicePointService(deps: ServicePointDeps) {
  const { db, transaction, events, resolveOtherChecks, pensionerRepo, certification, certificationRepo, audit, clock } = deps;

  /** The person behind a (normalised) national ID within the caller's region, or not found. */
  async function person(nationalId: string, scope: string | null): Promise<PersonRef> {
    const row = await pensionerRepo.findByNationalId(db, nationalId, scope);
    if (!row) throw notFound();
    return { id: String(row.id), nationalId: row.national_id, regionCode: row.region_code, birthDate: row.birth_date };
  }

  /**
   * Stores the outcome as an event, answers the person's other open checks and rescores, all
   * in the caller's transaction.
   */
  async function applyOutcome(
    trx: Executor,
    p: PersonRef,
    o: {
      outcome: 'alive' | 'deceased';
      method: Method;
      deathDate: string | null;
      now: Date;
      who: Principal;
      servicePointId: string | null;
      exceptCheckId: string | null;
    },
  ) {
    const { kind, identityCheck } = staffEventOf(o.outcome, o.method);
    const ev = await events.insert(trx, {
      pensionerId: p.id,
      kind,
      identityCheck,
      occurredAt: o.now,
      location: p.regionCode,
      deathDate: o.deathDate,
      receivedVia: viaKey(o.who.keyId),
    });
    const alsoResolved = await resolveOtherChecks(trx, p.id, {
      exceptId: o.exceptCheckId,
      keyId: o.who.keyId,
      now: o.now,
      outcome: o.outcome,
      servicePointId: o.servicePointId,
    });
    await certification.rescore(trx, [p.id], o.now, `key:${o.who.keyId}`);
    return { eventRef: ev.sourceRef, kind, identityCheck, alsoResolved };
  }

  /** The certification as the caller may see it, read after the commit. */
  async function certificationFor(p: PersonRef, who: Principal) {
    const row = await certificationRepo.viewByNationalId(p.nationalId, who.regionPrefix);
    return row ? certificationView(row, shanghaiDate(clock.now()), who.role === 'staff') : null;
  }

  return {
    person,
    applyOutcome,
    certificationFor,

    async recordInPersonCheck(nationalId: string, body: InPersonBodyT, who: Principal) {
      const now = clock.now();
      const p = await person(nationalId, who.regionPrefix);
      const deathDate = checkDeathDate(body.outcome, body.deathDate, p, shanghaiDate(now));
      const o = { outcome: body.outcome, method: body.method, deathDate, now, who, servicePointId: body.servicePointId, exceptCheckId: null };
      // Re-runnable: the body is already parsed, so a deadlock retry repeats only the SQL.
      const applied = await transaction((trx) => applyOutcome(trx, p, o), { retries: 2 });
      await audit.record({
        keyId: who.keyId,
        role: who.role,
        action: 'in_person_check.record',
        pensionerId: p.id,
        detail: {
          servicePointId: body.servicePointId,
          keyName: who.name,
          at: now.toISOString(),
          outcome: body.outcome,
          method: body.method,
          eventRef: applied.eventRef,
          ...(deathDate ? { deathDate } : {}),
          ...(applied.alsoResolved.length ? { resolvedChecks: applied.alsoResolved } : {}),
        },
      });
      return {
        id: applied.eventRef,
        nationalId: who.role === 'staff' ? maskNationalId(p.nationalId) : p.nationalId,
        outcome: body.outcome,
        method: body.method,
        kind: applied.kind,
        identityCheck: applied.identityCheck,
        servicePointId: body.servicePointId,
        occurredAt: now.toISOString(),
        ...(deathDate ? { deathDate } : {}),
        resolvedChecks: applied.alsoResolved,
        certification: await certificationFor(p, who),
      };
    },

    /**
     * Recent evidence of one person, newest first, with places named: the counter's "why".
     * `after` is the decoded cursor; `next` is the key the next page starts after, if any.
     */
    async evidence(nationalId: string, q: { limit?: number; after?: EvidenceKey }, who: Principal) {
      const p = await person(nationalId, who.regionPrefix);
      const limit = q.limit ?? 20;
      const rows = await events.recent(db, p.id, limit + 1, q.after && { occurredAt: q.after[0], id: q.after[1] });
      const { items: page, next } = keysetPage(rows, limit, (r): EvidenceKey => [r.occurred_at_key, r.id]);
      await audit.record({
        keyId: who.keyId,
        role: who.role,
        action: 'evidence.read',
        pensionerId: p.id,
        detail: { at: clock.now().toISOString(), count: page.length },
      });
      return {
        nationalId: who.role === 'staff' ? maskNationalId(p.nationalId) : p.nationalId,
        regionCode: p.regionCode,
        regionName: regionLabel(p.regionCode),
        items: page.map((r) => ({
          source: r.source,
          kind: r.kind,
          occurredAt: r.occurred_at.toISOString(),
          identityCheck: r.identity_check,
          location: r.location,
          locationName: r.location ? regionLabel(r.location) : null,
          ...(r.death_date ? { deathDate: r.death_date } : {}),
        })),
        next,
      };
    },
  };
}
export type ServicePointService = ReturnType<typeof createServicePointService>;
