// npm run bench:facts-plan [-- --database pc_bench_score --page 2000 --pages 5]
// What one sweep page's reads of the facts cost on a kept bench:score database (run it with
// --keep), in buffers as well as time: buffers do not change with the load of a shared
// machine. Each read of `facts-repository.ts` (the registry's rows, the evidence) is explained
// both ways, by list and by range, for pages spread over the ids; each is run once to warm the
// cache and explained on the second run. Prints per page: shared buffers hit + read, execution
// time, and the scan nodes of the plan with the indexes they use.
import { parseArgs } from 'node:util';
import { sql, type RawBuilder } from 'kysely';
import { createDatabase } from '../src/infra/database.ts';
import { createFactsRepository, evidenceQuery, peopleQuery } from '../src/modules/certification/facts-repository.ts';
import type { FactsRead } from '../src/infra/id-set-sql.ts';
import { dbUrl, log } from './lib.ts';

const { values: args } = parseArgs({
  options: {
    database: { type: 'string', default: 'pc_bench_score' },
    page: { type: 'string', default: '2000' },
    pages: { type: 'string', default: '5' },
    // Every n-th pensioner of the span: pages of scattered ids (1 is a sweep page).
    every: { type: 'string', default: '1' },
  },
});
const PAGE = Number(args.page);
const EVERY = Number(args.every);
const database = createDatabase(dbUrl(args.database), { max: 1 });
const db = database.db;
const facts = createFactsRepository();

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  'Heap Fetches'?: number;
  Plans?: PlanNode[];
}

/** The scan nodes of a plan, counted by kind and index ("Index Only Scan events_pensioner_cover ×29"). */
function scans(node: PlanNode, out = new Map<string, number>()): Map<string, number> {
  if (/Scan/.test(node['Node Type'])) {
    const key = `${node['Node Type']} ${node['Index Name'] ?? node['Relation Name'] ?? ''}`.trim();
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  for (const p of node.Plans ?? []) scans(p, out);
  return out;
}

async function explain(query: RawBuilder<unknown>) {
  await query.execute(db);
  const res = await sql<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query}`.execute(db);
  const { Plan, 'Execution Time': ms } = res.rows[0]!['QUERY PLAN'][0];
  return {
    buffers: Plan['Shared Hit Blocks'] + Plan['Shared Read Blocks'],
    read: Plan['Shared Read Blocks'],
    ms,
    scans: [...scans(Plan)].map(([k, n]) => `${k} ×${n}`).join(', '),
  };
}

const { lo, hi } = await facts.idRange(db);
if (lo === null || hi === null) throw new Error(`no pensioners in ${args.database}`);
const partitions = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'events'::regclass`.execute(db);
log(`${args.database}: pensioners ${lo}–${hi}, ${partitions.rows[0]!.n} evidence partitions, pages of ${PAGE}`);
const total: Record<string, { buffers: number; ms: number; n: number }> = {};
const pages = Number(args.pages);
for (let i = 0; i < pages; i++) {
  const from = BigInt(lo) + ((BigInt(hi) - BigInt(lo)) * BigInt(i)) / BigInt(pages);
  const all = await facts.idsBetween(db, String(from), String(from + BigInt(PAGE * EVERY) - 1n));
  const ids = all.filter((_, k) => k % EVERY === 0);
  for (const read of ['list', 'range'] as FactsRead[]) {
    for (const [what, query] of [
      ['people', peopleQuery(ids, read)],
      ['evidence', evidenceQuery(ids, read)],
    ] as const) {
      const r = await explain(query as RawBuilder<unknown>);
      const key = `${what} by ${read}`;
      total[key] ??= { buffers: 0, ms: 0, n: 0 };
      total[key].buffers += r.buffers;
      total[key].ms += r.ms;
      total[key].n++;
      process.stdout.write(
        `page ${from}–${from + BigInt(PAGE * EVERY) - 1n} (${ids.length} ids) ${key}: ${r.buffers} buffers (${r.read} read), ${r.ms.toFixed(1)} ms; ${r.scans}\n`,
      );
    }
  }
}
process.stdout.write('\nper page, mean:\n');
for (const [key, t] of Object.entries(total)) {
  process.stdout.write(`  ${key}: ${Math.round(t.buffers / t.n)} buffers, ${(t.ms / t.n).toFixed(1)} ms\n`);
}
await database.close();
