// Migrations that move data or ownership: run on a database holding what was there before them, then down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { Queue, createPostgresBackend } from 'bullmq';
import { SERVICE_ROLE, loginAs } from '../../src/infra/service-role.ts';
import { MIGRATIONS } from '../../migrations/index.ts';
import { databaseUrl } from '../helpers/env.ts';
import { admin } from '../helpers/context.ts';
import { syntheticId } from '../helpers/people.ts';

const name = `pc_t_${randomBytes(6).toString('hex')}`;
let db: Kysely<any>;
let migrator: Migrator;

const indexes = async (table: string) =>
  (await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes WHERE tablename = ${table}`.execute(db)).rows.map((r) => r.indexname);

beforeAll(async () => {
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0`));
  db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl(name), max: 2 }) }) });
  migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
});

afterAll(async () => {
  await db?.destroy();
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
});

describe('certifications carry the national ID (20261126T010000)', () => {
  it('fills it for certifications written before, and goes back down', async () => {
    const before = await migrator.migrateTo('20261126T000000_decision_known_events');
    expect(before.error).toBeUndefined();
    const ids = [syntheticId('510104', '1950-01-01'), syntheticId('510703', '1948-06-30')];
    for (const nid of ids) {
      await sql`
        WITH p AS (
          INSERT INTO pensioners (national_id, name, region_code, birth_date, benefit_start_date, monthly_benefit_fen)
          VALUES (${nid}, '测试', ${nid.slice(0, 6)}, ${`${nid.slice(6, 10)}-${nid.slice(10, 12)}-${nid.slice(12, 14)}`}::date, '2015-01-01', 300000)
          RETURNING id, region_code)
        INSERT INTO certifications (pensioner_id, region_code, state, status, certified_at, certified_until, due_from, method, score, policy_version)
        SELECT id, region_code, 'active', 'certified', '2026-01-01', '2027-01-01', '2026-11-01', 'legacy', 0, 'legacy' FROM p`.execute(db);
    }

    const up = await migrator.migrateToLatest();
    expect(up.error).toBeUndefined();
    const rows = await sql<{ national_id: string; pensioner_national_id: string }>`
      SELECT c.national_id, p.national_id AS pensioner_national_id FROM certifications c JOIN pensioners p ON p.id = c.pensioner_id`.execute(db);
    expect(rows.rows).toHaveLength(2);
    for (const r of rows.rows) expect(r.national_id).toBe(r.pensioner_national_id);
    expect(await indexes('certifications')).toContain('certifications_national_id');
    expect(await indexes('pensioners')).not.toContain('pensioners_national_id_cover');
    expect(await indexes('events')).toEqual(expect.arrayContaining(['events_pensioner_cover']));
    expect(await indexes('events')).not.toContain('events_pensioner');
    // One national ID, one certification: a second row for it is refused.
    const third = syntheticId('510105', '1951-03-03');
    await sql`INSERT INTO pensioners (national_id, name, region_code, birth_date, benefit_start_date, monthly_benefit_fen)
      VALUES (${third}, '测试', '510105', '1951-03-03', '2015-01-01', 300000)`.execute(db);
    await expect(
      sql`INSERT INTO certifications (pensioner_id, national_id, region_code, state, certified_at, certified_until, due_from, method, score, policy_version)
        SELECT id, ${ids[1]}, region_code, 'active', '2026-01-01', '2027-01-01', '2026-11-01', 'legacy', 0, 'legacy' FROM pensioners WHERE national_id = ${third}`.execute(
        db,
      ),
    ).rejects.toThrow(/certifications_national_id/);

    const down = await migrator.migrateTo('20261126T000000_decision_known_events');
    expect(down.error).toBeUndefined();
    const columns = await sql<{ column_name: string }>`
      SELECT column_name FROM information_schema.columns WHERE table_name = 'certifications'`.execute(db);
    expect(columns.rows.map((c) => c.column_name)).not.toContain('national_id');
    expect(await indexes('pensioners')).toContain('pensioners_national_id_cover');
    expect(await indexes('events')).toContain('events_pensioner');
  });
});

