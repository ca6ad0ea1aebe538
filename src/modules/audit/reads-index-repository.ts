// The audit's index of whom each many-person row named (migration 20261208T000000): settled
// rows filed under each person they name, and the horizon before which every such row is filed.
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';

export interface IndexStep {
  /** Many-person audit rows indexed by this step. */
  rows: number;
  /** Reads filed (a person named by a row). */
  names: number;
  /** Index rows written: one per person named in the step. */
  people: number;
  /** True when the step reached the settled end, so nothing is left to index for now. */
  caughtUp: boolean;
}

export function createAuditIndexRepository() {
  return {
    /**
     * Indexes the next many-person rows after the horizon, at most about `maxRows` of them and
     * none younger than `settleSeconds` (by the database's clock, which dated them), then moves
     * the horizon. Run it in a transaction: the progress row is locked, so two runs take turns
     * and never index a row twice.
     */
    async step(trx: Executor, o: { maxRows: number; settleSeconds: number }): Promise<IndexStep> {
      // Where this step stops: before the first row past `maxRows`, or the settled end. The rows
      // of one flush share their moment, so a step takes a moment whole; when one moment alone
      // holds more than `maxRows` rows, the step takes that moment (1 µs is timestamptz's unit).
      // The bound goes back as text: the horizon starts at -infinity, which is no Date.
      const { rows: b } = await sql<{ up_to: string | null; caught_up: boolean }>`
        WITH p AS (
          SELECT indexed_before AS from_at, now() - make_interval(secs => ${o.settleSeconds}) AS settled FROM audit_index_progress FOR UPDATE
        ), s AS (
          SELECT p.*, (SELECT a.at FROM audit_log a WHERE a.pensioner_ids IS NOT NULL AND a.at >= p.from_at AND a.at < p.settled
            ORDER BY a.at OFFSET ${o.maxRows} LIMIT 1) AS stop_at FROM p
        )
        SELECT CASE WHEN from_at >= settled THEN NULL WHEN stop_at IS NULL THEN settled WHEN stop_at > from_at THEN stop_at
          ELSE from_at + interval '1 microsecond' END::text AS up_to, stop_at IS NULL AS caught_up FROM s`.execute(trx);
      const { up_to: upTo, caught_up: caughtUp } = b[0]!;
      if (upTo === null) return { rows: 0, names: 0, people: 0, caughtUp: true };
      const { rows: done } = await sql<{ rows: string; names: string; people: string }>`
        WITH step AS (
          SELECT a.id, a.at, a.pensioner_ids FROM audit_log a
          WHERE a.pensioner_ids IS NOT NULL AND a.at >= (SELECT indexed_before FROM audit_index_progress) AND a.at < ${upTo}::timestamptz
        ), filed AS (
          INSERT INTO audit_person_index (pensioner_id, last_at, audit_ids)
          SELECT p.pensioner_id, max(s.at), array_agg(s.id ORDER BY s.id)
          FROM step s CROSS JOIN LATERAL unnest(s.pensioner_ids) AS p(pensioner_id)
          GROUP BY p.pensioner_id ORDER BY p.pensioner_id
          RETURNING cardinality(audit_ids) AS n
        ), moved AS (
          UPDATE audit_index_progress SET indexed_before = ${upTo}::timestamptz
        )
        SELECT (SELECT count(*) FROM step)::text AS rows, (SELECT coalesce(sum(n), 0) FROM filed)::text AS names,
          (SELECT count(*) FROM filed)::text AS people`.execute(trx);
      const d = done[0]!;
      return { rows: Number(d.rows), names: Number(d.names), people: Number(d.people), caughtUp };
    },

    /** How far the horizon is behind the database's clock, in seconds (Infinity before the first run). */
    async behindSeconds(q: Executor): Promise<number> {
      const { rows } = await sql<{ s: number }>`
        SELECT CASE WHEN isfinite(indexed_before) THEN extract(epoch FROM now() - indexed_before)::float8 ELSE 'Infinity'::float8 END AS s
        FROM audit_index_progress`.execute(q);
      return rows[0]!.s;
    },
  };
}
export type AuditIndexRepository = ReturnType<typeof createAuditIndexRepository>;
