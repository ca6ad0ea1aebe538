// Due process of status changes (policy 2026.3): a second key confirms a reported death, the
// bureau reverses one, a released prisoner's payment resumes on application, and appeals are
// filed and decided (an overturned one undoes the contested status, or certifies a person
// whose payment lapsed for want of certification). Each action is stored as an event of
// source `due_process` and the certification is recomputed in the same transaction, so it
// takes effect at once and the lifecycle (a pure function of events) replays it.
import { keysetPage } from '../../domain/paging.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Executor, Transact } from '../../infra/database.ts';
import { addDays, shanghaiDate } from '../../domain/calendar.ts';
import type { DueProcessRole } from '../../domain/catalogue.ts';
import type { Decision } from '../../domain/lifecycle.ts';
import { maskIdsInText, maskNationalId } from '../../domain/masking.ts';
import { viaKey } from '../../domain/origin.ts';
import type { Policy } from '../../domain/policy.ts';
import { NEED_REASONS } from '../../domain/priority.ts';
import { narrowRegion } from '../../domain/region.ts';
import { conflict, invalid, notFound } from '../../domain/errors.ts';
import type { Principal } from '../../domain/principal.ts';
import type { AuditWriter } from '../audit/repository.ts';
import type { CertificationService } from '../certification/service.ts';
import type { PensionerRepository } from '../pensioners/repository.ts';
import { parseInstant } from '../evidence/validate.ts';
import type { FourEyesService } from '../four-eyes/service.ts';
import type { AppealRow, DueProcessRepository } from './repository.ts';

export interface DueProcessDeps {
  db: Executor;
  transaction: Transact;
  repo: DueProcessRepository;
  pensionerRepo: Pick<PensionerRepository, 'findByNationalId'>;
  certification: Pick<CertificationService, 'rescore' | 'decisions'>;
  fourEyes: FourEyesService;
  /** Answers checks as a certification does; given the deciding key, they are answered by it. */
  resolveCertifiedChecks: (
    q: Executor,
    pensionerIds: string[],
    reasons: readonly string[],
    now: Date,
    outcome: string,
    keyId: string,
  ) => Promise<{ id: string }[]>;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  policy: Policy;
}

interface Person {
  id: string;
  nationalId: string;
  regionCode: string;
}

/** The statuses a death stands (or is doubted) under: what a reversal or an overturned appeal undoes. */
const DEATH_STATUSES = new Set(['death_reported', 'deceased', 'under_review']);
/** What an overturned appeal does, by the status it contested now. */
const OVERTURN: Record<string, DueProcessRole | undefined> = {
  death_reported: 'death_reversal',
  under_review: 'death_reversal',
  deceased: 'reinstatement',
  ineligible: 'reinstatement',
  detained: 'reinstatement',
};
/** The calendar's statuses without a certification: the lapse an appeal contests ("I was in hospital, here is the proof"). */
const LAPSES = new Set(['due', 'suspended']);

/**
 * An overturned appeal against a lapse certifies the person from the decision, provided the
 * appeal was about the lapse: one about a death since reversed does not certify by itself.
 */
function overturnOf(contested: string, current: string): DueProcessRole | undefined {
  if (LAPSES.has(current)) return LAPSES.has(contested) ? 'appeal_certification' : undefined;
  return OVERTURN[current];
}

export type AppealKey = readonly [deadline: string, id: string];

export function appealView(r: AppealRow, masked: boolean) {
  return {
    id: r.id,
    nationalId: masked ? maskNationalId(r.national_id) : r.national_id,
    regionCode: r.region_code,
    filedBy: r.filed_by,
    grounds: masked ? maskIdsInText(r.grounds) : r.grounds,
    decisionAt: r.decision_at.toISOString(),
    contestedStatus: r.contested_status,
    status: r.status,
    filedAt: r.filed_at.toISOString(),
    deadline: r.deadline,
    ...(r.outcome ? { outcome: r.outcome, reason: masked ? maskIdsInText(r.reason ?? '') : r.reason, decidedAt: r.decided_at?.toISOString() } : {}),
  };
}

