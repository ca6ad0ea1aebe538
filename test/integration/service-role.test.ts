// The audit log is append-only against the service itself (issue 15): the service connects as
// pension_app, which owns no table, may only INSERT into and SELECT from audit_log, and so can
// neither change its rows nor drop or disable the triggers that guard them. Every other test
// file runs its app as this role too, so the whole suite shows the grants suffice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { admin, createTestContext, withClient, type TestContext } from '../helpers/context.ts';
import { auth, pensionerBody, syntheticId } from '../helpers/people.ts';
import { databaseUrl } from '../helpers/env.ts';
import { startPrivatePostgres } from '../helpers/private-postgres.ts';
import { loadConfig } from '../../src/config.ts';
import { createDatabase, migrateToLatest } from '../../src/infra/database.ts';
import { SERVICE_ROLE, loginAs } from '../../src/infra/service-role.ts';
import { migrate, startRuntime } from '../../src/runtime.ts';

let t: TestContext;

const asService = <T>(fn: (c: pg.Client) => Promise<T>, url = t.dbUrl): Promise<T> => withClient(url, fn);
const auditRows = async () => Number((await t.deps.pool.query('SELECT count(*) FROM audit_log')).rows[0].count);

beforeAll(async () => {
  t = await createTestContext();
  const key = await t.key('admin');
  const id = syntheticId();
  await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${id}`, headers: auth(key), payload: pensionerBody() });
  await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}`, headers: auth(key) });
});
afterAll(async () => t?.close());

describe('as the service role, the audit log', () => {
  it('is written by the app as that role', async () => {
    expect((await t.deps.pool.query('SELECT current_user AS u')).rows[0].u).toBe(SERVICE_ROLE);
    expect(await auditRows()).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['UPDATE', `UPDATE audit_log SET action = 'x'`, /permission denied for table audit_log/],
    ['DELETE', `DELETE FROM audit_log`, /permission denied for table audit_log/],
    ['TRUNCATE', `TRUNCATE audit_log`, /permission denied for table audit_log/],
    ['DISABLE TRIGGER', `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`, /must be owner of table audit_log/],
    ['DISABLE TRIGGER ALL', `ALTER TABLE audit_log DISABLE TRIGGER ALL`, /must be owner of table audit_log/],
    ['DROP TRIGGER', `DROP TRIGGER audit_log_no_change ON audit_log`, /must be owner of (table|relation) audit_log/],
    ['DROP TRIGGER (truncate)', `DROP TRIGGER audit_log_no_truncate ON audit_log`, /must be owner of (table|relation) audit_log/],
    [
      'replace the trigger function',
      `CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`,
      /must be owner of function|permission denied for schema public/,
    ],
    ['DROP TABLE', `DROP TABLE audit_log`, /must be owner of table audit_log/],
    ['take the table over', `ALTER TABLE audit_log OWNER TO ${SERVICE_ROLE}`, /must be owner of table audit_log/],
    ['act as the owner', `SET ROLE postgres`, /permission denied to set role/],
    ['skip triggers as a replica', `SET session_replication_role = replica`, /permission denied to set parameter/],
  ])('refuses %s', async (_what, statement, error) => {
    const before = await auditRows();
    await expect(asService((c) => c.query(statement))).rejects.toThrow(error);
    expect(await auditRows()).toBe(before);
    const triggers = await t.deps.pool.query(`SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass ORDER BY tgname`);
    expect(triggers.rows).toEqual([
      { tgname: 'audit_log_after_horizon', tgenabled: 'O' },
      { tgname: 'audit_log_no_change', tgenabled: 'O' },
      { tgname: 'audit_log_no_truncate', tgenabled: 'O' },
    ]);
  });

  it('is granted INSERT and SELECT, nothing else', async () => {
    const { rows } = await t.deps.pool.query(
      `SELECT privilege_type FROM information_schema.role_table_grants WHERE grantee = $1 AND table_name = 'audit_log' ORDER BY 1`,
      [SERVICE_ROLE],
    );
    expect(rows.map((r) => r.privilege_type)).toEqual(['INSERT', 'SELECT']);
  });

  it('still refuses changes from the owner (the triggers)', async () => {
    await expect(asService((c) => c.query(`UPDATE audit_log SET action = 'x'`), t.ownerUrl)).rejects.toThrow(/append-only/);
    await expect(asService((c) => c.query(`TRUNCATE audit_log`), t.ownerUrl)).rejects.toThrow(/append-only/);
  });
});

