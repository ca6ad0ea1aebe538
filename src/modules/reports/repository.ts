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
  };
}
export type ReportsRepository = ReturnType<typeof createReportsRepository>;
