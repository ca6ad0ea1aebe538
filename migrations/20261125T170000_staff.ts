import { type Kysely, sql } from 'kysely';

// Service-point work: who resolved a manual check and where, how many attempts it took, and
// the queue read by region (staff keys only ever see their own region's checks).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE manual_checks
      ADD COLUMN attempts integer NOT NULL DEFAULT 0,
      ADD COLUMN service_point_id text,
      ADD COLUMN resolved_by uuid;
    CREATE INDEX manual_checks_region_queue ON manual_checks (region_code, priority DESC, opened_at, id)
      WHERE status <> 'resolved';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS manual_checks_region_queue;
    ALTER TABLE manual_checks DROP COLUMN IF EXISTS attempts, DROP COLUMN IF EXISTS service_point_id,
      DROP COLUMN IF EXISTS resolved_by;
  `.execute(db);
}
