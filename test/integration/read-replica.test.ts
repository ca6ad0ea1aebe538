// Reads on a real streaming standby (DATABASE_READ_URL): a cluster of the test's own, a standby of
// it made by pg_basebackup -R, the app built on both. Pausing the standby's replay shows which
// server answered: what the primary has and the standby has not yet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { REDIS_URL } from '../helpers/env.ts';
import { dropRedisKeys, withClient } from '../helpers/context.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { auth, pensionerBody, syntheticId } from '../helpers/people.ts';
import { until } from '../helpers/until.ts';
import { loadConfig } from '../../src/config.ts';
import { migrate, startRuntime, type Runtime } from '../../src/runtime.ts';
import { buildApp } from '../../src/app.ts';
import { fixedClock } from '../../src/infra/clock.ts';
import { SERVICE_ROLE } from '../../src/infra/service-role.ts';
import type { ReadReplica } from '../../src/infra/read-replica.ts';

const MAX_LAG_MS = 2000;
const prefix = `rr${randomBytes(4).toString('hex')}`;
let primary: PrivatePostgres;
let standby: PrivatePostgres;
let runtime: Runtime;
let app: Awaited<ReturnType<typeof buildApp>>;
let writer: string;
let reader: string;

const replica = () => runtime.deps.readReplica as ReadReplica;
const onStandby = (q: string) => withClient(standby.url(), (c) => c.query(q));
const inPrimary = (nid: string) =>
  withClient(primary.url(), (c) => c.query('SELECT 1 FROM certifications WHERE national_id = $1', [nid])).then((r) => r.rowCount);
const lookup = (key: string, nid: string) => app.inject({ method: 'GET', url: `/v1/pensioners/${nid}/certification`, headers: auth(key) });
const register = (key: string, nid: string) => app.inject({ method: 'PUT', url: `/v1/pensioners/${nid}`, headers: auth(key), payload: pensionerBody() });
/** How many reads the standby served while `fn` ran. */
async function servedByStandby(fn: () => Promise<unknown>) {
  const before = replica().state().served.standby;
  await fn();
  return replica().state().served.standby - before;
}
const caughtUp = () =>
  until(
    async () => replica().state(),
    (s) => s.standbyUp && s.lagMs < 500,
    20_000,
  );

beforeAll(async () => {
  primary = await startPrivatePostgres('replica-primary');
  await migrate({ service: primary.url('postgres', SERVICE_ROLE), owner: primary.url() });
  standby = await startPrivatePostgres('replica-standby', { standbyOf: primary.port });
  const config = loadConfig({
    DATABASE_URL: primary.url('postgres', SERVICE_ROLE),
    DATABASE_READ_URL: standby.url('postgres', SERVICE_ROLE),
    DATABASE_READ_MAX_LAG_MS: String(MAX_LAG_MS),
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    ROLE: 'api',
    LOG_LEVEL: 'silent',
  });
  runtime = await startRuntime(config, { clock: fixedClock('2026-06-15T04:00:00Z'), migrate: false });
  app = await buildApp(runtime.deps, { logger: false });
  await app.ready();
  const key = (name: string) => runtime.deps.auth.createKey({ role: 'bureau', name, region: null, sources: null }).then((k) => k.secret);
  [writer, reader] = [await key('writer'), await key('reader')];
  expect((await caughtUp()).standbyUp).toBe(true);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await runtime?.close();
  standby?.remove();
  primary?.remove();
  await dropRedisKeys(prefix);
});

