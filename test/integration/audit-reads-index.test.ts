// Who read a person, from the audit's index (migration 20261208T000000): `audit_reads_of`
// answers the same as the view `audit_by_pensioner` whether the audit-index job has run, has
// run part of the way or not at all; the job indexes each many-person row once, whatever the
// steps and however many runs at once; rows younger than the writer's timeout wait; the service
// may add to the index but not change or empty it; and a writer's insert that cannot be stored
// in time fails (503) rather than waits.
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withClient } from '../helpers/context.ts';
import { createAuditWriter, type AuditEntry, type AuditWriter } from '../../src/modules/audit/repository.ts';
import { createAuditIndexRepository } from '../../src/modules/audit/reads-index-repository.ts';
import { createAuditIndexService } from '../../src/modules/audit/reads-index.ts';
import { createDatabase, isTransientDatabaseError, transactionOn, type Database } from '../../src/infra/database.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let database: Database;
let pool: pg.Pool;
let writer: AuditWriter;
const repo = createAuditIndexRepository();
let index: ReturnType<typeof createAuditIndexService>;

beforeAll(async () => {
  db = await createTestDatabase();
  database = createDatabase(db.url, { max: 4 });
  pool = database.pool;
  writer = createAuditWriter(pool);
  index = createAuditIndexService({ db: database.db, transaction: database.transaction, repo });
}, 60_000);
afterAll(async () => {
  await writer?.close();
  await database?.close();
  await db?.drop();
});

const KEYS = ['6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b', '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'];
const PEOPLE = Array.from({ length: 12 }, (_, i) => 1000 + i);

/** One flush: each key reads `people` (one many-person row each), and one person alone under another detail. */
async function flush(people: number[], action: string) {
  const entries: AuditEntry[] = [];
  for (const keyId of KEYS) for (const p of people) entries.push({ keyId, role: 'bureau', action, pensionerId: p });
  entries.push({ keyId: KEYS[0]!, role: 'staff', action, pensionerId: people[0]!, detail: { note: 'alone' } });
  await writer.record(entries);
}

type Read = { id: string; key_id: string; action: string };
const sorted = (r: Read[]) => r.map((x) => `${x.id}/${x.key_id}/${x.action}`).sort();

/** What audit_reads_of says of each person, and what the view says (the truth), from the beginning. */
async function readsOfEveryone() {
  const fn: string[][] = [];
  const view: string[][] = [];
  for (const p of PEOPLE) {
    const a = await pool.query<Read>(`SELECT id::text, key_id::text, action FROM audit_reads_of($1, '-infinity')`, [p]);
    const b = await pool.query<Read>(`SELECT id::text, key_id::text, action FROM audit_by_pensioner WHERE pensioner_id = $1`, [p]);
    fn.push(sorted(a.rows));
    view.push(sorted(b.rows));
  }
  return { fn, view };
}

