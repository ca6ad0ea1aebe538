// The append-only audit trail. Every read of a person and every change is written before
// the response leaves; concurrent requests share one INSERT (group commit), so auditing
// costs one round trip per burst rather than one per request.
import type pg from 'pg';
import { auditRows, type AuditEntry } from './rows.ts';

export type { AuditEntry } from './rows.ts';

export interface AuditWriter {
  record(entries: AuditEntry | AuditEntry[]): Promise<void>;
  close(): Promise<void>;
}

const MAX_ROWS_PER_INSERT = 5000;
/**
 * No insert of the writer lasts longer: a flush that cannot be stored by then fails (its
 * requests answer 503) instead of waiting for ever. The audit's index relies on it: a row dated
 * (its transaction's start) longer ago than this can no longer appear (reads-index.ts).
 */
export const AUDIT_INSERT_TIMEOUT_SECONDS = 30;
// A named statement: each of the writer's connections parses and plans it once. Unnamed (as
// Kysely sends it), every flush was parsed and planned again: about 6 µs of PostgreSQL's CPU
// per status lookup at 14 lookups a flush (README, "Audit").
const INSERT_SQL = `INSERT INTO audit_log (key_id, role, action, pensioner_id, detail, pensioner_ids)
  SELECT key_id, role, action, pensioner_id, detail, pensioner_ids
  FROM json_to_recordset($1::json)
    AS r(key_id uuid, role text, action text, pensioner_id bigint, detail jsonb, pensioner_ids bigint[])`;

/**
 * The writer has its own two connections with synchronous_commit off: a flush waits for
 * PostgreSQL to accept the rows (so an application crash loses nothing that was answered)
 * but not for the WAL fsync, which on its own would cap status lookups at a few thousand a
 * second. A crash of the database server itself can lose the last fraction of a second of
 * audit rows (wal_writer_delay); see README, "Audit". `insertTimeoutSeconds` is for tests: the
 * audit's index counts on the default.
 */
export function createAuditWriter(mainPool: pg.Pool, o: { insertTimeoutSeconds?: number } = {}): AuditWriter {
  const PoolClass = mainPool.constructor as typeof pg.Pool;
  const pool = new PoolClass({
    ...(mainPool as unknown as { options: pg.PoolConfig }).options,
    max: 2,
    options: `-c synchronous_commit=off -c statement_timeout=${(o.insertTimeoutSeconds ?? AUDIT_INSERT_TIMEOUT_SECONDS) * 1000}`,
  });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  let pending: { entries: AuditEntry[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  let flushing: Promise<void> | null = null;

  async function insert(entries: AuditEntry[]) {
    const rows = auditRows(entries);
    for (let i = 0; i < rows.length; i += MAX_ROWS_PER_INSERT) {
      // One JSON parameter, not five arrays: the driver escapes an array element by element in
      // JavaScript, which cost a 1000-ID status query about 2 ms of the API's CPU.
      const part = JSON.stringify(rows.slice(i, i + MAX_ROWS_PER_INSERT));
      await pool.query({ name: 'audit_insert', text: INSERT_SQL, values: [part] });
    }
  }

  async function drain(): Promise<void> {
    while (pending.length) {
      const batch = pending;
      pending = [];
      try {
        await insert(batch.flatMap((b) => b.entries));
        for (const b of batch) b.resolve();
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
    flushing = null;
  }

  return {
    record(entries) {
      const list = Array.isArray(entries) ? entries : [entries];
      if (list.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        pending.push({ entries: list, resolve, reject });
        // Requests arriving while an insert runs wait for the next one and share it.
        flushing ??= Promise.resolve().then(drain);
      });
    },
    async close() {
      while (flushing) await flushing;
      await pool.end();
    },
  };
}
