// The PostgreSQL pool and the Kysely instance over it, plus migrations.
import pg from 'pg';
import { Kysely, PostgresDialect, Migrator, sql } from 'kysely';
import { MIGRATIONS } from '../../migrations/index.ts';
import type { DB } from './db-types.ts';

// Calendar dates stay 'YYYY-MM-DD' strings: a JS Date would shift them by the process time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

/** What every repository method runs its SQL on: the pool's Kysely, or a transaction's. */
export type Executor = Kysely<DB>;

export interface TransactionOptions {
  /** Runs the whole function again after a deadlock or serialization failure, up to this many times; only for functions that can be re-run (no request body consumed). */
  retries?: number;
}
export type Transact = <T>(fn: (trx: Executor) => Promise<T>, opts?: TransactionOptions) => Promise<T>;

export interface Database {
  pool: pg.Pool;
  db: Kysely<DB>;
  /** The one way to run a transaction: Kysely for SQL, and its pg client through pgClient(trx) for COPY. */
  transaction: Transact;
  /**
   * The same, on a small pool of its own (opened on first use) for storing uploaded files: however
   * many uploads are being stored at once, they wait for each other there and never take the
   * connections that lookups and readiness need.
   */
  uploadTransaction: Transact;
  /** Resolves once the database answers a query, rejects if it does not within `timeoutMs` (readiness). */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const clients = new WeakMap<Executor, pg.PoolClient>();

// Errors that say the database is away (restarting, failing over, unreachable, out of
// connections), not that the request was wrong: class 08 (connection exception), 57P01–57P03
// (shutdown, cannot connect now), 53300 (no connection slot left), 57014 (a statement cancelled:
// by its timeout, as the audit writer's, or by an operator), and the driver's own words when a
// connection is lost or cannot be made.
const UNAVAILABLE_CODES = /^(08|57P0[123]$|53300$|57014$)/;
const UNAVAILABLE_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
const UNAVAILABLE_TEXT = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/**
 * Whether `e` passes by itself: the database cannot be reached right now, or a transaction lost
 * a deadlock or serialization race (after the retries it was given). Answer 503, retry later.
 */
export function isTransientDatabaseError(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (!err) return false;
  const code = typeof err.code === 'string' ? err.code : '';
  return (
    RETRYABLE.has(code) || UNAVAILABLE_CODES.test(code) || UNAVAILABLE_NODE.has(code) || (typeof err.message === 'string' && UNAVAILABLE_TEXT.test(err.message))
  );
}
const RETRYABLE = new Set(['40P01', '40001']);

/** The pg client under a transaction's executor, for what Kysely cannot do (COPY). */
export function pgClient(trx: Executor): pg.PoolClient {
  const client = clients.get(trx);
  if (!client) throw new Error('pgClient needs an executor from transaction()');
  return client;
}

/** transaction() on `pool` (also the read replica's, whose connect() picks the server). */
export function transactionOn(pool: Pick<pg.Pool, 'connect'>): Transact {
  return async function transaction<T>(fn: (trx: Executor) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const client = await pool.connect();
      // A Kysely whose only connection is this client: every query of `fn` is in the transaction.
      const shim = { query: client.query.bind(client), release: () => {} };
      const trx = new Kysely<DB>({ dialect: new PostgresDialect({ pool: { connect: async () => shim, end: async () => {} } as unknown as pg.Pool }) });
      clients.set(trx, client);
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(trx);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        if (attempt < (opts.retries ?? 0) && RETRYABLE.has((e as { code?: string }).code ?? '')) continue;
        throw e;
      } finally {
        client.release(broken);
      }
    }
  };
}

function createPool(connectionString: string, o: { max: number; applicationName: string; connectionTimeoutMillis: number }): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: o.max,
    application_name: o.applicationName,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: o.connectionTimeoutMillis,
  });
  // A client losing its connection (the server restarting) must not crash the process: idle
  // ones are replaced by the pool, and one in use fails its query, which the caller sees.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export function createDatabase(connectionString: string, opts: { max?: number; uploadMax?: number; applicationName?: string } = {}): Database {
  const applicationName = opts.applicationName ?? 'pension-certification';
  // A request waits this long for a connection, then answers 503, rather than hang.
  const pool = createPool(connectionString, { max: opts.max ?? 20, applicationName, connectionTimeoutMillis: 5_000 });
  // An upload whose file has arrived waits its turn longer: its client has sent the whole file
  // and is waiting for the 202; storing one file takes seconds, not minutes.
  const uploadPool = createPool(connectionString, { max: opts.uploadMax ?? 4, applicationName: `${applicationName}-uploads`, connectionTimeoutMillis: 60_000 });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    pool,
    db,
    transaction: transactionOn(pool),
    uploadTransaction: transactionOn(uploadPool),
    async ping(timeoutMs = 2000) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the database did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([sql`select 1`.execute(db), late]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: async () => {
      await db.destroy(); // ends the pool too
      await uploadPool.end();
    },
  };
}

function migrator(db: Kysely<DB>) {
  return new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
}

export async function pendingMigrations(db: Kysely<DB>): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}

export async function migrateToLatest(db: Kysely<DB>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
