// bench:audit-index — who read a person, from the audit's index against the scan of the
// period's many-person rows it replaces (migration 20261208T000000), and what the index costs.
// Fills a scratch database with D days of many-person audit rows shaped as the 1M province's
// status lookups left them (per day 30,000 rows naming 16M reads of 1M pensioners: README,
// "Audit"), asks `audit_reads_of` of sample people over the whole period before the index
// (the floor: the scan) and after the audit-index job has run, and times the job.
//   npm run bench:audit-index -- [--days 2] [--rows-per-day 30000] [--names-per-row 530] [--pensioners 1000000] [--sample 20] [--keep]
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { ADMIN_URL, freshDatabase, log, serviceUrl } from './lib.ts';
import { createDatabase } from '../src/infra/database.ts';
import { createAuditIndexRepository } from '../src/modules/audit/reads-index-repository.ts';
import { createAuditIndexService } from '../src/modules/audit/reads-index.ts';

const args = process.argv.slice(2);
const num = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : def;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
};
const DAYS = num('days', 2);
const ROWS = num('rows-per-day', 30_000);
const NAMES = num('names-per-row', 530);
const PENSIONERS = num('pensioners', 1_000_000);
const SAMPLE = num('sample', 20);
const KEEP = args.includes('--keep');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeReads(pool: pg.Pool, people: number[]): Promise<{ ms: number[]; reads: number[] }> {
  const ms: number[] = [];
  const reads: number[] = [];
  for (const p of people) {
    const t0 = performance.now();
    const r = await pool.query(`SELECT count(*)::int AS n FROM audit_reads_of($1, '-infinity')`, [p]);
    ms.push(performance.now() - t0);
    reads.push(r.rows[0].n);
  }
  return { ms, reads };
}

async function main() {
  const name = `pc_bench_audit_${randomBytes(3).toString('hex')}`;
  const url = await freshDatabase(name);
  const owner = new pg.Pool({ connectionString: url, max: 1 });
  const database = createDatabase(serviceUrl(url), { max: 2 });
  const pool = database.pool;
  try {
    log(`bench:audit-index — ${DAYS} days × ${ROWS.toLocaleString()} rows × ${NAMES} names of ${PENSIONERS.toLocaleString()} pensioners, database ${name}`);
    let t0 = performance.now();
    for (let d = 0; d < DAYS; d++) {
      // Spread over the day before now - d days; each row's names drawn from its own hash, so every row differs.
      await owner.query(
        `INSERT INTO audit_log (at, key_id, role, action, pensioner_ids)
         SELECT now() - make_interval(days => $1 + 1) + make_interval(secs => i * 86400.0 / $2), gen_random_uuid(), 'bureau', 'certification.read',
           (SELECT array_agg(1 + (hashint8(i::bigint * 100003 + j + $1::bigint * 1000000007) & 2147483647) % $4) FROM generate_series(1, $3) j)
         FROM generate_series(1, $2) i`,
        [d, ROWS, NAMES, PENSIONERS],
      );
    }
    await owner.query('VACUUM ANALYZE audit_log');
    const names = DAYS * ROWS * NAMES;
    log(`  filled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const people = Array.from({ length: SAMPLE }, (_, i) => 1 + ((i * 7919 + 13) % PENSIONERS));

    const scan = await timeReads(pool, people);
    t0 = performance.now();
    const service = createAuditIndexService({ db: database.db, transaction: database.transaction, repo: createAuditIndexRepository() });
    // Every row filed, the last minute's too (the bench's rows are dated, not written, then).
    const run = await service.run({ settleSeconds: 0, budgetMs: Infinity });
    const indexMs = performance.now() - t0;
    await owner.query('VACUUM ANALYZE audit_person_index');
    const sizes = (await owner.query(`SELECT pg_total_relation_size('audit_person_index')::bigint AS b, pg_total_relation_size('audit_log')::bigint AS log`))
      .rows[0];
    const size = sizes.b as string;
    const indexed = await timeReads(pool, people);
    if (indexed.reads.join() !== scan.reads.join()) throw new Error('the index answers differently from the scan');

    const line = (label: string, r: { ms: number[] }) =>
      `| ${label} | ${median(r.ms).toFixed(1)} ms (max ${Math.max(...r.ms).toFixed(1)}) | ${(((median(r.ms) / DAYS) * 365) / 1000).toFixed(1)} s |`;
    process.stdout.write(
      [
        `bench:audit-index, ${new Date().toISOString()}: ${DAYS} days of ${ROWS.toLocaleString()} many-person rows naming ${(ROWS * NAMES).toLocaleString()} reads a day (${PENSIONERS.toLocaleString()} pensioners); ${SAMPLE} people, ${median(scan.reads)} reads each (median)`,
        '',
        `| audit_reads_of(person, whole period) | median | a year at this rate (scan: linear in the period) |`,
        '|---|---|---|',
        line('scan of the many-person rows (before; the floor)', scan),
        `| from the index | ${median(indexed.ms).toFixed(1)} ms (max ${Math.max(...indexed.ms).toFixed(1)}) | grows with the person's reads, not the period |`,
        '',
        `indexing: ${run.rows.toLocaleString()} rows, ${run.names.toLocaleString()} names (expected ${names.toLocaleString()}) in ${(indexMs / 1000).toFixed(1)} s = ${Math.round(run.names / (indexMs / 1000)).toLocaleString()} names/s, ${(((indexMs / 1000 / DAYS) * 100) / 86400).toFixed(2)}% of a day per day at this rate; index ${(Number(size) / 1048576).toFixed(0)} MiB = ${(Number(size) / run.names).toFixed(1)} B a name (the log: ${(Number(sizes.log) / 1048576).toFixed(0)} MiB)`,
        '',
      ].join('\n'),
    );
  } finally {
    await database.close();
    await owner.end();
    if (!KEEP) {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    }
  }
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
  process.exit(1);
});
