// npm run bench:match [-- --pensioners 20000 --seed 1 --dir DIR --step-days 7 --months 6 --overlap-days 3 --keep-db]
// Targeted comparison against whole feeds, on one synthetic province (src/simulate): the same
// departments (bench/match-department.ts, holding the simulated year's records) are taken whole
// by pull interfaces in one run of the service, and asked through match interfaces in another.
// The service runs in this process on its own scratch database, its clock stepped through the
// year; each step pulls or matches every interface, then rescores. Reported: the personal
// records each way received, and per certification made from them.
// Death and court records are pulled whole both ways (payments must stop for anyone who dies,
// asked or not): the comparison is on the sources of evidence of life.
import { parseArgs } from 'node:util';
import { loadDefaultPolicy } from '../src/domain/policy.ts';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.ts';
import { createDatabase } from '../src/infra/database.ts';
import { createQueues, QUEUE_NAMES } from '../src/infra/queue.ts';
import { createLogger } from '../src/infra/logger.ts';
import { fixedClock } from '../src/infra/clock.ts';
import { addDays, shanghaiDate, startOfShanghaiDay } from '../src/domain/calendar.ts';
import { createDeps, type AppDeps } from '../src/app-deps.ts';
import { buildApp } from '../src/app.ts';
import { parseInterfaces, type DepartmentInterface } from '../src/modules/feeds/config.ts';
import { dropDatabase, freshDatabase, log } from './lib.ts';
import { ndjsonLines, simulatedProvince, type Province } from './province/simulation.ts';
import type { Options } from './province/options.ts';
import { readHoldings, startDepartment, type Department } from './match-department.ts';

const { values: args } = parseArgs({
  options: {
    pensioners: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string' },
    'step-days': { type: 'string', default: '7' },
    months: { type: 'string', default: '6' },
    'overlap-days': { type: 'string', default: '3' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'keep-db': { type: 'boolean', default: false },
  },
});
const pensioners = Number(args.pensioners);
const seed = Number(args.seed);
const stepDays = Number(args['step-days']);
const months = Number(args.months);
const overlapDays = Number(args['overlap-days']);
const LIFE = ['travel', 'hospital', 'bank'];
const WHOLE_ALWAYS = ['death', 'judicial'];

type Mode = 'whole' | 'match';

interface ModeResult {
  mode: Mode;
  /** Records the departments sent, per source. */
  sent: Record<string, number>;
  lifeRecords: number;
  /** Of which about people who are not pensioners, and sent more than once. */
  nonPensionerRecords: number;
  repeatedRecords: number;
  stored: number;
  /** Pensioners certified from department data during the year, and certifications (dates) made. */
  certifiedPeople: number;
  certifications: number;
  statusAtEnd: Record<string, number>;
  requests: number;
  seconds: number;
}

function interfacesFor(mode: Mode, dept: Department): DepartmentInterface[] {
  const pull = (source: string) => ({ name: `${source}-pull`, source, baseUrl: `${dept.base}/pull/${source}`, pageSize: 1000, timeoutMs: 60_000 });
  const match = (source: string) => ({
    mode: 'match',
    name: `${source}-match`,
    source,
    url: `${dept.base}/match/${source}`,
    token: 'bench',
    cron: '0 3 * * *',
    pageSize: 1000,
    withoutStrongMonths: months,
    overlapDays,
    timeoutMs: 60_000,
  });
  return parseInterfaces([...LIFE.map((s) => (mode === 'match' ? match(s) : pull(s))), ...WHOLE_ALWAYS.map(pull)], loadDefaultPolicy().catalogue, {});
}

async function register(deps: AppDeps, app: Awaited<ReturnType<typeof buildApp>>, p: Province) {
  const { secret } = await deps.auth.createKey({ role: 'admin', name: 'bench', region: null, sources: null });
  let lines: string[] = [];
  const send = async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/pensioners/bulk',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/x-ndjson' },
      payload: lines.join('\n') + '\n',
    });
    if (res.statusCode !== 200) throw new Error(`registration: ${res.statusCode} ${res.body}`);
    lines = [];
  };
  for await (const line of ndjsonLines(p, p.manifest.registry.path)) {
    lines.push(line);
    if (lines.length >= 5000) await send();
  }
  if (lines.length) await send();
}

async function drainRescoring(deps: AppDeps) {
  while ((await deps.rescoring.rescorePending([])).toppedUp > 0);
}

async function endFigures(deps: AppDeps, start: string, today: string) {
  const { rows } = await deps.pool.query(
    `SELECT
       (SELECT count(*) FROM events)::int AS stored,
       (SELECT count(DISTINCT pensioner_id) FROM decisions WHERE method = 'auto' AND certified_at >= $1)::int AS people,
       (SELECT count(*) FROM (SELECT DISTINCT pensioner_id, certified_at FROM decisions WHERE method = 'auto' AND certified_at >= $1) d)::int AS certifications,
       count(*) FILTER (WHERE state = 'active' AND due_from > $2)::int AS certified,
       count(*) FILTER (WHERE state = 'active' AND due_from <= $2 AND certified_until >= $2)::int AS due,
       count(*) FILTER (WHERE state = 'active' AND certified_until < $2)::int AS suspended,
       count(*) FILTER (WHERE state <> 'active')::int AS other
     FROM certifications`,
    [start, today],
  );
  return rows[0] as Record<string, number>;
}

