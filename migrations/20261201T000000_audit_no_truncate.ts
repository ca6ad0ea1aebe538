import { type Kysely, sql } from 'kysely';

// The row trigger refuses UPDATE and DELETE on audit_log; TRUNCATE fires no row trigger, so a
// statement trigger refuses it too. (A role that owns the table can still drop the triggers:
// the service should connect as a role that does not own its tables — README, "Audit".)
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log`.execute(db);
}
