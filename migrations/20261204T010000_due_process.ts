import { type Kysely, sql } from 'kysely';

// Due process (policy 2026.3): two more stored states — a death awaiting verification
// (`death_reported`) and pre-trial detention (`detained`), both holding payment — and appeals
// against a decision: who filed it, on what grounds, the status it contests, the review's
// deadline and its outcome. The service files and decides appeals, never deletes them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE certifications DROP CONSTRAINT certifications_state_check;
    ALTER TABLE certifications ADD CONSTRAINT certifications_state_check
      CHECK (state IN ('active','death_reported','deceased','detained','ineligible','under_review'));
    CREATE TABLE appeals (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      pensioner_id bigint NOT NULL REFERENCES pensioners(id) ON DELETE CASCADE,
      region_code char(6) NOT NULL,
      filed_by text NOT NULL CHECK (filed_by IN ('pensioner','heir','agent')),
      grounds text NOT NULL,
      decision_at timestamptz NOT NULL,
      contested_status text NOT NULL,
      status text NOT NULL CHECK (status IN ('open','decided')),
      filed_at timestamptz NOT NULL,
      filed_key uuid NOT NULL,
      deadline date NOT NULL,
      outcome text CHECK (outcome IN ('upheld','overturned')),
      reason text,
      decided_at timestamptz,
      decided_key uuid,
      CHECK ((status = 'open') = (outcome IS NULL))
    );
    CREATE INDEX appeals_queue ON appeals (status, region_code, deadline, id);
    CREATE INDEX appeals_pensioner ON appeals (pensioner_id);
    GRANT SELECT, INSERT, UPDATE ON TABLE appeals TO pension_app;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS appeals;
    ALTER TABLE certifications DROP CONSTRAINT certifications_state_check;
    ALTER TABLE certifications ADD CONSTRAINT certifications_state_check CHECK (state IN ('active','deceased','ineligible','under_review'));
  `.execute(db);
}
