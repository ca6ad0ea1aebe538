// A test file's world: its own database (cloned from the template), its own queue
// namespace, a pinned clock, and the app built on them.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.ts';
import { createDatabase } from '../../src/infra/database.ts';
import { createQueues } from '../../src/infra/queue.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { fixedClock } from '../../src/infra/clock.ts';
import { createDeps, type AppDeps } from '../../src/app-deps.ts';
import { buildApp, type RouteModule } from '../../src/app.ts';
import type { Role } from '../../src/domain/principal.ts';
import { SERVICE_ROLE, assertNotAuditOwner } from '../../src/infra/service-role.ts';
import { ADMIN_DATABASE_URL, REDIS_URL, TEMPLATE_DB, databaseUrl, serviceDatabaseUrl } from './env.ts';

export interface TestContext {
  app: Awaited<ReturnType<typeof buildApp>>;
  deps: AppDeps;
  clock: ReturnType<typeof fixedClock>;
  /** The app's connection: the service's role (pension_app), which owns no table. */
  dbUrl: string;
  /** The tables' owner, for what only the owner may do (schema changes). */
  ownerUrl: string;
  dbName: string;
  logs: string[];
  key(role: Role, opts?: { region?: string; sources?: string[]; name?: string }): Promise<string>;
  close(): Promise<void>;
}

/** Removes a test's queue keys, so runs do not pile up keys in the shared Redis. */
export async function dropRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 })) {
      if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
}

/** Runs `fn` on a connection to the admin database (creating and dropping test databases). */
export const admin = <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => withClient(ADMIN_DATABASE_URL, fn);

/** Runs `fn` on a connection of its own to `url`, closed after it. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A database cloned from the migrated template: `url` as the service's role, `ownerUrl` as the tables' owner. */
export async function createTestDatabase(): Promise<{ name: string; url: string; ownerUrl: string; drop(): Promise<void> }> {
  const name = `pc_t_${randomBytes(6).toString('hex')}`;
  // Cloning needs the template to have no other connections; retry briefly if a sibling is cloning.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`));
      break;
    } catch (e) {
      if (attempt > 50) throw e;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  // A clone does not copy the database's own privileges: the service's role creates the queue's
  // schema when BullMQ runs on PostgreSQL (the migration grants the same on a migrated database).
  await admin((c) => c.query(`GRANT CREATE ON DATABASE ${name} TO ${SERVICE_ROLE}`));
  return {
    name,
    url: serviceDatabaseUrl(name),
    ownerUrl: databaseUrl(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

export async function createTestContext(
  opts: { queue?: 'redis' | 'postgres'; now?: string; config?: Partial<Config>; extraRoutes?: RouteModule[] } = {},
): Promise<TestContext> {
  const tdb = await createTestDatabase();
  const config: Config = {
    ...loadConfig({ DATABASE_URL: tdb.url, LOG_LEVEL: 'info' }),
    batchRescoreDelayMs: 0, // tests look at a batch's rescoring right after it
    ...opts.config,
    queuePrefix: `t${randomBytes(4).toString('hex')}`,
  };
  const database = createDatabase(tdb.url, { max: 10 });
  await assertNotAuditOwner(database.db);
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger('info', stream);
  const queues = createQueues({
    logger,
    redisUrl: (opts.queue ?? 'redis') === 'redis' ? REDIS_URL : undefined,
    databaseUrl: tdb.url,
    prefix: config.queuePrefix,
  });
  const clock = fixedClock(opts.now ?? '2026-06-15T04:00:00Z');
  const deps = createDeps({ config, database, queues, clock, logger });
  const app = await buildApp(deps, { extraRoutes: opts.extraRoutes });
  await app.ready();
  return {
    app,
    deps,
    clock,
    dbUrl: tdb.url,
    ownerUrl: tdb.ownerUrl,
    dbName: tdb.name,
    logs,
    async key(role, o = {}) {
      const { secret } = await deps.auth.createKey({
        role,
        name: o.name ?? `${role}-test`,
        region: o.region ?? null,
        sources: o.sources ?? (role === 'feed' ? ['hospital', 'travel', 'bank', 'death', 'judicial'] : null),
      });
      return secret;
    },
    async close() {
      await app.close();
      await queues.close();
      await deps.auth.close();
      await deps.audit.close();
      await database.close();
      await tdb.drop();
      if ((opts.queue ?? 'redis') === 'redis') await dropRedisKeys(config.queuePrefix);
    },
  };
}
