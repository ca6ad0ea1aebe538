// The daily sweep: every pensioner is rescored (scores decay, certifications lapse), and
// those whose certification is ending or has ended get a manual check ranked by need
// (domain/priority.ts: score, strong and reference records of the year, closeness to lapse,
// age, failed attempts; their checks re-ranked every day, up or down), the day from which a due
// check is worth a visit (domain/visit-readiness.ts), and a reminder. It runs in pages of ids so that any number of workers share it and a
// page re-delivered by the queue simply recomputes the same result.
import type { Executor, Transact } from '../../infra/database.ts';
import { shanghaiDate } from '../../domain/calendar.ts';
import { DUE_CHECK_REASON, NEED_REASONS, needRank } from '../../domain/priority.ts';
import { visitFrom } from '../../domain/visit-readiness.ts';
import type { ManualCheckRepository } from '../manual-checks/repository.ts';
import type { CertificationService, ReviewCheck } from './service.ts';
import type { CertificationRepository } from './repository.ts';
import type { FactsRepository } from './facts-repository.ts';

const SWEEP_PAGE = 2000;

export interface SweepDeps {
  db: Executor;
  transaction: Transact;
  certification: Pick<CertificationService, 'rescore'>;
  certifications: Pick<CertificationRepository, 'endingBetween'>;
  pensioners: Pick<FactsRepository, 'idRange' | 'idsBetween'>;
  openChecks: (q: Executor, rows: ReviewCheck[], now: Date, openedBy: string) => Promise<unknown>;
  checks: Pick<ManualCheckRepository, 'unreachableVisits' | 'rerank'>;
  /** Decides the round itself: the first for those not lapsed, the second a month after the first (reminders module). */
  queueReminders: (q: Executor, rows: { pensionerId: string; dueFrom: string; lapsed: boolean }[], today: string) => Promise<unknown>;
  /** Days before a lapse from which a due check is worth a visit whatever the reminders did (domain/visit-readiness.ts). */
  visitLeadDays?: number;
}

export function createSweepService(deps: SweepDeps) {
  const { db, certification } = deps;
  return {
    /** Id ranges covering every pensioner, each at most SWEEP_PAGE ids wide. */
    async pages(): Promise<{ fromId: string; toId: string }[]> {
      const { lo, hi } = await deps.pensioners.idRange(db);
      if (lo === null || hi === null) return [];
      const out = [];
      for (let from = BigInt(lo); from <= BigInt(hi); from += BigInt(SWEEP_PAGE)) {
        out.push({ fromId: String(from), toId: String(from + BigInt(SWEEP_PAGE) - 1n) });
      }
      return out;
    },

    async sweepPage(fromId: string, toId: string, now: Date) {
      const today = shanghaiDate(now);
      const ids = await deps.pensioners.idsBetween(db, fromId, toId);
      if (ids.length === 0) return { pensioners: 0, changed: 0, checks: 0, reminders: 0 };
      // A page can be re-run whole (a deadlock with a concurrent rescore is retried).
      const { changed, needs } = await deps.transaction((trx) => certification.rescore(trx, ids, now, 'system:sweep', { sweep: true }), { retries: 2 });
      const ending = await deps.certifications.endingBetween(db, fromId, toId);
      const visits = await deps.checks.unreachableVisits(
        db,
        needs.map((n) => n.pensionerId),
        NEED_REASONS,
      );
      const cycle = new Map(ending.map((e) => [e.pensioner_id, e]));
      const ranked = needs.map((n) => {
        const failedAttempts = n.factors.failedAttempts + (visits.get(n.pensionerId) ?? 0);
        const c = cycle.get(n.pensionerId);
        const reach = c && { reason: DUE_CHECK_REASON, hasPhone: c.has_phone, failedAttempts, dueFrom: c.due_from, certifiedUntil: c.certified_until };
        return { ...n, rank: needRank({ ...n.factors, failedAttempts }), visitFrom: reach ? visitFrom(reach, today, deps.visitLeadDays) : null };
      });
      const checks = ranked.map((n) => ({
        pensionerId: n.pensionerId,
        regionCode: n.regionCode,
        reason: DUE_CHECK_REASON,
        priority: n.rank.priority,
        reasons: n.rank.reasons,
        visitFrom: n.visitFrom,
      }));
      await deps.openChecks(db, checks, now, 'system:sweep');
      // Opening only ever raises a priority; the rank of the day may be lower (a reference record came).
      await deps.checks.rerank(
        db,
        ranked.map((n) => ({ pensionerId: n.pensionerId, priority: n.rank.priority, reasons: n.rank.reasons, visitFrom: n.visitFrom })),
        NEED_REASONS,
      );
      // Everyone still not certified for their due date: the lapsed too, whose second reminder
      // may still be owed (a month after the first); `reminders` counts those due, as before.
      const uncertified = ending.map((r) => ({ pensionerId: r.pensioner_id, dueFrom: r.due_from, lapsed: r.status !== 'due' }));
      await deps.queueReminders(db, uncertified, today);
      return { pensioners: ids.length, changed, checks: checks.length, reminders: uncertified.filter((r) => !r.lapsed).length };
    },

    /** The whole sweep in this process, page after page (`sweep run`, the demo), with its totals. */
    async runAll(now: Date) {
      const total = { pages: 0, pensioners: 0, changed: 0, checks: 0, reminders: 0 };
      for (const p of await this.pages()) {
        const r = await this.sweepPage(p.fromId, p.toId, now);
        total.pages++;
        total.pensioners += r.pensioners;
        total.changed += r.changed;
        total.checks += r.checks;
        total.reminders += r.reminders;
      }
      return total;
    },
  };
}
export type SweepService = ReturnType<typeof createSweepService>;
