// PostgreSQL restarted under the service (a failover, an upgrade, a crash): the process stays
// up, answers 503 while the database is away (never 500, never a refused connection), and
// serves again by itself once it is back. Runs on a private cluster of its own.
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL } from '../helpers/env.ts';
import { dropRedisKeys } from '../helpers/context.ts';
import { freePort } from '../helpers/free-port.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { SERVICE_ROLE } from '../../src/infra/service-role.ts';
import { auth, pensionerBody, syntheticId } from '../helpers/people.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const prefix = `pgr${process.pid}`;
let pg: PrivatePostgres;
let httpPort: number;
let service: ReturnType<typeof spawn> | undefined;
let out = '';

async function waitFor(what: string, ok: () => Promise<boolean>, ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await ok().catch(() => false)) return Date.now();
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} within ${ms} ms: ${out.slice(-2000)}`);
}

beforeAll(async () => {
  pg = await startPrivatePostgres('pgrestart');
  httpPort = await freePort();
  // A fresh cluster: migrating as the owner creates the service's role, which the service then uses.
  const env = {
    ...process.env,
    DATABASE_URL: pg.url('postgres', SERVICE_ROLE),
    MIGRATION_DATABASE_URL: pg.url(),
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    MIGRATE_ON_START: 'true',
    ROLE: 'all',
    PORT: String(httpPort),
    LOG_LEVEL: 'warn',
  };
  service = spawn(TSX, ['src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  service.stdout!.on('data', (d) => (out += d));
  service.stderr!.on('data', (d) => (out += d));
  await waitFor('service ready', async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 200, 60_000);
}, 90_000);

afterAll(async () => {
  service?.kill('SIGTERM');
  pg?.remove();
  await dropRedisKeys(prefix);
});

describe('PostgreSQL restarted under load', () => {
  it('answers 503 while it is away and serves again by itself', async () => {
    const key = execFileSync(TSX, ['src/cli.ts', 'keys', 'create', '--role', 'admin', '--name', 'ops'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: pg.url('postgres', SERVICE_ROLE) },
    })
      .toString()
      .trim()
      .split('\n')
      .at(-1)!;
    const nid = syntheticId();
    const base = `http://127.0.0.1:${httpPort}`;
    const put = await fetch(`${base}/v1/pensioners/${nid}`, {
      method: 'PUT',
      headers: { ...auth(key), 'content-type': 'application/json' },
      body: JSON.stringify(pensionerBody()),
    });
    expect(put.status).toBe(201);

    const statuses = new Map<string, number>();
    let running = true;
    const load = (async () => {
      while (running) {
        const s = await fetch(`${base}/v1/pensioners/${nid}/certification`, { headers: auth(key) })
          .then((r) => String(r.status))
          .catch((e: Error) => `refused: ${e.message}`);
        statuses.set(s, (statuses.get(s) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    pg.stop();
    await new Promise((r) => setTimeout(r, 2000));
    pg.start();
    const back = Date.now();
    const served = await waitFor(
      'lookups served again',
      async () => (await fetch(`${base}/v1/pensioners/${nid}/certification`, { headers: auth(key) })).status === 200,
      30_000,
    );
    running = false;
    await load;
    process.stdout.write(`pg-restart: served again ${served - back} ms after PostgreSQL was back; answers ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    expect(service!.exitCode, out).toBeNull();
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining(['200', '503']));
    expect(
      [...statuses.keys()].filter((s) => s !== '200' && s !== '503'),
      out,
    ).toEqual([]);
  }, 90_000);
});