describe('reminder rounds and codes (20261202T060000)', () => {
  it('keeps reminders from before as first rounds, holds a code in clear only while pending, and goes back down', async () => {
    expect((await migrator.migrateTo('20261201T010000_key_revoked_notify')).error).toBeUndefined();
    const nid = syntheticId('510104', '1949-09-09');
    await sql`
      WITH p AS (
        INSERT INTO pensioners (national_id, name, region_code, birth_date, benefit_start_date, monthly_benefit_fen)
        VALUES (${nid}, '测试', '510104', '1949-09-09', '2015-01-01', 300000) RETURNING id)
      INSERT INTO reminders (pensioner_id, due_from, status, sent_at) SELECT id, '2026-05-15', 'sent', now() FROM p`.execute(db);

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const rows = await sql<{ round: number; status: string }>`SELECT round, status FROM reminders`.execute(db);
    expect(rows.rows).toEqual([{ round: 1, status: 'sent' }]);
    // A second round for the same due date is a row of its own; a third is refused.
    await sql`INSERT INTO reminders (pensioner_id, due_from, round, status) SELECT pensioner_id, due_from, 2, 'pending' FROM reminders`.execute(db);
    await expect(
      sql`INSERT INTO reminders (pensioner_id, due_from, round, status) SELECT pensioner_id, due_from, 3, 'pending' FROM reminders LIMIT 1`.execute(db),
    ).rejects.toThrow(/check/);
    await expect(sql`UPDATE reminders SET pending_code = 'ABCDEFGH' WHERE round = 1`.execute(db)).rejects.toThrow(/reminders_code_only_while_pending/);
    expect(await indexes('reminders')).toContain('reminders_sent');

    expect((await migrator.migrateTo('20261201T010000_key_revoked_notify')).error).toBeUndefined();
    const after = await sql<{ due_from: string; status: string }>`SELECT due_from::text, status FROM reminders`.execute(db);
    expect(after.rows).toEqual([{ due_from: '2026-05-15', status: 'sent' }]);
    expect(await indexes('reminders')).not.toContain('reminders_sent');
  });
});

