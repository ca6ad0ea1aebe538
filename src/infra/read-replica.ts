// Reads that may be a moment old (status lookups, lists, reports, exports) go to a streaming
// standby; everything else, and every read of a key that has just written, to the primary.
//
// How stale can a read be? One poll (every `pollMs`, one place) reads the primary's WAL position
// and the standby's replay position. The standby then holds everything the primary had committed
// when it was last seen at or below that replay position, so its lag is at most "now − that
// sighting" (measured conservatively: from when the primary was asked). A standby that is down,
// not in recovery, or lags more than `maxLagMs` is not read at all: no read is ever older than
// `maxLagMs` plus a poll. A key that writes is remembered with the primary's position after its
// write (taken by the next poll, which starts after the write committed), and its reads go to the
// primary until the standby has replayed past it: a key sees its own write at once.
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { DB } from './db-types.ts';
import { isTransientDatabaseError, transactionOn, type Transact } from './database.ts';

export interface ReplicaOptions {
  /** How far behind the primary the standby may be and still be read. */
  maxLagMs: number;
  pollMs?: number;
  max?: number;
  applicationName?: string;
}

export interface ReplicaState {
  /** The standby answered the last poll and is replaying. */
  standbyUp: boolean;
  /** At most this far behind the primary (Infinity when unknown). */
  lagMs: number;
  /** Reads served by each server since the start. */
  served: { standby: number; primary: number };
}

export interface ReadReplica {
  /** Kysely for reads: the standby when it may be, else the primary. */
  db: Kysely<DB>;
  /** The same as a pg pool (`query` and `connect`), for repositories that run prepared statements. */
  pool: pg.Pool;
  /** A transaction for consistent multi-statement reads (read-only on a standby). */
  transaction: Transact;
  /** Runs `fn` with its reads made for `key` (a key id); `null` sends every read of `fn` to the primary. */
  readsFor<T>(key: string | null, fn: () => T): T;
  /** `key` has written: its reads go to the primary until the standby has replayed past this moment. */
  wrote(key: string): void;
  state(): ReplicaState;
  close(): Promise<void>;
}

/** 'X/Y' (hex) as one number. */
const lsnOf = (text: string) => {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
};

type Target = 'standby' | 'primary';

/** The primary's positions (when asked, what it said) and the standby's replay position: the lag and the keys' pending writes (exported for its unit test). */
export function createLagTracker(maxLagMs: number) {
  const seen: { at: number; lsn: bigint }[] = [];
  /** Per key: the primary's position after its last write (null until the next poll gives it), and when it wrote. */
  const pending = new Map<string, { lsn: bigint | null; at: number }>();
  let replay: bigint | null = null;
  return {
    pending,
    primaryAt(at: number, lsn: bigint) {
      seen.push({ at, lsn });
      for (const p of pending.values()) if (p.lsn === null && p.at < at) p.lsn = lsn;
    },
    replayed(lsn: bigint | null) {
      replay = lsn;
      if (lsn === null) return;
      // Keep the newest sighting the standby has passed, and those after it.
      while (seen.length > 1 && seen[1]!.lsn <= lsn) seen.shift();
      for (const [k, p] of pending) if (p.lsn !== null && p.lsn <= lsn) pending.delete(k);
    },
    lagMs(now: number) {
      if (replay === null || seen.length === 0 || seen[0]!.lsn > replay) return Infinity;
      return now - seen[0]!.at;
    },
    /** Whether `key` has a write the standby may not have yet. */
    waiting(key: string) {
      const p = pending.get(key);
      return p !== undefined && (p.lsn === null || replay === null || p.lsn > replay);
    },
    trim(now: number) {
      // A sighting older than the bound says only "too far behind"; keep the list short.
      while (seen.length > 2 && now - seen[1]!.at > maxLagMs * 2) seen.shift();
    },
  };
}

