// The HTTP edge under abuse: guessed keys, revoked keys, malformed requests the router or
// Node's parser refuse, and who may read /metrics.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/infra/database.ts';
import { createDeps } from '../../src/app-deps.ts';
import { buildApp } from '../../src/app.ts';
import { createKeyRepository } from '../../src/modules/auth/repository.ts';
import { createAuthService } from '../../src/modules/auth/service.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { freePort } from '../helpers/free-port.ts';
import { auth, syntheticId } from '../helpers/people.ts';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const FAILURE_LIMIT = 5;
const FAILURE_WINDOW_MS = 1500;

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ config: { authFailureLimit: FAILURE_LIMIT, authFailureWindowMs: FAILURE_WINDOW_MS, metricsToken: METRICS_TOKEN } });
});
afterAll(async () => t?.close());

const lookup = (key: string, remoteAddress = '127.0.0.1') =>
  t.app.inject({ method: 'GET', url: `/v1/pensioners/${syntheticId()}/certification`, headers: auth(key), remoteAddress });

function expectErrorShape(body: string, code: string) {
  const parsed = JSON.parse(body) as { error: { code: string; message: string } };
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(parsed.error.code).toBe(code);
  expect(typeof parsed.error.message).toBe('string');
}

// Regression: 2,000 distinct invalid keys in 2.1 s all got 401, none 429.
describe('failed authentication is limited per address', () => {
  it('answers 429 rate_limited with Retry-After to an address after repeated failures, for that address only, until the window passes', async () => {
    const valid = await t.key('bureau');
    const attacker = '203.0.113.7';
    const codes: number[] = [];
    for (let i = 0; i < FAILURE_LIMIT + 5; i++) codes.push((await lookup(`pk_guess_${i}`, attacker)).statusCode);
    expect(codes.slice(0, FAILURE_LIMIT)).toEqual(Array(FAILURE_LIMIT).fill(401));
    expect(codes.slice(FAILURE_LIMIT)).toEqual(Array(5).fill(429));

    const limited = await lookup('pk_guess_more', attacker);
    expect(limited.statusCode).toBe(429);
    expectErrorShape(limited.body, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(Math.ceil(FAILURE_WINDOW_MS / 1000));
    // The trade-off: a valid key from the blocked address waits too (the address is blocked, not the guesses).
    expect((await lookup(valid, attacker)).statusCode).toBe(429);
    // Another address is not affected.
    expect((await lookup(valid, '198.51.100.9')).statusCode).toBe(404);
    // Open routes stay open to the blocked address.
    expect((await t.app.inject({ method: 'GET', url: '/healthz', remoteAddress: attacker })).statusCode).toBe(200);

    await new Promise((r) => setTimeout(r, FAILURE_WINDOW_MS + 100));
    expect((await lookup(valid, attacker)).statusCode).toBe(404);
  });

  it('counts failures per address behind a trusted proxy (X-Forwarded-For)', async () => {
    const p = await createTestContext({ config: { authFailureLimit: 2, authFailureWindowMs: 60_000, trustProxy: true } });
    try {
      const valid = await p.key('bureau');
      const from = (key: string, client: string) =>
        p.app.inject({
          method: 'GET',
          url: `/v1/pensioners/${syntheticId()}/certification`,
          headers: { ...auth(key), 'x-forwarded-for': client },
          remoteAddress: '10.0.0.1',
        });
      expect((await from('pk_bad_1', '192.0.2.1')).statusCode).toBe(401);
      expect((await from('pk_bad_2', '192.0.2.1')).statusCode).toBe(401);
      expect((await from('pk_bad_3', '192.0.2.1')).statusCode).toBe(429);
      expect((await from(valid, '192.0.2.2')).statusCode).toBe(404);
    } finally {
      await p.close();
    }
  });
});

/** The first of `ms` milliseconds at which `ok` holds, or -1. */
async function within(ms: number, ok: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await ok()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 5));
  }
  return -1;
}

