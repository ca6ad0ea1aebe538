// The evidence table's monthly partitions (migrations/20261204T040000): the service's role may
// not create or drop tables, so it calls the functions the tables' owner defined for just that.
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import type { YearMonth } from '../../domain/calendar.ts';

/** '2026-12' → the date PostgreSQL's functions take. */
const firstDay = (m: YearMonth) => `${m}-01`;

export function createEvidencePartitionRepository() {
  return {
    /** The months that have a partition, oldest first (the default partition is none of them). */
    async months(q: Executor): Promise<YearMonth[]> {
      const { rows } = await sql<{ m: string }>`SELECT to_char(m, 'YYYY-MM') AS m FROM evidence_months() m`.execute(q);
      return rows.map((r) => r.m);
    },

    /** Makes the month's partition if missing; true when made. */
    async prepare(q: Executor, month: YearMonth): Promise<boolean> {
      const { rows } = await sql<{ made: boolean }>`SELECT evidence_ensure_month(${firstDay(month)}::date) AS made`.execute(q);
      return rows[0]!.made;
    },

    /**
     * Copies the month's events its decisions were taken from, then drops its partition; the
     * number copied. Dropping takes the whole table's lock: `q` should be a transaction that set
     * a lock timeout, so that it fails (and is retried) rather than queue every reader behind it.
     */
    async retire(q: Executor, month: YearMonth): Promise<number | null> {
      await sql`SET LOCAL lock_timeout = '10s'`.execute(q);
      const { rows } = await sql<{ copied: string | null }>`SELECT evidence_retire_month(${firstDay(month)}::date)::text AS copied`.execute(q);
      const copied = rows[0]!.copied;
      return copied === null ? null : Number(copied);
    },

    /** Rows of the default partition (dates that have no month): watched, never dropped. */
    async outliers(q: Executor): Promise<number> {
      const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM events_default`.execute(q);
      return Number(rows[0]!.n);
    },
  };
}
export type EvidencePartitionRepository = ReturnType<typeof createEvidencePartitionRepository>;
