// Wires the process: database (embedded when DATABASE_URL is unset), migrations, queue
// backend (BullMQ on PostgreSQL when REDIS_URL is unset) and the shared dependencies.
import type { Config } from './config.ts';
import { createDatabase, migrateToLatest, pendingMigrations, type Database } from './infra/database.ts';
import { SERVICE_ROLE, assertNotAuditOwner, setPassword } from './infra/service-role.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './infra/embedded-postgres.ts';
import { createQueues, type Queues } from './infra/queue.ts';
import { startingClock, systemClock, type Clock } from './infra/clock.ts';
import { createDeps, loadConfiguredMappings, type AppDeps } from './app-deps.ts';
import { loadPolicyInForce } from './domain/policy-file.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './infra/logger.ts';
import { sweepSpool } from './infra/spool.ts';
import { createKeyRepository } from './modules/auth/repository.ts';
import { createAuthService } from './modules/auth/service.ts';

export interface Runtime {
  deps: AppDeps;
  database: Database;
  queues: Queues;
  embedded?: EmbeddedDatabase;
  close(): Promise<void>;
}

/** Where the service connects, and where migrations do (the tables' owner). */
export interface DatabaseUrls {
  service: string;
  owner: string;
  embedded?: EmbeddedDatabase;
}

export async function openDatabase(config: Config): Promise<DatabaseUrls> {
  if (config.databaseUrl) return { service: config.databaseUrl, owner: config.migrationDatabaseUrl ?? config.databaseUrl };
  const embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort);
  return { service: embedded.serviceUrl, owner: embedded.url, embedded };
}

/** Brings the schema up to date as the tables' owner; on the embedded server, also lets the service's role log in. */
export async function migrate(urls: DatabaseUrls): Promise<string[]> {
  const owner = createDatabase(urls.owner, { max: 1, applicationName: 'pension-migrate' });
  try {
    const applied = await migrateToLatest(owner.db).catch((e: { code?: string; message?: string }) => {
      if (e?.code !== INSUFFICIENT_PRIVILEGE) throw e;
      throw new Error(`migrations run as the tables' owner: set MIGRATION_DATABASE_URL (${e.message})`);
    });
    if (urls.embedded) await setPassword(owner.db, SERVICE_ROLE, urls.embedded.servicePassword);
    return applied;
  } finally {
    await owner.close();
  }
}
const INSUFFICIENT_PRIVILEGE = '42501';

/** The service's connection, refused if it could rewrite the audit or the schema is behind. */
async function connectService(url: string, opts: { max: number; uploadMax?: number; applicationName?: string }): Promise<Database> {
  const database = createDatabase(url, opts);
  try {
    const pending = await pendingMigrations(database.db);
    if (pending.length) throw new Error(`database schema is behind (${pending.join(', ')}): run \`npm run migrate\` first`);
    await assertNotAuditOwner(database.db);
    return database;
  } catch (e) {
    await database.close();
    throw e;
  }
}

export async function startRuntime(config: Config, opts: { clock?: Clock; migrate?: boolean } = {}): Promise<Runtime> {
  // A bad policy or mappings file stops the process before anything starts.
  const policy = await loadPolicyInForce(config.policyFile);
  const mappings = loadConfiguredMappings(config.mappingsFile, policy.catalogue);
  const urls = await openDatabase(config);
  const { embedded } = urls;
  let database: Database;
  try {
    if (opts.migrate ?? (!config.databaseUrl || config.migrateOnStart)) await migrate(urls);
    database = await connectService(urls.service, { max: config.role === 'worker' ? 10 : 30, uploadMax: config.uploadPoolSize });
  } catch (e) {
    await embedded?.stop();
    throw e;
  }
  const logger = createLogger(config.logLevel);
  // A process that died mid-upload left its spooled body behind. A live upload's file is younger
  // than the request timeout (its body's time to arrive) plus the seconds its storing takes.
  // Again every 10 minutes, so a file left by another API process that died goes without waiting for a restart.
  const spoolAge = config.requestTimeoutMs + 3_600_000;
  if (config.role !== 'worker') await sweepSpool(config.uploadDir, spoolAge);
  const spoolSweep = config.role !== 'worker' ? setInterval(() => void sweepSpool(config.uploadDir, spoolAge).catch(() => {}), 600_000) : undefined;
  spoolSweep?.unref();
  const queues = createQueues({
    redisUrl: config.redisUrl,
    databaseUrl: urls.service,
    prefix: config.queuePrefix,
    logger,
    addTimeoutMs: config.queueAddTimeoutMs,
    lockMs: config.queueLockMs,
  });
  const deps = createDeps({
    config,
    database,
    queues,
    logger,
    clock: opts.clock ?? (config.clockStart ? startingClock(config.clockStart) : systemClock),
    policy,
    mappings,
  });
  return {
    deps,
    database,
    queues,
    embedded,
    async close() {
      clearInterval(spoolSweep);
      await queues.close();
      await deps.auth.close();
      await deps.audit.close();
      await deps.readReplica?.close();
      await database.close();
      await embedded?.stop();
    },
  };
}

/** A short-lived connection for operators' commands (the CLI), as the service; `migrate` first brings the schema up to date. */
export async function withDatabase<T>(fn: (db: Database) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  const urls = await openDatabase(loadConfig());
  try {
    if (opts.migrate) await migrate(urls);
    const database = await connectService(urls.service, { max: 2, applicationName: 'pension-cli' });
    try {
      return await fn(database);
    } finally {
      await database.close();
    }
  } finally {
    await urls.embedded?.stop();
  }
}

/** `npm run migrate`: the schema brought up to date as the tables' owner; the names applied. */
export async function migrateDatabase(): Promise<string[]> {
  const urls = await openDatabase(loadConfig());
  try {
    return await migrate(urls);
  } finally {
    await urls.embedded?.stop();
  }
}

/** Keys as the service sees them: a feed key's sources are those of the policy it runs with (POLICY_FILE). */
export async function keyServiceFor(db: Parameters<typeof createKeyRepository>[0]) {
  const { catalogue } = await loadPolicyInForce(loadConfig().policyFile);
  return createAuthService(createKeyRepository(db), { catalogue });
}