// Regression: a revoked key kept working for about 9 s (the auth cache expired by time alone).
describe('revocation', () => {
  it('takes effect as soon as PostgreSQL announces it, in this process and in another sharing the database', async () => {
    const database = createDatabase(t.dbUrl, { max: 2 });
    const otherDeps = createDeps({ config: t.deps.config, database, queues: t.deps.queues, clock: t.clock });
    const other = await buildApp(otherDeps, { logger: false });
    try {
      const secret = await t.key('bureau', { name: 'to-revoke' });
      const onOther = () =>
        other.inject({ method: 'GET', url: `/v1/pensioners/${syntheticId()}/certification`, headers: auth(secret), remoteAddress: '192.0.2.50' });
      // Both processes have the key cached once they hear revocations.
      await within(2000, async () => (await lookup(secret, '192.0.2.50')).statusCode === 404 && (await onOther()).statusCode === 404);
      await new Promise((r) => setTimeout(r, 300));
      expect((await lookup(secret, '192.0.2.50')).statusCode).toBe(404);
      expect((await onOther()).statusCode).toBe(404);

      // As `npm run cli -- keys revoke <id>` does it: its own service on its own connection.
      const cli = createDatabase(t.dbUrl, { max: 1 });
      try {
        const service = createAuthService(createKeyRepository(cli.db), { catalogue: t.deps.policy.catalogue });
        const { id } = (await service.listKeys()).find((k) => k.name === 'to-revoke')!;
        await service.revokeKey(id);
      } finally {
        await cli.close();
      }

      // The announcement takes a few milliseconds to arrive; a second is far more than it needs.
      const hereMs = await within(1000, async () => (await lookup(secret, '192.0.2.50')).statusCode === 401);
      const otherMs = await within(1000, async () => (await onOther()).statusCode === 401);
      process.stdout.write(`revocation heard after ${hereMs} ms here, ${otherMs} ms in the other process\n`);
      expect(hereMs).toBeGreaterThanOrEqual(0);
      expect(otherMs).toBeGreaterThanOrEqual(0);
      expectErrorShape((await lookup(secret, '192.0.2.50')).body, 'unauthorized');
    } finally {
      await otherDeps.auth.close();
      await other.close();
      await database.close();
    }
  });
});

// Regression: the router's and Node's parser's refusals were Fastify's own shape.
describe('router and parser errors use the error shape', () => {
  it('bad URL encoding is 400 bad_url', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/pensioners/%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.body, 'bad_url');
  });

  it('a path parameter over the router limit is 414 uri_too_long', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${'1'.repeat(300)}` });
    expect(res.statusCode).toBe(414);
    expectErrorShape(res.body, 'uri_too_long');
    expect(res.body).not.toContain('1'.repeat(50)); // the URL is not echoed
  });

  describe('on a listening server (inject bypasses the parser)', () => {
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      await t.app.listen({ port, host: '127.0.0.1' });
    });

    /** Sends bytes as they are and returns the status and body of the answer. */
    function raw(request: string): Promise<{ status: number; body: string; contentType: string | undefined }> {
      return new Promise((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
        let data = '';
        socket.on('data', (c) => (data += String(c)));
        socket.on('error', reject);
        socket.on('close', () => {
          const [head = '', body = ''] = data.split('\r\n\r\n');
          resolve({ status: Number(head.split(' ')[1]), body, contentType: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1] });
        });
      });
    }

    it('headers over the limit are 431 headers_too_large', async () => {
      const res = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
      expect(res.status).toBe(431);
      expect(res.contentType).toMatch(/application\/json/);
      expectErrorShape(res.body, 'headers_too_large');
    });

    it('a request line over the limit is 431 headers_too_large too (Node counts it with the headers)', async () => {
      const res = await raw(`GET /v1/pensioners/${'1'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(res.status).toBe(431);
      expectErrorShape(res.body, 'headers_too_large');
    });

    it('bytes that are not HTTP are 400 bad_request', async () => {
      const res = await raw('GARBAGE\r\n\r\n');
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 'bad_request');
    });
  });
});

// Regression: /metrics answered anyone who could reach the port.
describe('/metrics with METRICS_TOKEN', () => {
  const metrics = (authorization?: string, remoteAddress = '192.0.2.80') =>
    t.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {}, remoteAddress });

  it('requires the token as a bearer credential', async () => {
    for (const a of [undefined, 'Bearer wrong', `Bearer ${METRICS_TOKEN}x`, `Basic ${METRICS_TOKEN}`]) {
      const res = await metrics(a);
      expect(res.statusCode, String(a)).toBe(401);
      expectErrorShape(res.body, 'unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    const ok = await metrics(`Bearer ${METRICS_TOKEN}`, '192.0.2.81');
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('http_request_duration_seconds');
    // Wrong tokens are failed authentications: the guessing address is barred, even with the token.
    expect((await metrics('Bearer wrong-again')).statusCode).toBe(401);
    const barred = await metrics(`Bearer ${METRICS_TOKEN}`);
    expect(barred.statusCode).toBe(429);
    expectErrorShape(barred.body, 'rate_limited');
  });

  it('is open without METRICS_TOKEN (as before)', async () => {
    const p = await createTestContext();
    try {
      expect((await p.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await p.close();
    }
  });
});
