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
