import { type Kysely, sql } from 'kysely';

// Pensioners whose evidence changed and who await rescoring. Rescore jobs claim the ids they
// name from this set, so when several files touch the same person before the queue reaches
// them, the first job rescores with everything stored and the others find nothing to do.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE rescore_pending (pensioner_id bigint PRIMARY KEY, since timestamptz NOT NULL DEFAULT now())`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS rescore_pending`.execute(db);
}
