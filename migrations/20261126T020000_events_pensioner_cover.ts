import { type Kysely, sql } from 'kysely';

// Rescoring and the daily sweep read every event of a page of pensioners. The events of one
// pensioner arrive over a year in many files, so they lie scattered over the table and a page
// of 2000 people touched ~20,000 heap pages. Carrying the columns a decision reads in the
// index (same key as before, so ingestion maintains one index, only wider) turns that into
// an index-only scan over adjacent index pages once the table is vacuumed — which
// insert-driven autovacuum does for an append-mostly table like this one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX events_pensioner_cover ON events (pensioner_id, occurred_at)
    INCLUDE (id, source, kind, received_at, identity_check, location, death_date)`.execute(db);
  await sql`DROP INDEX IF EXISTS events_pensioner`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS events_pensioner ON events (pensioner_id, occurred_at)`.execute(db);
  await sql`DROP INDEX IF EXISTS events_pensioner_cover`.execute(db);
}