describe('the service role (20261202T020000)', () => {
  const other = `pc_t_${randomBytes(6).toString('hex')}`;
  const schema = `bullmq_mig${randomBytes(3).toString('hex')}`;
  const queueOn = (url: string) =>
    new (Queue as any)('probe', { connection: { connectionString: url, schema, migrate: true, max: 2 } }, createPostgresBackend) as Queue;

  afterAll(() => admin((c) => c.query(`DROP DATABASE IF EXISTS ${other} WITH (FORCE)`)));

  it('hands the queue schema BullMQ made as the owner to the service role, and goes back down', async () => {
    await admin((c) => c.query(`CREATE DATABASE ${other} TEMPLATE template0`));
    const odb = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl(other), max: 2 }) }) });
    const m = new Migrator({ db: odb, provider: { getMigrations: async () => MIGRATIONS } });
    try {
      expect((await m.migrateTo('20261201T010000_key_revoked_notify')).error).toBeUndefined();
      // Before: the service ran as the owner, and its PostgreSQL queue backend made its schema.
      const before = queueOn(databaseUrl(other));
      await before.add('job', { pensionerIds: [] });
      await before.close();

      expect((await m.migrateToLatest()).error).toBeUndefined();
      const owner = await sql<{ owner: string }>`SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = ${schema}`.execute(odb);
      expect(owner.rows).toEqual([{ owner: SERVICE_ROLE }]);
      const after = queueOn(loginAs(databaseUrl(other), SERVICE_ROLE));
      try {
        expect(await after.getJobCounts('waiting')).toEqual({ waiting: 1 });
        await after.add('job', { pensionerIds: [] });
        expect(await after.getJobCounts('waiting')).toEqual({ waiting: 2 });
      } finally {
        await after.close();
      }

      expect((await m.migrateTo('20261201T010000_key_revoked_notify')).error).toBeUndefined();
      const grants = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.role_table_grants
        WHERE grantee = ${SERVICE_ROLE} AND table_schema = 'public'`.execute(odb);
      expect(grants.rows).toEqual([{ n: 0 }]);
    } finally {
      await odb.destroy();
    }
  }, 60_000);
});

describe('batches remember their mapping (20261202T040000)', () => {
  it('makes the same bytes read another way another batch, and goes back down', async () => {
    const before = await migrator.migrateTo('20261201T010000_key_revoked_notify');
    expect(before.error).toBeUndefined();
    await sql`DELETE FROM batches`.execute(db);
    const batch = (id: string, charset: string, mapping: string | null = null, contentType = 'text/csv') =>
      mapping === null
        ? sql`INSERT INTO batches (id, source, content_type, charset, sha256, status, received_at)
            VALUES (${id}, 'hospital', ${contentType}, ${charset}, 'same', 'completed', ${`2026-12-0${id.slice(-1)}`}::timestamptz)`
        : sql`INSERT INTO batches (id, source, content_type, charset, sha256, status, received_at, mapping)
            VALUES (${id}, 'hospital', ${contentType}, ${charset}, 'same', 'completed', ${`2026-12-0${id.slice(-1)}`}::timestamptz, ${mapping}::jsonb)`;
    await batch('00000000-0000-4000-8000-000000000001', 'utf-8').execute(db);

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    await batch('00000000-0000-4000-8000-000000000002', 'gbk').execute(db);
    await batch('00000000-0000-4000-8000-000000000003', 'gbk', '{"name": "a", "zone": "UTC"}').execute(db);
    await batch('00000000-0000-4000-8000-000000000004', 'gbk', '{"name": "b"}').execute(db);
    await batch('00000000-0000-4000-8000-000000000005', 'utf-8', null, 'application/x-ndjson').execute(db);
    // The same reading twice is refused, whatever the key order of the mapping's JSON.
    await expect(batch('00000000-0000-4000-8000-000000000006', 'utf-8').execute(db)).rejects.toThrow(/batches_same_file/);
    await expect(batch('00000000-0000-4000-8000-000000000007', 'gbk', '{"zone": "UTC", "name": "a"}').execute(db)).rejects.toThrow(/batches_same_file/);

    expect((await migrator.migrateTo('20261201T010000_key_revoked_notify')).error).toBeUndefined();
    const rows = await sql<{ id: string; sha256: string | null }>`SELECT id::text, sha256 FROM batches ORDER BY id`.execute(db);
    expect(rows.rows.map((r) => r.sha256)).toEqual(['same', null, null, null, null]);
    expect(await indexes('batches')).toContain('batches_same_file');
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
  });
});

const BEFORE_PARTITIONS = '20261203T010000_check_priority_reasons';
/** Every column of every row, in id order: equal before and after means nothing was lost or changed. */
const fingerprint = async () =>
  (await sql<{ n: number; sum: string }>`SELECT count(*)::int AS n, md5(string_agg(e::text, '|' ORDER BY e.id)) AS sum FROM events e`.execute(db)).rows[0]!;

describe('evidence partitioned by month (20261204T040000)', () => {
  it('keeps every row, records their identities, and goes back down', async () => {
    expect((await migrator.migrateTo(BEFORE_PARTITIONS)).error).toBeUndefined();
    await sql`INSERT INTO pensioners (national_id, name, region_code, birth_date, benefit_start_date, monthly_benefit_fen)
      SELECT 'P' || g, '测试', '510104', '1950-01-01', '2015-01-01', 300000 FROM generate_series(1, 200) g ON CONFLICT DO NOTHING`.execute(db);
    // Two years of evidence, an outlier of 1990, and rows from before received_via (none).
    await sql`ALTER TABLE events DROP CONSTRAINT events_received_via`.execute(db);
    await sql`INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, location, death_date, received_at, received_via)
      SELECT (SELECT min(id) FROM pensioners) + g % 200, CASE WHEN g % 2 = 0 THEN 'bank' ELSE 'hospital' END, 'counter', 'M-' || g,
        CASE WHEN g = 7 THEN '1990-05-01T00:00:00Z'::timestamptz ELSE now() - (g % 700) * interval '1 day' END,
        'id_document', CASE WHEN g % 3 = 0 THEN '510104' END, NULL, now(), CASE WHEN g < 50 THEN NULL ELSE 'import:test' END
      FROM generate_series(1, 5000) g`.execute(db);
    await sql`ALTER TABLE events ADD CONSTRAINT events_received_via
      CHECK (received_via IS NOT NULL AND received_via ~ '^(key:[0-9a-f-]{36}|pull:.+|match:.+|import:.+)$') NOT VALID`.execute(db);
    const before = await fingerprint();
    expect(before.n).toBeGreaterThanOrEqual(5000);

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await fingerprint()).toEqual(before);
    const kind = await sql<{ relkind: string }>`SELECT relkind FROM pg_class WHERE oid = 'events'::regclass`.execute(db);
    expect(kind.rows[0]!.relkind).toBe('p');
    const where = await sql<{ p: string; n: number }>`SELECT tableoid::regclass::text AS p, count(*)::int AS n FROM events GROUP BY 1`.execute(db);
    expect(where.rows.find((r) => r.p === 'events_default')?.n).toBe(1); // the 1990 outlier
    expect(where.rows.length).toBeGreaterThan(20); // a month each
    const identities = await sql<{ n: number }>`SELECT count(*)::int AS n FROM event_identities`.execute(db);
    expect(identities.rows[0]!.n).toBe(before.n);
    const indexes = await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes WHERE tablename = 'events'`.execute(db);
    expect(indexes.rows.map((r) => r.indexname).sort()).toEqual(['events_occurred_brin', 'events_pensioner_cover', 'events_pkey']);
    // The covering index of rescoring is on every month.
    const covered = await sql<{ parts: number; covered: number }>`SELECT
        (SELECT count(*)::int FROM pg_inherits WHERE inhparent = 'events'::regclass) AS parts,
        (SELECT count(*)::int FROM pg_inherits WHERE inhparent = 'events_pensioner_cover'::regclass) AS covered`.execute(db);
    expect(covered.rows[0]!.covered).toBe(covered.rows[0]!.parts);
    // The service's role: evidence read and appended, never updated; partitions read; the maintenance functions run.
    const can = await sql<Record<string, boolean>>`SELECT
        has_table_privilege(${SERVICE_ROLE}, 'events', 'INSERT') AS insert_events, has_table_privilege(${SERVICE_ROLE}, 'events', 'UPDATE') AS update_events,
        has_table_privilege(${SERVICE_ROLE}, 'event_identities', 'INSERT') AS insert_identities,
        has_table_privilege(${SERVICE_ROLE}, 'events_default', 'SELECT') AS read_default,
        has_table_privilege(${SERVICE_ROLE}, 'decision_events', 'INSERT') AS insert_decision_events,
        has_function_privilege(${SERVICE_ROLE}, 'evidence_retire_month(date)', 'EXECUTE') AS retire,
        has_function_privilege('public', 'evidence_retire_month(date)', 'EXECUTE') AS anyone_retires`.execute(db);
    expect(can.rows[0]).toEqual({
      insert_events: true,
      update_events: false,
      insert_identities: true,
      read_default: true,
      insert_decision_events: false,
      retire: true,
      anyone_retires: false,
    });
    // Rows without received_via are only those from before the column: a new one is refused.
    await expect(
      sql`INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check) SELECT min(id), 'bank', 'counter', 'M-new', now(), 'none' FROM pensioners`.execute(
        db,
      ),
    ).rejects.toThrow(/events_received_via/);

    expect((await migrator.migrateTo(BEFORE_PARTITIONS)).error).toBeUndefined();
    expect(await fingerprint()).toEqual(before);
    const unique = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 'events'::regclass AND contype = 'u'`.execute(db);
    expect(unique.rows[0]!.n).toBe(1);
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await fingerprint()).toEqual(before);
  });
});

describe('certification evidence kept as json, pages half free (20261206T000000)', () => {
  it('keeps every certification evidence as it was, and goes back down', async () => {
    expect((await migrator.migrateTo('20261205T020000_check_visit_from')).error).toBeUndefined();
    const evidence = [{ kind: 'discharge', source: 'hospital', weight: 0.9, occurredAt: '2026-10-01T08:00:00+08:00', contribution: 0.8731 }];
    await sql`UPDATE certifications SET evidence = ${JSON.stringify(evidence)}::jsonb WHERE pensioner_id = (SELECT min(pensioner_id) FROM certifications)`.execute(
      db,
    );
    const read = async () =>
      (await sql<{ pensioner_id: string; evidence: unknown }>`SELECT pensioner_id::text, evidence FROM certifications ORDER BY pensioner_id`.execute(db)).rows;
    const before = await read();
    expect(before.length).toBeGreaterThan(1);
    expect(before.some((r) => JSON.stringify(r.evidence) === '[]')).toBe(true);

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await read()).toEqual(before);
    const column = await sql<{ type: string; options: string[] | null }>`
      SELECT format_type(a.atttypid, a.atttypmod) AS type, c.reloptions AS options
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.oid = 'certifications'::regclass AND a.attname = 'evidence'`.execute(db);
    expect(column.rows[0]).toEqual({ type: 'json', options: ['fillfactor=50'] });

    expect((await migrator.migrateTo('20261205T020000_check_visit_from')).error).toBeUndefined();
    expect(await read()).toEqual(before);
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
  });
});

describe('audit rows naming many, batch statuses from the index (20261207T000000, 20261207T010000)', () => {
  const definition = async (index: string) =>
    (await sql<{ indexdef: string }>`SELECT indexdef FROM pg_indexes WHERE indexname = ${index}`.execute(db)).rows[0]?.indexdef;

  it('keeps the indexes an operator made beforehand without holding writes, and goes back down', async () => {
    expect((await migrator.migrateTo('20261206T000000_certification_evidence_json')).error).toBeUndefined();
    // What README "Deploying" tells an operator of a large database to run first.
    await sql`ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS pensioner_ids bigint[]`.execute(db);
    await sql`CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_many_people ON audit_log (at) WHERE pensioner_ids IS NOT NULL`.execute(db);
    await sql`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS certifications_national_id_cover ON certifications (national_id)
      INCLUDE (pensioner_id, state, due_from, certified_until, region_code)`.execute(db);
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await definition('certifications_national_id')).toMatch(
      /UNIQUE INDEX .* \(national_id\) INCLUDE \(pensioner_id, state, due_from, certified_until, region_code\)/,
    );
    expect(await definition('certifications_national_id_cover')).toBeUndefined();
    expect(await definition('audit_many_people')).toMatch(/\(at\) WHERE \(pensioner_ids IS NOT NULL\)/);

    expect((await migrator.migrateTo('20261206T000000_certification_evidence_json')).error).toBeUndefined();
    expect(await definition('certifications_national_id')).toMatch(/UNIQUE INDEX .* \(national_id\)$/);
    expect(await indexes('audit_log')).not.toContain('audit_many_people');
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
  });
});
