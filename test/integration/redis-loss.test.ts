// Redis loses its data while the service runs (issue 15, "Recover by itself"): real processes
// (ROLE=api and ROLE=worker) on a test database and a private redis-server, which is killed
// and started again empty. Nothing is restarted; everything accepted — before the loss and
// while Redis was down — ends stored exactly once, every touched person rescored, and the
// worker's schedules exist again. PostgreSQL is the system of record; Redis only says "go".
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/infra/database.ts';
import { createKeyRepository } from '../../src/modules/auth/repository.ts';
import { createAuthService } from '../../src/modules/auth/service.ts';
import { loadDefaultPolicy } from '../../src/domain/policy.ts';
import { createTestDatabase } from '../helpers/context.ts';
import { freePort } from '../helpers/free-port.ts';
import { ids } from '../helpers/ingest.ts';
import { auth } from '../helpers/people.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
// node with the tsx loader, one process: the tsx wrapper would leave its child running when killed.
const SERVICE = [process.execPath, ['--import', 'tsx', 'src/main.ts']] as const;
const PREFIX = `rl${process.pid}`;
const people = ids(300, '510104', '1944-05-01');
const when = new Date(Date.now() - 86_400_000).toISOString();

interface Proc {
  child: ChildProcess;
  output(): string;
}

