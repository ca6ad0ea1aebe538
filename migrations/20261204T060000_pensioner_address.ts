import { type Kysely, sql } from 'kysely';

// Where a pensioner lives, for the staff who visit: the village or residents' community
// (shown to staff) and the street and house number (masked for staff). Optional, and nullable:
// registries that send no address keep working. The service role's grants on pensioners are
// table-wide, so they cover the columns.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE pensioners ADD COLUMN address_village text, ADD COLUMN address_street text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE pensioners DROP COLUMN IF EXISTS address_village, DROP COLUMN IF EXISTS address_street`.execute(db);
}
