// Certification state rows and the reads the bureau makes of them.
import { sql, type Kysely, type Transaction } from 'kysely';
import type pg from 'pg';
import type { DB } from '../../infra/db-types.ts';
import { regionSql } from '../pensioners/repository.ts';
import type { CertificationState } from './decide.ts';
import type { IsoDate } from '../../domain/calendar.ts';

type Q = Kysely<DB> | Transaction<DB>;

export interface CertificationRow {
  pensioner_id: string;
  national_id: string;
  name: string;
  region_code: string;
  phone: string | null;
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
const FROM_VIEW = `
  FROM pensioners p
  JOIN certifications c ON c.pensioner_id = p.id
  LEFT JOIN LATERAL (
    SELECT id, reason, priority FROM manual_checks m
    WHERE m.pensioner_id = p.id AND m.status <> 'resolved'
    ORDER BY priority DESC, opened_at LIMIT 1
  ) mc ON true`;

const SELECT_VIEW = `
  SELECT p.id::text AS pensioner_id, p.national_id, p.name, p.region_code, p.phone, p.birth_date,
    p.benefit_start_date, p.monthly_benefit_fen::text AS monthly_benefit_fen, p.pension_type, p.legacy_certified_at,
    ${CERTIFICATION_COLUMNS}${FROM_VIEW}`;

/** What a status lookup shows: no registry fields besides the national ID. */
export type CertificationViewRow = Pick<
  CertificationRow,
  | 'pensioner_id' | 'national_id' | 'state' | 'certified_at' | 'certified_until' | 'due_from' | 'method' | 'score'
  | 'policy_version' | 'evidence' | 'death_date' | 'since' | 'check_id' | 'check_reason' | 'check_priority'
>;

// Only columns of pensioners_national_id_cover from pensioners, so the registry's rows are
// not read (index-only scan): see migrations/20261125T230000_national_id_cover.ts.
const BY_NATIONAL_ID = `WHERE p.national_id = $1 AND ($2::text IS NULL OR p.region_code LIKE $2 || '%')`;
/** The status lookup ($1 national ID, $2 the caller's region prefix or null); exported for its plan test. */
export const LOOKUP_SQL = `
  SELECT p.id::text AS pensioner_id, p.national_id, ${CERTIFICATION_COLUMNS}${FROM_VIEW}
  ${BY_NATIONAL_ID}`;

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

    /** The hot path of status lookups: one prepared statement, pensioners read from the covering index only. */
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
        text: `SELECT p.id::text AS pensioner_id, p.national_id, c.state, c.due_from, c.certified_until
          FROM pensioners p JOIN certifications c ON c.pensioner_id = p.id
          WHERE p.national_id = ANY($1::text[]) AND ($2::text IS NULL OR p.region_code LIKE $2 || '%')`,
        values: [nationalIds, scope],
      });
      return res.rows;
    },

    async list(q: Q, f: { status?: string; scope: string | null; today: IsoDate; limit: number; after?: { until: string; id: string } }) {
      const where = [regionSql('c.region_code', f.scope)];
      if (f.status) where.push(statusFilterSql(f.status, f.today));
      if (f.after) where.push(sql`(c.certified_until, c.pensioner_id) > (${f.after.until}::date, ${f.after.id}::bigint)`);
      const res = await sql<CertificationRow>`${sql.raw(SELECT_VIEW)}
        WHERE ${sql.join(where, sql` AND `)}
        ORDER BY c.certified_until, c.pensioner_id
        LIMIT ${f.limit}`.execute(q);
      return res.rows;
    },

    /** The stored outcome a rescore compares with: not the evidence, whose JSON is costly to read. */
    async current(q: Q, pensionerIds: string[]) {
      if (pensionerIds.length === 0) return [];
      return q
        .selectFrom('certifications')
        .select(['pensioner_id', 'state', 'status', 'certified_at', 'method', 'death_date', 'policy_version'])
        .where('pensioner_id', '=', sql<string>`any(${pensionerIds}::bigint[])`)
        .execute();
    },

    /** Writes the decided states of many pensioners in one statement. */
    async save(q: Q, rows: { pensionerId: string; regionCode: string; status: string; state: CertificationState }[]) {
      if (rows.length === 0) return;
      const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
      await sql`
        INSERT INTO certifications AS c (pensioner_id, region_code, state, status, certified_at, certified_until, due_from,
          method, score, score_at, policy_version, evidence, death_date, since, updated_at)
        SELECT u.*, now() FROM unnest(
          ${col((r) => r.pensionerId)}::bigint[], ${col((r) => r.regionCode)}::text[], ${col((r) => r.state.state)}::text[], ${col((r) => r.status)}::text[],
          ${col((r) => r.state.certifiedAt)}::date[], ${col((r) => r.state.certifiedUntil)}::date[], ${col((r) => r.state.dueFrom)}::date[],
          ${col((r) => r.state.method)}::text[], ${col((r) => r.state.score)}::float8[], ${col((r) => r.state.scoreAt)}::timestamptz[],
          ${col((r) => r.state.policyVersion)}::text[], ${col((r) => JSON.stringify(r.state.evidence))}::jsonb[],
          ${col((r) => r.state.deathDate)}::date[], ${col((r) => r.state.since)}::date[]) AS u
        ON CONFLICT (pensioner_id) DO UPDATE SET region_code = excluded.region_code, state = excluded.state, status = excluded.status,
          certified_at = excluded.certified_at, certified_until = excluded.certified_until, due_from = excluded.due_from,
          method = excluded.method, score = excluded.score, score_at = excluded.score_at,
          policy_version = excluded.policy_version, evidence = excluded.evidence, death_date = excluded.death_date,
          since = excluded.since, updated_at = now()`.execute(q);
    },

    async recordDecisions(
      q: Q,
      rows: { pensionerId: string; at: Date; status: string; state: CertificationState; actor: string; detail?: unknown; knownEventIds: string[] }[],
    ) {
      if (rows.length === 0) return;
      const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
      await sql`
        INSERT INTO decisions (pensioner_id, decided_at, status, certified_at, certified_until, method, score, policy_version, evidence, actor, detail, known_event_ids)
        SELECT u.pensioner_id, u.decided_at, u.status, u.certified_at, u.certified_until, u.method, u.score, u.policy_version, u.evidence, u.actor, u.detail,
          u.known::bigint[]
        FROM unnest(${col((r) => r.pensionerId)}::bigint[], ${col((r) => r.at)}::timestamptz[], ${col((r) => r.status)}::text[],
          ${col((r) => r.state.certifiedAt)}::date[], ${col((r) => r.state.certifiedUntil)}::date[], ${col((r) => r.state.method)}::text[],
          ${col((r) => r.state.score)}::float8[], ${col((r) => r.state.policyVersion)}::text[],
          ${col((r) => JSON.stringify(r.state.evidence))}::jsonb[], ${col((r) => r.actor)}::text[],
          ${col((r) => (r.detail === undefined ? null : JSON.stringify(r.detail)))}::jsonb[],
          -- one array literal per decision: unnest would flatten a two-dimensional array
          ${col((r) => `{${r.knownEventIds.join(',')}}`)}::text[])
          AS u(pensioner_id, decided_at, status, certified_at, certified_until, method, score, policy_version, evidence, actor, detail, known)`.execute(q);
    },
  };
}
export type CertificationRepository = ReturnType<typeof createCertificationRepository>;