function pollPool(connectionString: string, applicationName: string) {
  const pool = new pg.Pool({ connectionString, max: 1, application_name: applicationName, connectionTimeoutMillis: 1000, query_timeout: 1000 });
  pool.on('error', () => {});
  return pool;
}

export function createReadReplica(primary: pg.Pool, standbyUrl: string, opts: ReplicaOptions): ReadReplica {
  const applicationName = opts.applicationName ?? 'pension-certification-reads';
  const standby = new pg.Pool({ connectionString: standbyUrl, max: opts.max ?? 20, application_name: applicationName, connectionTimeoutMillis: 2000 });
  standby.on('error', () => {});
  standby.on('connect', (client) => client.on('error', () => {}));
  const primaryUrl = (primary as unknown as { options: { connectionString: string } }).options.connectionString;
  const polls = { primary: pollPool(primaryUrl, `${applicationName}-lag`), standby: pollPool(standbyUrl, `${applicationName}-lag`) };
  const lag = createLagTracker(opts.maxLagMs);
  const context = new AsyncLocalStorage<string | null>();
  const served = { standby: 0, primary: 0 };
  let standbyUp = false;
  let polling = false;

  async function poll() {
    if (polling) return;
    polling = true;
    const asked = performance.now();
    try {
      const [p, s] = await Promise.allSettled([
        polls.primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'),
        polls.standby.query<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn'),
      ]);
      if (p.status === 'fulfilled') lag.primaryAt(asked, lsnOf(p.value.rows[0]!.lsn));
      // A server that is not in recovery answers null: it is no standby of ours.
      const replay = s.status === 'fulfilled' && s.value.rows[0]!.lsn !== null ? lsnOf(s.value.rows[0]!.lsn) : null;
      standbyUp = replay !== null;
      lag.replayed(replay);
      lag.trim(performance.now());
    } finally {
      polling = false;
    }
  }
  const timer = setInterval(() => void poll(), opts.pollMs ?? 100);
  timer.unref();
  void poll();

  function target(): Target {
    const key = context.getStore();
    // Outside a request routed here (jobs, the CLI, a request that writes): the primary.
    if (key === undefined || key === null) return 'primary';
    if (!standbyUp || lag.lagMs(performance.now()) > opts.maxLagMs) return 'primary';
    return lag.waiting(key) ? 'primary' : 'standby';
  }

  /** A read on the standby that fails because it is away or cancelled by replay is read again on the primary. */
  async function query(...args: unknown[]) {
    const on = target();
    served[on]++;
    const run = (p: pg.Pool) => (p.query as (...a: unknown[]) => Promise<pg.QueryResult>)(...args);
    if (on === 'primary') return run(primary);
    try {
      return await run(standby);
    } catch (e) {
      if (!isTransientDatabaseError(e)) throw e;
      if (!/conflict with recovery/i.test((e as Error).message)) standbyUp = false;
      served.standby--;
      served.primary++;
      return run(primary);
    }
  }

  async function connect(): Promise<pg.PoolClient> {
    const on = target();
    served[on]++;
    if (on === 'primary') return primary.connect();
    return standby.connect().catch(() => {
      standbyUp = false;
      return primary.connect();
    });
  }

  const pool = { query, connect } as unknown as pg.Pool;
  // Each Kysely query outside a transaction is one statement: routed (and retried) on its own.
  const shim = { query: (sql: string, params: unknown[]) => query(sql, params), release: () => {} };
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: { connect: async () => shim, end: async () => {} } as unknown as pg.Pool }) });

  return {
    db,
    pool,
    transaction: transactionOn(pool),
    readsFor: (key, fn) => context.run(key, fn),
    wrote(key) {
      lag.pending.set(key, { lsn: null, at: performance.now() });
    },
    state: () => ({ standbyUp, lagMs: lag.lagMs(performance.now()), served: { ...served } }),
    async close() {
      clearInterval(timer);
      await Promise.all([standby.end(), polls.primary.end(), polls.standby.end()]);
    },
  };
}
