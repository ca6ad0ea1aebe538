// The daily sweep: every pensioner is rescored (scores decay, certifications lapse), and
// those whose certification is ending or has ended get a manual check ordered by urgency
// and a reminder. It runs in pages of ids so that any number of workers share it and a
// page re-delivered by the queue simply recomputes the same result.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../infra/db-types.ts';
import { shanghaiDate } from '../../domain/calendar.ts';
import { checkPriority } from '../../domain/priority.ts';
import type { CertificationService, ReviewCheck } from './service.ts';

export const SWEEP_PAGE = 2000;
export const DUE_CHECK_REASON = 'certification_due';

export interface SweepDeps {
  db: Kysely<DB>;
  certification: CertificationService;
  openChecks: (q: Kysely<DB>, rows: ReviewCheck[], now: Date, openedBy: string) => Promise<unknown>;
  queueReminders: (q: Kysely<DB>, rows: { pensionerId: string; dueFrom: string }[]) => Promise<unknown>;
}

export function createSweepService(deps: SweepDeps) {
  const { db, certification } = deps;
  return {
    /** Id ranges covering every pensioner, each at most SWEEP_PAGE ids wide. */
    async pages(): Promise<{ fromId: string; toId: string }[]> {
      const res = await sql<{ lo: string | null; hi: string | null }>`SELECT min(id)::text AS lo, max(id)::text AS hi FROM pensioners`.execute(db);
      const { lo, hi } = res.rows[0] ?? { lo: null, hi: null };
      if (lo === null || hi === null) return [];
      const out = [];
      for (let from = BigInt(lo); from <= BigInt(hi); from += BigInt(SWEEP_PAGE)) {
        out.push({ fromId: String(from), toId: String(from + BigInt(SWEEP_PAGE) - 1n) });
      }
      return out;
    },

    async sweepPage(fromId: string, toId: string, now: Date) {
      const today = shanghaiDate(now);
      const ids = (
        await sql<{ id: string }>`SELECT id::text AS id FROM pensioners WHERE id BETWEEN ${fromId}::bigint AND ${toId}::bigint`.execute(db)
      ).rows.map((r) => r.id);
      if (ids.length === 0) return { pensioners: 0, changed: 0, checks: 0, reminders: 0 };
      const { changed } = await db.transaction().execute((trx) => certification.rescore(trx, ids, now, 'system:sweep'));
      const ending = await sql<{
        pensioner_id: string;
        region_code: string;
        status: string;
        score: number;
        certified_until: string;
        due_from: string;
        birth_date: string;
      }>`
        SELECT c.pensioner_id::text AS pensioner_id, c.region_code, c.status, c.score, c.certified_until, c.due_from, p.birth_date
        FROM certifications c JOIN pensioners p ON p.id = c.pensioner_id
        WHERE c.pensioner_id BETWEEN ${fromId}::bigint AND ${toId}::bigint AND c.status IN ('due', 'suspended')`.execute(db);
      const checks = ending.rows.map((r) => ({
        pensionerId: r.pensioner_id,
        regionCode: r.region_code,
        reason: DUE_CHECK_REASON,
        priority: checkPriority({ score: r.score, certifiedUntil: r.certified_until, birthDate: r.birth_date, today }),
      }));
      await deps.openChecks(db, checks, now, 'system:sweep');
      const reminders = ending.rows.filter((r) => r.status === 'due').map((r) => ({ pensionerId: r.pensioner_id, dueFrom: r.due_from }));
      await deps.queueReminders(db, reminders);
      return { pensioners: ids.length, changed, checks: checks.length, reminders: reminders.length };
    },
  };
}
export type SweepService = ReturnType<typeof createSweepService>;
