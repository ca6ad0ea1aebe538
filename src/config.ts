// One validated, typed configuration read from the environment at start.
import path from 'node:path';
import { cleanEnv, str, port, host, num, bool, url, makeValidator, EnvError, EnvMissingError } from 'envalid';
import { VISIT_LEAD_DAYS } from './domain/visit-readiness.ts';

const role = makeValidator<'api' | 'worker' | 'all'>((v) => {
  if (v === 'api' || v === 'worker' || v === 'all') return v;
  throw new EnvError('must be api, worker or all');
});

const postgresUrl = makeValidator<string>((v) => {
  if (!/^postgres(ql)?:\/\//.test(v)) throw new EnvError('must be a postgres:// URL');
  return v;
});
const redisUrl = makeValidator<string>((v) => {
  if (!/^rediss?:\/\//.test(v)) throw new EnvError('must be a redis:// URL');
  return v;
});

export interface Config {
  /** The service's login (a role that does not own the tables); unset: the embedded PostgreSQL. */
  databaseUrl: string | undefined;
  /** The tables' owner, for migrations; unset: DATABASE_URL. */
  migrationDatabaseUrl: string | undefined;
  /** A streaming standby of DATABASE_URL for lookups, lists, reports and exports; unset: everything reads the primary. */
  databaseReadUrl: string | undefined;
  /** The standby is read only while it is at most this far behind the primary (else the primary is). */
  databaseReadMaxLagMs: number;
  redisUrl: string | undefined;
  port: number;
  host: string;
  role: 'api' | 'worker' | 'all';
  logLevel: string;
  dataDir: string;
  embeddedPgPort: number;
  policyFile: string | undefined;
  rateLimitPerSecond: number;
  /** Failed authentications an address may make within authFailureWindowMs before it is refused (429). */
  authFailureLimit: number;
  authFailureWindowMs: number;
  /** When set, /metrics requires `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  bodyLimitBytes: number;
  batchLimitBytes: number;
  /** The whole request (headers and body) must arrive within this; otherwise 408 and the connection is closed. */
  requestTimeoutMs: number;
  /** A request body from which nothing arrives for this long is answered 408. */
  bodyIdleTimeoutMs: number;
  /** A connection on which nothing moves either way for this long is closed. */
  connectionTimeoutMs: number;
  /** Batch uploads one API key may have in progress at once (per API process); the next is answered 429. */
  uploadsPerKey: number;
  /** Connections of the pool that stores uploaded files, apart from the one lookups use. */
  uploadPoolSize: number;
  /** Where upload bodies are written while they arrive, before they are stored in PostgreSQL. */
  uploadDir: string;
  shutdownTimeoutMs: number;
  claimTtlMinutes: number;
  /** Days before a lapse from which a due check is worth a visit whatever the reminders did (domain/visit-readiness.ts). */
  visitLeadDays: number;
  /** How long a batch's rescoring waits, so files arriving together rescore each person once. */
  batchRescoreDelayMs: number;
  /** How long rescoring may be held back while files are being merged (0: never held). */
  rescoreDeferMaxMs: number;
  /** Records merged per committed chunk of a batch. */
  ingestChunkLines: number;
  /** Writes each chunk's COPY and merge times to stderr (profiling ingestion). */
  ingestTrace: boolean;
  /** With an external database, whether the process migrates on start (embedded always does). */
  migrateOnStart: boolean;
  smsGatewayUrl: string | undefined;
  feedsFile: string | undefined;
  /** The interface mappings of departments' own CSV exports (JSON), read and checked at start. */
  mappingsFile: string | undefined;
  queuePrefix: string;
  /** How long adding a job may take before the caller goes on without it (the recovery queues it later). */
  queueAddTimeoutMs: number;
  /** How often each worker process re-creates missing schedules and re-queues from PostgreSQL what has no job. */
  queueRecoveryIntervalMs: number;
  /** How old a received/processing batch or a pending rescoring must be before the recovery queues it again. */
  queueRecoveryMinAgeMs: number;
  /** How long a worker's hold on a job lasts unless renewed (unset: each queue's own, 60–120 s); a killed worker's jobs go to another within about 1.5 times this. */
  queueLockMs: number | undefined;
  trustProxy: boolean;
  /** For simulations only: the service's clock starts at this instant instead of now. */
  clockStart: Date | undefined;
  /** Day of the month before on which a month's payroll run is frozen (1–28: every month has it). */
  payrollFreezeDay: number;
}

export class ConfigError extends Error {}

// Every variable the service reads, its type and default: the one place the environment is read.
const ENV = {
  DATABASE_URL: postgresUrl({ default: undefined }),
  MIGRATION_DATABASE_URL: postgresUrl({ default: undefined }),
  DATABASE_READ_URL: postgresUrl({ default: undefined }),
  DATABASE_READ_MAX_LAG_MS: num({ default: 2000 }),
  REDIS_URL: redisUrl({ default: undefined }),
  PORT: port({ default: 3000 }),
  HOST: host({ default: '127.0.0.1' }),
  ROLE: role({ default: 'all' }),
  LOG_LEVEL: str({ default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }),
  DATA_DIR: str({ default: './.data' }),
  EMBEDDED_PG_PORT: port({ default: 54329 }),
  POLICY_FILE: str({ default: undefined }),
  RATE_LIMIT_PER_SECOND: num({ default: 1000 }),
  AUTH_FAILURE_LIMIT: num({ default: 20 }),
  AUTH_FAILURE_WINDOW_MS: num({ default: 60_000 }),
  METRICS_TOKEN: str({ default: undefined }),
  BODY_LIMIT_BYTES: num({ default: 10 * 1024 * 1024 }),
  BATCH_LIMIT_BYTES: num({ default: 2 * 1024 * 1024 * 1024 }),
  REQUEST_TIMEOUT_MS: num({ default: 600_000 }),
  BODY_IDLE_TIMEOUT_MS: num({ default: 30_000 }),
  CONNECTION_TIMEOUT_MS: num({ default: 300_000 }),
  UPLOADS_PER_KEY: num({ default: 2 }),
  UPLOAD_POOL_SIZE: num({ default: 4 }),
  UPLOAD_DIR: str({ default: undefined }),
  SHUTDOWN_TIMEOUT_MS: num({ default: 15_000 }),
  CLAIM_TTL_MINUTES: num({ default: 30 }),
  VISIT_LEAD_DAYS: num({ default: VISIT_LEAD_DAYS }),
  BATCH_RESCORE_DELAY_MS: num({ default: 0 }),
  RESCORE_DEFER_MAX_MS: num({ default: 3_600_000 }),
  INGEST_CHUNK_LINES: num({ default: 20_000 }),
  INGEST_TRACE: bool({ default: false }),
  MIGRATE_ON_START: bool({ default: false }),
  SMS_GATEWAY_URL: url({ default: undefined }),
  FEEDS_FILE: str({ default: undefined }),
  MAPPINGS_FILE: str({ default: undefined }),
  QUEUE_PREFIX: str({ default: 'pc' }),
  QUEUE_ADD_TIMEOUT_MS: num({ default: 3000 }),
  QUEUE_RECOVERY_INTERVAL_MS: num({ default: 30_000 }),
  QUEUE_RECOVERY_MIN_AGE_MS: num({ default: 10_000 }),
  QUEUE_LOCK_MS: num({ default: undefined }),
  TRUST_PROXY: bool({ default: false }),
  CLOCK_START: str({ default: undefined }),
  PAYROLL_FREEZE_DAY: num({ default: 20 }),
};

/** The first invalid variable, as one line naming it. */
function reportFirstError({ errors }: { errors: Partial<Record<string, Error>> }): void {
  const [name, err] = Object.entries(errors)[0] ?? [];
  if (!name) return;
  const why = err instanceof EnvMissingError ? 'is required' : `is invalid: ${err?.message ?? 'bad value'}`;
  throw new ConfigError(`configuration error: ${name} ${why}`);
}

// Checks envalid cannot state: ranges and instants.
const positive = (name: string, v: number) => {
  if (!Number.isFinite(v) || v <= 0) throw new ConfigError(`configuration error: ${name} is invalid: must be a positive number`);
  return v;
};
const wholePositive = (name: string, v: number) => {
  if (!Number.isInteger(v) || v <= 0) throw new ConfigError(`configuration error: ${name} is invalid: must be a whole number above zero`);
  return v;
};
const nonNegative = (name: string, v: number) => {
  if (!Number.isFinite(v) || v < 0) throw new ConfigError(`configuration error: ${name} is invalid: must be zero or more`);
  return v;
};
const wholeDays = (name: string, v: number) => {
  if (!Number.isInteger(v) || v < 0) throw new ConfigError(`configuration error: ${name} is invalid: must be a whole number of days, zero or more`);
  return v;
};
const atLeast = (name: string, v: number, min: number) => {
  if (!Number.isFinite(v) || v < min) throw new ConfigError(`configuration error: ${name} is invalid: must be at least ${min}`);
  return v;
};
const dayOfMonth = (name: string, v: number) => {
  if (!Number.isInteger(v) || v < 1 || v > 28) throw new ConfigError(`configuration error: ${name} is invalid: must be a day from 1 to 28`);
  return v;
};
const secret = (name: string, v: string | undefined) => {
  if (v !== undefined && v.length < 16) throw new ConfigError(`configuration error: ${name} is invalid: must be at least 16 characters`);
  return v;
};
const instant = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(d.getTime()))
    throw new ConfigError(`configuration error: ${name} is invalid: must be an ISO 8601 instant`);
  return d;
};

