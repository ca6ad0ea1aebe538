import { type Kysely, sql } from 'kysely';

// A pensioner's monthly amount is a history: each row is an amount in integer fen and the
// month from which it is paid, until the next row's month. Registration, bulk import and the
// annual-increase import (POST /v1/benefit-adjustments) write it; back pay and claims sum the
// amount in force month by month. `pensioners.monthly_benefit_fen` stays as the amount last
// sent, for readers that want one figure. Existing pensioners get one row from the month
// their benefit started. Rows are corrected in place (one amount per month), never deleted.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE benefit_history (
      pensioner_id bigint NOT NULL REFERENCES pensioners (id),
      effective_month text NOT NULL CHECK (effective_month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      amount_fen bigint NOT NULL CHECK (amount_fen >= 0),
      recorded_at timestamptz NOT NULL DEFAULT now(),
      recorded_by text NOT NULL,
      PRIMARY KEY (pensioner_id, effective_month)
    );
    INSERT INTO benefit_history (pensioner_id, effective_month, amount_fen, recorded_at, recorded_by)
      SELECT id, to_char(benefit_start_date, 'YYYY-MM'), monthly_benefit_fen, created_at, 'migration' FROM pensioners;
    GRANT SELECT, INSERT, UPDATE ON TABLE benefit_history TO pension_app;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS benefit_history`.execute(db);
}
