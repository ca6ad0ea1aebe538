import { type Kysely, sql } from 'kysely';

// Who read a person, answered from an index, not by scanning the period's many-person rows.
// A many-person audit row (migration 20261207T000000) names its people in an array that no
// index covers, so `audit_reads_of` read every such row of the period asked: 0.26 s a day of a
// busy province, minutes for a year. The scheduled `audit-index` job (nightly) now files the
// settled many-person rows under each person they name, one index row per person and run
// (`audit_ids`: the rows naming them; `last_at`: the newest of those rows' moments), off the
// request path, and records how far it got in `audit_index_progress`:
//  - every many-person row with `at` before `indexed_before` has its names in the index, and
//    none after it does. `at` is the inserting transaction's start, and the audit writer's
//    statements time out (src/modules/audit/repository.ts), so a row older than that timeout
//    plus a margin can no longer appear: the job indexes only such rows, and the horizon moves
//    in the same transaction as the rows it covers.
//  - A many-person row dated before the horizon would never be filed, so the database refuses
//    it (a trigger; only a row inserted with an old `at` by hand could be, never the writer's).
//  - `audit_reads_of` reads the index before the horizon and the rows themselves after it (at
//    most about a day's), so its answer is the same whether the job has run or not.
//  - One index row per person and night, not one per read: a person read sixteen times a day
//    costs one row (about 230 B with its index entry) instead of sixteen (about 106 B each; measured).
// The index is part of the audit: the service may add to it, never change or empty it.

const COLUMNS = 'a.id, a.at, a.key_id, a.role, a.action, a.detail';
/** The reads filed in the index (before the horizon). */
const FROM_INDEX = `
      UNION ALL
      SELECT ${COLUMNS}
      FROM audit_person_index i CROSS JOIN LATERAL unnest(i.audit_ids) AS x(audit_id) JOIN audit_log a ON a.id = x.audit_id
      WHERE i.pensioner_id = person AND i.last_at >= since AND a.at >= since`;

/** `audit_reads_of`: the single-person rows, `indexed` reads, and the many-person rows from `manyFrom` on. */
function readsOf(indexed: string, manyFrom: string): string {
  return `CREATE OR REPLACE FUNCTION audit_reads_of(person bigint, since timestamptz)
    RETURNS TABLE (id bigint, at timestamptz, key_id uuid, role text, action text, detail jsonb)
    LANGUAGE sql STABLE AS $$
      SELECT ${COLUMNS} FROM audit_log a WHERE a.pensioner_id = person AND a.at >= since${indexed}
      UNION ALL
      SELECT ${COLUMNS}
      FROM audit_log a CROSS JOIN LATERAL unnest(a.pensioner_ids) AS p(pensioner_id)
      WHERE a.pensioner_ids IS NOT NULL AND a.at >= ${manyFrom} AND a.pensioner_ids @> ARRAY[person] AND p.pensioner_id = person
    $$`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE audit_person_index (
      pensioner_id bigint NOT NULL,
      last_at timestamptz NOT NULL,
      audit_ids bigint[] NOT NULL
    );
    CREATE INDEX audit_person_index_person ON audit_person_index (pensioner_id, last_at);
    CREATE FUNCTION audit_person_index_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_person_index is append-only'; END $$;
    CREATE TRIGGER audit_person_index_no_change BEFORE UPDATE OR DELETE ON audit_person_index
      FOR EACH ROW EXECUTE FUNCTION audit_person_index_append_only();
    CREATE TRIGGER audit_person_index_no_truncate BEFORE TRUNCATE ON audit_person_index
      FOR EACH STATEMENT EXECUTE FUNCTION audit_person_index_append_only();
    CREATE TABLE audit_index_progress (
      only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
      indexed_before timestamptz NOT NULL
    );
    INSERT INTO audit_index_progress (indexed_before) VALUES ('-infinity');
    CREATE FUNCTION audit_after_horizon() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.at < (SELECT indexed_before FROM audit_index_progress) THEN
          RAISE EXCEPTION 'a many-person audit row dated % is before the audit index''s horizon', NEW.at;
        END IF;
        RETURN NEW;
      END $$;
    CREATE TRIGGER audit_log_after_horizon BEFORE INSERT ON audit_log
      FOR EACH ROW WHEN (NEW.pensioner_ids IS NOT NULL) EXECUTE FUNCTION audit_after_horizon();
    GRANT SELECT, INSERT ON TABLE audit_person_index TO pension_app;
    GRANT SELECT, UPDATE ON TABLE audit_index_progress TO pension_app;
  `.execute(db);
  await sql.raw(readsOf(FROM_INDEX, 'greatest(since, (SELECT indexed_before FROM audit_index_progress))')).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(readsOf('', 'since')).execute(db); // as migration 20261207T000000 left it
  await sql`DROP TRIGGER IF EXISTS audit_log_after_horizon ON audit_log`.execute(db);
  await sql`DROP FUNCTION IF EXISTS audit_after_horizon()`.execute(db);
  await sql`DROP TABLE IF EXISTS audit_person_index, audit_index_progress`.execute(db);
  await sql`DROP FUNCTION IF EXISTS audit_person_index_append_only()`.execute(db);
}
