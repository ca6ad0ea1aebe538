// npm run bench:replica [-- --pensioners 100000 --events 2000000 --slice 5 --pairs 6 --connections 50 --wait]
// Status lookups on a streaming standby while the primary ingests a large file. The bench starts
// its own primary (initdb) and a standby of it (pg_basebackup -R), runs the service with
// DATABASE_READ_URL on the standby (API and ingest worker in their own processes) and compares its
// lookups with the bare Fastify + pg lookup on the same standby, in alternating slices of the same
// ingestion (so both see the same load), after an idle pair. Replication lag is sampled every
// 100 ms from the primary's pg_stat_replication throughout.
import { parseArgs } from 'node:util';
import { createWriteStream, mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { loadavg, cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { benchNationalId, createKeys, load, loadPensioners, log, serviceUrl, startProcess, waitFor, type LoadResult } from './lib.ts';
import { startPrivatePostgres } from '../test/helpers/private-postgres.ts';
import { createDatabase, migrateToLatest } from '../src/infra/database.ts';
import { uploadFile } from '../src/modules/evidence/cli.ts';

const { values: args } = parseArgs({
  options: {
    pensioners: { type: 'string', default: '100000' },
    events: { type: 'string' },
    slice: { type: 'string', default: '5' },
    pairs: { type: 'string', default: '6' },
    connections: { type: 'string', default: '50' },
    wait: { type: 'boolean', default: false },
  },
});
const N = Number(args.pensioners);
const EVENTS = Number(args.events ?? N * 20);
const SLICE = Number(args.slice);
const PAIRS = Number(args.pairs);
const CONNECTIONS = Number(args.connections);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const API_PORT = 3111;
const BARE_PORT = 3112;
const LOADER_PORT = 3113;

const primary = await startPrivatePostgres('bench-primary');
let standby: Awaited<ReturnType<typeof startPrivatePostgres>> | undefined;
const children: ReturnType<typeof startProcess>[] = [];
const file = `/tmp/pc-bench-replica-${randomBytes(3).toString('hex')}.csv`;

/** Writes a hospital file of EVENTS events of the first N bench pensioners. */
async function writeEventFile() {
  const out = createWriteStream(file);
  out.write('national_id,patient_name,kind,occurred_at,source_ref,identity_check,hospital\n');
  const kinds = ['admission', 'discharge', 'outpatient'];
  const checks = ['id_document', 'biometric', 'card_pin'];
  for (let n = 0; n < EVENTS; n++) {
    const day = String(1 + (n % 28)).padStart(2, '0');
    const line = `${benchNationalId((n * 7919) % N)},"张,${n % 100}",${kinds[n % 3]},2026-05-${day}T0${n % 10}:30:00+08:00,R-${n},${checks[n % 3]},第一人民医院\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Samples the standby's replay lag (time and bytes) as the primary sees it, every 100 ms. */
function lagSampler(url: string) {
  const c = new pg.Client({ connectionString: url });
  const samples: { ms: number; bytes: number }[] = [];
  let on = true;
  const done = (async () => {
    await c.connect();
    while (on) {
      const r = await c.query<{ ms: number | null; bytes: string | null }>(
        `SELECT extract(epoch FROM replay_lag) * 1000 AS ms, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::text AS bytes FROM pg_stat_replication LIMIT 1`,
      );
      const row = r.rows[0];
      if (row) samples.push({ ms: Number(row.ms ?? 0), bytes: Number(row.bytes ?? 0) });
      await new Promise((res) => setTimeout(res, 100));
    }
    await c.end();
  })();
  return {
    async stop() {
      on = false;
      await done;
      const stat = (xs: number[]) => ({ max: Math.round(Math.max(0, ...xs)), mean: Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)) });
      return { samples: samples.length, ms: stat(samples.map((s) => s.ms)), bytes: stat(samples.map((s) => s.bytes)) };
    },
  };
}

/** The service's reads so far by the server that answered them (its /metrics). */
async function readsByServer(): Promise<{ standby: number; primary: number }> {
  const text = await (await fetch(`http://127.0.0.1:${API_PORT}/metrics`)).text();
  const n = (server: string) => Number(new RegExp(`^database_reads\\{server="${server}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { standby: n('standby'), primary: n('primary') };
}

const sum = (rs: LoadResult[]) => ({
  requestsPerSecond: Math.round(rs.reduce((a, r) => a + r.requestsPerSecond, 0) / Math.max(1, rs.length)),
  p99: Math.max(0, ...rs.map((r) => r.p99)),
  errors: rs.reduce((a, r) => a + r.errors, 0),
  non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
});

try {
  const t0 = Date.now();
  const admin = new pg.Client({ connectionString: primary.url() });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  const owner = primary.url('bench');
  const d = createDatabase(owner, { max: 1 });
  await migrateToLatest(d.db);
  await d.close();
  log(`loading ${N} pensioners…`);
  await loadPensioners(owner, N);
  const v = new pg.Client({ connectionString: owner });
  await v.connect();
  await v.query('VACUUM (ANALYZE) pensioners, certifications');
  await v.end();
  log(`loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s; making the standby (pg_basebackup -R)…`);
  standby = await startPrivatePostgres('bench-standby', { standbyOf: primary.port });
  const [reader, loader] = await createKeys(owner, [
    { role: 'bureau', name: 'reader' },
    { role: 'admin', name: 'loader' },
  ]);
  log(`writing ${EVENTS} events…`);
  await writeEventFile();
  log(`file: ${(statSync(file).size / 1048576).toFixed(0)} MiB`);

  const prefix = `brep${randomBytes(3).toString('hex')}`;
  const common = { DATABASE_URL: serviceUrl(owner), REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', RATE_LIMIT_PER_SECOND: '1000000' };
  children.push(startProcess('src/main.ts', { ...common, ROLE: 'api', PORT: String(API_PORT), DATABASE_READ_URL: serviceUrl(standby.url('bench')) }));
  // The file is uploaded to, and ingested by, a process of its own (API and worker): the measured
  // API process serves lookups only, as one of several API replicas would.
  children.push(startProcess('src/main.ts', { ...common, ROLE: 'all', PORT: String(LOADER_PORT) }));
  children.push(startProcess('bench/bare-server.ts', { DATABASE_URL: serviceUrl(standby.url('bench')), PORT: String(BARE_PORT) }));
  // Generous: on a loaded machine a process takes a while to compile and start.
  await waitFor(`http://127.0.0.1:${API_PORT}/readyz`, 300_000);
  await waitFor(`http://127.0.0.1:${LOADER_PORT}/readyz`, 300_000);
  await waitFor(`http://127.0.0.1:${BARE_PORT}/p/x`, 300_000, { anyStatus: true });

  const pick = () => benchNationalId(Math.floor(Math.random() * N));
  const bare = (seconds: number) =>
    load({
      url: `http://127.0.0.1:${BARE_PORT}`,
      connections: CONNECTIONS,
      duration: seconds,
      requests: [{ setupRequest: (r: any) => ({ ...r, path: `/p/${pick()}` }) }],
    });
  const service = (seconds: number) =>
    load({
      url: `http://127.0.0.1:${API_PORT}`,
      connections: CONNECTIONS,
      duration: seconds,
      headers: { authorization: `Bearer ${reader}` },
      requests: [{ setupRequest: (r: any) => ({ ...r, path: `/v1/pensioners/${pick()}/certification` }) }],
    });

  log('warming up both…');
  await bare(3);
  await service(3);
  log(`idle: bare ${SLICE} s, service ${SLICE} s…`);
  const idle = { bare: await bare(SLICE), service: await service(SLICE) };

  log('ingesting, with lookups in alternating slices…');
  const lag = lagSampler(primary.url('bench'));
  const loadBefore = loadavg()[0]!;
  let ingestedAt: number | null = null;
  const started = Date.now();
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  const upload = uploadFile(file, { source: 'hospital', url: `http://127.0.0.1:${LOADER_PORT}`, key: loader, quiet: true, pollMs: 200 }, sink).then(
    (b) => ((ingestedAt = Date.now()), b as Record<string, unknown>),
  );
  upload.catch(() => {}); // not awaited without --wait: the loader is stopped while it still ingests
  const during = { bare: [] as LoadResult[], service: [] as LoadResult[] };
  const reads = { standby: 0, primary: 0 };
  for (let i = 0; i < PAIRS && (i === 0 || ingestedAt === null); i++) {
    // Alternate which goes first, so neither always meets the same phase of the ingestion.
    if (i % 2 === 0) during.bare.push(await bare(SLICE));
    const before = await readsByServer();
    const s = await service(SLICE);
    during.service.push(s);
    const after = await readsByServer();
    reads.standby += after.standby - before.standby;
    reads.primary += after.primary - before.primary;
    if (i % 2 === 1) during.bare.push(await bare(SLICE));
    log(`  slice ${i + 1}: bare ${during.bare.at(-1)!.requestsPerSecond}/s, service ${s.requestsPerSecond}/s${ingestedAt ? ' (ingestion done)' : ''}`);
  }
  const windowS = (Date.now() - started) / 1000;
  // With --wait, the lag is sampled until the file is ingested; otherwise over the measured window.
  const batch = ingestedAt !== null || args.wait ? await upload : { status: 'still ingesting', accepted: null };
  const lagStats = await lag.stop();
  const ingestS = ((ingestedAt ?? Date.now()) - started) / 1000;
  const b = sum(during.bare);
  const s = sum(during.service);
  const result = {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, node: process.version, loadAverage1m: { before: loadBefore, after: loadavg()[0] } },
    pensioners: N,
    events: EVENTS,
    connections: CONNECTIONS,
    idle: { ...idle, ratio: Number((idle.service.requestsPerSecond / idle.bare.requestsPerSecond).toFixed(3)) },
    duringIngestion: { bare: b, service: s, ratio: Number((s.requestsPerSecond / b.requestsPerSecond).toFixed(3)), slices: during.bare.length },
    ingestion: {
      seconds: ingestedAt === null ? null : Number(ingestS.toFixed(1)),
      measuredWindowSeconds: Number(windowS.toFixed(1)),
      status: batch.status,
      accepted: batch.accepted,
    },
    replicationLag: lagStats,
    serviceReadsDuringIngestion: { ...reads, standbyShare: Number((reads.standby / Math.max(1, reads.standby + reads.primary)).toFixed(3)) },
  };
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/replica.json', JSON.stringify(result, null, 2));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  for (const c of children) c.child.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  try {
    unlinkSync(file);
  } catch {
    /* not written */
  }
  standby?.remove();
  primary.remove();
}
process.exit(0);
