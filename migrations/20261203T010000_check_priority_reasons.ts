import { type Kysely, sql } from 'kysely';

// Why a manual check ranks where it does (src/domain/priority.ts): the reason codes of its
// priority, largest share first, written with the priority whenever it is ranked. Checks
// opened before have none; their urgency level is still read from the priority. The service
// role's grants on manual_checks are table-wide, so they cover the column.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE manual_checks ADD COLUMN priority_reasons text[] NOT NULL DEFAULT '{}'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE manual_checks DROP COLUMN IF EXISTS priority_reasons`.execute(db);
}
