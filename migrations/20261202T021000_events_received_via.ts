import { type Kysely, sql } from 'kysely';

// Which key or interface brought each event: `key:<api key id>` (pushes, batch files, in-person
// checks and resolved manual checks, whatever the key's role), `pull:<interface name>` (pulls),
// `import:<label>` (rows loaded straight into the database, outside the service). Events stored
// before this column have none (a batch's events still name their batch). NOT VALID: the check
// holds for every row written from now on without rewriting the table's existing rows.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE events ADD COLUMN received_via text`.execute(db);
  await sql`ALTER TABLE events ADD CONSTRAINT events_received_via
    CHECK (received_via IS NOT NULL AND received_via ~ '^(key:[0-9a-f-]{36}|pull:.+|import:.+)$') NOT VALID`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE events DROP COLUMN IF EXISTS received_via`.execute(db);
}
