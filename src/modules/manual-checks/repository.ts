// Manual-check rows: the work queue of service-point staff. Every statement takes "now" as a
// parameter (the clock is an input) and is bounded by the caller's region.
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import { inRegionSql } from '../../infra/region-sql.ts';
import type { IsoDate } from '../../domain/calendar.ts';
import { DUE_CHECK_REASON } from '../../domain/priority.ts';

export interface CheckRow {
  id: string;
  pensioner_id: string;
  national_id: string;
  name: string;
  region_code: string;
  reason: string;
  priority: number;
  status: 'open' | 'claimed' | 'resolved';
  opened_at: Date;
  opened_by: string;
  claimed_by: string | null;
  claimed_at: Date | null;
  claim_expires_at: Date | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  outcome: string | null;
  note: string | null;
  attempts: number;
  service_point_id: string | null;
  /** Why it ranks where it does (domain/priority.ts codes); empty for checks of fixed priority. */
  priority_reasons: string[];
  /** From which day staff should visit (domain/visit-readiness.ts); null: whenever they can. */
  visit_from: IsoDate | null;
  /** opened_at in PostgreSQL's own text form, exact to the microsecond: the cursor key. */
  opened_at_key: string;
}

export interface OpenCheck {
  pensionerId: string;
  regionCode: string;
  reason: string;
  priority: number;
  /** The priority's reason codes (need-ranked checks). */
  reasons?: string[];
  note?: string | null;
  /** A due check: from which day staff should visit (domain/visit-readiness.ts). */
  visitFrom?: IsoDate | null;
}

export type QueueStatus = 'open' | 'claimed' | 'resolved';

/** What staff need beside a check to act on it: how to reach the person, when the time runs out, what was last seen. */
export interface CheckContextRow {
  pensioner_id: string;
  name: string;
  phone: string | null;
  address_village: string | null;
  address_street: string | null;
  state: 'active' | 'death_reported' | 'deceased' | 'detained' | 'ineligible' | 'under_review' | null;
  due_from: string | null;
  certified_until: string | null;
  /** The latest distinct (Shanghai date, source, kind, place) of their events, newest first. */
  recent: { date: string; source: string; kind: string; location: string | null }[];
}

/** Events looked at per person for `recent`, and distinct ones kept. */
const RECENT_SCAN = 30;
const RECENT_KEEP = 3;

const COLUMNS = sql`m.id::text AS id, m.pensioner_id::text AS pensioner_id, p.national_id, p.name, m.region_code, m.reason,
  m.priority, m.status, m.opened_at, m.opened_by, m.claimed_by::text AS claimed_by, m.claimed_at, m.claim_expires_at,
  m.resolved_at, m.resolved_by::text AS resolved_by, m.outcome, m.note, m.attempts, m.service_point_id, m.priority_reasons,
  m.visit_from, m.opened_at::text AS opened_at_key`;

/** A claim whose time ran out counts as open again: anyone may take it. */
function statusSql(status: QueueStatus | undefined, now: Date) {
  switch (status) {
    case 'open':
      return sql`(m.status = 'open' OR (m.status = 'claimed' AND m.claim_expires_at <= ${now}))`;
    case 'claimed':
      return sql`(m.status = 'claimed' AND m.claim_expires_at > ${now})`;
    case 'resolved':
      return sql`m.status = 'resolved'`;
    default:
      return sql`m.status <> 'resolved'`;
  }
}

