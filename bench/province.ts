// npm run bench [-- --pensioners 100000 --seed 1 --dir DIR --parallel 4 --seconds 15 --no-redis --keep-db
//                   --visits 25 --unreachable 0.05 --workers 1]
// The province end to end, through the public API of a running service (API and worker in
// their own processes, the service clock set to the simulation's end): register the
// registry, upload every department file in arrival order, wait for ingestion and
// rescoring, run the daily sweep; read what data alone decided; let service-point staff work
// the manual-check queue (bench/staff-visits.ts); then measure throughput against the same machine's floors
// (raw COPY + merge, bare Fastify + pg lookup, set-based SQL recompute) and the decisions
// against the simulation's truth. The truth is read by this script only, never by the service.
import { parseArgs } from 'node:util';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import cliProgress from 'cli-progress';
import pg from 'pg';
import { simulateProvince, directorySink, type Manifest, type ManifestFile } from '../src/simulate/simulate.ts';
import { createDatabase } from '../src/infra/database.ts';
import { createQueues } from '../src/infra/queue.ts';
import { createAuthService } from '../src/modules/auth/service.ts';
import { createKeyRepository } from '../src/modules/auth/repository.ts';
import { loadDefaultPolicy } from '../src/domain/policy.ts';
import { addMonthsToMonth, firstDayOfMonth, monthOf, shanghaiDate, type YearMonth } from '../src/domain/calendar.ts';
import { runInstant } from '../src/domain/payroll.ts';
import { workManualChecks, type CountyStaff, type WorldPerson } from './staff-visits.ts';
import {
  autovacuumStandIn,
  compareLookups,
  freshDatabase,
  pendingJobs,
  rawCopyMergeCeiling,
  rssOf,
  sqlRecompute,
  startProcess,
  waitFor,
  waitForQueuesIdle,
} from './lib.ts';

const { values: args } = parseArgs({
  options: {
    pensioners: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'no-redis': { type: 'boolean', default: false },
    parallel: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '15' },
    connections: { type: 'string', default: '50' },
    port: { type: 'string', default: '3111' },
    'keep-db': { type: 'boolean', default: false },
    /** Staff visits per 1000 pensioners per month (0: nobody works the manual-check queue). */
    visits: { type: 'string', default: '25' },
    /** Worker processes (a deployment runs one per core). */
    workers: { type: 'string', default: '1' },
    /** Chance that a visit finds nobody at home. */
    unreachable: { type: 'string', default: '0.05' },
  },
});
const N = Number(args.pensioners);
const SEED = Number(args.seed);
const DIR = path.resolve(args.dir ?? `/tmp/pc-province-${N}-s${SEED}`);
const REDIS_URL = args['no-redis'] ? undefined : args.redis;
const PARALLEL = Math.max(1, Number(args.parallel));
const PORT = Number(args.port);
const BASE = `http://127.0.0.1:${PORT}`;
const DB_NAME = 'pc_bench_province';
const QUEUE_PREFIX = `benchprov${Date.now().toString(36)}`;

const log = (s: string) => process.stderr.write(`${s}\n`);
const sec = (ms: number) => Number((ms / 1000).toFixed(1));
const bar = (format: string, total: number) => {
  const b = new cliProgress.SingleBar(
    { stream: process.stderr, format, hideCursor: true, etaBuffer: 50, noTTYOutput: true, notTTYSchedule: 10_000 },
    cliProgress.Presets.shades_classic,
  );
  b.start(total, 0);
  return b;
};

// ---- 1. the simulated province ----------------------------------------------------------
function readManifest(dir: string): Manifest | null {
  const f = path.join(dir, 'manifest.json');
  if (!existsSync(f)) return null;
  return JSON.parse(readFileSync(f, 'utf8')) as Manifest;
}

let manifest = readManifest(DIR);
const matches = (m: Manifest | null) =>
  !!m &&
  m.generator === 'simulate-province' &&
  m.pensioners === N &&
  m.seed === SEED &&
  existsSync(path.join(DIR, m.registry.path)) &&
  existsSync(path.join(DIR, m.truth.path)) &&
  m.files.every((f) => existsSync(path.join(DIR, f.path)) && statSync(path.join(DIR, f.path)).size === f.bytes);
let simulatedSeconds: number | null = null;
if (manifest && !matches(manifest)) {
  throw new Error(`${DIR} holds another simulation (pensioners ${manifest.pensioners}, seed ${manifest.seed}) or missing files; choose another --dir`);
}
if (!manifest) {
  log(`simulating ${N.toLocaleString()} pensioners (seed ${SEED}) into ${DIR}…`);
  mkdirSync(DIR, { recursive: true });
  const t = Date.now();
  let b: cliProgress.SingleBar | null = null;
  await simulateProvince(
    {
      pensioners: N,
      seed: SEED,
      onProgress: (done, total) => {
        b ??= bar('simulate [{bar}] {percentage}% | ETA {eta}s', total);
        b.update(done);
      },
    },
    directorySink(DIR),
  );
  (b as cliProgress.SingleBar | null)?.stop();
  simulatedSeconds = sec(Date.now() - t);
  manifest = readManifest(DIR)!;
} else {
  log(`reusing the simulation in ${DIR} (${manifest.pensioners.toLocaleString()} pensioners, seed ${manifest.seed}, ${manifest.start} .. ${manifest.end})`);
}
const M = manifest!;
const FILES: ManifestFile[] = M.files;
const totalLines = FILES.reduce((n, f) => n + f.lines, 0);
const expectedAccepted = FILES.reduce((n, f) => n + f.expected.accepted, 0);
// "Now" for the service: the simulation's end, after the last file has arrived.
const endInstant = new Date(`${M.end}T00:00:00+08:00`);
const lastArrival = new Date(FILES.map((f) => new Date(f.arrivesAt).getTime()).reduce((a, b) => Math.max(a, b), endInstant.getTime()));
const CLOCK_START = lastArrival.toISOString();

