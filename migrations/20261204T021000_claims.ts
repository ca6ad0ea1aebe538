import { type Kysely, sql } from 'kysely';

// The recovery ledger. A claim is what was paid for months that were not owed: after the
// month of death, or from the start month of a custodial sentence. One claim per person,
// reason and stretch (`period_key`: "death", or the sentence's start date), reconciled from
// the decision whenever it changes, so a corrected date or benefit amends it. Money in integer
// fen: outstanding = amount − repaid − offset − written off. `claim_events` is the claim's
// history (opened, amended with its reason, notified, repayment, offset, written off,
// cancelled, reopened): appended, never changed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE claims (
      id bigserial PRIMARY KEY,
      pensioner_id bigint NOT NULL REFERENCES pensioners (id),
      region_code text NOT NULL,
      reason text NOT NULL CHECK (reason IN ('death', 'custody')),
      period_key text NOT NULL,
      amount_fen bigint NOT NULL CHECK (amount_fen >= 0),
      repaid_fen bigint NOT NULL DEFAULT 0 CHECK (repaid_fen >= 0),
      offset_fen bigint NOT NULL DEFAULT 0 CHECK (offset_fen >= 0),
      written_off_fen bigint NOT NULL DEFAULT 0 CHECK (written_off_fen >= 0),
      status text NOT NULL CHECK (status IN ('open', 'notified', 'recovered', 'written_off', 'cancelled')),
      basis jsonb NOT NULL,
      opened_at timestamptz NOT NULL,
      notified_at timestamptz,
      closed_at timestamptz,
      updated_at timestamptz NOT NULL,
      UNIQUE (pensioner_id, reason, period_key)
    );
    CREATE INDEX claims_region_status ON claims (region_code text_pattern_ops, status);
    CREATE TABLE claim_events (
      id bigserial PRIMARY KEY,
      claim_id bigint NOT NULL REFERENCES claims (id),
      at timestamptz NOT NULL,
      kind text NOT NULL,
      amount_fen bigint,
      reason text,
      actor text NOT NULL,
      detail jsonb
    );
    CREATE INDEX claim_events_claim ON claim_events (claim_id, id);
    GRANT SELECT, INSERT, UPDATE ON TABLE claims TO pension_app;
    GRANT SELECT, INSERT ON TABLE claim_events TO pension_app;
    GRANT USAGE ON SEQUENCE claims_id_seq, claim_events_id_seq TO pension_app;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS claim_events; DROP TABLE IF EXISTS claims`.execute(db);
}
