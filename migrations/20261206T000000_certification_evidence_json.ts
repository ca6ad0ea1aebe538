import { type Kysely, sql } from 'kysely';

// The daily sweep rewrites every certification row (scores decay by the day), so its cost is
// mostly this table's writes (bench:score, 2026-12-02, 100k pensioners, a page of 2,000):
//  - `evidence` as jsonb made PostgreSQL build a binary document of every row's evidence on
//    every write (about 50 ms of the 200 ms a page's save took). Nothing queries inside it: it
//    is written whole and shown whole. As `json` it is kept as the text it was given, checked
//    once by a cheap scan. (Lookups print either in a few µs: no difference measured there.)
//  - Each update wrote a new row version on another page and so an entry in each of the five
//    indexes (63 of 240,000 updates were HOT). With half of each page left free, the next
//    day's version fits beside the old one; none of the indexed columns (region, state,
//    certified_until) changes on most days, so the update is HOT and touches no index.
// The type change rewrites the table once, and the rewrite already leaves the pages half full.
// `decisions.evidence` stays jsonb: written only when an outcome changes, and replayed from.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE certifications SET (fillfactor = 50)`.execute(db);
  await sql`ALTER TABLE certifications
    ALTER COLUMN evidence DROP DEFAULT,
    ALTER COLUMN evidence TYPE json USING evidence::json,
    ALTER COLUMN evidence SET DEFAULT '[]'::json`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE certifications
    ALTER COLUMN evidence DROP DEFAULT,
    ALTER COLUMN evidence TYPE jsonb USING evidence::jsonb,
    ALTER COLUMN evidence SET DEFAULT '[]'::jsonb`.execute(db);
  await sql`ALTER TABLE certifications RESET (fillfactor)`.execute(db);
}