// ---- 2. database, keys, processes --------------------------------------------------------
log(`fresh database ${DB_NAME}…`);
const url = await freshDatabase(DB_NAME);
const keyDb = createDatabase(url, { max: 1 });
const auth = createAuthService(createKeyRepository(keyDb.db));
const admin = (await auth.createKey({ role: 'admin', name: 'bench-province' })).secret;
const bureau = (await auth.createKey({ role: 'bureau', name: 'bench-province-lookups' })).secret;
await keyDb.close();

const serviceEnv = {
  DATABASE_URL: url,
  REDIS_URL,
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_SECOND: '1000000',
  QUEUE_PREFIX,
  CLOCK_START,
  MIGRATE_ON_START: 'false',
};
const tServiceStart = Date.now();
const serviceNow = () => new Date(lastArrival.getTime() + (Date.now() - tServiceStart));
const api = startProcess('src/main.ts', { ...serviceEnv, ROLE: 'api', PORT: String(PORT) });
const WORKERS = Math.max(1, Number(args.workers));
const workers = Array.from({ length: WORKERS }, (_, i) => startProcess('src/main.ts', { ...serviceEnv, ROLE: 'worker', PORT: String(PORT + 10 + i) }));
let stopping = false;
process.on('exit', () => {
  for (const p of [api, ...workers]) p.child.kill('SIGKILL');
});
for (const [name, p] of [['api', api] as const, ...workers.map((w, i) => [`worker ${i + 1}`, w] as const)]) {
  void p.exited.then((code) => {
    if (!stopping) {
      log(`the ${name} process exited (${code}) during the benchmark`);
      process.exit(1);
    }
  });
}
await waitFor(`${BASE}/readyz`);
const queues = createQueues({ redisUrl: REDIS_URL, databaseUrl: url, prefix: QUEUE_PREFIX });
const H = { authorization: `Bearer ${admin}` };

async function getJson<T>(p: string): Promise<T> {
  const r = await fetch(`${BASE}${p}`, { headers: H });
  if (!r.ok) throw new Error(`GET ${p}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

async function* pages<T>(p: string): AsyncGenerator<T[]> {
  let cursor: string | null = null;
  do {
    const sep = p.includes('?') ? '&' : '?';
    const page: { items: T[]; nextCursor: string | null } = await getJson(`${p}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    yield page.items;
    cursor = page.nextCursor;
  } while (cursor);
}

// ---- 3. registration through POST /v1/pensioners/bulk -----------------------------------
const REGISTER_CHUNK = 100_000;
let tPhase = Date.now();
const registration = { created: 0, updated: 0, rejected: 0, seconds: 0 };
/** Pensioners per county: each county's staff capacity is proportional to it. */
const pensionersByCounty = new Map<string, number>();
{
  const b = bar('register [{bar}] {percentage}% | {value}/{total} pensioners', M.registry.lines);
  const rl = createInterface({ input: createReadStream(path.join(DIR, M.registry.path)), crlfDelay: Infinity });
  let chunk: string[] = [];
  const send = async () => {
    if (chunk.length === 0) return;
    const r = await fetch(`${BASE}/v1/pensioners/bulk`, {
      method: 'POST',
      headers: { ...H, 'content-type': 'application/x-ndjson' },
      body: chunk.join('\n') + '\n',
    });
    const a = (await r.json()) as { created: number; updated: number; rejected: unknown[] };
    if (r.status !== 200) throw new Error(`bulk registration: ${r.status} ${JSON.stringify(a)}`);
    registration.created += a.created;
    registration.updated += a.updated;
    registration.rejected += a.rejected.length;
    b.increment(chunk.length);
    chunk = [];
  };
  for await (const line of rl) {
    if (!line) continue;
    chunk.push(line);
    const county = (JSON.parse(line) as { regionCode: string }).regionCode;
    pensionersByCounty.set(county, (pensionersByCounty.get(county) ?? 0) + 1);
    if (chunk.length >= REGISTER_CHUNK) await send();
  }
  await send();
  b.stop();
  registration.seconds = sec(Date.now() - tPhase);
  log(`registered ${registration.created.toLocaleString()} (rejected ${registration.rejected}) in ${registration.seconds} s`);
}