// Long only by its methods, each a short step; they share the deps closed over here.
export function createManualCheckRepository() {
  async function returning(q: Executor, updated: RawBuilder<unknown>) {
    const res = await sql<CheckRow>`WITH u AS (${updated})
      SELECT ${COLUMNS} FROM u m JOIN pensioners p ON p.id = m.pensioner_id`.execute(q);
    return res.rows;
  }

  return {
    /** The context of each listed person (one statement for a page of the queue). */
    async contexts(q: Executor, pensionerIds: string[]): Promise<CheckContextRow[]> {
      if (pensionerIds.length === 0) return [];
      const res = await sql<CheckContextRow>`
        SELECT p.id::text AS pensioner_id, p.name, p.phone, p.address_village, p.address_street, c.state, c.due_from::text AS due_from, c.certified_until::text AS certified_until,
          COALESCE((SELECT json_agg(r) FROM (
            SELECT DISTINCT (e.occurred_at AT TIME ZONE 'Asia/Shanghai')::date::text AS date, e.source, e.kind, e.location
            FROM (SELECT * FROM events e WHERE e.pensioner_id = p.id ORDER BY e.occurred_at DESC LIMIT ${RECENT_SCAN}) e
            ORDER BY date DESC, e.source, e.kind, e.location LIMIT ${RECENT_KEEP}) r), '[]'::json) AS recent
        FROM pensioners p LEFT JOIN certifications c ON c.pensioner_id = p.id
        WHERE p.id = ANY(${pensionerIds}::bigint[])`.execute(q);
      return res.rows;
    },

    /**
     * Opens checks set-based; a check already open for the same pensioner and reason is kept
     * (its priority raised if the new one is higher), so calling twice changes nothing.
     */
    async open(q: Executor, rows: OpenCheck[], now: Date, openedBy: string): Promise<{ id: string; pensionerId: string; reason: string; inserted: boolean }[]> {
      const unique = new Map<string, OpenCheck>();
      for (const r of rows) {
        const k = `${r.pensionerId}\u0000${r.reason}`;
        const prev = unique.get(k);
        if (!prev || r.priority > prev.priority) unique.set(k, { ...r, note: r.note ?? prev?.note ?? null });
      }
      const list = [...unique.values()];
      if (list.length === 0) return [];
      const res = await sql<{ id: string; pensioner_id: string; reason: string; inserted: boolean }>`
        INSERT INTO manual_checks AS m (pensioner_id, region_code, reason, priority, status, opened_at, opened_by, note, priority_reasons, visit_from)
        SELECT u.pensioner_id, u.region_code, u.reason, u.priority, 'open', ${now}::timestamptz, ${openedBy}, u.note,
          COALESCE(string_to_array(u.reasons, ','), '{}'), u.visit_from
        FROM unnest(${list.map((r) => r.pensionerId)}::bigint[], ${list.map((r) => r.regionCode)}::text[],
          ${list.map((r) => r.reason)}::text[], ${list.map((r) => Math.round(r.priority))}::int[],
          ${list.map((r) => r.note ?? null)}::text[], ${list.map((r) => (r.reasons ?? []).join(','))}::text[],
          ${list.map((r) => r.visitFrom ?? null)}::date[])
          AS u(pensioner_id, region_code, reason, priority, note, reasons, visit_from)
        ON CONFLICT (pensioner_id, reason) WHERE status <> 'resolved'
        DO UPDATE SET priority = GREATEST(m.priority, excluded.priority), note = COALESCE(excluded.note, m.note), visit_from = excluded.visit_from,
          priority_reasons = CASE WHEN excluded.priority >= m.priority THEN excluded.priority_reasons ELSE m.priority_reasons END
        RETURNING m.id::text AS id, m.pensioner_id::text AS pensioner_id, m.reason, (xmax = 0) AS inserted`.execute(q);
      return res.rows.map((r) => ({ id: r.id, pensionerId: r.pensioner_id, reason: r.reason, inserted: r.inserted }));
    },

    /**
     * A flag: opens one check, or returns the one already open for the same pensioner and
     * reason as it is (its note and priority untouched).
     */
    async openOrKeep(q: Executor, r: OpenCheck, now: Date, openedBy: string): Promise<{ id: string; inserted: boolean }> {
      const res = await sql<{ id: string; inserted: boolean }>`
        INSERT INTO manual_checks AS m (pensioner_id, region_code, reason, priority, status, opened_at, opened_by, note)
        VALUES (${r.pensionerId}::bigint, ${r.regionCode}, ${r.reason}, ${Math.round(r.priority)}, 'open', ${now}::timestamptz, ${openedBy}, ${r.note ?? null})
        ON CONFLICT (pensioner_id, reason) WHERE status <> 'resolved'
        DO UPDATE SET priority = m.priority -- changes nothing; only so that RETURNING gives the open check
        RETURNING m.id::text AS id, (xmax = 0) AS inserted`.execute(q);
      return res.rows[0]!;
    },

    async get(q: Executor, id: string, scope: string | null): Promise<CheckRow | undefined> {
      const res = await sql<CheckRow>`SELECT ${COLUMNS} FROM manual_checks m JOIN pensioners p ON p.id = m.pensioner_id
        WHERE m.id = ${id}::uuid AND ${inRegionSql('m.region_code', scope)}`.execute(q);
      return res.rows[0];
    },

    /**
     * Highest priority first, then oldest; the cursor is the last row's (priority, openedAt, id),
     * the priority as decimal digits (compared as a bigint, so any checked cursor part fits).
     */
    async list(
      q: Executor,
      f: {
        scope: string | null;
        status?: QueueStatus;
        now: Date;
        /** Only checks worth a visit on this day (visit_from none or reached). */
        readyOn?: IsoDate;
        limit: number;
        after?: { priority: string; openedAt: string; id: string };
      },
    ) {
      const where = [inRegionSql('m.region_code', f.scope), statusSql(f.status, f.now)];
      if (f.readyOn) where.push(sql`(m.visit_from IS NULL OR m.visit_from <= ${f.readyOn}::date)`);
      if (f.after) {
        where.push(sql`(m.priority < ${f.after.priority}::bigint OR (m.priority = ${f.after.priority}::bigint
          AND (m.opened_at, m.id) > (${f.after.openedAt}::timestamptz, ${f.after.id}::uuid)))`);
      }
      const res = await sql<CheckRow>`SELECT ${COLUMNS} FROM manual_checks m JOIN pensioners p ON p.id = m.pensioner_id
        WHERE ${sql.join(where, sql` AND `)}
        ORDER BY m.priority DESC, m.opened_at, m.id
        LIMIT ${f.limit}`.execute(q);
      return res.rows;
    },

    /**
     * Atomic claim: one UPDATE that only matches a check nobody holds (open, or its claim
     * expired) or one the caller already holds (renewed). Of two concurrent claims the row
     * lock lets one through; the other re-reads the claimed row, no longer matches, gets none.
     */
    async claim(q: Executor, id: string, f: { keyId: string; servicePointId: string | null; now: Date; expiresAt: Date; scope: string | null }) {
      const rows = await returning(
        q,
        sql`UPDATE manual_checks m SET status = 'claimed', claimed_by = ${f.keyId}::uuid, claimed_at = ${f.now},
            claim_expires_at = ${f.expiresAt}, service_point_id = COALESCE(${f.servicePointId}, m.service_point_id)
          WHERE m.id = ${id}::uuid AND ${inRegionSql('m.region_code', f.scope)}
            AND (m.status = 'open' OR (m.status = 'claimed' AND (m.claim_expires_at <= ${f.now} OR m.claimed_by = ${f.keyId}::uuid)))
          RETURNING m.*`,
      );
      return rows[0];
    },

    /** Closes a check the caller holds (claim not expired); none when it does not. */
    async resolve(
      q: Executor,
      id: string,
      f: { keyId: string; now: Date; outcome: string; note: string | null; servicePointId: string | null; scope: string | null },
    ) {
      const rows = await returning(
        q,
        sql`UPDATE manual_checks m SET status = 'resolved', resolved_at = ${f.now}, resolved_by = ${f.keyId}::uuid,
            outcome = ${f.outcome}, note = COALESCE(${f.note}, m.note), attempts = m.attempts + 1,
            service_point_id = COALESCE(${f.servicePointId}, m.service_point_id)
          WHERE m.id = ${id}::uuid AND ${inRegionSql('m.region_code', f.scope)}
            AND m.status = 'claimed' AND m.claimed_by = ${f.keyId}::uuid AND m.claim_expires_at > ${f.now}
          RETURNING m.*`,
      );
      return rows[0];
    },

    /** Nobody could be reached: back to the queue, higher up, with the attempt counted. */
    async reopen(
      q: Executor,
      id: string,
      f: { keyId: string; now: Date; escalation: number; note: string | null; servicePointId: string | null; scope: string | null },
    ) {
      const rows = await returning(
        q,
        sql`UPDATE manual_checks m SET status = 'open', claimed_by = NULL, claimed_at = NULL, claim_expires_at = NULL,
            priority = m.priority + ${f.escalation}, attempts = m.attempts + 1, outcome = 'unreachable',
            note = COALESCE(${f.note}, m.note), service_point_id = COALESCE(${f.servicePointId}, m.service_point_id)
          WHERE m.id = ${id}::uuid AND ${inRegionSql('m.region_code', f.scope)}
            AND m.status = 'claimed' AND m.claimed_by = ${f.keyId}::uuid AND m.claim_expires_at > ${f.now}
          RETURNING m.*`,
      );
      return rows[0];
    },

    /**
     * The staff visits that found nobody, per pensioner, over their open checks of `reasons`
     * (each visit is counted on the check it answered; the most any check has is taken).
     */
    async unreachableVisits(q: Executor, pensionerIds: string[], reasons: readonly string[]): Promise<Map<string, number>> {
      if (pensionerIds.length === 0) return new Map();
      const res = await sql<{ id: string; n: number }>`SELECT m.pensioner_id::text AS id, max(m.attempts)::int AS n FROM manual_checks m
        WHERE m.pensioner_id = any(${pensionerIds}::bigint[]) AND m.reason = any(${reasons}::text[]) AND m.status <> 'resolved'
        GROUP BY m.pensioner_id`.execute(q);
      return new Map(res.rows.map((r) => [r.id, r.n]));
    },

    /**
     * Sets the priority (up or down) and its reasons of every open check of `reasons` of each
     * pensioner, and the `certification_due` check's visit date (the others never wait).
     */
    async rerank(q: Executor, rows: { pensionerId: string; priority: number; reasons: string[]; visitFrom?: IsoDate | null }[], reasons: readonly string[]) {
      if (rows.length === 0) return;
      await sql`UPDATE manual_checks m SET priority = u.priority, priority_reasons = COALESCE(string_to_array(u.reasons, ','), '{}'),
          visit_from = CASE WHEN m.reason = ${DUE_CHECK_REASON} THEN u.visit_from END
        FROM unnest(${rows.map((r) => r.pensionerId)}::bigint[], ${rows.map((r) => Math.round(r.priority))}::int[],
          ${rows.map((r) => r.reasons.join(','))}::text[], ${rows.map((r) => r.visitFrom ?? null)}::date[]) AS u(pensioner_id, priority, reasons, visit_from)
        WHERE m.pensioner_id = u.pensioner_id AND m.reason = any(${reasons}::text[]) AND m.status <> 'resolved'
          AND (m.priority, m.priority_reasons, m.visit_from) IS DISTINCT FROM
            (u.priority, COALESCE(string_to_array(u.reasons, ','), '{}'), CASE WHEN m.reason = ${DUE_CHECK_REASON} THEN u.visit_from END)`.execute(q);
    },

    /**
     * A certification answers the checks of `reasons` opened because the person needed one
     * (resolved `certified`, by nobody: the decision history says what certified them; or by
     * the key whose decision certified them). Checks a member of staff is holding are left to
     * them, as when a person is seen.
     */
    async resolveCertified(q: Executor, pensionerIds: string[], reasons: readonly string[], now: Date, outcome = 'certified', keyId: string | null = null) {
      if (pensionerIds.length === 0) return [];
      const res = await sql<{ id: string; pensioner_id: string }>`UPDATE manual_checks m SET status = 'resolved', resolved_at = ${now},
          resolved_by = ${keyId}::uuid, outcome = ${outcome}
        WHERE m.pensioner_id = any(${pensionerIds}::bigint[]) AND m.reason = any(${reasons}::text[]) AND m.status <> 'resolved'
          AND (m.status = 'open' OR m.claim_expires_at <= ${now})
        RETURNING m.id::text AS id, m.pensioner_id::text AS pensioner_id`.execute(q);
      return res.rows;
    },

    /**
     * A person seen (or found dead) answers every other open check on them too; checks another
     * member of staff is holding are left to them.
     */
    async resolveOthers(
      q: Executor,
      pensionerId: string,
      f: { exceptId: string | null; keyId: string; now: Date; outcome: string; servicePointId: string | null },
    ) {
      const res = await sql<{ id: string }>`UPDATE manual_checks m SET status = 'resolved', resolved_at = ${f.now},
          resolved_by = ${f.keyId}::uuid, outcome = ${f.outcome}, service_point_id = COALESCE(${f.servicePointId}, m.service_point_id)
        WHERE m.pensioner_id = ${pensionerId}::bigint AND m.status <> 'resolved'
          AND (${f.exceptId}::uuid IS NULL OR m.id <> ${f.exceptId}::uuid)
          AND (m.status = 'open' OR m.claim_expires_at <= ${f.now} OR m.claimed_by = ${f.keyId}::uuid)
        RETURNING m.id::text AS id`.execute(q);
      return res.rows.map((r) => r.id);
    },
  };
}
export type ManualCheckRepository = ReturnType<typeof createManualCheckRepository>;
