// Keeps the audit's index of whom each many-person row named up to date (the `audit-index`
// job, nightly: a person's reads of a day make one index row): files the settled rows after
// the horizon in steps of their own transaction, until it catches up or its time is spent (a
// first run over a large audit log continues the next night, or when run by hand).
import type { Executor, Transact } from '../../infra/database.ts';
import { AUDIT_INSERT_TIMEOUT_SECONDS } from './repository.ts';
import type { AuditIndexRepository } from './reads-index-repository.ts';

/** A row this old (by its transaction's start) is settled: no insert of the writer lasts longer. */
export const AUDIT_SETTLE_SECONDS = AUDIT_INSERT_TIMEOUT_SECONDS * 2;

export interface AuditIndexDeps {
  db: Executor;
  transaction: Transact;
  repo: AuditIndexRepository;
}

export interface IndexRunOptions {
  /** Many-person rows a step files, about (default 50,000: more than a day of the 1M bench's status lookups). */
  rowsPerStep?: number;
  /** Stop starting steps after this long (default 5 min); the rest is for the next run. */
  budgetMs?: number;
  /** Tests and bench:audit-index only: file rows younger than the writer's timeout too. */
  settleSeconds?: number;
}

export function createAuditIndexService(deps: AuditIndexDeps) {
  return {
    /** Files what has settled since the last run; how many rows, reads and index rows, and whether it caught up. */
    async run(o: IndexRunOptions = {}): Promise<{ rows: number; names: number; people: number; caughtUp: boolean }> {
      const started = performance.now();
      const step = { maxRows: o.rowsPerStep ?? 50_000, settleSeconds: o.settleSeconds ?? AUDIT_SETTLE_SECONDS };
      const total = { rows: 0, names: 0, people: 0, caughtUp: false };
      while (!total.caughtUp && performance.now() - started < (o.budgetMs ?? 300_000)) {
        const s = await deps.transaction((trx) => deps.repo.step(trx, step));
        total.rows += s.rows;
        total.names += s.names;
        total.people += s.people;
        total.caughtUp = s.caughtUp;
      }
      return total;
    },

    /** How long ago the horizon is (/metrics: a nightly job keeps it under about a day and a minute). */
    behindSeconds: () => deps.repo.behindSeconds(deps.db),
  };
}
export type AuditIndexService = ReturnType<typeof createAuditIndexService>;
