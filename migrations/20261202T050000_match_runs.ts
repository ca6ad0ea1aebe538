import { type Kysely, sql } from 'kysely';

// Match runs (targeted comparison, FEEDS_FILE "mode": "match") are recorded as batches, so a
// run is read like a batch (GET /v1/feeds/batches/{id}) with the same counts and rejects.
// `interface` names the department interface a run asked; uploaded files leave it null.
// At most one run of an interface is open at a time.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE batches ADD COLUMN interface text;
    CREATE UNIQUE INDEX batches_open_match_run ON batches (interface) WHERE interface IS NOT NULL AND status = 'processing';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS batches_open_match_run;
    ALTER TABLE batches DROP COLUMN IF EXISTS interface;
  `.execute(db);
}
