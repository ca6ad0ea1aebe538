import { type Kysely, sql } from 'kysely';

// Four eyes (CONTRACT "Due process and money"): an irreversible step proposed by one key is
// done only when another key of the region asks for the same thing. One open proposal per
// action and subject; a completed one keeps who proposed and who checked. The service inserts
// and completes proposals, never deletes them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE proposals (
      id bigserial PRIMARY KEY,
      action text NOT NULL,
      subject text NOT NULL,
      region_code text NOT NULL,
      pensioner_id bigint REFERENCES pensioners (id),
      payload jsonb NOT NULL DEFAULT '{}',
      proposed_by uuid NOT NULL REFERENCES api_keys (id),
      proposed_at timestamptz NOT NULL,
      checked_by uuid REFERENCES api_keys (id),
      checked_at timestamptz,
      check_payload jsonb,
      CHECK ((checked_by IS NULL) = (checked_at IS NULL)),
      CHECK (checked_by IS NULL OR checked_by <> proposed_by)
    );
    CREATE UNIQUE INDEX proposals_one_open ON proposals (action, subject) WHERE checked_at IS NULL;
    GRANT SELECT, INSERT, UPDATE ON TABLE proposals TO pension_app;
    GRANT USAGE ON SEQUENCE proposals_id_seq TO pension_app;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS proposals`.execute(db);
}
