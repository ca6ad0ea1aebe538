import { type Kysely, sql } from 'kysely';

// batches.next_chunk was superseded by records_done (ingestion resumes by records, not
// chunks) and nothing reads it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE batches DROP COLUMN next_chunk`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE batches ADD COLUMN next_chunk integer NOT NULL DEFAULT 0`.execute(db);
}
