import { type Kysely, sql } from 'kysely';

// Frozen monthly payroll runs: the list a bank pays from, kept as it was frozen. A run is one
// row per month; its lines are one per person and action ('pay' the month's amount, 'resumption'
// back pay, 'hold', 'stop' with the overpayment). Once a run's `frozen_at` is set, triggers
// refuse any UPDATE or DELETE of it or its lines (and TRUNCATE): what happens later goes into
// the next month's run. The freezing transaction writes the lines, then the run with its counts
// (the lines' reference to it is checked at commit), so nothing is ever updated.
// The service role gets SELECT and INSERT only; the triggers hold for the owner as well.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE payroll_runs (
      month char(7) PRIMARY KEY CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      frozen_at timestamptz NOT NULL,
      frozen_by text NOT NULL,
      holds integer NOT NULL DEFAULT 0,
      resumptions integer NOT NULL DEFAULT 0,
      stops integer NOT NULL DEFAULT 0,
      paid integer NOT NULL DEFAULT 0
    );

    CREATE TABLE payroll_run_lines (
      -- No foreign key: the run and its lines are written by one transaction (the run last),
      -- and a deferred check of each of a province's lines at commit costs more than the rest.
      month char(7) NOT NULL,
      pensioner_id bigint NOT NULL,
      national_id char(18) NOT NULL,
      region_code char(6) NOT NULL,
      action text NOT NULL CHECK (action IN ('pay', 'hold', 'resumption', 'stop')),
      status text,
      since date,
      months integer,
      amount_fen bigint NOT NULL DEFAULT 0,
      death_date date,
      PRIMARY KEY (month, pensioner_id, action)
    );
    -- The lists and counts of a run (holds, resumptions, stops) without reading its payments.
    CREATE INDEX payroll_run_lines_actions ON payroll_run_lines (month, region_code) WHERE action <> 'pay';

    CREATE FUNCTION payroll_run_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'payroll run is frozen: % refused on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
    END $$;
    CREATE TRIGGER payroll_runs_frozen BEFORE UPDATE OR DELETE ON payroll_runs FOR EACH ROW EXECUTE FUNCTION payroll_run_frozen();
    CREATE TRIGGER payroll_run_lines_frozen BEFORE UPDATE OR DELETE ON payroll_run_lines FOR EACH ROW EXECUTE FUNCTION payroll_run_frozen();
    CREATE TRIGGER payroll_runs_no_truncate BEFORE TRUNCATE ON payroll_runs FOR EACH STATEMENT EXECUTE FUNCTION payroll_run_frozen();
    CREATE TRIGGER payroll_run_lines_no_truncate BEFORE TRUNCATE ON payroll_run_lines FOR EACH STATEMENT EXECUTE FUNCTION payroll_run_frozen();

    GRANT SELECT, INSERT ON TABLE payroll_runs, payroll_run_lines TO pension_app;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS payroll_run_lines; DROP TABLE IF EXISTS payroll_runs; DROP FUNCTION IF EXISTS payroll_run_frozen()`.execute(db);
}
