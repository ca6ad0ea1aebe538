import { type Kysely, sql } from 'kysely';

// The events a decision was taken from, so a replay uses exactly those: an instant
// (received_at <= decided_at) cannot tell apart facts stored in the same millisecond as the
// decision, nor an event committed after a decision that its id sorts before. Null on
// decisions recorded before this column: those replay by instant.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE decisions ADD COLUMN known_event_ids bigint[]`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE decisions DROP COLUMN known_event_ids`.execute(db);
}
