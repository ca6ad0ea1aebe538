import { type Kysely, sql } from 'kysely';

// A frozen run's lines are written in one go (a million for a province), and its export reads
// them at once in keyset pages. Until the table's statistics know them, the planner takes the
// month for a few hundred rows and sorts the whole rest of the run for every page (2 s a page at
// 1M: an export that never ends). The freeze therefore refreshes them, through this function of
// the tables' owner: the service's role owns no table, and only an owner may ANALYZE.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION payroll_run_analyze() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    BEGIN
      ANALYZE payroll_run_lines;
    END $$;
    REVOKE ALL ON FUNCTION payroll_run_analyze() FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION payroll_run_analyze() TO pension_app;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS payroll_run_analyze()`.execute(db);
}
