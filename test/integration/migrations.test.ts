// Migrations that move data: run on a database holding rows from before them, then down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
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