describe('reads on a streaming standby', () => {
  it('serves lookups, lists, reports and exports from the standby; writes go to the primary; a key sees its own write at once', async () => {
    await caughtUp();
    await onStandby('SELECT pg_wal_replay_pause()');
    try {
      const nid = syntheticId();
      // The write reaches the primary; the paused standby has not replayed it.
      expect((await register(writer, nid)).statusCode).toBe(201);
      expect(await inPrimary(nid)).toBe(1);
      expect((await withClient(standby.url(), (c) => c.query('SELECT 1 FROM certifications WHERE national_id = $1', [nid]))).rowCount).toBe(0);
      // The writer reads its own write (from the primary); another key reads the standby, a moment behind.
      expect((await lookup(writer, nid)).statusCode).toBe(200);
      let other = 0;
      expect(await servedByStandby(async () => (other = (await lookup(reader, nid)).statusCode))).toBe(1);
      expect(other).toBe(404);
      // Lists, the batch query, reports and the payroll export read the standby too.
      for (const r of [
        { method: 'GET' as const, url: '/v1/certifications?limit=5' },
        { method: 'POST' as const, url: '/v1/certifications/query', payload: { nationalIds: [nid] } },
        { method: 'GET' as const, url: '/v1/reports/summary' },
        { method: 'GET' as const, url: '/v1/payroll/2026-06' },
        { method: 'GET' as const, url: `/v1/pensioners/${nid}` },
      ]) {
        let status = 0;
        expect(await servedByStandby(async () => (status = (await app.inject({ ...r, headers: auth(reader) })).statusCode)), r.url).toBeGreaterThan(0);
        expect([200, 404], r.url).toContain(status);
      }
    } finally {
      await onStandby('SELECT pg_wal_replay_resume()');
    }
  });

  it('sends a key back to the standby once the standby has replayed its write', async () => {
    await caughtUp();
    const nid = syntheticId();
    expect((await register(writer, nid)).statusCode).toBe(201);
    await until(
      () => servedByStandby(() => lookup(writer, nid)),
      (n) => n === 1,
      5000,
    );
    expect(await servedByStandby(() => lookup(writer, nid))).toBe(1);
    expect((await lookup(writer, nid)).statusCode).toBe(200);
    // What operators see: the lag bound and where reads went.
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^database_standby_lag_seconds 0(\.\d+)?$/m);
    expect(metrics).toMatch(/^database_reads\{server="standby"\} [1-9]/m);
  });

  it('reads the primary once the standby lags more than DATABASE_READ_MAX_LAG_MS', async () => {
    await caughtUp();
    await onStandby('SELECT pg_wal_replay_pause()');
    try {
      const nid = syntheticId();
      expect((await register(writer, nid)).statusCode).toBe(201);
      expect((await lookup(reader, nid)).statusCode).toBe(404);
      // Stale for no longer than the bound (and a poll): then the primary answers.
      const started = Date.now();
      const seen = await until(
        () => lookup(reader, nid).then((r) => r.statusCode),
        (s) => s === 200,
        MAX_LAG_MS + 3000,
        50,
      );
      expect(seen).toBe(200);
      expect(Date.now() - started).toBeLessThan(MAX_LAG_MS + 1000);
      expect(replica().state().lagMs).toBeGreaterThan(MAX_LAG_MS);
    } finally {
      await onStandby('SELECT pg_wal_replay_resume()');
    }
    await caughtUp();
  });

  it('falls back to the primary when the standby is down', async () => {
    await caughtUp();
    const nid = syntheticId();
    expect((await register(writer, nid)).statusCode).toBe(201);
    await until(
      () => lookup(reader, nid).then((r) => r.statusCode),
      (s) => s === 200,
    );
    standby.stop('immediate');
    // At once (the poll has not yet seen it go): the failed read is read again on the primary.
    expect((await lookup(reader, nid)).statusCode).toBe(200);
    await until(
      async () => replica().state().standbyUp,
      (up) => !up,
      3000,
    );
    expect(replica().state().standbyUp).toBe(false);
    expect(await servedByStandby(() => lookup(reader, nid))).toBe(0);
    expect((await app.inject({ method: 'GET', url: '/v1/reports/summary', headers: auth(reader) })).statusCode).toBe(200);
  });
});
