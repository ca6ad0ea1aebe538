// Phase 2: the service under test, as deployed: a fresh database, the API and its workers in
// their own processes, the service clock set to the simulation's start. The clock is injected
// (CLOCK_START): to step it through the simulated year the processes are restarted at each
// month's first day (restartAt), with the same database and queues.
import { createQueues, type Queues } from '../../src/infra/queue.ts';
import { createKeys, dropDatabase, freshDatabase, log, serviceUrl, startProcess, waitFor } from '../lib.ts';
import type { Options } from './options.ts';
import type { Province } from './simulation.ts';

type Process = ReturnType<typeof startProcess>;

export interface Service {
  url: string;
  base: string;
  /** The bench's own admin key, as a request header. */
  admin: { authorization: string };
  bureauKey: string;
  api: () => Process;
  workers: () => Process[];
  queues: Queues;
  /** The service clock: the instant it was (re)started at, plus the time since. */
  now: () => Date;
  /** Stops the processes and starts them again with the clock at `clock`. */
  restartAt: (clock: Date) => Promise<void>;
  stop: (o: { keepDb: boolean }) => Promise<void>;
}

/** Every service process still running: killed if the bench exits (one handler, however many restarts). */
const running = new Set<Process>();
process.on('exit', () => {
  for (const p of running) p.child.kill('SIGKILL');
});

/** Starts the API and workers; one of them dying mid-run would leave the figures meaningless, so the bench stops. */
function startProcesses(o: Options, env: Record<string, string | undefined>) {
  const api = startProcess('src/main.ts', { ...env, ROLE: 'api', PORT: String(o.port) });
  const workers = Array.from({ length: o.workers }, (_, i) => startProcess('src/main.ts', { ...env, ROLE: 'worker', PORT: String(o.port + 10 + i) }));
  let stopping = false;
  for (const p of [api, ...workers]) {
    running.add(p);
    void p.exited.then(() => running.delete(p));
  }
  for (const [name, p] of [['api', api] as const, ...workers.map((w, i) => [`worker ${i + 1}`, w] as const)]) {
    void p.exited.then((code) => {
      if (!stopping) {
        log(`the ${name} process exited (${code}) during the benchmark`);
        process.exit(1);
      }
    });
  }
  const stop = async () => {
    stopping = true;
    for (const p of [api, ...workers]) p.child.kill('SIGTERM');
    await Promise.all([api, ...workers].map((p) => p.exited));
  };
  return { api, workers, stop };
}

/** `extraEnv`: the SMS gateway and the departments' interface mappings (bench/province/year.ts). */
export async function startService(o: Options, p: Province, clockStart: Date, extraEnv: Record<string, string> = {}): Promise<Service> {
  // One database per port: several worktrees may run the bench on one PostgreSQL.
  const DB_NAME = `pc_bench_province_${o.port}`;
  log(`fresh database ${DB_NAME}…`);
  const url = await freshDatabase(DB_NAME);
  const [admin, bureauKey] = await createKeys(url, [
    { role: 'admin', name: 'bench-province' },
    { role: 'bureau', name: 'bench-province-lookups' },
  ]);
  const queuePrefix = `benchprov${Date.now().toString(36)}`;
  const env = {
    DATABASE_URL: serviceUrl(url),
    REDIS_URL: o.redisUrl,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_SECOND: '1000000',
    // One key uploads `--parallel` files at a time on purpose.
    UPLOADS_PER_KEY: String(Math.max(2, o.parallelUploads)),
    QUEUE_PREFIX: queuePrefix,
    CLOCK_START: clockStart.toISOString(),
    MIGRATE_ON_START: 'false',
    ...(o.visitLeadDays === undefined ? {} : { VISIT_LEAD_DAYS: String(o.visitLeadDays) }),
    ...extraEnv,
  };
  let tStart = Date.now();
  let clock = clockStart;
  let processes = startProcesses(o, env);
  const base = `http://127.0.0.1:${o.port}`;
  // Generous: on a shared machine a start under load has taken more than a minute.
  const ready = () => waitFor(`${base}/readyz`, 600_000);
  await ready();
  const queues = createQueues({ redisUrl: o.redisUrl, databaseUrl: url, prefix: queuePrefix });
  return {
    url,
    base,
    admin: { authorization: `Bearer ${admin!}` },
    bureauKey: bureauKey!,
    api: () => processes.api,
    workers: () => processes.workers,
    queues,
    now: () => new Date(clock.getTime() + (Date.now() - tStart)),
    async restartAt(at) {
      await processes.stop();
      clock = at;
      tStart = Date.now();
      processes = startProcesses(o, { ...env, CLOCK_START: at.toISOString() });
      await ready();
    },
    async stop({ keepDb }) {
      await processes.stop();
      await queues.close();
      if (!keepDb) await dropDatabase(DB_NAME);
    },
  };
}

export async function getJson<T>(s: Service, path: string): Promise<T> {
  const r = await fetch(`${s.base}${path}`, { headers: s.admin });
  if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** Every page of a cursor-paged list, 1000 items at a time. */
export async function* pages<T>(s: Service, path: string): AsyncGenerator<T[]> {
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: { items: T[]; nextCursor: string | null } = await getJson(s, `${path}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    yield page.items;
    cursor = page.nextCursor;
  } while (cursor);
}