// Long only by its methods, each a short step; they share the deps closed over here.
export function createDueProcessService(deps: DueProcessDeps) {
  const { db, transaction, repo, pensionerRepo, certification, fourEyes, resolveCertifiedChecks, audit, clock, policy } = deps;

  async function person(nationalId: string, scope: string | null): Promise<Person> {
    const row = await pensionerRepo.findByNationalId(db, nationalId, scope);
    if (!row) throw notFound();
    return { id: String(row.id), nationalId: row.national_id, regionCode: row.region_code };
  }

  /** The person's decision now, under a lock on the person: the bureau's actions on one person run one at a time. */
  async function lockedDecision(trx: Executor, p: Person, now: Date): Promise<Decision> {
    await repo.lockPerson(trx, p.id);
    return (await certification.decisions(trx, [p.id], now)).get(p.id)!;
  }

  /**
   * Records the decision as an event and recomputes the certification, in the caller's
   * transaction; `detail` (why) is kept with the decision it changes.
   */
  async function apply(trx: Executor, p: Person, kind: DueProcessRole, now: Date, who: Principal, detail?: Record<string, unknown>) {
    const ref = await repo.insertDecision(trx, { pensionerId: p.id, kind, at: now, location: p.regionCode, receivedVia: viaKey(who.keyId) });
    await certification.rescore(trx, [p.id], now, viaKey(who.keyId), { detail });
    const after = (await certification.decisions(trx, [p.id], now)).get(p.id)!;
    return { ref, status: after.status, certifiedAt: after.certifiedAt };
  }

  /** One person's action by one key: found in scope, decided under lock, applied, audited. */
  async function act(
    nationalId: string,
    who: Principal,
    action: string,
    check: (d: Decision, trx: Executor) => Promise<DueProcessRole>,
    detail: Record<string, unknown> = {},
  ) {
    const now = clock.now();
    const p = await person(nationalId, who.regionPrefix);
    const done = await transaction(async (trx) => {
      const before = await lockedDecision(trx, p, now);
      const kind = await check(before, trx);
      return { before: before.status, ...(await apply(trx, p, kind, now, who)) };
    });
    await audit.record({
      keyId: who.keyId,
      role: who.role,
      action,
      pensionerId: p.id,
      detail: { keyName: who.name, at: now.toISOString(), before: done.before, after: done.status, eventRef: done.ref, ...detail },
    });
    return {
      nationalId: who.role === 'staff' ? maskNationalId(p.nationalId) : p.nationalId,
      status: done.status,
      previousStatus: done.before,
      recordedAt: now.toISOString(),
    };
  }

  return {
    /** A second key confirms a reported death (four eyes): never the key that reported it. */
    confirmDeath(nationalId: string, body: { note?: string }, who: Principal) {
      return act(
        nationalId,
        who,
        'death.confirm',
        async (d, trx) => {
          if (d.status !== 'death_reported' || !d.deathReport)
            throw conflict('not_death_reported', `the status is ${d.status}: only a reported death is confirmed`);
          if ((await repo.receivedVia(trx, d.deathReport.eventIds)).includes(viaKey(who.keyId))) {
            throw conflict('same_actor', 'this key reported the death: another key must confirm it');
          }
          return 'death_confirmation';
        },
        { note: body.note ?? null },
      );
    },

    /** The bureau finds a reported (or doubted) death wrong: the hold is released with back pay. A verified death needs a re-instatement. */
    reverseDeath(nationalId: string, body: { note?: string }, who: Principal) {
      return act(
        nationalId,
        who,
        'death.reverse',
        async (d) => {
          if (d.status === 'deceased')
            throw conflict('reinstatement_required', 'the death is verified: re-instating the person needs a second key (POST …/reinstatements)');
          if (!DEATH_STATUSES.has(d.status)) throw conflict('no_death', `the status is ${d.status}: there is no death to reverse`);
          return 'death_reversal';
        },
        { note: body.note ?? null },
      );
    },

    /** After release, payment resumes on application from the month after release (no back pay for the sentence). */
    resume(nationalId: string, body: { note?: string }, who: Principal) {
      return act(
        nationalId,
        who,
        'custody.resume',
        async (d) => {
          const s = d.custodialPeriods.at(-1);
          if (d.status !== 'ineligible' || !s || s.releasedOn === null)
            throw conflict('not_released', `the status is ${d.status}: payment resumes only after a release from a sentence`);
          return 'resumption';
        },
        { note: body.note ?? null },
      );
    },

    /**
     * Re-instates a deceased or ineligible person (four eyes): the first key's request is a
     * proposal that changes nothing (pending); the same request from another key of the
     * region re-instates, with back pay at the next run; the proposer asking again is refused.
     */
    async reinstate(nationalId: string, body: { note?: string }, who: Principal) {
      const now = clock.now();
      const p = await person(nationalId, who.regionPrefix);
      const done = await transaction(async (trx) => {
        const d = await lockedDecision(trx, p, now);
        if (d.status !== 'deceased' && d.status !== 'ineligible')
          throw conflict('not_stopped', `the status is ${d.status}: only a deceased or ineligible person is re-instated`);
        const step = await fourEyes.request(trx, {
          action: 'reinstatement',
          subject: p.id,
          regionCode: p.regionCode,
          pensionerId: p.id,
          payload: { status: d.status, note: body.note ?? null },
          principal: who,
        });
        if (step.pending) return { pending: true as const, proposalId: step.proposalId };
        return { pending: false as const, before: d.status, proposedBy: step.proposedBy, ...(await apply(trx, p, 'reinstatement', now, who)) };
      });
      if (done.pending) return { pending: true as const, proposalId: done.proposalId };
      await audit.record({
        keyId: who.keyId,
        role: who.role,
        action: 'pensioner.reinstate',
        pensionerId: p.id,
        detail: { keyName: who.name, at: now.toISOString(), before: done.before, after: done.status, proposedBy: done.proposedBy, eventRef: done.ref },
      });
      return { pending: false as const, nationalId: p.nationalId, status: done.status, previousStatus: done.before, recordedAt: now.toISOString() };
    },

    async fileAppeal(nationalId: string, body: { filedBy: string; grounds: string; decisionAt?: string }, who: Principal) {
      const now = clock.now();
      const decisionAt = body.decisionAt === undefined ? now : parseInstant(body.decisionAt);
      if (!decisionAt) throw invalid('invalid_decision_at', 'decisionAt must be an ISO 8601 instant with an offset, e.g. 2026-03-01T09:30:00+08:00');
      if (decisionAt > now) throw invalid('invalid_decision_at', 'decisionAt is in the future');
      const p = await person(nationalId, who.regionPrefix);
      const deadline = addDays(shanghaiDate(now), policy.dueProcess?.appealReviewDays ?? 60);
      const row = await transaction(async (trx) => {
        const d = await lockedDecision(trx, p, now);
        const id = await repo.insertAppeal(trx, {
          pensionerId: p.id,
          regionCode: p.regionCode,
          ...body,
          decisionAt,
          contestedStatus: d.status,
          filedAt: now,
          keyId: who.keyId,
          deadline,
        });
        return (await repo.appeal(trx, id, null))!;
      });
      await audit.record({
        keyId: who.keyId,
        role: who.role,
        action: 'appeal.file',
        pensionerId: p.id,
        detail: { appealId: row.id, at: now.toISOString(), contested: row.contested_status },
      });
      return appealView(row, who.role === 'staff');
    },

    /**
     * Decides an appeal: an overturned one undoes the contested status at once (as a reversal
     * or a re-instatement would), or, against a lapse, certifies the person from the decision:
     * their checks for want of certification are answered by the deciding key, as when staff
     * see someone, and the next payroll pays back the months it held.
     */
    async decideAppeal(id: string, body: { outcome: 'upheld' | 'overturned'; reason: string }, who: Principal) {
      const now = clock.now();
      const done = await transaction(async (trx) => {
        const a = await repo.appeal(trx, id, who.regionPrefix, true);
        if (!a) throw notFound('appeal');
        if (a.status !== 'open') throw conflict('appeal_decided', 'the appeal is already decided');
        // The appeal's filer was the first pair of eyes on an overturn: it is decided by another.
        if (a.filed_key === who.keyId && body.outcome === 'overturned') throw conflict('same_actor', 'this key filed the appeal: another key must decide it');
        const p = { id: a.pensioner_id, nationalId: a.national_id, regionCode: a.region_code };
        const d = await lockedDecision(trx, p, now);
        const kind = body.outcome === 'overturned' ? overturnOf(a.contested_status, d.status) : undefined;
        const resolvedChecks =
          kind === 'appeal_certification' ? (await resolveCertifiedChecks(trx, [p.id], NEED_REASONS, now, 'certified', who.keyId)).map((c) => c.id) : [];
        const why = { appeal: { id, outcome: body.outcome, reason: body.reason } };
        const applied = kind ? await apply(trx, p, kind, now, who, why) : null;
        await repo.decideAppeal(trx, { id, outcome: body.outcome, reason: body.reason, at: now, keyId: who.keyId });
        return { appeal: (await repo.appeal(trx, id, null))!, before: d.status, after: applied?.status ?? d.status, applied, resolvedChecks };
      });
      const { applied, resolvedChecks } = done;
      await audit.record({
        keyId: who.keyId,
        role: who.role,
        action: 'appeal.decide',
        pensionerId: done.appeal.pensioner_id,
        detail: {
          keyName: who.name,
          appealId: id,
          at: now.toISOString(),
          outcome: body.outcome,
          before: done.before,
          after: done.after,
          ...(applied ? { eventRef: applied.ref } : {}),
          ...(applied && done.after === 'certified' ? { certifiedAt: applied.certifiedAt } : {}),
          ...(resolvedChecks.length ? { resolvedChecks } : {}),
        },
      });
      return { ...appealView(done.appeal, who.role === 'staff'), pensionerStatus: done.after };
    },

    async appeals(q: { status?: 'open' | 'decided'; region?: string; limit?: number; after?: AppealKey }, who: Principal) {
      const scope = narrowRegion(who.regionPrefix, q.region);
      if (scope === false) return { items: [], next: null };
      const limit = q.limit ?? 100;
      const rows = await repo.appeals(db, { scope, status: q.status, limit: limit + 1, after: q.after });
      const { items, next } = keysetPage(rows, limit, (r): AppealKey => [r.deadline, r.id]);
      const at = clock.now().toISOString();
      await audit.record(
        items.map((r) => ({ keyId: who.keyId, role: who.role, action: 'appeal.list', pensionerId: r.pensioner_id, detail: { appealId: r.id, at } })),
      );
      return { items: items.map((r) => appealView(r, who.role === 'staff')), next };
    },
  };
}
export type DueProcessService = ReturnType<typeof createDueProcessService>;
