// Set-based aggregates for the bureau's summary report; one statement per section.
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import type { IsoDate } from '../../domain/calendar.ts';
import { inRegionSql } from '../../infra/region-sql.ts';
import { statusFilterSql } from '../certification/repository.ts';
import { STATUSES, type Status } from '../../domain/lifecycle.ts';

type Q = Executor;

export function createReportsRepository() {
  return {
    /** Counts by status on `today` (the certification repository's own status rule) and the silent-certification counts. */
    async statusCounts(q: Q, scope: string | null, today: IsoDate) {
      const columns = STATUSES.map((s) => sql`count(*) FILTER (WHERE ${statusFilterSql(s, today)})::bigint AS ${sql.ref(s)}`);
      const res = await sql<Record<Status | 'living' | 'auto', string>>`
        SELECT ${sql.join(columns)},
          count(*) FILTER (WHERE c.state <> 'deceased')::bigint AS living,
          count(*) FILTER (WHERE c.state <> 'deceased' AND c.method = 'auto')::bigint AS auto
        FROM certifications c WHERE ${inRegionSql('c.region_code', scope)}`.execute(q);
      return res.rows[0]!;
    },

    /** Events that occurred in [from, to), by source. */
    async evidenceMix(q: Q, scope: string | null, from: Date, to: Date) {
      const res = scope
        ? await sql<{ source: string; events: string }>`
            SELECT e.source, count(*)::bigint AS events FROM events e JOIN pensioners p ON p.id = e.pensioner_id
            WHERE e.occurred_at >= ${from}::timestamptz AND e.occurred_at < ${to}::timestamptz AND ${inRegionSql('p.region_code', scope)}
            GROUP BY e.source ORDER BY e.source`.execute(q)
        : await sql<{ source: string; events: string }>`
            SELECT e.source, count(*)::bigint AS events FROM events e
            WHERE e.occurred_at >= ${from}::timestamptz AND e.occurred_at < ${to}::timestamptz
            GROUP BY e.source ORDER BY e.source`.execute(q);
      return res.rows;
    },

    /** Manual checks opened, and resolved, in [from, to), by reason. */
    async manualChecks(q: Q, scope: string | null, from: Date, to: Date) {
      const res = await sql<{ reason: string; opened: string; closed: string }>`
        SELECT m.reason,
          count(*) FILTER (WHERE m.opened_at >= ${from}::timestamptz AND m.opened_at < ${to}::timestamptz)::bigint AS opened,
          count(*) FILTER (WHERE m.status = 'resolved' AND m.resolved_at >= ${from}::timestamptz AND m.resolved_at < ${to}::timestamptz)::bigint AS closed
        FROM manual_checks m
        WHERE ${inRegionSql('m.region_code', scope)}
          AND ((m.opened_at >= ${from}::timestamptz AND m.opened_at < ${to}::timestamptz)
            OR (m.resolved_at >= ${from}::timestamptz AND m.resolved_at < ${to}::timestamptz))
        GROUP BY m.reason ORDER BY m.reason`.execute(q);
      return res.rows;
    },

    /**
     * Reminders sent in [from, to) to people of the region, each with the first certification
     * made after it (a decision taken after the reminder, certifying on or after the day it was
     * sent) and whether a self-service face check answered it: a face result that occurred after
     * the reminder and no later than that certification (which it then produced), or any time
     * after the reminder while none came. Days are Shanghai calendar days.
     */
    async reminders(q: Q, scope: string | null, from: Date, to: Date) {
      const res = await sql<{ sent: string; answered: string; with_code: string; certified: string; mean_days: number | null; median_days: number | null }>`
        WITH r AS (
          SELECT r.pensioner_id, r.sent_at, (r.sent_at AT TIME ZONE 'Asia/Shanghai')::date AS sent_on, r.answered_at
          FROM reminders r JOIN pensioners p ON p.id = r.pensioner_id
          WHERE r.sent_at >= ${from}::timestamptz AND r.sent_at < ${to}::timestamptz AND ${inRegionSql('p.region_code', scope)}
        ),
        c AS (
          SELECT r.*, (SELECT min(d.certified_at) FROM decisions d
              WHERE d.pensioner_id = r.pensioner_id AND d.decided_at >= r.sent_at AND d.certified_at >= r.sent_on) AS certified_on
          FROM r
        ),
        a AS (
          SELECT c.*, EXISTS (SELECT 1 FROM events e
              WHERE e.pensioner_id = c.pensioner_id AND e.source = 'self_service' AND e.kind = 'face' AND e.occurred_at >= c.sent_at
                AND (c.certified_on IS NULL OR (e.occurred_at AT TIME ZONE 'Asia/Shanghai')::date <= c.certified_on)) AS answered
          FROM c
        )
        SELECT count(*)::bigint AS sent,
          count(*) FILTER (WHERE answered)::bigint AS answered,
          count(*) FILTER (WHERE answered_at IS NOT NULL)::bigint AS with_code,
          count(certified_on)::bigint AS certified,
          avg(certified_on - sent_on)::float8 AS mean_days,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY certified_on - sent_on) AS median_days
        FROM a`.execute(q);
      return res.rows[0]!;
    },
  };
}
export type ReportsRepository = ReturnType<typeof createReportsRepository>;
