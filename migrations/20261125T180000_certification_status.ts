import { type Kysely, sql } from 'kysely';

// The status as last decided (calendar statuses included), so that the daily sweep can
// record a decision exactly when someone moves into `due` or `suspended`. Reads still
// derive the calendar status from the dates, so they are right between sweeps.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE certifications ADD COLUMN status text NOT NULL DEFAULT 'certified'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE certifications DROP COLUMN status`.execute(db);
}
