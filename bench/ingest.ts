// bench:ingest — a file of N events for P synthetic pensioners, loaded end to end through the
// API (streamed upload → ingest-batch worker in its own process → rescoring queued → rescored,
// the rescore worker in that process), against
// the raw ceiling measured in the same run: COPY into an unlogged staging table plus one
// set-based INSERT … SELECT … ON CONFLICT DO NOTHING. Also the naive peer: one event per job.
//   npm run bench:ingest -- [--events 1000000] [--pensioners 100000] [--naive 5000] [--keep]
import { createWriteStream, statSync, unlinkSync, createReadStream } from 'node:fs';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { benchNationalId, prepareEvidenceMonths } from './lib.ts';
import { makeNationalId } from '../src/domain/national-id.ts';
import { loadConfig } from '../src/config.ts';
import { createDatabase, migrateToLatest } from '../src/infra/database.ts';
import { createQueues } from '../src/infra/queue.ts';
import { systemClock } from '../src/infra/clock.ts';
import { createDeps } from '../src/app-deps.ts';
import { buildApp } from '../src/app.ts';
import { uploadFile } from '../src/modules/evidence/cli.ts';
import { validateEvent } from '../src/modules/evidence/validate.ts';
import { loadDefaultPolicy } from '../src/domain/policy.ts';
import { createEvidenceRepository } from '../src/modules/evidence/repository.ts';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const EVENTS = arg('events', 1_000_000);
const PENSIONERS = arg('pensioners', Math.max(1000, Math.round(EVENTS / 10)));
const NAIVE = arg('naive', 5000);
const KEEP = args.includes('--keep');
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const log = (s: string) => process.stdout.write(`${s}\n`);
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);

