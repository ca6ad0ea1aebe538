// The service as operators run it, for the fault tests: `src/main.ts` as a child process
// (ROLE=api or ROLE=worker) on a test database and its own queue prefix, started, waited for,
// signalled and reaped. One node process with the tsx loader, so a signal reaches the service
// itself (the tsx wrapper would leave its child running when SIGKILLed).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { createTestContext, type TestContext } from './context.ts';
import { REDIS_URL } from './env.ts';
import { freePort } from './free-port.ts';
import { register } from './ingest.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ServiceProcess {
  role: 'api' | 'worker';
  child: ChildProcess;
  /** The HTTP port (ROLE=api). */
  port: number;
  url: string;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has ended. */
  exited: Promise<number | null>;
  alive(): boolean;
  /** Sends the signal and waits for the process to end; its exit code (null when killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Polls `ok` until it holds; throws naming `what` (and `detail()`) after `ms`. Returns the time it took. */
export async function waitUntil(what: string, ok: () => Promise<unknown>, ms: number, detail = () => '', pollMs = 50): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await ok().catch(() => false)) return Date.now() - t0;
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms\n${detail()}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Starts `src/main.ts` with `env` on top of the tests' environment and waits until it serves (api) or has started its workers. */
export async function startService(role: 'api' | 'worker', env: Record<string, string>, readyMs = 60_000): Promise<ServiceProcess> {
  const port = role === 'api' ? await freePort() : 0;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, ROLE: role, PORT: String(port || 3000) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const p: ServiceProcess = {
    role,
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    exited,
    alive,
    async stop(signal = 'SIGKILL') {
      if (alive()) child.kill(signal);
      return exited;
    },
  };
  await waitUntil(
    `${role} started`,
    async () => {
      if (!alive()) throw new Error('exited');
      return out.includes(`started role=${role}`);
    },
    readyMs,
    () => out.slice(-3000),
  ).catch((e) => {
    child.kill('SIGKILL');
    throw e;
  });
  return p;
}

/** SIGKILLs whatever of `procs` still runs (a test's cleanup). */
export async function killAll(procs: (ServiceProcess | undefined)[]): Promise<void> {
  await Promise.all(procs.map((p) => p?.stop('SIGKILL')));
}

/** The environment every process of one test shares: its database, the tests' Redis under its own prefix. */
export function serviceEnv(databaseUrl: string, redisUrl: string, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, ...extra };
}

/** The size of the fault tests' batches: FAULT_SIZE lines (`npm run test:faults`), or `reduced` in the default run. */
export function faultSize(reduced: number): number {
  const n = Number(process.env.FAULT_SIZE);
  return Number.isInteger(n) && n > 0 ? n : reduced;
}

/** A line for the README's figures, in the test's output. */
export function report(what: string, figures: Record<string, unknown>): void {
  process.stdout.write(`fault ${what}: ${JSON.stringify(figures)}\n`);
}

/** What every fault test stands on: its database with its people registered, the tables' owner watching them, the processes' environment. */
export interface FaultWorld {
  t: TestContext;
  /** A connection as the tables' owner, to look at what the processes stored. */
  watch: pg.Client;
  env: Record<string, string>;
  /** Starts a process on `env`; `close` kills it if it still runs. */
  start(role: 'api' | 'worker'): Promise<ServiceProcess>;
  close(): Promise<void>;
}

/** Opens a fault test's world: `people` registered (in 510104), `extra` in every process's environment. */
export async function openFaultWorld(people: string[], extra: Record<string, string> = {}): Promise<FaultWorld> {
  const t = await createTestContext({ now: new Date().toISOString() });
  await register(t, '', people);
  const watch = new pg.Client({ connectionString: t.ownerUrl });
  watch.on('error', () => {}); // ended by the database's drop if a test fails first
  await watch.connect();
  const env = serviceEnv(t.dbUrl, REDIS_URL, t.deps.config.queuePrefix, extra);
  const procs: ServiceProcess[] = [];
  return {
    t,
    watch,
    env,
    async start(role) {
      const p = await startService(role, env);
      procs.push(p);
      return p;
    },
    async close() {
      await killAll(procs);
      await watch.end();
      await t.close();
    },
  };
}
