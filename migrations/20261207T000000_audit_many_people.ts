import { type Kysely, sql } from 'kysely';

// One audit row may name many people: a read that returns many persons at once (the batch
// status query, up to 1000 IDs) is one read by one key at one moment. Written as one row per
// person it cost the query about half its time (1000 inserts into `audit_pensioner`, each on a
// random leaf page: 5–7 ms of PostgreSQL and the p99 of the query; README, "Audit").
//  - `pensioner_ids` holds the people of such a read; `pensioner_id` stays the one person of
//    every other row. A row never has both (checked for new rows; old rows have no array).
//  - Who read a person is found through `audit_by_pensioner`, which shows a many-person row
//    once for each person in it. Its per-person branch uses `audit_pensioner`; the many-person
//    rows are few (one a request) and are found by time through `audit_many_people`, then
//    unnested: no index over the arrays' elements, whose upkeep would cost each query again
//    what this saves (a GIN index on the array measured 2–3 ms a query and its own p99).
//  - `audit_reads_of(person, since)` asks the same of one person six times faster than the view
//    (each array tested whole with @>, unnested only where it names them: 0.26 s against 1.6 s
//    for a day of 30,000 many-person rows naming 16M reads).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS pensioner_ids bigint[]`.execute(db);
  await sql`ALTER TABLE audit_log ADD CONSTRAINT audit_one_or_many CHECK (pensioner_id IS NULL OR pensioner_ids IS NULL) NOT VALID`.execute(db);
  // Building it reads the whole audit log once while holding its inserts, so every request
  // waits (about 2 s a GB here). On a large audit, create it by hand first without the wait
  // (README, "Deploying"); this then leaves it as it is.
  await sql`CREATE INDEX IF NOT EXISTS audit_many_people ON audit_log (at) WHERE pensioner_ids IS NOT NULL`.execute(db);
  await sql`CREATE VIEW audit_by_pensioner AS
    SELECT id, at, key_id, role, action, pensioner_id, detail FROM audit_log WHERE pensioner_id IS NOT NULL
    UNION ALL
    SELECT a.id, a.at, a.key_id, a.role, a.action, p.pensioner_id, a.detail
    FROM audit_log a CROSS JOIN LATERAL unnest(a.pensioner_ids) AS p(pensioner_id)
    WHERE a.pensioner_ids IS NOT NULL`.execute(db);
  await sql`GRANT SELECT ON audit_by_pensioner TO pension_app`.execute(db);
  await sql`CREATE FUNCTION audit_reads_of(person bigint, since timestamptz)
    RETURNS TABLE (id bigint, at timestamptz, key_id uuid, role text, action text, detail jsonb)
    LANGUAGE sql STABLE AS $$
      SELECT a.id, a.at, a.key_id, a.role, a.action, a.detail FROM audit_log a WHERE a.pensioner_id = person AND a.at >= since
      UNION ALL
      SELECT a.id, a.at, a.key_id, a.role, a.action, a.detail
      FROM audit_log a CROSS JOIN LATERAL unnest(a.pensioner_ids) AS p(pensioner_id)
      WHERE a.pensioner_ids IS NOT NULL AND a.at >= since AND a.pensioner_ids @> ARRAY[person] AND p.pensioner_id = person
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS audit_reads_of(bigint, timestamptz)`.execute(db);
  await sql`DROP VIEW IF EXISTS audit_by_pensioner`.execute(db);
  await sql`ALTER TABLE audit_log DROP COLUMN IF EXISTS pensioner_ids`.execute(db);
}