function spawnLogged(cmd: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms: number, detail = () => ''): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what} not within ${ms} ms\n${detail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const stopped = (p: Proc | undefined) =>
  p && p.child.exitCode === null && p.child.signalCode === null ? new Promise((r) => (p.child.once('exit', r), p.child.kill('SIGKILL'))) : undefined;

let redisPort: number;
let redis: Proc | undefined;
let api: Proc | undefined;
let worker: Proc | undefined;
let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
let database: Database;
let feedKey: string;
let apiPort: number;

async function startRedis(): Promise<Proc> {
  const p = spawnLogged('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {});
  await until(
    'redis-server ready',
    async () => {
      const c = new Redis(redisPort, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on('error', () => {}); // not up yet
      try {
        await c.connect();
        return (await c.ping()) === 'PONG';
      } finally {
        c.disconnect();
      }
    },
    10_000,
    p.output,
  );
  return p;
}

beforeAll(async () => {
  redisPort = await freePort();
  apiPort = await freePort();
  redis = await startRedis();
  tdb = await createTestDatabase();
  database = createDatabase(tdb.url, { max: 3 });
  await database.pool.query(
    `INSERT INTO pensioners (national_id, name, region_code, birth_date, benefit_start_date, monthly_benefit_fen)
     SELECT nid, '测试丙', '510104', to_date(substr(nid, 7, 8), 'YYYYMMDD'), '2010-04-01', 300000 FROM unnest($1::text[]) AS nid`,
    [people],
  );
  feedKey = (
    await createAuthService(createKeyRepository(database.db), { catalogue: loadDefaultPolicy().catalogue }).createKey({
      role: 'feed',
      name: 'hospital-feed',
      sources: ['hospital'],
    })
  ).secret;
  const env = {
    DATABASE_URL: tdb.url,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    QUEUE_PREFIX: PREFIX,
    LOG_LEVEL: 'warn',
    // Fast recovery for the test; the defaults are 30 s.
    QUEUE_RECOVERY_INTERVAL_MS: '1000',
    QUEUE_RECOVERY_MIN_AGE_MS: '1000',
  };
  api = spawnLogged(SERVICE[0], [...SERVICE[1]], { ...env, ROLE: 'api', PORT: String(apiPort) });
  worker = spawnLogged(SERVICE[0], [...SERVICE[1]], { ...env, ROLE: 'worker' });
  await until(
    'api ready',
    async () => (await fetch(`http://127.0.0.1:${apiPort}/readyz`)).status === 200,
    30_000,
    () => api!.output(),
  );
  await until(
    'worker started',
    async () => worker!.output().includes('started role=worker'),
    30_000,
    () => worker!.output(),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([stopped(api), stopped(worker), stopped(redis)]);
  await database?.close();
  await tdb?.drop();
});

const csv = (who: string[], refPrefix: string) =>
  'national_id,kind,occurred_at,source_ref,identity_check\n' + who.map((nid, i) => `${nid},admission,${when},${refPrefix}-${i},id_document`).join('\n') + '\n';

/** Sends the request and measures how long the answer took. */
async function timed(url: string, init: RequestInit): Promise<{ status: number; body: any; ms: number }> {
  const t0 = Date.now();
  const res = await fetch(`http://127.0.0.1:${apiPort}${url}`, { ...init, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, body: await res.json(), ms: Date.now() - t0 };
}
const upload = (text: string) => timed('/v1/feeds/hospital/batches', { method: 'POST', headers: { ...auth(feedKey), 'content-type': 'text/csv' }, body: text });
const push = (who: string[], refPrefix: string) =>
  timed('/v1/events', {
    method: 'POST',
    headers: { ...auth(feedKey), 'content-type': 'application/json' },
    body: JSON.stringify(
      who.map((nid, i) => ({
        nationalId: nid,
        source: 'hospital',
        kind: 'discharge',
        occurredAt: when,
        sourceRef: `${refPrefix}-${i}`,
        identityCheck: 'id_document',
      })),
    ),
  });

it('after Redis is killed and restarted empty, everything accepted is stored once and rescored, with no process restarted', async () => {
  // Accepted just before the loss: whatever of it the worker has not done yet is lost from Redis.
  const a = await upload(csv(people.slice(0, 150), 'A'));
  expect(a.status).toBe(202);
  const p1 = await push(people.slice(150, 175), 'P1');
  expect(p1.status).toBe(202);
  redis!.child.kill('SIGKILL');
  await new Promise((r) => redis!.child.once('exit', r));

  // While Redis is down the service still stores and answers, promptly.
  const p2 = await push(people.slice(175, 200), 'P2');
  expect(p2.status, JSON.stringify(p2.body)).toBe(202);
  expect(p2.body).toMatchObject({ accepted: 25, duplicates: 0, unmatched: 0 });
  expect(p2.ms).toBeLessThan(5000);
  const b = await upload(csv(people.slice(200, 300), 'B'));
  expect(b.status, JSON.stringify(b.body)).toBe(202);
  expect(b.ms).toBeLessThan(5000);
  const ready = await fetch(`http://127.0.0.1:${apiPort}/readyz`);
  expect(ready.status).toBe(503);

  const open = await database.pool.query(`SELECT count(*)::int AS n FROM batches WHERE status <> 'completed'`);
  expect(open.rows[0].n).toBeGreaterThanOrEqual(1); // batch B at least waits for the queue
  const back = Date.now(); // measured from the restart, not from when this test saw it answer
  redis = await startRedis(); // empty: no save, no append-only file
  const report = () => `api:\n${api!.output().slice(-3000)}\nworker:\n${worker!.output().slice(-3000)}`;
  await until(
    'every accepted event stored and every touched person rescored',
    async () => {
      const r = await database.pool.query(
        `SELECT
          (SELECT count(*)::int FROM batches WHERE status <> 'completed') AS open_batches,
          (SELECT count(*)::int FROM rescore_pending) AS pending,
          (SELECT count(*)::int FROM certifications c JOIN pensioners p ON p.id = c.pensioner_id WHERE p.national_id = any($1::text[])) AS rescored`,
        [people],
      );
      const s = r.rows[0];
      return s.open_batches === 0 && s.pending === 0 && s.rescored === people.length;
    },
    45_000,
    report,
  );
  const recoveredMs = Date.now() - back;
  process.stdout.write(`redis-loss: everything accepted processed ${recoveredMs} ms after Redis came back empty\n`);

  const events = await database.pool.query(`SELECT source_ref, count(*)::int AS n FROM events GROUP BY source_ref`);
  expect(events.rows).toHaveLength(300);
  expect(events.rows.every((r) => r.n === 1)).toBe(true);
  const batches = await database.pool.query(`SELECT accepted::int, duplicates::int, rejected::int FROM batches ORDER BY received_at`);
  expect(batches.rows).toEqual([
    { accepted: 150, duplicates: 0, rejected: 0 },
    { accepted: 100, duplicates: 0, rejected: 0 },
  ]);
  // Each rescored person's certification knows their event.
  const withEvidence = await database.pool.query(`SELECT count(*)::int AS n FROM certifications WHERE json_array_length(evidence) > 0`);
  expect(withEvidence.rows[0].n).toBe(people.length);

  // The worker's schedules are back in the new Redis, without a restart. A recovery pass whose
  // schedules step met Redis still reconnecting puts them back on the next pass (1 s here), which
  // may come after the work is done: so a bounded wait, not a look at one instant.
  const conn = new Redis(redisPort, '127.0.0.1', { maxRetriesPerRequest: null });
  const schedulers = async () => {
    const keys = [];
    for (const q of ['ingest-batch', 'daily-sweep']) {
      const queue = new Queue(q, { connection: conn, prefix: PREFIX });
      keys.push(...(await queue.getJobSchedulers(0, -1)).map((s) => s.key));
      await queue.close();
    }
    return keys.sort();
  };
  try {
    await until('schedules back', async () => (await schedulers()).length === 2, 10_000, report);
    expect(await schedulers()).toEqual(['daily-sweep', 'ingest-batch-sweep']);
  } finally {
    conn.disconnect();
  }
  expect(api!.child.exitCode).toBeNull();
  expect(worker!.child.exitCode).toBeNull();
  expect(recoveredMs).toBeLessThan(45_000);
}, 120_000);

it('after FLUSHDB, the schedules come back and people left pending are rescored, with no process restarted', async () => {
  const conn = new Redis(redisPort, '127.0.0.1', { maxRetriesPerRequest: null });
  try {
    const p3 = await push(people.slice(0, 20), 'P3');
    expect(p3.status).toBe(202);
    const c = await upload(csv(people.slice(20, 60), 'C'));
    expect(c.status).toBe(202);
    // People pending whose job the flush takes with it (deterministic, whatever the worker did already).
    await database.pool.query(
      `INSERT INTO rescore_pending (pensioner_id, since) SELECT id, now() - interval '1 minute' FROM pensioners WHERE national_id = any($1::text[])`,
      [people.slice(100, 140)],
    );
    const before = await database.pool.query(`SELECT max(updated_at) AS t FROM certifications`);
    await conn.flushdb();
    const flushed = Date.now();
    await until(
      'everything processed after FLUSHDB',
      async () => {
        const r = await database.pool.query(
          `SELECT
            (SELECT count(*)::int FROM batches WHERE status <> 'completed') AS open_batches,
            (SELECT count(*)::int FROM rescore_pending) AS pending,
            (SELECT count(*)::int FROM certifications c JOIN pensioners p ON p.id = c.pensioner_id
              WHERE p.national_id = any($1::text[]) AND c.updated_at > $2) AS rescored`,
          [people.slice(100, 140), before.rows[0].t],
        );
        const s = r.rows[0];
        return s.open_batches === 0 && s.pending === 0 && s.rescored === 40;
      },
      30_000,
      () => worker!.output().slice(-3000),
    );
    await until(
      'schedules back',
      async () => {
        const q = new Queue('daily-sweep', { connection: conn, prefix: PREFIX });
        const keys = (await q.getJobSchedulers(0, -1)).map((x) => x.key);
        await q.close();
        return keys.includes('daily-sweep');
      },
      10_000,
    );
    process.stdout.write(`redis-loss: everything processed and schedules back ${Date.now() - flushed} ms after FLUSHDB\n`);
    const events = await database.pool.query(`SELECT count(*)::int AS n, count(DISTINCT source_ref)::int AS d FROM events`);
    expect(events.rows[0]).toEqual({ n: 360, d: 360 });
    expect(api!.child.exitCode).toBeNull();
    expect(worker!.child.exitCode).toBeNull();
  } finally {
    conn.disconnect();
  }
}, 60_000);
