import { type Kysely, sql } from 'kysely';

// Payroll looks for holds recorded in decisions; reports count events by month. A BRIN index
// suits events: they arrive roughly in time order and the table is the largest by far.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX decisions_status_time ON decisions (status, decided_at);
    CREATE INDEX events_occurred_brin ON events USING brin (occurred_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS decisions_status_time; DROP INDEX IF EXISTS events_occurred_brin;`.execute(db);
}