// ---- 4. the raw ceiling on the same files, same database, then emptied ------------------
const policy = loadDefaultPolicy();
let ceiling;
{
  const b = bar('ceiling (COPY + merge) [{bar}] {percentage}% | {value}/{total} files', FILES.length);
  ceiling = await rawCopyMergeCeiling(
    url,
    FILES.map((f) => ({ path: path.join(DIR, f.path), source: f.source, contentType: f.contentType, charset: f.charset })),
    {
      now: lastArrival,
      kinds: Object.fromEntries(Object.entries(policy.weights).map(([s, k]) => [s, Object.keys(k)])),
      identityChecks: Object.keys(policy.identityCaps),
      lines: totalLines,
      onFile: (d) => b.update(d),
    },
  );
  b.stop();
  log(
    `ceiling: ${ceiling.stored.toLocaleString()} events stored in ${ceiling.seconds.toFixed(1)} s (COPY ${ceiling.copySeconds.toFixed(1)} s, merge ${ceiling.mergeSeconds.toFixed(1)} s) = ${ceiling.eventsPerSecond.toLocaleString()} events/s`,
  );
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('TRUNCATE events');
  await c.query('VACUUM ANALYZE events');
  await c.end();
}

// ---- 5. every feed file through POST /v1/feeds/{source}/batches, in arrival order -------
interface BatchStatus {
  batchId: string;
  status: string;
  lines: number;
  accepted: number;
  duplicates: number;
  unmatched: number;
  rejected: number;
}
const batchIds: string[] = new Array(FILES.length);
const finalStatus: BatchStatus[] = new Array(FILES.length);
// Through ingestion and the sweep, as on a production server (bench/lib.ts).
const autovacuum = autovacuumStandIn(url);
tPhase = Date.now();
const tIngestStart = tPhase;
let tUploaded = 0;
let tBatchesDone = 0;
{
  const bUp = bar('upload  [{bar}] {percentage}% | {value}/{total} files', FILES.length);
  let next = 0;
  const uploadOne = async (i: number) => {
    const f = FILES[i]!;
    const file = path.join(DIR, f.path);
    const r = await fetch(`${BASE}/v1/feeds/${f.source}/batches`, {
      method: 'POST',
      headers: { ...H, 'content-type': `${f.contentType}; charset=${f.charset}`, 'content-length': String(f.bytes) },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const a = (await r.json()) as { batchId?: string; error?: unknown };
    if (r.status !== 202 || !a.batchId) throw new Error(`upload of ${f.path}: ${r.status} ${JSON.stringify(a)}`);
    batchIds[i] = a.batchId;
    bUp.increment();
  };
  // A few uploads at a time; the worker starts on the first files while the rest arrive.
  const uploads = Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < FILES.length) await uploadOne(next++);
    }),
  ).then(() => {
    tUploaded = Date.now();
    bUp.stop();
  });
  await uploads;
  log(`uploaded ${FILES.length} files (${(FILES.reduce((n, f) => n + f.bytes, 0) / 1048576).toFixed(0)} MiB) in ${sec(tUploaded - tPhase)} s`);
  const bDone = bar('ingest  [{bar}] {percentage}% | {value}/{total} batches | accepted {accepted}', FILES.length);
  let accepted = 0;
  let doneCount = 0;
  let pending = FILES.map((_, i) => i);
  while (pending.length) {
    const probe = pending.slice(0, 16);
    const answers = await Promise.all(probe.map((i) => getJson<BatchStatus>(`/v1/feeds/batches/${batchIds[i]}`)));
    const finished = new Set<number>();
    answers.forEach((a, k) => {
      if (a.status === 'completed' || a.status === 'failed') {
        finalStatus[probe[k]!] = a;
        finished.add(probe[k]!);
        accepted += a.accepted;
        doneCount++;
      }
    });
    pending = pending.filter((i) => !finished.has(i));
    bDone.update(doneCount, { accepted: accepted.toLocaleString() });
    if (finished.size < probe.length) await new Promise((r) => setTimeout(r, 250));
  }
  bDone.stop();
  tBatchesDone = Date.now();
}
const tRescoreStart = Date.now();
{
  let shown = 0;
  const b = bar('rescore queue [{bar}] {value} jobs left', 1);
  await waitForQueuesIdle(queues, ['ingest-batch', 'rescore'], {
    onPoll: (p) => {
      if (p > shown) {
        shown = p;
        b.setTotal(p);
      }
      b.update(p);
    },
  });
  b.stop();
}
const tIngestEnd = Date.now();
const sum = (k: keyof BatchStatus) => finalStatus.reduce((n, s) => n + Number(s[k]), 0);
const ingest = {
  files: FILES.length,
  lines: sum('lines'),
  accepted: sum('accepted'),
  duplicates: sum('duplicates'),
  unmatched: sum('unmatched'),
  rejected: sum('rejected'),
  failedBatches: finalStatus.filter((s) => s.status === 'failed').length,
  expectedAccepted,
  uploadSeconds: sec(tUploaded - tIngestStart),
  batchesCompletedSeconds: sec(tBatchesDone - tIngestStart),
  rescoreTailSeconds: sec(tIngestEnd - tRescoreStart),
  seconds: sec(tIngestEnd - tIngestStart),
  eventsPerSecond: Math.round(sum('accepted') / ((tIngestEnd - tIngestStart) / 1000)),
  /** Up to the last batch completed, rescoring still queued: the ingestion path alone. */
  eventsPerSecondToBatchesDone: Math.round(sum('accepted') / ((tBatchesDone - tIngestStart) / 1000)),
};
log(
  `ingested ${ingest.accepted.toLocaleString()} events (expected ${expectedAccepted.toLocaleString()}) in ${ingest.seconds} s = ${ingest.eventsPerSecond.toLocaleString()} events/s ` +
    `(uploads ${ingest.uploadSeconds} s, batches done ${ingest.batchesCompletedSeconds} s, rescore tail ${ingest.rescoreTailSeconds} s)`,
);

