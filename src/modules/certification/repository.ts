// Certification state rows and their decision history (one family: a decision is written by
// the same statement that stores the certification it records), and the reads made of them.
import { sql, type RawBuilder } from 'kysely';
import type pg from 'pg';
import type { Executor } from '../../infra/database.ts';
import { inRegionSql } from '../../infra/region-sql.ts';
import type { CertificationState } from './decide.ts';
import type { IsoDate } from '../../domain/calendar.ts';
import { among } from '../../infra/id-set-sql.ts';

type Q = Executor;

export interface CertificationRow {
  pensioner_id: string;
  national_id: string;
  name: string;
  region_code: string;
  phone: string | null;
  address_village: string | null;
  address_street: string | null;
  birth_date: string;
  benefit_start_date: string;
  monthly_benefit_fen: string;
  pension_type: string;
  legacy_certified_at: string | null;
  state: string;
  certified_at: string;
  certified_until: string;
  due_from: string;
  method: string;
  score: number;
  policy_version: string;
  evidence: unknown;
  death_date: string | null;
  since: string | null;
  check_id: string | null;
  check_reason: string | null;
  check_priority: number | null;
}

const CERTIFICATION_COLUMNS = `c.state, c.certified_at, c.certified_until, c.due_from, c.method, c.score, c.policy_version,
    c.evidence, c.death_date, c.since,
    mc.id AS check_id, mc.reason AS check_reason, mc.priority AS check_priority`;
/** The most urgent open manual check of the certification `c`, as `mc`. */
const OPEN_CHECK = `
  LEFT JOIN LATERAL (
    SELECT id, reason, priority FROM manual_checks m
    WHERE m.pensioner_id = c.pensioner_id AND m.status <> 'resolved'
    ORDER BY priority DESC, opened_at LIMIT 1
  ) mc ON true`;
const FROM_VIEW = `
  FROM pensioners p
  JOIN certifications c ON c.pensioner_id = p.id${OPEN_CHECK}`;

const SELECT_VIEW = `
  SELECT p.id::text AS pensioner_id, p.national_id, p.name, p.region_code, p.phone, p.address_village, p.address_street, p.birth_date,
    p.benefit_start_date, p.monthly_benefit_fen::text AS monthly_benefit_fen, p.pension_type, p.legacy_certified_at,
    ${CERTIFICATION_COLUMNS}${FROM_VIEW}`;

/** What a status lookup shows: no registry fields besides the national ID. */
export type CertificationViewRow = Pick<
  CertificationRow,
  | 'pensioner_id'
  | 'national_id'
  | 'state'
  | 'certified_at'
  | 'certified_until'
  | 'due_from'
  | 'method'
  | 'score'
  | 'policy_version'
  | 'evidence'
  | 'death_date'
  | 'since'
  | 'check_id'
  | 'check_reason'
  | 'check_priority'
>;

const BY_NATIONAL_ID = `WHERE p.national_id = $1 AND ($2::text IS NULL OR p.region_code LIKE $2 || '%')`;
// The certification row carries the national ID and region, so a lookup reads one table
// and never the registry: see migrations/20261126T010000_certification_national_id.ts.
/** The status lookup ($1 national ID, $2 the caller's region prefix or null); exported for its plan test. */
export const LOOKUP_SQL = `
  SELECT c.pensioner_id::text AS pensioner_id, c.national_id, ${CERTIFICATION_COLUMNS}
  FROM certifications c${OPEN_CHECK}
  WHERE c.national_id = $1 AND ($2::text IS NULL OR c.region_code LIKE $2 || '%')`;

/**
 * The batch status query ($1 the national IDs as one JSON text: the driver would escape a text[]
 * element by element in JavaScript; $2 the caller's region prefix or null). Every column it reads
 * is in the national ID index (migrations/20261207T010000), so it reads no table page once the
 * table is vacuumed; exported for its plan test.
 */
export const STATUSES_SQL = `SELECT c.pensioner_id::text AS pensioner_id, c.national_id, c.state, c.due_from, c.certified_until
  FROM certifications c
  WHERE c.national_id = ANY(ARRAY(SELECT json_array_elements_text($1::json))) AND ($2::text IS NULL OR c.region_code LIKE $2 || '%')`;

/** SQL form of domain/cycle.ts calendarStatus (with the stored, calendar-independent states). */
export function statusFilterSql(status: string, today: IsoDate) {
  switch (status) {
    case 'certified':
      return sql`c.state = 'active' AND c.due_from > ${today}::date`;
    case 'due':
      return sql`c.state = 'active' AND c.due_from <= ${today}::date AND c.certified_until >= ${today}::date`;
    case 'suspended':
      return sql`c.state = 'active' AND c.certified_until < ${today}::date`;
    default:
      return sql`c.state = ${status}`;
  }
}

