// npm run bench:score [-- --pensioners 1000000 --events 10000000 --concurrency 2 --processes 2]
// Full rescoring and sweep of every pensioner through the daily-sweep worker (BullMQ, real
// queue), against one set-based SQL recompute of the same data in the same run
// (bench/lib.ts sqlRecompute: the floor, not a rival). --processes N runs N worker processes
// (this one and N − 1 bench/sweep-worker.ts), as a deployment runs one per core. --keep keeps
// its database (pc_bench_score, or --database NAME) for a look at the plans afterwards (bench/facts-plan.ts).
// --nights 1 times the first night only (the next night is a second sweep a day later).
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { createDatabase } from '../src/infra/database.ts';
import { createQueues } from '../src/infra/queue.ts';
import { startingClock } from '../src/infra/clock.ts';
import { createDeps } from '../src/app-deps.ts';
import { createDailySweepWorker } from '../jobs/daily-sweep.ts';
import { loadDefaultPolicy } from '../src/domain/policy.ts';
import { dropDatabase, freshDatabase, loadPensioners, log, rssOf, SERVICE_NODE_FLAGS, sqlRecompute } from './lib.ts';

const { values: args } = parseArgs({
  options: {
    pensioners: { type: 'string', default: '100000' },
    events: { type: 'string', default: '' },
    concurrency: { type: 'string', default: '2' },
    processes: { type: 'string', default: '1' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    keep: { type: 'boolean', default: false },
    // 1 skips the next night (a 10M province's first night alone takes half an hour).
    nights: { type: 'string', default: '2' },
    // Another name lets a second run go beside a kept (or still running) one.
    database: { type: 'string', default: 'pc_bench_score' },
  },
});
const N = Number(args.pensioners);
if (args.nights !== '1' && args.nights !== '2') throw new Error('--nights is 1 or 2');
const E = Number(args.events || N * 10);
const NOW = new Date('2026-11-25T04:00:00Z');

log(`preparing ${N} pensioners and ${E} events…`);
const DB = args.database;
const url = await freshDatabase(DB);
await loadPensioners(url, N);
const c = new pg.Client({ connectionString: url });
await c.connect();
// Events over the 15 months before NOW, spread over sources and kinds as feeds deliver them.
await c.query(`
  CREATE TEMP TABLE mix (n int, source text, kind text, identity_check text);
  INSERT INTO mix VALUES
    (0,'bank','cash_point','card_pin'),(1,'bank','atm','card_pin'),(2,'bank','cash_point','card_pin'),(3,'bank','counter','id_document'),
    (4,'bank','mobile_face','biometric'),(5,'travel','rail_boarding','id_document'),(6,'travel','ticket_purchase','none'),
    (7,'hospital','outpatient','id_document'),(8,'hospital','discharge','id_document'),(9,'bank','atm','card_pin');
  ALTER TABLE events SET UNLOGGED;`);
const t0 = Date.now();
await c.query(
  `INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, received_at, received_via)
   SELECT 1 + (g % $1), m.source, m.kind, 'b' || g, $3::timestamptz - ((g * 7919) % (450*86400)) * interval '1 second',
          m.identity_check, $3::timestamptz - interval '1 hour', 'import:bench'
   FROM generate_series(0::bigint, $2::bigint - 1) g JOIN mix m ON m.n = (g / $1 + g * 31) % 10`,
  [N, E, NOW.toISOString()],
);
await c.query('ALTER TABLE events SET LOGGED');
// Their identities, as the service records them (exactly once: migrations/20261204T040000).
await c.query('INSERT INTO event_identities (source, source_ref) SELECT source, source_ref FROM events');
// As insert-driven autovacuum would (it is off on the development server): the visibility
// map lets the sweep read events from their covering index alone.
await c.query('VACUUM events');
await c.query('ANALYZE');
log(`events loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// ---- the set-based SQL recompute ------------------------------------------------------
const policy = loadDefaultPolicy();
const { seconds: sqlSeconds } = await sqlRecompute(c, policy, NOW);
log(`SQL recompute: ${sqlSeconds.toFixed(1)} s`);

// ---- the service: daily sweep through the real queue -----------------------------------
// Twice: the first night after the legacy rows (everyone's certification rewritten from
// data, a decision each), and the next night, as a province runs it every day (scores decayed
// by a day, a decision only where an outcome changed). Between them, as autovacuum would.
async function sweepAt(at: Date): Promise<{ seconds: number; peakRss: number }> {
  const config = { ...loadConfig({ DATABASE_URL: url, REDIS_URL: args.redis }), queuePrefix: `benchscore${Date.now()}` };
  const database = createDatabase(url, { max: 10 });
  const queues = createQueues({ redisUrl: args.redis || undefined, databaseUrl: url, prefix: config.queuePrefix });
  const deps = createDeps({ config, database, queues, clock: startingClock(at), policy });
  const worker = createDailySweepWorker(deps, { concurrency: Number(args.concurrency) });
  const others: ChildProcess[] = [];
  for (let i = 1; i < Number(args.processes); i++) {
    const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--import', 'tsx', 'bench/sweep-worker.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: url,
        REDIS_URL: args.redis,
        QUEUE_PREFIX: config.queuePrefix,
        CLOCK_START: at.toISOString(),
        SWEEP_CONCURRENCY: args.concurrency,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (b: Buffer) => (String(b).includes('ready') ? resolve() : undefined));
      child.once('exit', () => reject(new Error('a sweep worker process exited')));
    });
    others.push(child);
  }
  // Peak RSS of the largest worker process.
  let peakRss = 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss, ...others.map((p) => rssOf(p.pid!)))), 200);
  const sweepStart = Date.now();
  await queues.get('daily-sweep').add('sweep', {}, { jobId: `bench-${Date.now()}` });
  let lastLog = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const counts = await queues.get('daily-sweep').getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    if (Date.now() - lastLog > 5000) {
      log(`  sweep pages done ${counts.completed}, waiting ${counts.waiting}, active ${counts.active}, failed ${counts.failed}`);
      lastLog = Date.now();
    }
    if ((counts.completed ?? 0) > 1 && (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) === 0) break;
  }
  const seconds = (Date.now() - sweepStart) / 1000;
  clearInterval(rssTimer);
  await worker.close();
  await Promise.all(others.map((p) => new Promise((r) => (p.once('exit', r), p.kill('SIGTERM')))));
  await queues.close();
  await deps.audit.close();
  await database.close();
  return { seconds, peakRss };
}

const first = await sweepAt(NOW);
log(`first sweep: ${first.seconds.toFixed(1)} s`);
await c.query('VACUUM (ANALYZE) certifications, decisions, manual_checks');
// How many of the night's certification updates were HOT (no index touched; migration 20261206T000000).
const updates = async () =>
  (await c.query(`SELECT n_tup_upd::float8 AS upd, n_tup_hot_upd::float8 AS hot FROM pg_stat_user_tables WHERE relname = 'certifications'`)).rows[0] as {
    upd: number;
    hot: number;
  };
async function nextNightSweep(): Promise<{ seconds: number; peakRss: number; hotShare: number }> {
  const before = await updates();
  const night = await sweepAt(new Date(NOW.getTime() + 86_400_000));
  await new Promise((r) => setTimeout(r, 1500)); // the workers' statistics reach the shared counters
  const after = await updates();
  const hotShare = (after.hot - before.hot) / Math.max(1, after.upd - before.upd);
  log(`next night's sweep: ${night.seconds.toFixed(1)} s, ${(hotShare * 100).toFixed(1)}% of its updates HOT`);
  return { ...night, hotShare };
}
const nextNight = args.nights === '2' ? await nextNightSweep() : null;
const serviceSeconds = first.seconds;
const peakRss = Math.max(first.peakRss, nextNight?.peakRss ?? 0);
const summary = await c.query(
  `SELECT status, count(*)::int AS n, round(avg(score)::numeric, 3) AS avg_score FROM certifications GROUP BY status ORDER BY status`,
);
const checks = await c.query(`SELECT count(*)::int AS n FROM manual_checks`);
await c.end();
if (!args.keep) await dropDatabase(DB);

const result = {
  machine: { cores: cpus().length, node: process.version, loadAverage: loadavg().map((l) => Number(l.toFixed(1))) },
  pensioners: N,
  events: E,
  workerProcesses: Number(args.processes),
  concurrencyPerProcess: Number(args.concurrency),
  sqlRecomputeSeconds: Number(sqlSeconds.toFixed(1)),
  serviceSweepSeconds: Number(serviceSeconds.toFixed(1)),
  ratio: Number((serviceSeconds / sqlSeconds).toFixed(2)),
  nextNightSweepSeconds: nextNight && Number(nextNight.seconds.toFixed(1)),
  nextNightRatio: nextNight && Number((nextNight.seconds / sqlSeconds).toFixed(2)),
  nextNightHotUpdateShare: nextNight && Number(nextNight.hotShare.toFixed(3)),
  pensionersPerSecond: Math.round(N / serviceSeconds),
  workerPeakRssBytes: peakRss,
  statuses: summary.rows,
  manualChecks: checks.rows[0].n,
};
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/score.json', JSON.stringify(result, null, 2));
const md = `| measure | value |
|---|---|
| pensioners / events | ${N} / ${E} |
| sweep worker processes × concurrency | ${args.processes} × ${args.concurrency} |
| set-based SQL recompute | ${result.sqlRecomputeSeconds} s |
| service: full rescoring and sweep (queue, lifecycle, checks, reminders), first night after the legacy rows | ${result.serviceSweepSeconds} s (${result.ratio}× of SQL; goal ≤ 1.5×, issue 17) |
| the same, the next night (a day's decay; decisions only where an outcome changed) | ${nextNight ? `${result.nextNightSweepSeconds} s (${result.nextNightRatio}× of SQL); ${(nextNight.hotShare * 100).toFixed(1)}% of its certification updates HOT` : 'not run (--nights 1)'} |
| worker peak RSS | ${(peakRss / 1048576).toFixed(0)} MB |
`;
writeFileSync('bench-results/score.md', md);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n\n${md}`);
process.exit(0);
