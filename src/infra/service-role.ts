// The database role the service runs as. Migrations run as the tables' owner and create
// `pension_app` with exactly the privileges the service uses (migrations/20261202T020000);
// the service connects as it (or as a login that is a member of it), so the audit log's
// triggers hold against the service: only an owner may drop or disable them.
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import type { DB } from './db-types.ts';

export const SERVICE_ROLE = 'pension_app';

/** `url` with its user and password replaced: another login on the same server and database. */
export function loginAs(url: string, user: string, password?: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = password ? encodeURIComponent(password) : '';
  return u.toString();
}

export class ServiceRoleError extends Error {}

/**
 * Refuses a connection that could rewrite the audit: a superuser, or a role that owns
 * audit_log or may act as its owner (a member of that role).
 */
export async function assertNotAuditOwner(db: Kysely<DB>): Promise<void> {
  const { rows } = await sql<{ role: string; owner: string; bypass: boolean }>`
    SELECT current_user AS role, pg_get_userbyid(c.relowner) AS owner,
      r.rolsuper OR pg_has_role(current_user, c.relowner, 'MEMBER') AS bypass
    FROM pg_class c JOIN pg_roles r ON r.rolname = current_user
    WHERE c.oid = 'public.audit_log'::regclass`.execute(db);
  const r = rows[0];
  if (r?.bypass) {
    throw new ServiceRoleError(
      `DATABASE_URL connects as ${r.role}, which ${r.role === r.owner ? 'owns the tables' : 'may act as their owner or is a superuser'} and could rewrite the audit log: ` +
        `connect the service as ${SERVICE_ROLE} and run migrations with MIGRATION_DATABASE_URL (README, "Audit")`,
    );
  }
}

/** Sets a login's password (the embedded server accepts password logins only); run as a superuser. */
export async function setPassword(db: Kysely<DB>, role: string, password: string): Promise<void> {
  await sql.raw(`ALTER ROLE ${pg.escapeIdentifier(role)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`).execute(db);
}
