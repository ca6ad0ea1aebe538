// Where the tests' real services are: the machine's PostgreSQL and Redis.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_ROLE, loginAs } from '../../src/infra/service-role.ts';

export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// The template is named after the migrations' contents, so checkouts with different
// migrations (branches, worktrees) on one server each get their own and never rebuild
// one that another run is cloning.
const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');
const digest = createHash('sha256');
for (const f of readdirSync(MIGRATIONS_DIR).sort()) digest.update(f).update(readFileSync(path.join(MIGRATIONS_DIR, f)));
export const TEMPLATE_DB = `pc_test_template_${digest.digest('hex').slice(0, 12)}`;

export function databaseUrl(name: string): string {
  const u = new URL(ADMIN_DATABASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * The same database as the service connects to it: as its role, which owns no table, so every
 * test that goes through the app proves the role's grants suffice. The tests' server lets it in
 * without a password (trust on 127.0.0.1), as it does the admin user.
 */
export function serviceDatabaseUrl(name: string): string {
  return loginAs(databaseUrl(name), SERVICE_ROLE);
}
