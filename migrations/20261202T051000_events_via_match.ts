import { type Kysely, sql } from 'kysely';

// Events answered by a match interface (targeted comparison) are stored as `match:<interface>`,
// apart from whole-feed pulls, so the audit can tell which records came back to IDs we sent.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE events DROP CONSTRAINT events_received_via`.execute(db);
  await sql`ALTER TABLE events ADD CONSTRAINT events_received_via
    CHECK (received_via IS NOT NULL AND received_via ~ '^(key:[0-9a-f-]{36}|pull:.+|match:.+|import:.+)$') NOT VALID`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE events SET received_via = 'pull:' || substr(received_via, 7) WHERE received_via LIKE 'match:%'`.execute(db);
  await sql`ALTER TABLE events DROP CONSTRAINT events_received_via`.execute(db);
  await sql`ALTER TABLE events ADD CONSTRAINT events_received_via
    CHECK (received_via IS NOT NULL AND received_via ~ '^(key:[0-9a-f-]{36}|pull:.+|import:.+)$') NOT VALID`.execute(db);
}
