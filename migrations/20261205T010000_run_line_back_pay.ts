import { type Kysely, sql } from 'kysely';

// What a frozen run's line pays beyond the month's amount, and what it set against claims:
// - back_pay_months, back_pay_fen: on a 'stop' line, the back pay owed to the estate for the
//   months held while the person was in fact alive (a 'resumption' line keeps its back pay in
//   amount_fen, as before);
// - offset_fen: how much of the line's back pay (a resumption's amount, a stop's back pay) the
//   freeze set against the person's outstanding claims; the bank pays the rest.
// Written when the line is inserted by the freeze: lines are never updated (triggers). Adding
// columns with a constant default rewrites no row and fires no row trigger; the service
// role's grants are table-wide, so they cover the columns.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE payroll_run_lines
      ADD COLUMN back_pay_months integer,
      ADD COLUMN back_pay_fen bigint NOT NULL DEFAULT 0 CHECK (back_pay_fen >= 0),
      ADD COLUMN offset_fen bigint NOT NULL DEFAULT 0,
      ADD CONSTRAINT payroll_run_lines_offset CHECK (
        offset_fen >= 0 AND offset_fen <= CASE action WHEN 'resumption' THEN amount_fen WHEN 'stop' THEN back_pay_fen ELSE 0 END)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE payroll_run_lines DROP CONSTRAINT IF EXISTS payroll_run_lines_offset,
    DROP COLUMN IF EXISTS back_pay_months, DROP COLUMN IF EXISTS back_pay_fen, DROP COLUMN IF EXISTS offset_fen`.execute(db);
}
