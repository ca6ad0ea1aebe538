// Wires the process: database (embedded when DATABASE_URL is unset), migrations, queue
// backend (BullMQ on PostgreSQL when REDIS_URL is unset) and the shared dependencies.
import type { Config } from './config.ts';
import { createDatabase, migrateToLatest, pendingMigrations, type Database } from './infra/database.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './infra/embedded-postgres.ts';
import { createQueues, type Queues } from './infra/queue.ts';
import { startingClock, systemClock, type Clock } from './infra/clock.ts';
import { createDeps, type AppDeps } from './app-deps.ts';
import { loadPolicyInForce } from './domain/policy-file.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './infra/logger.ts';

export interface Runtime {
  deps: AppDeps;
  database: Database;
  queues: Queues;
  embedded?: EmbeddedDatabase;
  close(): Promise<void>;
}

export async function openDatabase(config: Config): Promise<{ url: string; embedded?: EmbeddedDatabase }> {
  if (config.databaseUrl) return { url: config.databaseUrl };
  const embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort);
  return { url: embedded.url, embedded };
}

export async function startRuntime(config: Config, opts: { clock?: Clock; migrate?: boolean } = {}): Promise<Runtime> {
  // A bad policy stops the process before anything starts.
  const policy = await loadPolicyInForce(config.policyFile);
  const { url, embedded } = await openDatabase(config);
  const database = createDatabase(url, { max: config.role === 'worker' ? 10 : 30 });
  try {
    if (opts.migrate ?? (!config.databaseUrl || config.migrateOnStart)) await migrateToLatest(database.db);
    const pending = await pendingMigrations(database.db);
    if (pending.length) throw new Error(`database schema is behind (${pending.join(', ')}): run \`npm run migrate\` first`);
  } catch (e) {
    await database.close();
    await embedded?.stop();
    throw e;
  }
  const logger = createLogger(config.logLevel);
  const queues = createQueues({ redisUrl: config.redisUrl, databaseUrl: url, prefix: config.queuePrefix, logger, addTimeoutMs: config.queueAddTimeoutMs });
  const deps = createDeps({
    config,
    database,
    queues,
    logger,
    clock: opts.clock ?? (config.clockStart ? startingClock(config.clockStart) : systemClock),
    policy,
  });
  return {
    deps,
    database,
    queues,
    embedded,
    async close() {
      await queues.close();
      await deps.auth.close();
      await deps.audit.close();
      await database.close();
      await embedded?.stop();
    },
  };
}

/** A short-lived database connection for operators' commands (the CLI). */
export async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const { url, embedded } = await openDatabase(config);
  const database = createDatabase(url, { max: 2, applicationName: 'pension-cli' });
  try {
    return await fn(database);
  } finally {
    await database.close();
    await embedded?.stop();
  }
}
