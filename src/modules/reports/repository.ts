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

    // ---- the bureau dashboard: a year at a glance, aggregates only ------------------------

    /**
     * Certifications dated in [from, to) (a person and certification date counted once, however
     * often rescored; the old system's records, method `legacy`, are not certifications made
     * here), by Shanghai month of that date and by the region code cut to `regionDigits`, with
     * how many were silent (method `auto`). A decision comes after the evidence it rests on, so
     * only decisions taken since `from` are read.
     */
    async certificationsByRegionMonth(q: Q, scope: string | null, from: { day: IsoDate; at: Date }, to: IsoDate, regionDigits: number) {
      const res = await sql<{ region: string; month: string; certified: string; auto: string }>`
        WITH made AS (
          SELECT DISTINCT ON (d.pensioner_id, d.certified_at) d.pensioner_id, d.certified_at, d.method
          FROM decisions d
          WHERE d.decided_at >= ${from.at}::timestamptz AND d.certified_at >= ${from.day}::date AND d.certified_at < ${to}::date
            AND d.method IS DISTINCT FROM 'legacy'
          ORDER BY d.pensioner_id, d.certified_at, d.decided_at
        )
        SELECT left(p.region_code, ${regionDigits}) AS region, to_char(m.certified_at, 'YYYY-MM') AS month,
          count(*)::bigint AS certified,
          count(*) FILTER (WHERE m.method = 'auto')::bigint AS auto
        FROM made m JOIN pensioners p ON p.id = m.pensioner_id
        WHERE ${inRegionSql('p.region_code', scope)}
        GROUP BY 1, 2 ORDER BY 1, 2`.execute(q);
      return res.rows;
    },

    /** Living pensioners and those whose current certification is silent, by region code cut to `regionDigits`. */
    async silentByRegion(q: Q, scope: string | null, regionDigits: number) {
      const res = await sql<{ region: string; living: string; auto: string }>`
        SELECT left(c.region_code, ${regionDigits}) AS region,
          count(*) FILTER (WHERE c.state <> 'deceased')::bigint AS living,
          count(*) FILTER (WHERE c.state <> 'deceased' AND c.method = 'auto')::bigint AS auto
        FROM certifications c WHERE ${inRegionSql('c.region_code', scope)}
        GROUP BY 1 ORDER BY 1`.execute(q);
      return res.rows;
    },

    /** Events that occurred in [from, to), by Shanghai month and source. */
    async evidenceByMonth(q: Q, scope: string | null, from: Date, to: Date) {
      const month = sql`to_char(e.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')`;
      const res = scope
        ? await sql<{ month: string; source: string; events: string }>`
            SELECT ${month} AS month, e.source, count(*)::bigint AS events FROM events e JOIN pensioners p ON p.id = e.pensioner_id
            WHERE e.occurred_at >= ${from}::timestamptz AND e.occurred_at < ${to}::timestamptz AND ${inRegionSql('p.region_code', scope)}
            GROUP BY 1, 2 ORDER BY 1, 2`.execute(q)
        : await sql<{ month: string; source: string; events: string }>`
            SELECT ${month} AS month, e.source, count(*)::bigint AS events FROM events e
            WHERE e.occurred_at >= ${from}::timestamptz AND e.occurred_at < ${to}::timestamptz
            GROUP BY 1, 2 ORDER BY 1, 2`.execute(q);
      return res.rows;
    },

    /**
     * The unresolved manual checks at `now`, by reason, whether someone holds an unexpired
     * claim, and age band (whole days since opened: under 7, 7–29, 30–89, 90 and more).
     */
    async backlog(q: Q, scope: string | null, now: Date) {
      const res = await sql<{ reason: string; claimed: boolean; band: number; checks: string; oldest_days: number }>`
        SELECT m.reason,
          (m.status = 'claimed' AND m.claim_expires_at > ${now}::timestamptz) AS claimed,
          CASE WHEN age_days < 7 THEN 0 WHEN age_days < 30 THEN 1 WHEN age_days < 90 THEN 2 ELSE 3 END AS band,
          count(*)::bigint AS checks,
          max(age_days)::int AS oldest_days
        FROM manual_checks m,
          LATERAL (SELECT floor(extract(epoch FROM (${now}::timestamptz - m.opened_at)) / 86400)::int AS age_days) a
        WHERE m.status <> 'resolved' AND ${inRegionSql('m.region_code', scope)}
        GROUP BY 1, 2, 3`.execute(q);
      return res.rows;
    },

    /** Reminders sent in [from, to) by Shanghai month, and how many were answered with their code. */
    async remindersByMonth(q: Q, scope: string | null, from: Date, to: Date) {
      const res = await sql<{ month: string; sent: string; answered: string }>`
        SELECT to_char(r.sent_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month,
          count(*)::bigint AS sent, count(r.answered_at)::bigint AS answered
        FROM reminders r JOIN pensioners p ON p.id = r.pensioner_id
        WHERE r.sent_at >= ${from}::timestamptz AND r.sent_at < ${to}::timestamptz AND ${inRegionSql('p.region_code', scope)}
        GROUP BY 1 ORDER BY 1`.execute(q);
      return res.rows;
    },
  };
}
export type ReportsRepository = ReturnType<typeof createReportsRepository>;