// ---- 6. the daily sweep (full rescoring + lifecycle + checks), then the SQL floor --------
let sweepSeconds: number;
{
  const q = queues.get('daily-sweep');
  const t = Date.now();
  const job = await q.add('sweep', {}, { jobId: `bench-sweep-${Date.now()}` });
  let b: cliProgress.SingleBar | null = null;
  let pagesTotal = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    if (!pagesTotal) {
      const j = await q.getJob(job.id!);
      if (j && (await j.isFailed())) throw new Error(`the sweep failed: ${j.failedReason}`);
      if (j?.returnvalue?.pages !== undefined) {
        pagesTotal = j.returnvalue.pages as number;
        b = bar('sweep   [{bar}] {percentage}% | {value}/{total} pages', pagesTotal);
      }
      continue;
    }
    const left = await pendingJobs(queues, 'daily-sweep');
    b!.update(Math.max(0, pagesTotal - left));
    if (left === 0) break;
  }
  b?.update(pagesTotal);
  b?.stop();
  const failed = await q.getJobCounts('failed');
  if (failed.failed) log(`warning: ${failed.failed} sweep jobs failed`);
  sweepSeconds = (Date.now() - t) / 1000;
  log(`daily sweep (every pensioner rescored, checks opened) in ${sweepSeconds.toFixed(1)} s`);
}
await autovacuum.stop();
log(`autovacuum stand-in: ${autovacuum.vacuums} vacuums during ingestion and the sweep`);
let sqlFloor: { seconds: number; pensioners: number };
{
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('ANALYZE');
  sqlFloor = await sqlRecompute(c, policy, serviceNow());
  await c.end();
  log(`set-based SQL recompute: ${sqlFloor.seconds.toFixed(1)} s (${sqlFloor.pensioners.toLocaleString()} pensioners with events)`);
}

// ---- 7. the final state, read through the API --------------------------------------------
interface CertItem {
  nationalId: string;
  status: string;
  certifiedAt: string | null;
  certifiedUntil: string | null;
  method: string | null;
  score: number;
  deathDate?: string;
}
const state = new Map<string, CertItem>();
{
  const b = bar('read state [{bar}] {value}/{total} certifications', N);
  for await (const items of pages<CertItem>('/v1/certifications')) {
    for (const it of items)
      state.set(it.nationalId, {
        nationalId: it.nationalId,
        status: it.status,
        certifiedAt: it.certifiedAt,
        certifiedUntil: it.certifiedUntil,
        method: it.method,
        score: it.score,
        deathDate: it.deathDate,
      });
    b.update(state.size);
  }
  b.stop();
}

