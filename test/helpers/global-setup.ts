// Builds one migrated template database per schema version; each test file clones it
// (CREATE DATABASE … TEMPLATE), so files run in parallel, each on its own database.
// Concurrent runs (several vitest processes) share the template, guarded by an advisory lock.
import pg from 'pg';
import { createDatabase, migrateToLatest } from '../../src/infra/database.ts';
import { MIGRATIONS } from '../../migrations/index.ts';
import { ADMIN_DATABASE_URL, TEMPLATE_DB, databaseUrl } from './env.ts';

export default async function setup(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(774411)');
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEMPLATE_DB]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
    const d = createDatabase(databaseUrl(TEMPLATE_DB), { max: 1 });
    try {
      const ran = await d.db
        .selectFrom('kysely_migration' as any)
        .select('name' as any)
        .execute()
        .then((rows) => rows.map((r: any) => r.name as string))
        .catch(() => [] as string[]);
      // A template whose executed migrations are not a prefix of today's list (another
      // branch's, or one added out of order) is rebuilt, not patched.
      const names = Object.keys(MIGRATIONS).sort();
      const stale = [...ran].sort().some((n, i) => names[i] !== n);
      await d.close();
      if (stale) {
        await admin.query(`DROP DATABASE ${TEMPLATE_DB} WITH (FORCE)`);
        await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
      }
    } catch (e) {
      await d.close().catch(() => {});
      throw e;
    }
    const m = createDatabase(databaseUrl(TEMPLATE_DB), { max: 1 });
    await migrateToLatest(m.db);
    await m.close();
  } finally {
    await admin.query('SELECT pg_advisory_unlock(774411)').catch(() => {});
    await admin.end();
  }
}