/** Validates the environment; the error names the variable in one line. */
export function loadConfig(raw: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`DATABASE_URL=` in an env file) means unset.
  const env = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  const e = cleanEnv(env, ENV, { reporter: reportFirstError });
  return {
    databaseUrl: e.DATABASE_URL,
    migrationDatabaseUrl: e.MIGRATION_DATABASE_URL,
    databaseReadUrl: e.DATABASE_READ_URL,
    databaseReadMaxLagMs: positive('DATABASE_READ_MAX_LAG_MS', e.DATABASE_READ_MAX_LAG_MS),
    redisUrl: e.REDIS_URL,
    port: e.PORT,
    host: e.HOST,
    role: e.ROLE,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    policyFile: e.POLICY_FILE,
    rateLimitPerSecond: positive('RATE_LIMIT_PER_SECOND', e.RATE_LIMIT_PER_SECOND),
    authFailureLimit: positive('AUTH_FAILURE_LIMIT', e.AUTH_FAILURE_LIMIT),
    authFailureWindowMs: positive('AUTH_FAILURE_WINDOW_MS', e.AUTH_FAILURE_WINDOW_MS),
    metricsToken: secret('METRICS_TOKEN', e.METRICS_TOKEN),
    bodyLimitBytes: positive('BODY_LIMIT_BYTES', e.BODY_LIMIT_BYTES),
    batchLimitBytes: positive('BATCH_LIMIT_BYTES', e.BATCH_LIMIT_BYTES),
    requestTimeoutMs: positive('REQUEST_TIMEOUT_MS', e.REQUEST_TIMEOUT_MS),
    bodyIdleTimeoutMs: positive('BODY_IDLE_TIMEOUT_MS', e.BODY_IDLE_TIMEOUT_MS),
    connectionTimeoutMs: positive('CONNECTION_TIMEOUT_MS', e.CONNECTION_TIMEOUT_MS),
    uploadsPerKey: wholePositive('UPLOADS_PER_KEY', e.UPLOADS_PER_KEY),
    uploadPoolSize: wholePositive('UPLOAD_POOL_SIZE', e.UPLOAD_POOL_SIZE),
    uploadDir: e.UPLOAD_DIR ?? path.join(e.DATA_DIR, 'uploads'),
    shutdownTimeoutMs: positive('SHUTDOWN_TIMEOUT_MS', e.SHUTDOWN_TIMEOUT_MS),
    claimTtlMinutes: positive('CLAIM_TTL_MINUTES', e.CLAIM_TTL_MINUTES),
    visitLeadDays: wholeDays('VISIT_LEAD_DAYS', e.VISIT_LEAD_DAYS),
    batchRescoreDelayMs: nonNegative('BATCH_RESCORE_DELAY_MS', e.BATCH_RESCORE_DELAY_MS),
    rescoreDeferMaxMs: nonNegative('RESCORE_DEFER_MAX_MS', e.RESCORE_DEFER_MAX_MS),
    ingestChunkLines: positive('INGEST_CHUNK_LINES', e.INGEST_CHUNK_LINES),
    ingestTrace: e.INGEST_TRACE,
    migrateOnStart: e.MIGRATE_ON_START,
    smsGatewayUrl: e.SMS_GATEWAY_URL,
    feedsFile: e.FEEDS_FILE,
    mappingsFile: e.MAPPINGS_FILE,
    queuePrefix: e.QUEUE_PREFIX,
    queueAddTimeoutMs: positive('QUEUE_ADD_TIMEOUT_MS', e.QUEUE_ADD_TIMEOUT_MS),
    queueRecoveryIntervalMs: positive('QUEUE_RECOVERY_INTERVAL_MS', e.QUEUE_RECOVERY_INTERVAL_MS),
    queueRecoveryMinAgeMs: nonNegative('QUEUE_RECOVERY_MIN_AGE_MS', e.QUEUE_RECOVERY_MIN_AGE_MS),
    queueLockMs: e.QUEUE_LOCK_MS === undefined ? undefined : atLeast('QUEUE_LOCK_MS', e.QUEUE_LOCK_MS, 1000),
    trustProxy: e.TRUST_PROXY,
    clockStart: instant('CLOCK_START', e.CLOCK_START),
    payrollFreezeDay: dayOfMonth('PAYROLL_FREEZE_DAY', e.PAYROLL_FREEZE_DAY),
  };
}
