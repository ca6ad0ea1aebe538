import { type Kysely, sql } from 'kysely';

// The reminder loop: a second reminder a month after the first (round 2, never more), each
// with a personal code the national platform's face check sends back.
// - The code is stored as a salted SHA-256 (code_salt, code_hash), valid until code_expires_at.
// - pending_code holds it in clear only while the message is being delivered, so that a retry
//   sends the same text under the same Idempotency-Key; it is erased when the gateway accepts
//   or refuses the message (the CHECK keeps it from outliving a pending reminder).
// - answered_at / answered_event_id: the self-service result that carried the code.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE reminders ADD COLUMN round smallint NOT NULL DEFAULT 1 CHECK (round IN (1, 2));
    ALTER TABLE reminders DROP CONSTRAINT reminders_pkey;
    ALTER TABLE reminders ADD PRIMARY KEY (pensioner_id, due_from, round);
    ALTER TABLE reminders
      ADD COLUMN code_salt bytea,
      ADD COLUMN code_hash bytea,
      ADD COLUMN code_expires_at timestamptz,
      ADD COLUMN pending_code text,
      ADD COLUMN answered_at timestamptz,
      ADD COLUMN answered_event_id bigint,
      ADD CONSTRAINT reminders_code_only_while_pending CHECK (pending_code IS NULL OR status = 'pending');
    -- The summary report counts the reminders sent in a month.
    CREATE INDEX reminders_sent ON reminders (sent_at) WHERE sent_at IS NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS reminders_sent;
    DELETE FROM reminders WHERE round <> 1;
    ALTER TABLE reminders DROP CONSTRAINT reminders_pkey;
    ALTER TABLE reminders DROP CONSTRAINT IF EXISTS reminders_code_only_while_pending,
      DROP COLUMN code_salt, DROP COLUMN code_hash, DROP COLUMN code_expires_at, DROP COLUMN pending_code,
      DROP COLUMN answered_at, DROP COLUMN answered_event_id, DROP COLUMN round;
    ALTER TABLE reminders ADD PRIMARY KEY (pensioner_id, due_from);
  `.execute(db);
}