async function runMode(mode: Mode, p: Province, dept: Department, sim: { now: Date }): Promise<ModeResult> {
  const t0 = Date.now();
  const dbName = `pc_bench_match_${mode}`;
  const url = await freshDatabase(dbName);
  const start = p.manifest.start;
  sim.now = startOfShanghaiDay(start);
  const clock = fixedClock(sim.now);
  const logger = createLogger('warn');
  const config = { ...loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'warn' }), batchRescoreDelayMs: 0, queuePrefix: `bm${randomBytes(3).toString('hex')}` };
  const database = createDatabase(url, { max: 6 });
  const queues = createQueues({ logger, redisUrl: args.redis, databaseUrl: url, prefix: config.queuePrefix });
  const deps = createDeps({ config, database, queues, clock, logger });
  const app = await buildApp(deps);
  dept.sent.clear();
  dept.strangers.clear();
  dept.repeats.clear();
  dept.seen.clear();
  dept.requests = 0;
  try {
    await register(deps, app, p);
    log(`${mode}: registered the pensioners`);
    const interfaces = interfacesFor(mode, dept);
    for (let day = stepDays; day <= p.manifest.days; day += stepDays) {
      sim.now = new Date(startOfShanghaiDay(addDays(start, day)).getTime() + 12 * 3600_000);
      clock.set(sim.now);
      for (const f of interfaces) {
        if (f.mode === 'match') await deps.matches.run(f);
        else await deps.feeds.pull(f, { maxPages: 100_000 });
      }
      await drainRescoring(deps);
      if (day % 28 < stepDays) log(`${mode}: ${shanghaiDate(sim.now)}, ${[...dept.sent.values()].reduce((a, b) => a + b, 0).toLocaleString()} records so far`);
    }
    const figures = await endFigures(deps, start, shanghaiDate(sim.now));
    const sent = Object.fromEntries([...LIFE, ...WHOLE_ALWAYS].map((s) => [s, dept.sent.get(s) ?? 0]));
    return {
      mode,
      sent,
      lifeRecords: LIFE.reduce((n, s) => n + sent[s]!, 0),
      nonPensionerRecords: LIFE.reduce((n, s) => n + (dept.strangers.get(s) ?? 0), 0),
      repeatedRecords: LIFE.reduce((n, s) => n + (dept.repeats.get(s) ?? 0), 0),
      stored: figures.stored!,
      certifiedPeople: figures.people!,
      certifications: figures.certifications!,
      statusAtEnd: { certified: figures.certified!, due: figures.due!, suspended: figures.suspended!, deceasedOrHeld: figures.other! },
      requests: dept.requests,
      seconds: Math.round((Date.now() - t0) / 1000),
    };
  } finally {
    await app.close();
    for (const q of QUEUE_NAMES)
      await queues
        .get(q)
        .obliterate({ force: true })
        .catch(() => {});
    await queues.close();
    await deps.auth.close();
    await deps.audit.close();
    await database.close();
    if (!args['keep-db']) await dropDatabase(dbName);
  }
}

const province = await simulatedProvince({ pensioners, seed, dir: path.resolve(args.dir ?? `/tmp/pc-province-${pensioners}-s${seed}`) } as Options);
log('reading the departments’ records…');
const holdings = await readHoldings(province.dir, province.manifest);
const registered = new Set<string>();
for await (const line of ndjsonLines(province, province.manifest.registry.path)) registered.add((JSON.parse(line) as { nationalId: string }).nationalId);
const sim = { now: startOfShanghaiDay(province.manifest.start) };
const dept = await startDepartment(
  holdings,
  () => sim.now,
  (id) => registered.has(id),
);
const results: ModeResult[] = [];
try {
  for (const mode of ['whole', 'match'] as const) results.push(await runMode(mode, province, dept, sim));
} finally {
  await dept.close();
}
const per = (r: ModeResult) => Number((r.lifeRecords / Math.max(1, r.certifiedPeople)).toFixed(2));
const report = {
  province: { pensioners, seed, start: province.manifest.start, days: province.manifest.days, stepDays, withoutStrongMonths: months, overlapDays },
  results: results.map((r) => ({
    ...r,
    recordsPerCertifiedPerson: per(r),
    recordsPerCertification: Number((r.lifeRecords / Math.max(1, r.certifications)).toFixed(2)),
  })),
  matchAgainstWhole: {
    records: Number((results[1]!.lifeRecords / results[0]!.lifeRecords).toFixed(3)),
    recordsPerCertifiedPerson: Number((per(results[1]!) / per(results[0]!)).toFixed(3)),
  },
};
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
process.exit(0);