const nid = benchNationalId;

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function main() {
  const name = `pc_bench_ingest_${randomBytes(3).toString('hex')}`;
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  log(`bench:ingest — ${EVENTS.toLocaleString()} events, ${PENSIONERS.toLocaleString()} pensioners, database ${name}`);
  await admin(`CREATE DATABASE ${name}`);
  const file = `/tmp/${name}.csv`;
  const prefix = `b${randomBytes(3).toString('hex')}`;
  let worker: ReturnType<typeof spawn> | undefined;
  try {
    const d = createDatabase(url, { max: 1 });
    await migrateToLatest(d.db);
    await prepareEvidenceMonths(d.db);
    await d.close();

    // Synthetic pensioners, straight into the database.
    let t0 = Date.now();
    const pc = new pg.Client({ connectionString: url });
    await pc.connect();
    const ids: string[] = new Array(PENSIONERS);
    for (let i = 0; i < PENSIONERS; i++) ids[i] = nid(i);
    let i = 0;
    await pipeline(
      new Readable({
        read() {
          let s = '';
          for (let j = 0; j < 5000 && i < PENSIONERS; j++, i++) {
            const id = ids[i]!;
            s += `${id}\t测试\t${id.slice(0, 6)}\t${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}\t2015-01-01\t300000\n`;
          }
          this.push(s || null);
        },
      }),
      pc.query(copyFrom('COPY pensioners (national_id, name, region_code, birth_date, benefit_start_date, monthly_benefit_fen) FROM STDIN')),
    );
    await pc.query('ANALYZE pensioners');
    log(`loaded pensioners in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // The file: 90% registered pensioners, 8% strangers, 2% repeats of an earlier line; GBK-free UTF-8 CSV.
    t0 = Date.now();
    const out = createWriteStream(file);
    out.write('national_id,patient_name,kind,occurred_at,source_ref,identity_check,hospital\n');
    let seed = 12345;
    const rnd = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 4294967296;
    };
    const kinds = ['admission', 'discharge', 'outpatient'];
    const checks = ['id_document', 'biometric', 'card_pin'];
    for (let n = 0; n < EVENTS; n++) {
      const r = rnd();
      const who = r < 0.08 ? makeNationalId('110101', '1950-01-01', n % 1000) : ids[Math.floor(rnd() * PENSIONERS)]!;
      const ref = r > 0.98 && n > 0 ? `B-${n - 1}` : `B-${n}`;
      const day = String(1 + (n % 28)).padStart(2, '0');
      const line = `${who},"张,${n % 100}",${kinds[n % 3]},2026-05-${day}T0${n % 10}:30:00+08:00,${ref},${checks[n % 3]},第一人民医院\n`;
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const bytes = statSync(file).size;
    log(`generated ${(bytes / 1048576).toFixed(0)} MiB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // Raw ceiling: COPY (server does the parsing) into unlogged staging + one set-based merge.
    t0 = Date.now();
    await pc.query(
      `CREATE UNLOGGED TABLE ceiling_stage (national_id text, patient_name text, kind text, occurred_at timestamptz, source_ref text, identity_check text, hospital text)`,
    );
    await pipeline(createReadStream(file), pc.query(copyFrom(`COPY ceiling_stage FROM STDIN WITH (FORMAT csv, HEADER true)`)));
    const tCopy = Date.now() - t0;
    // Exactly once as the service stores it: the identity first, the event only if new (migrations/20261204T040000).
    const merged = await pc.query(`WITH m AS (
        SELECT p.id AS pensioner_id, s.kind, s.source_ref, s.occurred_at, s.identity_check FROM ceiling_stage s JOIN pensioners p ON p.national_id = s.national_id),
      fresh AS (INSERT INTO event_identities (source, source_ref) SELECT DISTINCT 'hospital', source_ref FROM m ORDER BY 2 ON CONFLICT DO NOTHING RETURNING source_ref)
      INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, received_at, received_via)
      SELECT DISTINCT ON (source_ref) m.pensioner_id, 'hospital', m.kind, source_ref, m.occurred_at, m.identity_check, now(), 'import:bench-ceiling'
      FROM m JOIN fresh USING (source_ref) ORDER BY source_ref`);
    const tCeiling = Date.now() - t0;
    log(
      `ceiling: ${rate(EVENTS, tCeiling).toLocaleString()} events/s (${(tCeiling / 1000).toFixed(1)} s: COPY ${(tCopy / 1000).toFixed(1)} s, merge ${((tCeiling - tCopy) / 1000).toFixed(1)} s; ${merged.rowCount} stored)`,
    );
    const ceilingRows = merged.rowCount ?? 0;
    await pc.query('DROP TABLE ceiling_stage');
    await pc.query('TRUNCATE events, event_identities');
    await pc.query('VACUUM ANALYZE events');
    await pc.end();

    // End to end: API in this process, the worker in its own.
    const config = { ...loadConfig({ DATABASE_URL: url, REDIS_URL, LOG_LEVEL: 'warn' }), queuePrefix: prefix, rateLimitPerSecond: 100_000 };
    const database = createDatabase(url, { max: 10 });
    const queues = createQueues({ redisUrl: REDIS_URL, databaseUrl: url, prefix });
    const deps = createDeps({ config, database, queues, clock: systemClock });
    const app = await buildApp(deps, { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const { secret } = await deps.auth.createKey({ role: 'feed', name: 'bench', region: null, sources: ['hospital'] });
    // The worker runs with a bounded heap, as a deployment of ingest workers would.
    const heapFlags = (process.env.BENCH_WORKER_NODE_FLAGS ?? '--max-old-space-size=160 --max-semi-space-size=4').split(' ').filter(Boolean);
    worker = spawn(process.execPath, [...heapFlags, '--import', 'tsx', 'bench/ingest-worker.ts'], {
      env: { ...process.env, DATABASE_URL: url, REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      worker!.stdout!.on('data', (b: Buffer) => (String(b).includes('ready') ? resolve() : undefined));
      worker!.once('exit', () => reject(new Error('the worker exited')));
    });
    let workerExit: string | null = null;
    worker.once('exit', (code, sig) => (workerExit = `the worker exited (${code ?? sig})`));
    let peak = 0;
    // The worker's CPU (user + system, clock ticks of 10 ms): with 2 cores, what its parsing and deciding take from PostgreSQL.
    let cpuTicks = 0;
    const sampler = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(require_('fs').readFileSync(`/proc/${worker!.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
        const stat = String(require_('fs').readFileSync(`/proc/${worker!.pid}/stat`, 'utf8'))
          .split(') ')[1]!
          .split(' ');
        cpuTicks = Number(stat[11]) + Number(stat[12]);
      } catch {
        /* gone */
      }
    }, 200);
    t0 = Date.now();
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    const b = (await uploadFile(file, { source: 'hospital', url: `http://127.0.0.1:${port}`, key: secret, quiet: true, pollMs: 100 }, sink)) as Record<
      string,
      number | string
    >;
    const tUploaded = Date.now();
    // Completed means the rescore jobs are queued (the worker enqueues them before the job ends).
    const touched = await database.pool.query('SELECT count(DISTINCT pensioner_id)::int AS n FROM events');
    const expectJobs = Math.ceil(touched.rows[0].n / 1000);
    for (;;) {
      const c = await queues.get('rescore').getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
      if (Object.values(c).reduce((a, x) => a + x, 0) >= expectJobs) break;
      if (workerExit) throw new Error(workerExit);
      await new Promise((r) => setTimeout(r, 50));
    }
    const tE2E = Date.now() - t0;
    const cpuIngest = cpuTicks / 100;
    // Then rescoring, which holds back while the file is merged: done when nobody is pending
    // and no rescore job is left (issue 17 counts ingestion "including rescoring").
    const rescoreQ0 = queues.get('rescore');
    for (;;) {
      const c = await rescoreQ0.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
      const pending = (await database.pool.query('SELECT count(*)::int AS n FROM rescore_pending')).rows[0].n as number;
      if (pending === 0 && Object.values(c).every((x) => x === 0)) break;
      if (workerExit) throw new Error(workerExit);
      await new Promise((r) => setTimeout(r, 50));
    }
    const tRescored = Date.now() - t0;
    clearInterval(sampler);
    log(
      `end to end (upload → rescoring queued): ${rate(EVENTS, tE2E).toLocaleString()} events/s (${(tE2E / 1000).toFixed(1)} s; ${b.status}: accepted ${b.accepted}, duplicates ${b.duplicates}, unmatched ${b.unmatched}, rejected ${b.rejected}; ${expectJobs} rescore jobs; ${((tUploaded - t0) / 1000).toFixed(1)} s until the counts were read)`,
    );
    const tl = await database.pool.query(
      `SELECT extract(epoch FROM processing_started_at - received_at) AS up, extract(epoch FROM completed_at - processing_started_at) AS proc FROM batches`,
    );
    log(`  upload (streamed into PostgreSQL) ${Number(tl.rows[0].up).toFixed(1)} s, processing ${Number(tl.rows[0].proc).toFixed(1)} s`);
    // A feed key's counts do not tell stored from unmatched events (README, "Audit"): count the rows.
    const stored = (await database.pool.query('SELECT count(*)::int AS n FROM events')).rows[0].n as number;
    log(`  stored rows match the ceiling run: ${stored === ceilingRows ? 'yes' : `NO (${stored} vs ${ceilingRows})`}`);
    log(`  = ${((tCeiling / tE2E) * 100).toFixed(0)}% of the ceiling; worker peak RSS ${(peak / 1048576).toFixed(0)} MB (node ${heapFlags.join(' ')})`);
    log(`  worker CPU: ${cpuIngest.toFixed(1)} s until queued, ${(cpuTicks / 100 - cpuIngest).toFixed(1)} s rescoring`);
    const done = await rescoreQ0.getJobs(['completed'], 0, -1);
    const busy = done.reduce((a, j) => a + ((j.finishedOn ?? 0) - (j.processedOn ?? 0)), 0);
    const first = Math.min(...done.map((j) => j.processedOn ?? Infinity));
    const rescored = done.reduce((a, j) => a + Number(j.returnvalue?.rescored ?? 0) + Number(j.returnvalue?.toppedUp ?? 0), 0);
    log(
      `end to end including rescoring: ${rate(EVENTS, tRescored).toLocaleString()} events/s (${(tRescored / 1000).toFixed(1)} s; rescoring ${((tRescored - tE2E) / 1000).toFixed(1)} s after queued, first job started ${((first - t0 - tE2E) / 1000).toFixed(1)} s after queued; ${done.length} jobs, ${rescored.toLocaleString()} pensioners, ${(busy / 1000).toFixed(1)} s in jobs)`,
    );
    log(`  = ${((tCeiling / tRescored) * 100).toFixed(0)}% of the ceiling including rescoring`);
    // Let it exit on its own (a --cpu-prof in BENCH_WORKER_NODE_FLAGS is written on exit).
    const exited = once(worker, 'exit');
    worker.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000).unref())]); // unref: a worker gone at once keeps nobody waiting
    await app.close();

    // The naive peer (skipped with --naive 0, which with --keep leaves the ingested events to explain).
    if (NAIVE > 0) await naivePeer(database, queues, ids, prefix);
    await queues.close();
    await deps.auth.close();
    await deps.audit.close();
    await database.close();
  } finally {
    worker?.kill('SIGKILL');
    try {
      unlinkSync(file);
    } catch {
      /* never written */
    }
    if (!KEEP) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

/** The naive peer: one job per event (validate, insert, enqueue a rescore), on a sample. */
async function naivePeer(database: ReturnType<typeof createDatabase>, queues: ReturnType<typeof createQueues>, ids: string[], prefix: string) {
  await database.pool.query('TRUNCATE events, event_identities');
  const sample: string[] = [];
  for (let n = 0; n < NAIVE; n++) {
    const id = ids[Math.floor((n * 7919) % PENSIONERS)]!;
    sample.push(
      JSON.stringify({
        nationalId: id,
        source: 'hospital',
        kind: 'admission',
        occurredAt: '2026-05-01T08:00:00+08:00',
        sourceRef: `N-${n}`,
        identityCheck: 'id_document',
      }),
    );
  }
  const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const naiveQ = new Queue('bench-naive', { connection: conn, prefix });
  const rescoreQ = queues.get('rescore');
  const repo = createEvidenceRepository();
  let processed = 0;
  const t0 = Date.now();
  const w = new Worker(
    'bench-naive',
    async (job) => {
      const c = validateEvent(JSON.parse((job.data as { e: string }).e), { now: new Date(), catalogue: loadDefaultPolicy().catalogue });
      if (!c.ok) return;
      const r = await repo.mergeRows(database.db, [c.value], { regionPrefix: null, receivedAt: new Date(), receivedVia: 'import:bench-naive' });
      if (r.firstId) await rescoreQ.add('rescore', { pensionerIds: r.touched }, { jobId: `naive_${r.firstId}` });
      processed++;
    },
    { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix, concurrency: 8 },
  );
  for (let n = 0; n < sample.length; n += 1000)
    await naiveQ.addBulk(sample.slice(n, n + 1000).map((e) => ({ name: 'e', data: { e }, opts: { removeOnComplete: true } })));
  while (processed < sample.length) await new Promise((r) => setTimeout(r, 50));
  const tNaive = Date.now() - t0;
  log(`naive peer (one event per job, concurrency 8, ${NAIVE.toLocaleString()} events): ${rate(NAIVE, tNaive).toLocaleString()} events/s`);
  await w.close();
  await naiveQ.obliterate({ force: true }).catch(() => {});
  await naiveQ.close();
  conn.disconnect();
}

import { createRequire } from 'node:module';
const require_ = createRequire(import.meta.url);

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
    process.exit(1);
  },
);
