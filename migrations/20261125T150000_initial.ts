import { type Kysely, sql } from 'kysely';

// One migration for the foundation: keys, registry, certification state, evidence,
// batches, manual checks, decisions and the append-only audit trail.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE api_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin','bureau','staff','feed')),
      region_prefix text CHECK (region_prefix ~ '^[0-9]{1,6}$'),
      sources text[],
      key_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );

    CREATE TABLE pensioners (
      id bigserial PRIMARY KEY,
      national_id char(18) NOT NULL UNIQUE,
      name text NOT NULL,
      region_code char(6) NOT NULL,
      birth_date date NOT NULL,
      benefit_start_date date NOT NULL,
      monthly_benefit_fen bigint NOT NULL CHECK (monthly_benefit_fen >= 0),
      pension_type text NOT NULL DEFAULT 'enterprise',
      phone text,
      legacy_certified_at date,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX pensioners_region ON pensioners (region_code);

    -- Current certification state of each pensioner, one row each. Status words that
    -- depend on the calendar (certified/due/suspended) are derived from due_from and
    -- certified_until at read time, so they are never stale between sweeps.
    CREATE TABLE certifications (
      pensioner_id bigint PRIMARY KEY REFERENCES pensioners(id) ON DELETE CASCADE,
      region_code char(6) NOT NULL,
      state text NOT NULL CHECK (state IN ('active','deceased','ineligible','under_review')),
      certified_at date,
      certified_until date,
      due_from date,
      method text,
      score double precision NOT NULL DEFAULT 0,
      score_at timestamptz,
      policy_version text NOT NULL,
      evidence jsonb NOT NULL DEFAULT '[]',
      death_date date,
      since date,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX certifications_until ON certifications (region_code, certified_until);
    CREATE INDEX certifications_until_all ON certifications (certified_until, pensioner_id);
    CREATE INDEX certifications_state ON certifications (state, region_code) WHERE state <> 'active';

    CREATE TABLE decisions (
      id bigserial PRIMARY KEY,
      pensioner_id bigint NOT NULL REFERENCES pensioners(id) ON DELETE CASCADE,
      decided_at timestamptz NOT NULL,
      status text NOT NULL,
      certified_at date,
      certified_until date,
      method text,
      score double precision NOT NULL,
      policy_version text NOT NULL,
      evidence jsonb NOT NULL,
      actor text NOT NULL,
      detail jsonb
    );
    CREATE INDEX decisions_pensioner ON decisions (pensioner_id, decided_at);

    CREATE TABLE batches (
      id uuid PRIMARY KEY,
      source text NOT NULL,
      content_type text NOT NULL,
      charset text NOT NULL,
      sha256 text,
      bytes bigint NOT NULL DEFAULT 0,
      status text NOT NULL CHECK (status IN ('uploading','received','processing','completed','failed')),
      lines bigint NOT NULL DEFAULT 0,
      accepted bigint NOT NULL DEFAULT 0,
      duplicates bigint NOT NULL DEFAULT 0,
      unmatched bigint NOT NULL DEFAULT 0,
      rejected bigint NOT NULL DEFAULT 0,
      rejects jsonb NOT NULL DEFAULT '[]',
      next_chunk integer NOT NULL DEFAULT 0,
      error text,
      key_id uuid,
      received_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz
    );
    CREATE UNIQUE INDEX batches_same_file ON batches (source, sha256) WHERE sha256 IS NOT NULL;
    CREATE INDEX batches_pending ON batches (status) WHERE status IN ('received','processing');

    CREATE TABLE batch_chunks (
      batch_id uuid NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
      seq integer NOT NULL,
      data bytea NOT NULL,
      PRIMARY KEY (batch_id, seq)
    );

    CREATE TABLE events (
      id bigserial PRIMARY KEY,
      pensioner_id bigint NOT NULL REFERENCES pensioners(id) ON DELETE CASCADE,
      source text NOT NULL,
      kind text NOT NULL,
      source_ref text NOT NULL,
      occurred_at timestamptz NOT NULL,
      identity_check text NOT NULL,
      location char(6),
      death_date date,
      batch_id uuid,
      received_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (source, source_ref)
    );
    CREATE INDEX events_pensioner ON events (pensioner_id, occurred_at);

    CREATE TABLE feed_cursors (
      feed text PRIMARY KEY,
      cursor text,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE manual_checks (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      pensioner_id bigint NOT NULL REFERENCES pensioners(id) ON DELETE CASCADE,
      region_code char(6) NOT NULL,
      reason text NOT NULL,
      priority integer NOT NULL,
      status text NOT NULL CHECK (status IN ('open','claimed','resolved')),
      opened_at timestamptz NOT NULL DEFAULT now(),
      opened_by text NOT NULL,
      claimed_by uuid,
      claimed_at timestamptz,
      claim_expires_at timestamptz,
      resolved_at timestamptz,
      outcome text,
      note text
    );
    CREATE INDEX manual_checks_queue ON manual_checks (status, priority DESC, opened_at) WHERE status <> 'resolved';
    CREATE UNIQUE INDEX manual_checks_one_open ON manual_checks (pensioner_id, reason) WHERE status <> 'resolved';

    CREATE TABLE reminders (
      pensioner_id bigint NOT NULL REFERENCES pensioners(id) ON DELETE CASCADE,
      due_from date NOT NULL,
      status text NOT NULL CHECK (status IN ('pending','sent','failed')),
      attempts integer NOT NULL DEFAULT 0,
      sent_at timestamptz,
      PRIMARY KEY (pensioner_id, due_from)
    );

    -- Append-only: who read or changed which pensioner's data, and when.
    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      key_id uuid,
      role text,
      action text NOT NULL,
      pensioner_id bigint,
      detail jsonb
    );
    CREATE INDEX audit_pensioner ON audit_log (pensioner_id, at) WHERE pensioner_id IS NOT NULL;
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
    CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS audit_log, reminders, manual_checks, feed_cursors, events, batch_chunks,
      batches, decisions, certifications, pensioners, api_keys CASCADE;
    DROP FUNCTION IF EXISTS audit_log_append_only();
  `.execute(db);
}