// ---- 7b. service-point staff work the manual-check queue -------------------------------
// What data alone decided is read above; staff visits are action, counted separately. The
// world knows who has died (and when) and who is in custody; everyone else is alive.
const world = new Map<string, WorldPerson>();
{
  const rl = createInterface({ input: createReadStream(path.join(DIR, M.truth.path)), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    const t = JSON.parse(line) as { nationalId: string; deathDate: string | null; custodialPeriods: { start: string; end: string | null }[] };
    const inCustody = t.custodialPeriods.some((c) => c.start <= M.end && (c.end === null || c.end >= M.end));
    if (t.deathDate !== null || inCustody) world.set(t.nationalId, { deathDate: t.deathDate, inCustody });
  }
}
const VISITS = Number(args.visits);
const STAFF_MONTHS = Math.round((Date.parse(M.end) - Date.parse(M.start)) / (30.4375 * 86_400_000));
const counties: CountyStaff[] = [];
{
  const keys = createDatabase(url, { max: 1 });
  const a = createAuthService(createKeyRepository(keys.db));
  for (const [regionCode, n] of [...pensionersByCounty].sort((x, y) => y[1] - x[1])) {
    counties.push({
      regionCode,
      pensioners: n,
      staffKey: (await a.createKey({ role: 'staff', name: `bench-staff-${regionCode}`, region: regionCode })).secret,
      bureauKey: (await a.createKey({ role: 'bureau', name: `bench-queue-${regionCode}`, region: regionCode })).secret,
    });
  }
  await keys.close();
}
const today = shanghaiDate(serviceNow());
let staff: Awaited<ReturnType<typeof workManualChecks>> | null = null;
const statusAfterVisits = new Map<string, string>();
if (VISITS > 0) {
  const b = bar(
    'staff visits [{bar}] {value}/{total} visits',
    counties.reduce((n, c) => n + Math.round((c.pensioners * VISITS * STAFF_MONTHS) / 1000), 0),
  );
  staff = await workManualChecks({
    base: BASE,
    counties,
    visitsPerThousandPerMonth: VISITS,
    months: STAFF_MONTHS,
    unreachable: Number(args.unreachable),
    seed: SEED,
    today,
    world: (id) => world.get(id) ?? { deathDate: null, inCustody: false },
    onVisit: () => b.increment(),
  });
  b.stop();
  log(
    `staff: ${staff.visits.toLocaleString()} visits of ${staff.capacity.toLocaleString()} possible in ${staff.seconds.toFixed(1)} s (alive ${staff.foundAlive}, deceased ${staff.foundDeceased}, unreachable ${staff.unreachable}, errors ${staff.errors})`,
  );
  for (const e of staff.firstErrors) log(`  staff error: ${e}`);
  const touched = [...staff.touched];
  for (let i = 0; i < touched.length; i += 1000) {
    const r = await fetch(`${BASE}/v1/certifications/query`, {
      method: 'POST',
      headers: { ...H, 'content-type': 'application/json' },
      body: JSON.stringify({ nationalIds: touched.slice(i, i + 1000) }),
    });
    if (!r.ok) throw new Error(`certification query: ${r.status} ${await r.text()}`);
    for (const it of ((await r.json()) as { results: { nationalId: string; status: string }[] }).results) statusAfterVisits.set(it.nationalId, it.status);
  }
}
world.clear();

const checkCounts: Record<string, number> = {};
const checkReasons: Record<string, number> = {};
let checkPeople = new Set<string>();
for (const status of ['open', 'claimed', 'resolved']) {
  for await (const items of pages<{ nationalId: string; reason: string }>(`/v1/manual-checks?status=${status}`)) {
    checkCounts[status] = (checkCounts[status] ?? 0) + items.length;
    for (const it of items) {
      checkReasons[it.reason] = (checkReasons[it.reason] ?? 0) + 1;
      checkPeople.add(it.nationalId);
    }
  }
}
const thisMonth = monthOf(today);
const summary = await getJson<Record<string, unknown>>('/v1/reports/summary');
const payrollNext = await getJson<{ holds: unknown[]; resumptions: unknown[]; stops: { overpaidMonths: number }[] }>(
  `/v1/payroll/${addMonthsToMonth(thisMonth, 1)}`,
);

// ---- 8. decision quality against the truth ------------------------------------------------
interface Truth {
  nationalId: string;
  persona: string;
  aliveAtEnd: boolean;
  deathDate: string | null;
  deathRecordArrivesOn: string | null;
  cardUsedAfterDeath: boolean;
  custodialPeriods: { start: string; end: string | null }[];
}
const deathFileAt = new Map(FILES.filter((f) => f.source === 'death').map((f) => [f.arrivesOn, new Date(f.arrivesAt)]));
const q = {
  living: 0,
  livingInCustodyAtEnd: 0,
  livingConsidered: 0,
  livingSilent: 0,
  livingByStatus: {} as Record<string, number>,
  livingSuspended: 0,
  livingHeldForReview: 0,
  livingDeceased: 0,
  livingByStatusAfterVisits: {} as Record<string, number>,
  livingSuspendedAfterVisits: 0,
  deceasedByStatusAfterVisits: {} as Record<string, number>,
  silentByPersona: {} as Record<string, { n: number; silent: number }>,
  deceased: 0,
  deceasedCertifiedAfterDeath: 0,
  deceasedWithRecord: 0,
  deceasedWithRecordByStatus: {} as Record<string, number>,
  deceasedWithoutRecordByStatus: {} as Record<string, number>,
  overpaymentMonths: [] as number[],
  deathsNotActedOn: 0,
  missingFromService: 0,
};
const firstRunAtOrAfter = (instant: Date): YearMonth => {
  const m = monthOf(shanghaiDate(instant));
  return runInstant(m) >= instant ? m : addMonthsToMonth(m, 1);
};
const inc = (o: Record<string, number>, k: string) => (o[k] = (o[k] ?? 0) + 1);
{
  const rl = createInterface({ input: createReadStream(path.join(DIR, M.truth.path)), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    const t = JSON.parse(line) as Truth;
    const s = state.get(t.nationalId);
    if (!s) {
      q.missingFromService++;
      continue;
    }
    if (t.aliveAtEnd) {
      q.living++;
      inc(q.livingByStatus, s.status);
      const inCustody = t.custodialPeriods.some((c) => c.start <= M.end && (c.end === null || c.end >= M.end));
      if (inCustody) {
        q.livingInCustodyAtEnd++;
        continue;
      }
      q.livingConsidered++;
      const after = statusAfterVisits.get(t.nationalId) ?? s.status;
      inc(q.livingByStatusAfterVisits, after);
      if (after === 'suspended') q.livingSuspendedAfterVisits++;
      const silent = s.method === 'auto' && (s.status === 'certified' || s.status === 'due');
      if (silent) q.livingSilent++;
      const p = (q.silentByPersona[t.persona] ??= { n: 0, silent: 0 });
      p.n++;
      if (silent) p.silent++;
      if (s.status === 'suspended') q.livingSuspended++;
      if (s.status === 'under_review') q.livingHeldForReview++;
      if (s.status === 'deceased') q.livingDeceased++;
    } else {
      q.deceased++;
      inc(q.deceasedByStatusAfterVisits, statusAfterVisits.get(t.nationalId) ?? s.status);
      if (s.certifiedAt && t.deathDate && s.certifiedAt > t.deathDate) q.deceasedCertifiedAfterDeath++;
      if (t.deathRecordArrivesOn && t.deathRecordArrivesOn <= M.end) {
        q.deceasedWithRecord++;
        inc(q.deceasedWithRecordByStatus, s.status);
        // Deceased, or under review (activity dated after the death, e.g. the card still in
        // use): payments stop or are held from the next run either way.
        if (s.status !== 'deceased' && s.status !== 'under_review') {
          q.deathsNotActedOn++;
          continue;
        }
        // The stop applies at the first payroll run after the record arrived (payroll rule:
        // runs take place at 00:00 on the 1st, Asia/Shanghai); months after the month of death
        // that were paid before it are the overpayment. A month counts as paid when the
        // certification the service holds (dated from evidence before the death) covered its 1st.
        const arrived = deathFileAt.get(t.deathRecordArrivesOn) ?? new Date(`${t.deathRecordArrivesOn}T08:00:00+08:00`);
        const stopMonth = firstRunAtOrAfter(arrived);
        let months = 0;
        for (let m = addMonthsToMonth(monthOf(t.deathDate!), 1); m < stopMonth; m = addMonthsToMonth(m, 1)) {
          if (s.certifiedUntil === null || firstDayOfMonth(m) <= s.certifiedUntil) months++;
        }
        q.overpaymentMonths.push(months);
      } else {
        inc(q.deceasedWithoutRecordByStatus, s.status);
      }
    }
  }
}
const share = (a: number, b: number) => (b === 0 ? 0 : a / b);
const quality = {
  living: q.living,
  livingInCustodyAtEnd: q.livingInCustodyAtEnd,
  livingConsidered: q.livingConsidered,
  livingCertifiedSilently: q.livingSilent,
  livingCertifiedSilentlyShare: share(q.livingSilent, q.livingConsidered),
  silentShareByPersona: Object.fromEntries(Object.entries(q.silentByPersona).map(([k, v]) => [k, { n: v.n, share: Number(share(v.silent, v.n).toFixed(4)) }])),
  livingByStatus: q.livingByStatus,
  livingSuspended: q.livingSuspended,
  livingSuspendedShare: share(q.livingSuspended, q.livingConsidered),
  livingHeldForReview: q.livingHeldForReview,
  livingMarkedDeceased: q.livingDeceased,
  afterStaffVisits: {
    visitsPerThousandPerMonth: VISITS,
    months: STAFF_MONTHS,
    unreachableRate: Number(args.unreachable),
    capacity: staff?.capacity ?? 0,
    visits: staff?.visits ?? 0,
    visitsPer1000: Number((((staff?.visits ?? 0) * 1000) / N).toFixed(1)),
    foundAlive: staff?.foundAlive ?? 0,
    foundDeceased: staff?.foundDeceased ?? 0,
    unreachable: staff?.unreachable ?? 0,
    errors: staff?.errors ?? 0,
    seconds: Number((staff?.seconds ?? 0).toFixed(1)),
    livingByStatus: q.livingByStatusAfterVisits,
    livingSuspended: q.livingSuspendedAfterVisits,
    livingSuspendedShare: share(q.livingSuspendedAfterVisits, q.livingConsidered),
    deceasedByStatus: q.deceasedByStatusAfterVisits,
  },
  deceased: q.deceased,
  deceasedCertifiedAfterDeath: q.deceasedCertifiedAfterDeath,
  deceasedWithRecord: q.deceasedWithRecord,
  deceasedWithRecordByStatus: q.deceasedWithRecordByStatus,
  deceasedWithoutRecordByStatus: q.deceasedWithoutRecordByStatus,
  deathsRecordedNotActedOn: q.deathsNotActedOn,
  overpaymentMonths: {
    n: q.overpaymentMonths.length,
    mean: Number(
      share(
        q.overpaymentMonths.reduce((a, b) => a + b, 0),
        q.overpaymentMonths.length,
      ).toFixed(2),
    ),
    max: q.overpaymentMonths.reduce((a, b) => Math.max(a, b), 0),
    histogram: q.overpaymentMonths.reduce<Record<number, number>>((h, m) => ((h[m] = (h[m] ?? 0) + 1), h), {}),
    method:
      'per deceased pensioner whose record arrived within the simulation and whom the service shows as deceased or under review (both stop payment at the next run): months from the month after the death up to (not including) the first payroll run after the record arrived (truth deathRecordArrivesOn at the death file’s arrival time; runs at 00:00 on the 1st, Asia/Shanghai), counting a month only if the certification the service holds covered its 1st',
  },
  manualChecks: {
    ...checkCounts,
    people: checkPeople.size,
    byReason: checkReasons,
    per1000: Number(((1000 * Object.values(checkCounts).reduce((a, b) => a + b, 0)) / N).toFixed(1)),
  },
  missingFromService: q.missingFromService,
};
checkPeople = new Set();

// ---- 9. status lookups against the bare peer; RSS --------------------------------------
// Measured on a quiet service, as the bare peer is: the visits' rescoring finishes first.
await waitForQueuesIdle(queues, ['ingest-batch', 'rescore', 'daily-sweep']);
const ids = [...state.keys()];
const lookups = await compareLookups({
  databaseUrl: url,
  serviceBase: BASE,
  secret: bureau,
  pick: () => ids[Math.floor(Math.random() * ids.length)]!,
  seconds: Number(args.seconds),
  connections: Number(args.connections),
  barePort: PORT + 2,
  log,
});
const rss = { apiPeakBytes: rssOf(api.child.pid!), workerPeakBytes: Math.max(...workers.map((w) => rssOf(w.child.pid!))) };

stopping = true;
for (const p of [api, ...workers]) p.child.kill('SIGTERM');
await Promise.all([api, ...workers].map((p) => p.exited));
await queues.close();
if (!args['keep-db']) {
  const c = new pg.Client({ connectionString: new URL(url).toString().replace(`/${DB_NAME}`, '/postgres') });
  await c
    .connect()
    .then(() => c.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`))
    .catch(() => {});
  await c.end().catch(() => {});
}

// ---- 10. the report -------------------------------------------------------------------
const ingestRatio = ingest.eventsPerSecond / ceiling.eventsPerSecond;
const rescoreRatio = sweepSeconds / sqlFloor.seconds;
const suspendedAfter = quality.afterStaffVisits.livingSuspendedShare;
const v = quality.afterStaffVisits;
const goals = [
  {
    goal: 'living pensioners certified silently',
    value: quality.livingCertifiedSilentlyShare,
    target: '≥ 95%',
    met: quality.livingCertifiedSilentlyShare >= 0.95,
    fmt: pct,
    miss: `${pct(0.95 - quality.livingCertifiedSilentlyShare)} short`,
  },
  {
    goal: 'deceased certified after their death',
    value: quality.deceasedCertifiedAfterDeath,
    target: '0',
    met: quality.deceasedCertifiedAfterDeath === 0,
    fmt: String,
    miss: `${quality.deceasedCertifiedAfterDeath} too many`,
  },
  {
    goal: `living pensioners suspended${VISITS > 0 ? ' after staff visits' : ''}`,
    value: suspendedAfter,
    target: '< 0.5%',
    met: suspendedAfter < 0.005,
    fmt: pct,
    miss: `${pct(suspendedAfter - 0.005)} over`,
  },
  {
    goal: 'ingest events/s ÷ raw COPY+merge ceiling',
    value: ingestRatio,
    target: '≥ 0.5',
    met: ingestRatio >= 0.5,
    fmt: (x: number) => x.toFixed(2),
    miss: `${(0.5 - ingestRatio).toFixed(2)} short (${(0.5 / ingestRatio).toFixed(1)}× too slow)`,
  },
  {
    goal: 'status lookups req/s ÷ bare Fastify + pg',
    value: lookups.ratio,
    target: '≥ 0.6',
    met: lookups.ratio >= 0.6,
    fmt: (x: number) => x.toFixed(2),
    miss: `${(0.6 - lookups.ratio).toFixed(2)} short (${(0.6 / lookups.ratio).toFixed(1)}× too slow)`,
  },
  {
    goal: 'full rescoring (sweep) ÷ set-based SQL',
    value: rescoreRatio,
    target: '≤ 2×',
    met: rescoreRatio <= 2,
    fmt: (x: number) => `${x.toFixed(1)}×`,
    miss: `${(rescoreRatio / 2).toFixed(1)}× over the goal`,
  },
];
function pct(x: number) {
  return `${(100 * x).toFixed(2)}%`;
}
const result = {
  machine: {
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    queue: REDIS_URL ? 'redis' : 'postgres',
    workerProcesses: WORKERS,
  },
  simulation: {
    dir: DIR,
    pensioners: M.pensioners,
    seed: M.seed,
    start: M.start,
    end: M.end,
    files: FILES.length,
    lines: totalLines,
    simulatedSeconds,
    clockStart: CLOCK_START,
  },
  registration,
  ceiling,
  ingest: { ...ingest, ratioToCeiling: Number(ingestRatio.toFixed(3)), parallelUploads: PARALLEL },
  rescoring: {
    sweepSeconds: Number(sweepSeconds.toFixed(1)),
    sqlRecomputeSeconds: Number(sqlFloor.seconds.toFixed(1)),
    ratio: Number(rescoreRatio.toFixed(2)),
    rescoreTailAfterLastBatchSeconds: ingest.rescoreTailSeconds,
  },
  lookups,
  rss,
  quality,
  service: {
    reportsSummary: summary,
    payrollNextMonth: {
      month: addMonthsToMonth(thisMonth, 1),
      holds: payrollNext.holds.length,
      resumptions: payrollNext.resumptions.length,
      stops: payrollNext.stops.length,
    },
  },
  goals: goals.map((g) => ({ goal: g.goal, target: g.target, value: g.value, met: g.met })),
};
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/province.json', JSON.stringify(result, null, 2));
const mib = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
const md = `# Province benchmark: ${M.pensioners.toLocaleString()} pensioners (seed ${M.seed}, ${M.start} .. ${M.end})

${result.machine.cores} cores, ${result.machine.memoryGiB} GiB, Node ${process.version}, queue on ${result.machine.queue}; API and ${WORKERS === 1 ? 'worker' : `${WORKERS} worker processes`} in separate processes, service clock from ${CLOCK_START}.

| goal | target | measured | met |
|---|---|---|---|
${goals.map((g) => `| ${g.goal} | ${g.target} | ${g.fmt(g.value as number)} | ${g.met ? 'yes' : `no: ${g.miss}`} |`).join('\n')}

| measure | value |
|---|---|
| registration (POST /v1/pensioners/bulk) | ${registration.created.toLocaleString()} in ${registration.seconds} s |
| feed files / lines | ${FILES.length} / ${totalLines.toLocaleString()} |
| accepted / duplicates / unmatched / rejected | ${ingest.accepted.toLocaleString()} / ${ingest.duplicates.toLocaleString()} / ${ingest.unmatched.toLocaleString()} / ${ingest.rejected.toLocaleString()} (simulator expected ${expectedAccepted.toLocaleString()} accepted) |
| ingest through the API (upload → batches done → rescore queue drained) | ${ingest.eventsPerSecond.toLocaleString()} events/s (${ingest.seconds} s: uploads ${ingest.uploadSeconds} s, batches done at ${ingest.batchesCompletedSeconds} s, rescore tail ${ingest.rescoreTailSeconds} s) |
| … of which ingestion alone (to the last batch completed, rescoring still queued) | ${ingest.eventsPerSecondToBatchesDone.toLocaleString()} events/s = ${(ingest.eventsPerSecondToBatchesDone / ceiling.eventsPerSecond).toFixed(2)} of the ceiling |
| raw COPY + merge ceiling (same files, same database) | ${ceiling.eventsPerSecond.toLocaleString()} events/s (${ceiling.seconds.toFixed(1)} s: COPY ${ceiling.copySeconds.toFixed(1)} s, merge ${ceiling.mergeSeconds.toFixed(1)} s; ${ceiling.stored.toLocaleString()} stored) |
| daily sweep (full rescoring, lifecycle, checks) | ${sweepSeconds.toFixed(1)} s |
| set-based SQL recompute (score only) | ${sqlFloor.seconds.toFixed(1)} s |
| status lookups: service / bare | ${lookups.service.requestsPerSecond} / ${lookups.bare.requestsPerSecond} req/s; p99 ${lookups.service.p99} / ${lookups.bare.p99} ms |
| peak RSS (VmHWM) API / largest worker | ${mib(rss.apiPeakBytes)} / ${mib(rss.workerPeakBytes)} |
| living pensioners (in custody at the end, excluded) | ${quality.living.toLocaleString()} (${quality.livingInCustodyAtEnd}) |
| living certified silently (auto, certified or due) | ${quality.livingCertifiedSilently.toLocaleString()} = ${pct(quality.livingCertifiedSilentlyShare)}; by persona ${Object.entries(
  quality.silentShareByPersona,
)
  .map(([k, v]) => `${k} ${pct(v.share)}`)
  .join(', ')} |
| living suspended / under review / marked deceased, by data alone | ${quality.livingSuspended} (${pct(quality.livingSuspendedShare)}) / ${quality.livingHeldForReview} / ${quality.livingMarkedDeceased} |
| staff visits (${v.visitsPerThousandPerMonth} per 1000 pensioners a month × ${v.months} months, ${pct(v.unreachableRate)} nobody at home; made at the end) | ${v.visits.toLocaleString()} of ${v.capacity.toLocaleString()} possible (${v.visitsPer1000} per 1000 pensioners) in ${v.seconds} s: alive ${v.foundAlive.toLocaleString()}, deceased ${v.foundDeceased.toLocaleString()}, nobody at home ${v.unreachable.toLocaleString()}${v.errors ? `, errors ${v.errors}` : ''} |
| living after staff visits | suspended ${v.livingSuspended} (${pct(v.livingSuspendedShare)}); ${Object.entries(v.livingByStatus)
  .map(([k, n]) => `${k} ${n}`)
  .join(', ')} |
| deceased after staff visits | ${Object.entries(v.deceasedByStatus)
  .map(([k, n]) => `${k} ${n}`)
  .join(', ')} |
| deceased / certified after their death | ${quality.deceased} / ${quality.deceasedCertifiedAfterDeath} |
| deaths recorded within the period: service status | ${quality.deceasedWithRecord}: ${Object.entries(quality.deceasedWithRecordByStatus)
  .map(([k, v]) => `${k} ${v}`)
  .join(', ')}; not acted on ${quality.deathsRecordedNotActedOn} |
| deaths not (yet) recorded: service status | ${Object.entries(quality.deceasedWithoutRecordByStatus)
  .map(([k, v]) => `${k} ${v}`)
  .join(', ')} |
| months of overpayment before a death is acted on | mean ${quality.overpaymentMonths.mean}, max ${quality.overpaymentMonths.max} (n = ${quality.overpaymentMonths.n}) |
| manual checks opened per 1000 pensioners | ${quality.manualChecks.per1000} (${JSON.stringify(checkReasons)}) |

Overpayment months: ${quality.overpaymentMonths.method}.
`;
writeFileSync('bench-results/province.md', md);
process.stdout.write(md);
process.exit(0);
