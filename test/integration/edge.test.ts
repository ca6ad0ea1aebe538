// The HTTP edge under abuse: guessed keys, revoked keys, malformed requests the router or
// Node's parser refuse, and who may read /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/infra/database.ts';
import { createDeps } from '../../src/app-deps.ts';
import { buildApp } from '../../src/app.ts';
import { createKeyRepository } from '../../src/modules/auth/repository.ts';
import { createAuthService } from '../../src/modules/auth/service.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, syntheticId } from '../helpers/people.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
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

// Regression: a revoked key kept working for about 9 s (the auth cache).
describe('revocation', () => {
  it('takes effect at once, in this process and in another sharing the database', async () => {
    const database = createDatabase(t.dbUrl, { max: 2 });
    const other = await buildApp(createDeps({ config: t.deps.config, database, queues: t.deps.queues, clock: t.clock }), { logger: false });
    try {
      const secret = await t.key('bureau', { name: 'to-revoke' });
      const onOther = () =>
        other.inject({ method: 'GET', url: `/v1/pensioners/${syntheticId()}/certification`, headers: auth(secret), remoteAddress: '192.0.2.50' });
      expect((await lookup(secret, '192.0.2.50')).statusCode).toBe(404);
      expect((await onOther()).statusCode).toBe(404);

      // As `npm run cli -- keys revoke <id>` does it: its own service on its own connection.
      const cli = createDatabase(t.dbUrl, { max: 1 });
      try {
        const service = createAuthService(createKeyRepository(cli.db));
        const { id } = (await service.listKeys()).find((k) => k.name === 'to-revoke')!;
        await service.revokeKey(id);
      } finally {
        await cli.close();
      }

      const here = await lookup(secret, '192.0.2.50');
      expect(here.statusCode).toBe(401);
      expectErrorShape(here.body, 'unauthorized');
      expect((await onOther()).statusCode).toBe(401);
    } finally {
      await other.close();
      await database.close();
    }
  });
});
