import { type Kysely, sql } from 'kysely';

// From which day staff are sent to a `certification_due` check (src/domain/visit-readiness.ts):
// until then the reminder loop is working on the person. NULL: ready now (every other check,
// and due checks of people the reminders cannot reach). Written by the daily sweep with the
// priority. Checks opened before have none, so they stay ready as they were. The service
// role's grants on manual_checks are table-wide, so they cover the column.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE manual_checks ADD COLUMN visit_from date`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE manual_checks DROP COLUMN IF EXISTS visit_from`.execute(db);
}