/** A decision as the history shows it. */
export interface DecisionRow {
  id: string;
  decided_at: Date;
  status: string;
  certified_at: string | null;
  certified_until: string | null;
  method: string | null;
  score: number;
  policy_version: string;
  evidence: unknown;
  actor: string;
  detail: unknown;
}

/** A decision as a replay needs it: the instant to the millisecond and the events it was taken from. */
export type ReplayedDecisionRow = Omit<DecisionRow, 'decided_at' | 'actor' | 'detail'> & { decided_ms: number; known_event_ids: string[] | null };

/** The repository's methods (each short; the factory is long only because they are many). */
export function createCertificationRepository(pool: pg.Pool) {
  return {
    /** A pensioner with the certification, for the registry's own read. */
    async viewByNationalId(nationalId: string, scope: string | null): Promise<CertificationRow | undefined> {
      const res = await pool.query<CertificationRow>({
        name: 'pensioner_by_national_id',
        text: `${SELECT_VIEW} ${BY_NATIONAL_ID}`,
        values: [nationalId, scope],
      });
      return res.rows[0];
    },

    /** The hot path of status lookups: one prepared statement on the certification alone. */
    async certificationByNationalId(nationalId: string, scope: string | null): Promise<CertificationViewRow | undefined> {
      const res = await pool.query<CertificationViewRow>({
        name: 'certification_by_national_id',
        text: LOOKUP_SQL,
        values: [nationalId, scope],
      });
      return res.rows[0];
    },

    /** Just what a batch status query answers: no evidence, no open check. */
    async statusesByNationalIds(nationalIds: string[], scope: string | null) {
      const res = await pool.query<Pick<CertificationRow, 'pensioner_id' | 'national_id' | 'state' | 'due_from' | 'certified_until'>>({
        name: 'statuses_by_national_ids',
        text: STATUSES_SQL,
        values: [JSON.stringify(nationalIds), scope],
      });
      return res.rows;
    },

    async list(q: Q, f: { status?: string; scope: string | null; today: IsoDate; limit: number; after?: { until: string; id: string } }) {
      const where: RawBuilder<unknown>[] = [inRegionSql('c.region_code', f.scope)];
      if (f.status) where.push(statusFilterSql(f.status, f.today));
      if (f.after) where.push(sql`(c.certified_until, c.pensioner_id) > (${f.after.until}::date, ${f.after.id}::bigint)`);
      const res = await sql<CertificationRow>`${sql.raw(SELECT_VIEW)}
        WHERE ${sql.join(where, sql` AND `)}
        ORDER BY c.certified_until, c.pensioner_id
        LIMIT ${f.limit}`.execute(q);
      return res.rows;
    },

    /** One page of a pensioner's decisions, newest (largest id) first, after the decision `afterId`. */
    async decisionPage(q: Q, pensionerId: string, limit: number, afterId?: string): Promise<DecisionRow[]> {
      const res = await sql<DecisionRow>`
        SELECT d.id::text AS id, d.decided_at, d.status, d.certified_at, d.certified_until, d.method, d.score, d.policy_version,
          d.evidence, d.actor, d.detail
        FROM decisions d WHERE d.pensioner_id = ${pensionerId}::bigint ${afterId ? sql`AND d.id < ${afterId}::bigint` : sql``}
        ORDER BY d.id DESC LIMIT ${limit}`.execute(q);
      return res.rows;
    },

    /** Every decision of a pensioner, oldest first, as a replay reads them. */
    async decisionsToReplay(q: Q, pensionerId: string): Promise<ReplayedDecisionRow[]> {
      const res = await sql<ReplayedDecisionRow>`
        SELECT id::text AS id, (extract(epoch FROM decided_at) * 1000)::float8 AS decided_ms, status, certified_at::text AS certified_at,
          certified_until::text AS certified_until, method, score, policy_version, evidence, known_event_ids::text[] AS known_event_ids
        FROM decisions WHERE pensioner_id = ${pensionerId}::bigint ORDER BY decided_at, id`.execute(q);
      return res.rows;
    },

    /** The certifications in [fromId, toId] that are ending (due) or have ended (suspended), with what orders their checks. */
    async endingBetween(q: Q, fromId: string, toId: string) {
      const res = await sql<{
        pensioner_id: string;
        region_code: string;
        status: string;
        score: number;
        certified_until: string;
        due_from: string;
        birth_date: string;
        /** Whether reminders can reach them. */
        has_phone: boolean;
      }>`
        SELECT c.pensioner_id::text AS pensioner_id, c.region_code, c.status, c.score, c.certified_until, c.due_from, p.birth_date,
          coalesce(p.phone, '') <> '' AS has_phone
        FROM certifications c JOIN pensioners p ON p.id = c.pensioner_id
        WHERE c.pensioner_id BETWEEN ${fromId}::bigint AND ${toId}::bigint AND c.status IN ('due', 'suspended')`.execute(q);
      return res.rows;
    },

    /**
     * Of these pensioners, those whose certification is ending or has ended (due or suspended
     * on `today`, as statusFilterSql): the ones who need certifying.
     */
    async needingCertification(q: Q, pensionerIds: string[], today: IsoDate): Promise<Set<string>> {
      if (pensionerIds.length === 0) return new Set();
      const res = await sql<{ id: string }>`SELECT c.pensioner_id::text AS id FROM certifications c
        WHERE c.pensioner_id = any(${pensionerIds}::bigint[]) AND c.state = 'active' AND c.due_from <= ${today}::date`.execute(q);
      return new Set(res.rows.map((r) => r.id));
    },

    /** The stored outcome a rescore compares with: not the evidence, whose JSON is costly to read. */
    async current(q: Q, pensionerIds: string[]) {
      if (pensionerIds.length === 0) return [];
      return q
        .selectFrom('certifications')
        .select(['pensioner_id', 'state', 'status', 'certified_at', 'method', 'death_date', 'policy_version'])
        .where(among('pensioner_id', pensionerIds))
        .execute();
    },

    /**
     * Writes the decided certifications of many pensioners and, for those whose outcome
     * changed (`history` given), the decision history rows: one statement, one JSON
     * parameter. Serialising a sweep page as an array per column, and its evidence twice,
     * cost more than deciding it.
     */
    async save(
      q: Q,
      rows: {
        pensionerId: string;
        nationalId: string;
        regionCode: string;
        status: string;
        state: CertificationState;
        history?: { detail?: unknown; knownEventIds: string[] };
      }[],
      at: Date,
      actor: string,
    ) {
      if (rows.length === 0) return;
      const json = JSON.stringify(
        rows.map(({ pensionerId, nationalId, regionCode, status, state: s, history }) => ({
          pensioner_id: pensionerId,
          national_id: nationalId,
          region_code: regionCode,
          state: s.state,
          status,
          certified_at: s.certifiedAt,
          certified_until: s.certifiedUntil,
          due_from: s.dueFrom,
          method: s.method,
          score: s.score,
          score_at: s.scoreAt,
          policy_version: s.policyVersion,
          evidence: s.evidence,
          death_date: s.deathDate,
          since: s.since,
          decided: !!history,
          detail: history?.detail ?? null,
          known_event_ids: history?.knownEventIds ?? null,
        })),
      );
      await sql`
        WITH u AS (
          SELECT * FROM json_to_recordset(${json}::json) AS u(pensioner_id bigint, national_id text, region_code text,
            state text, status text, certified_at date, certified_until date, due_from date, method text, score float8,
            score_at timestamptz, policy_version text, evidence json, death_date date, since date,
            decided boolean, detail jsonb, known_event_ids bigint[])
        ), saved AS (
          INSERT INTO certifications AS c (pensioner_id, national_id, region_code, state, status, certified_at, certified_until, due_from,
            method, score, score_at, policy_version, evidence, death_date, since, updated_at)
          SELECT pensioner_id, national_id, region_code, state, status, certified_at, certified_until, due_from,
            method, score, score_at, policy_version, evidence, death_date, since, now() FROM u
          ON CONFLICT (pensioner_id) DO UPDATE SET region_code = excluded.region_code, state = excluded.state, status = excluded.status,
            certified_at = excluded.certified_at, certified_until = excluded.certified_until, due_from = excluded.due_from,
            method = excluded.method, score = excluded.score, score_at = excluded.score_at,
            policy_version = excluded.policy_version, evidence = excluded.evidence, death_date = excluded.death_date,
            since = excluded.since, updated_at = now()
        )
        INSERT INTO decisions (pensioner_id, decided_at, status, certified_at, certified_until, method, score, policy_version, evidence, actor, detail, known_event_ids)
        SELECT pensioner_id, ${at}::timestamptz, status, certified_at, certified_until, method, score, policy_version, evidence::jsonb, ${actor}, detail, known_event_ids
        FROM u WHERE decided`.execute(q);
    },
  };
}
export type CertificationRepository = ReturnType<typeof createCertificationRepository>;
