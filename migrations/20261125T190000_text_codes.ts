import { type Kysely, sql } from 'kysely';

// National IDs and region codes as text rather than char(n): comparisons with text
// parameters (arrays in set-based statements, staging tables) then use the indexes
// instead of casting the column and scanning.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE pensioners ALTER COLUMN national_id TYPE text, ALTER COLUMN region_code TYPE text;
    ALTER TABLE certifications ALTER COLUMN region_code TYPE text;
    ALTER TABLE manual_checks ALTER COLUMN region_code TYPE text;
    ALTER TABLE events ALTER COLUMN location TYPE text;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE pensioners ALTER COLUMN national_id TYPE char(18), ALTER COLUMN region_code TYPE char(6);
    ALTER TABLE certifications ALTER COLUMN region_code TYPE char(6);
    ALTER TABLE manual_checks ALTER COLUMN region_code TYPE char(6);
    ALTER TABLE events ALTER COLUMN location TYPE char(6);
  `.execute(db);
}