describe('the service role', () => {
  it('owns no table and has a privilege on every table (a migration adding one grants on it)', async () => {
    const { rows } = await t.deps.pool.query(
      `SELECT c.relname, pg_get_userbyid(c.relowner) = $1 AS owned, has_table_privilege($1, c.oid, 'SELECT') AS reads
       FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1`,
      [SERVICE_ROLE],
    );
    expect(rows.filter((r) => r.owned).map((r) => r.relname)).toEqual([]);
    expect(rows.filter((r) => !r.reads).map((r) => r.relname)).toEqual([]);
  });

  it('may not change evidence or decisions, only add to them', async () => {
    for (const table of ['events', 'decisions']) {
      await expect(asService((c) => c.query(`DELETE FROM ${table}`))).rejects.toThrow(new RegExp(`permission denied for table ${table}`));
      await expect(asService((c) => c.query(`UPDATE ${table} SET id = id`))).rejects.toThrow(new RegExp(`permission denied for table ${table}`));
    }
  });
});

describe('starting the service', () => {
  it('is refused when DATABASE_URL is the tables owner, naming the fix', async () => {
    const config = { ...loadConfig({ DATABASE_URL: t.ownerUrl, LOG_LEVEL: 'silent' }), queuePrefix: `role${randomBytes(3).toString('hex')}` };
    await expect(startRuntime(config, { migrate: false })).rejects.toThrow(/connects as postgres, which owns the tables .*pension_app.*MIGRATION_DATABASE_URL/);
  });

  it('migrates only as the owner: the service role is told to use MIGRATION_DATABASE_URL', async () => {
    const name = `pc_t_${randomBytes(6).toString('hex')}`;
    await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0`));
    try {
      const service = loginAs(databaseUrl(name), SERVICE_ROLE);
      await expect(migrate({ service, owner: service })).rejects.toThrow(/migrations run as the tables' owner: set MIGRATION_DATABASE_URL/);
    } finally {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    }
  });
});

describe('on a server without the role', () => {
  it('databases migrated at the same moment create it once, and each grants it', async () => {
    const cluster = await startPrivatePostgres('role');
    try {
      const names = ['one', 'two', 'three', 'four'];
      await asService(async (c) => {
        for (const n of names) await c.query(`CREATE DATABASE ${n}`);
      }, cluster.url());
      const dbs = names.map((n) => createDatabase(cluster.url(n), { max: 1 }));
      try {
        const results = await Promise.allSettled(dbs.map((d) => migrateToLatest(d.db)));
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      } finally {
        await Promise.all(dbs.map((d) => d.close()));
      }
      const roles = await asService((c) => c.query(`SELECT rolname, rolsuper, rolcanlogin FROM pg_roles WHERE rolname = $1`, [SERVICE_ROLE]), cluster.url());
      expect(roles.rows).toEqual([{ rolname: SERVICE_ROLE, rolsuper: false, rolcanlogin: true }]);
      for (const n of names) {
        const who = await asService(
          (c) => c.query(`INSERT INTO audit_log (action) VALUES ('probe') RETURNING current_user AS u`),
          cluster.url(n, SERVICE_ROLE),
        );
        expect(who.rows[0].u).toBe(SERVICE_ROLE);
      }
    } finally {
      cluster.remove();
    }
  }, 60_000);
});
