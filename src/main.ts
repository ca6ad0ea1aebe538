// Process entry: ROLE=api|worker|all, embedded defaults, graceful shutdown.
// `npm start -- --demo [--pensioners N]` is `npm run demo`: this process hands over to it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadConfig, ConfigError } from './config.ts';
import { startRuntime } from './runtime.ts';
import { buildApp } from './app.ts';
import { startWorkers, startRecovery } from '../jobs/index.ts';
import { localUrl, removeServiceAddress, writeServiceAddress } from './infra/service-address.ts';

/** Where a newcomer goes next, in plain lines on stderr (stdout stays JSON logs). */
function welcome(base: string): string {
  return [
    `API        ${base}/v1  (contract: openapi.yaml)`,
    `docs       ${base}/docs`,
    `staff      ${base}/staff`,
    `dashboard  ${base}/dashboard`,
    `a key:     npm run cli -- keys create --role admin --name me   (last line printed is the key)`,
    '',
  ].join('\n');
}

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const runtime = await startRuntime(config);
  const app = config.role !== 'worker' ? await buildApp(runtime.deps) : undefined;
  const workers = config.role !== 'api' ? startWorkers(runtime.deps) : [];
  // Keeps the schedules and re-queues from PostgreSQL whatever the queue lost, every
  // QUEUE_RECOVERY_INTERVAL_MS; its first pass creates the schedules before `started`.
  const recovery = config.role !== 'api' ? startRecovery(runtime.deps) : undefined;
  await recovery?.first;
  if (app) {
    await app.listen({ port: config.port, host: config.host });
    // The CLI reads it to find this process on whatever PORT/HOST it was given.
    writeServiceAddress(config.dataDir, localUrl(config.host, config.port));
  }
  const log = (msg: string) => process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg })}\n`);
  log(
    `started role=${config.role} database=${config.databaseUrl ? 'external' : 'embedded'} queue=${runtime.queues.kind}${app ? ` http=${config.host}:${config.port}` : ''}`,
  );
  if (app) process.stderr.write(welcome(localUrl(config.host, config.port)));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    const deadline = setTimeout(() => {
      process.stderr.write('shutdown took too long; exiting\n');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    try {
      recovery?.stop();
      if (app) removeServiceAddress(config.dataDir);
      await app?.close(); // stops accepting, drains in-flight requests
      await Promise.allSettled(workers.map((w) => w.close())); // lets active jobs finish
      await runtime.close();
      process.exit(0);
    } catch (e) {
      process.stderr.write(`shutdown failed: ${(e as Error).message}\n`);
      process.exit(1);
    }
  };
  // When the embedded PostgreSQL stops last, a connection still closing may report the
  // server's "terminating connection" (57P01); during shutdown that is expected, not a crash.
  process.on('uncaughtException', (e: Error & { code?: string }) => {
    if (stopping && e.code === '57P01') return;
    process.stderr.write(`uncaught exception: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** Runs src/simulate/demo.ts (which starts this service itself, without --demo) with the other arguments, and ends as it ends. */
function demo(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'simulate', `demo${path.extname(import.meta.filename)}`), ...args], {
    stdio: 'inherit',
  });
  // The demo forwards these to the service it started, and exits when that exits.
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => child.kill(s));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const args = process.argv.slice(2);
if (args.includes('--demo')) demo(args.filter((a) => a !== '--demo'));
else
  main().catch((e: Error) => {
    process.stderr.write(`failed to start: ${e.message}\n`);
    process.exit(1);
  });
