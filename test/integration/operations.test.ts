import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createDatabase } from '../../src/infra/database.ts';
import { createQueues } from '../../src/infra/queue.ts';
import { fixedClock } from '../../src/infra/clock.ts';
import { createDeps } from '../../src/app-deps.ts';
import { buildApp } from '../../src/app.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, pensionerBody, syntheticId } from '../helpers/people.ts';

let t: TestContext;
let bureau: string;
beforeAll(async () => {
  t = await createTestContext({ config: { rateLimitPerSecond: 20 } });
  bureau = await t.key('bureau');
});
afterAll(async () => t?.close());

describe('operations endpoints', () => {
  it('healthz and readyz answer without a key', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ database: 'ok', queue: 'ok' });
  });

  it('readyz is 503 when PostgreSQL or the queue is unreachable', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    const database = createDatabase(config.databaseUrl!, { max: 1 });
    const queues = createQueues({ redisUrl: 'redis://127.0.0.1:1', databaseUrl: config.databaseUrl!, prefix: 'down' });
    const app = await buildApp(createDeps({ config, database, queues, clock: fixedClock('2026-01-01T00:00:00Z') }), {
      logger: false,
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ error: { code: 'not_ready' }, database: 'unreachable', queue: 'unreachable' });
    } finally {
      await app.close();
      await queues.close();
      await database.close();
    }
  }, 20_000);

  it('metrics expose request latency by route and queue depths', async () => {
    await t.app.inject({ method: 'GET', url: `/v1/pensioners/${syntheticId()}`, headers: auth(bureau) });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('http_request_duration_seconds_bucket');
    expect(res.body).toContain('route="/v1/pensioners/:nationalId"');
    expect(res.body).toMatch(/queue_jobs\{queue="rescore",state="waiting"\}/);
    // Never run in this database: the horizon is at -infinity.
    expect(res.body).toMatch(/^audit_index_behind_seconds \+Inf$/m);
    await t.deps.auditIndex.run();
    const after = await t.app.inject({ method: 'GET', url: '/metrics' });
    const behind = Number(/^audit_index_behind_seconds (\S+)$/m.exec(after.body)?.[1]);
    expect(behind).toBeGreaterThanOrEqual(60); // the rows of the last minute are not settled yet
    expect(behind).toBeLessThan(70);
  });
});

describe('protection', () => {
  it('sets security headers: strict and uncached on the API, helmet on the pages', async () => {
    for (const url of ['/healthz', `/v1/pensioners/${syntheticId()}`]) {
      const res = await t.app.inject({ method: 'GET', url, headers: auth(bureau) });
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['cache-control'], url).toBe('no-store');
      expect(res.headers['content-security-policy'], url).toContain("default-src 'none'");
    }
    const page = await t.app.inject({ method: 'GET', url: '/staff' });
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  it('limits the rate per key', async () => {
    const other = await t.key('bureau');
    const codes = [];
    for (let i = 0; i < 25; i++) codes.push((await t.app.inject({ method: 'GET', url: `/v1/certifications?limit=1`, headers: auth(other) })).statusCode);
    expect(codes).toContain(429);
    const limited = await t.app.inject({ method: 'GET', url: `/v1/certifications?limit=1`, headers: auth(other) });
    expect(limited.json().error.code).toBe('rate_limited');
    // Another key is not affected.
    expect((await t.app.inject({ method: 'GET', url: `/v1/certifications?limit=1`, headers: auth(bureau) })).statusCode).toBe(200);
  });

  // Regression: each spelling of the header had a budget of its own.
  it('counts every spelling of one key against the same budget', async () => {
    const key = await t.key('bureau');
    const spellings = [`Bearer ${key}`, `bearer ${key}`, `BEARER ${key}`, `Bearer   ${key}`, `Bearer\t${key}`, ` Bearer ${key} `];
    const codes = [];
    for (let i = 0; i < 25; i++) {
      codes.push(
        (await t.app.inject({ method: 'GET', url: `/v1/certifications?limit=1`, headers: { authorization: spellings[i % spellings.length]! } })).statusCode,
      );
    }
    expect(codes.slice(0, spellings.length)).toEqual(spellings.map(() => 200));
    expect(codes).toContain(429);
  });

  it('refuses JSON bodies over the limit and malformed JSON in the error shape', async () => {
    const huge = await t.app.inject({
      method: 'PUT',
      url: `/v1/pensioners/${syntheticId()}`,
      headers: { ...auth(bureau), 'content-type': 'application/json' },
      payload: JSON.stringify({ ...pensionerBody(), name: 'x'.repeat(11 * 1024 * 1024) }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('body_too_large');
    const bad = await t.app.inject({
      method: 'PUT',
      url: `/v1/pensioners/${syntheticId()}`,
      headers: { ...auth(bureau), 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('malformed_json');
    const unknownRoute = await t.app.inject({ method: 'GET', url: '/v1/nothing', headers: auth(bureau) });
    expect(unknownRoute.json()).toEqual({ error: { code: 'not_found', message: 'no such route' } });
  });
});