const indexed = async () =>
  (
    await pool.query<{ n: number; distinct: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT (i.pensioner_id, x.id))::int AS distinct FROM audit_person_index i CROSS JOIN LATERAL unnest(i.audit_ids) AS x(id)`,
    )
  ).rows[0]!;
const manyPersonNames = async () =>
  (await pool.query<{ n: number }>(`SELECT coalesce(sum(cardinality(pensioner_ids)), 0)::int AS n FROM audit_log WHERE pensioner_ids IS NOT NULL`)).rows[0]!.n;

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

describe('the audit index of whom many-person rows named', () => {
  it('answers who read a person as the view does, before, during and after indexing', async () => {
    for (let i = 0; i < 6; i++) await flush(PEOPLE.slice(i * 2, i * 2 + 5), `read-${i}`);
    const before = await readsOfEveryone();
    expect(before.fn).toEqual(before.view);
    expect(before.view.every((r) => r.length > 0)).toBe(true);
    expect((await indexed()).n).toBe(0);

    // Young rows wait: with an hour to settle nothing is indexed, and the answer is unchanged.
    expect(await index.run({ settleSeconds: 3600 })).toMatchObject({ rows: 0, names: 0, caughtUp: true });
    expect((await indexed()).n).toBe(0);
    expect((await readsOfEveryone()).fn).toEqual(before.view);

    // Two rows a step: several steps and transactions; the answer is the same after each run.
    const names = await manyPersonNames();
    expect(names).toBe(2 * (5 + 5 + 5 + 5 + 4 + 2));
    expect(await index.run({ settleSeconds: 0, rowsPerStep: 2 })).toMatchObject({ rows: 12, names, caughtUp: true });
    expect(await indexed()).toEqual({ n: names, distinct: names });
    expect((await readsOfEveryone()).fn).toEqual(before.view);

    // Rows after the horizon are read from the log until the next run indexes them.
    for (let i = 0; i < 3; i++) await flush(PEOPLE.slice(i * 3, i * 3 + 4), `later-${i}`);
    const later = await readsOfEveryone();
    expect(later.fn).toEqual(later.view);
    expect(later.view).not.toEqual(before.view);
    // One step: each person's reads are one index row (ten people in these flushes, three or four rows each).
    expect(await index.run({ settleSeconds: 0 })).toMatchObject({ rows: 6, names: (await manyPersonNames()) - names, people: 10 });
    expect((await readsOfEveryone()).fn).toEqual(later.view);
    expect(await indexed()).toEqual({ n: await manyPersonNames(), distinct: await manyPersonNames() });
    // Caught up: a run with nothing new adds nothing.
    expect(await index.run({ settleSeconds: 0 })).toMatchObject({ rows: 0, names: 0, caughtUp: true });
  });

  it('answers as the view does after any interleaving of flushes and runs, filing each read once (property)', async () => {
    let n = 0;
    const op = fc.oneof(
      fc.record({ flush: fc.uniqueArray(fc.integer({ min: 0, max: PEOPLE.length - 1 }), { minLength: 1, maxLength: 6 }) }),
      fc.record({ run: fc.integer({ min: 1, max: 4 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), async (ops) => {
        for (const o of ops) {
          if ('run' in o) await index.run({ settleSeconds: 0, rowsPerStep: o.run });
          else
            await flush(
              o.flush.map((i) => PEOPLE[i]!),
              `prop-${n++}`,
            );
        }
        const all = await readsOfEveryone();
        expect(all.fn).toEqual(all.view);
        const filed = await indexed();
        expect(filed.distinct).toBe(filed.n);
      }),
      { numRuns: 12 },
    );
    // Caught up, so that the tests after this one count only their own rows.
    await index.run({ settleSeconds: 0 });
  }, 120_000);

  it('takes a moment whole when it holds more rows than a step', async () => {
    // One flush, five details: five many-person rows sharing their moment, against one row a step.
    const entries: AuditEntry[] = [];
    for (let d = 0; d < 5; d++)
      for (const p of PEOPLE.slice(0, 3)) entries.push({ keyId: KEYS[1]!, role: 'bureau', action: 'page', pensionerId: p, detail: { page: d } });
    await writer.record(entries);
    await flush(PEOPLE.slice(0, 2), 'pair');
    expect(await index.run({ settleSeconds: 0, rowsPerStep: 1 })).toMatchObject({ rows: 5 + 2, names: 5 * 3 + 2 * 2, caughtUp: true });
    const n = await manyPersonNames();
    expect(await indexed()).toEqual({ n, distinct: n });
    const all = await readsOfEveryone();
    expect(all.fn).toEqual(all.view);
  });

  it('indexes each row once when two runs overlap: the second waits for the first', async () => {
    for (let i = 0; i < 4; i++) await flush(PEOPLE.slice(i, i + 2), `pair-${i}`);
    const transaction = transactionOn(pool);
    const step = { maxRows: 100, settleSeconds: 0 };
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let stepped!: () => void;
    const firstStepped = new Promise<void>((r) => (stepped = r));
    // The first run's step is done but not committed when the second starts.
    const first = transaction(async (trx) => {
      const s = await repo.step(trx, step);
      stepped();
      await held;
      return s;
    });
    await firstStepped;
    const second = transaction((trx) => repo.step(trx, step));
    await new Promise((r) => setTimeout(r, 200));
    release();
    const [a, b] = await Promise.all([first, second]);
    expect(a.names).toBe(4 * 2 * 2);
    expect(b.names).toBe(0);
    const n = await manyPersonNames();
    expect(await indexed()).toEqual({ n, distinct: n });
  });

  it('lets the service add to the index and move its horizon, never change or empty it', async () => {
    const refused = ['UPDATE audit_person_index SET last_at = now()', 'DELETE FROM audit_person_index', 'TRUNCATE audit_person_index'];
    for (const q of refused) await expect(pool.query(q), q).rejects.toThrow(/append-only|permission denied/);
    expect((await indexed()).n).toBeGreaterThan(0);
    const horizon = (await pool.query<{ at: string }>(`SELECT indexed_before::text AS at FROM audit_index_progress`)).rows[0]!.at;
    expect(horizon).not.toBe('-infinity');
    // A many-person row dated before the horizon would never be filed: refused, even to the owner.
    const backdated = `INSERT INTO audit_log (at, action, pensioner_ids) VALUES (now() - interval '1 day', 'backdated', '{1,2}')`;
    await expect(withClient(db.ownerUrl, (c) => c.query(backdated))).rejects.toThrow(/before the audit index's horizon/);
    await withClient(db.ownerUrl, (c) => c.query(`INSERT INTO audit_log (at, action, pensioner_id) VALUES (now() - interval '1 day', 'backdated', 1)`));
  });

  it("fails a writer's insert that cannot be stored in time, as the database being away (503), storing nothing", async () => {
    const quick = createAuditWriter(pool, { insertTimeoutSeconds: 1 });
    try {
      await withClient(db.ownerUrl, async (owner) => {
        await owner.query('BEGIN');
        await owner.query('LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE');
        const failed = await quick.record({ keyId: KEYS[0]!, role: 'bureau', action: 'blocked', pensionerId: 1 }).then(
          () => null,
          (e: unknown) => e,
        );
        await owner.query('ROLLBACK');
        expect((failed as { code?: string } | null)?.code).toBe('57014');
        expect(isTransientDatabaseError(failed)).toBe(true);
      });
      expect((await pool.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'blocked'`)).rows[0].n).toBe(0);
    } finally {
      await quick.close();
    }
  });

  it('is filed by hand with `npm run cli -- audit index`: the rows settled a minute ago, counts only on its output', async () => {
    // A database of its own: the runs above moved the horizon to their moment, past these rows.
    const own = await createTestDatabase();
    const ownPool = new pg.Pool({ connectionString: own.url, max: 1 });
    try {
      // Rows of two minutes ago, as the writer left them (one a flush moment), and one of now that must wait.
      await withClient(own.ownerUrl, (c) =>
        c.query(
          `INSERT INTO audit_log (at, key_id, role, action, pensioner_ids) VALUES
        (now() - interval '2 minutes', $1, 'bureau', 'by-hand', '{2001,2002,2003}'), (now() - interval '2 minutes', $2, 'bureau', 'by-hand', '{2003}'),
        (now(), $1, 'bureau', 'by-hand', '{2001}')`,
          [KEYS[0], KEYS[1]],
        ),
      );
      const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', DATABASE_URL: own.url };
      const { stdout } = await promisify(execFile)(TSX, ['src/cli.ts', 'audit', 'index'], { cwd: ROOT, env });
      expect(stdout).toMatch(/^filed 2 many-person audit rows: 4 reads in 3 index rows \(\d+\.\d s\); caught up\n$/);
      const filed = await ownPool.query(
        `SELECT pensioner_id::int AS p, cardinality(audit_ids) AS n FROM audit_person_index WHERE pensioner_id > 2000 ORDER BY 1`,
      );
      expect(filed.rows).toEqual([
        { p: 2001, n: 1 },
        { p: 2002, n: 1 },
        { p: 2003, n: 2 },
      ]);
      const reads = await ownPool.query(`SELECT count(*)::int AS n FROM audit_reads_of(2001, '-infinity') WHERE action = 'by-hand'`);
      expect(reads.rows[0].n).toBe(2); // one filed, one of now read from the log
    } finally {
      await ownPool.end();
      await own.drop();
    }
  }, 60_000);
});
