// What staff at a service point record: a person seen alive (in person or at home) or found
// dead. The outcome is stored as an event of source `service_point` and the certification is
// recomputed in the same transaction, so it takes effect at once.
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../infra/db-types.ts';
import type { Clock } from '../../infra/clock.ts';
import { isIsoDate, shanghaiDate } from '../../domain/calendar.ts';
import { maskNationalId } from '../../domain/masking.ts';
import { invalid, notFound } from '../../domain/errors.ts';
import { requireNationalId } from '../../http/national-id-param.ts';
import type { Principal } from '../../domain/principal.ts';
import type { AuditWriter } from '../audit/writer.ts';
import type { CertificationService } from '../certification/service.ts';
import type { CertificationRepository } from '../certification/repository.ts';
import { certificationView } from '../certification/view.ts';
import type { PensionerRepository } from '../pensioners/repository.ts';
import type { ManualCheckRepository } from '../manual-checks/repository.ts';
import { PG_TIMESTAMP, regionLabel } from '../manual-checks/view.ts';
import { decodeCursor, encodeCursor } from '../../http/paging.ts';
import type { StaffEventRepository, StaffIdentityCheck, StaffKind } from './repository.ts';
import type { InPersonBodyT } from '../manual-checks/schemas.ts';

type Trx = Transaction<DB>;
export type Method = 'id_document' | 'biometric' | 'home_visit';

export interface PersonRef {
  id: string;
  nationalId: string;
  regionCode: string;
  birthDate: string;
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

export function createServicePointService(deps: {
  db: Kysely<DB>;
  events: StaffEventRepository;
  checks: ManualCheckRepository;
  pensionerRepo: PensionerRepository;
  certification: CertificationService;
  certificationRepo: CertificationRepository;
  audit: AuditWriter;
  clock: Clock;
}) {
  const { db, events, checks, pensionerRepo, certification, certificationRepo, audit, clock } = deps;

  async function person(q: Kysely<DB> | Trx, nationalIdRaw: string, scope: string | null): Promise<PersonRef> {
    const nid = requireNationalId(nationalIdRaw);
    const row = await pensionerRepo.findByNationalId(q, nid, scope);
    if (!row) throw notFound();
    return { id: String(row.id), nationalId: row.national_id, regionCode: row.region_code, birthDate: row.birth_date };
  }

  /**
   * Stores the outcome as an event, answers the person's other open checks and rescores, all
   * in the caller's transaction.
   */
  async function applyOutcome(
    trx: Trx,
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
    const ev = await events.insert(trx, { pensionerId: p.id, kind, identityCheck, occurredAt: o.now, location: p.regionCode, deathDate: o.deathDate });
    const alsoResolved = await checks.resolveOthers(trx, p.id, {
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
      const p = await person(db, nationalId, who.regionPrefix);
      const deathDate = checkDeathDate(body.outcome, body.deathDate, p, shanghaiDate(now));
      const applied = await db
        .transaction()
        .execute((trx) =>
          applyOutcome(trx, p, { outcome: body.outcome, method: body.method, deathDate, now, who, servicePointId: body.servicePointId, exceptCheckId: null }),
        );
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

    /** Recent evidence of one person, newest first, with places named: the counter's "why". */
    async evidence(nationalId: string, q: { limit?: number; cursor?: string }, who: Principal) {
      const p = await person(db, nationalId, who.regionPrefix);
      const limit = q.limit ?? 20;
      const after = decodeCursor(q.cursor, 2);
      if (after && (!/^\d{1,19}$/.test(after[1]!) || !PG_TIMESTAMP.test(after[0]!))) {
        throw invalid('invalid_cursor', 'cursor is not one this service issued');
      }
      const rows = await events.recent(db, p.id, limit + 1, after && { occurredAt: after[0]!, id: after[1]! });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
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
        nextCursor: rows.length > limit && last ? encodeCursor([last.occurred_at_key, last.id]) : null,
      };
    },
  };
}
export type ServicePointService = ReturnType<typeof createServicePointService>;
