import { type Kysely, sql } from 'kysely';

// Status lookups and batch queries resolve a national ID to the pensioner's id and region
// (for the caller's scope) and then read only the certification. Covering those two columns
// lets PostgreSQL answer from the index alone (index-only scan on vacuumed pages), so a
// lookup touches one table's rows instead of two: with a million pensioners the rows the
// lookups touch no longer crowd each other out of shared buffers. The unique constraint
// stays the arbiter of registrations (ON CONFLICT (national_id)).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX pensioners_national_id_cover ON pensioners (national_id) INCLUDE (id, region_code)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS pensioners_national_id_cover`.execute(db);
}
