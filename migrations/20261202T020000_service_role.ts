import { type Kysely, sql } from 'kysely';

// The service connects as `pension_app`, a role that owns none of the tables: the audit log's
// triggers then hold against the service itself (only an owner may drop or disable a trigger),
// and it is granted on audit_log nothing but INSERT and SELECT. Migrations keep running as the
// tables' owner. Roles are cluster-wide: several databases (test files, deployments) on one
// server share the one role, so it is created only when missing, and a migration of another
// database creating it at the same moment is not an error.
//
// Each table gets what the service does to it, no more: evidence, decisions and the audit are
// never updated or deleted by the service. A later migration adding a table grants on it too
// (a test lists any table the service has no privilege on).
const TABLES: Record<string, string> = {
  api_keys: 'SELECT, INSERT, UPDATE',
  pensioners: 'SELECT, INSERT, UPDATE',
  certifications: 'SELECT, INSERT, UPDATE',
  decisions: 'SELECT, INSERT',
  batches: 'SELECT, INSERT, UPDATE, DELETE',
  batch_chunks: 'SELECT, INSERT, DELETE',
  batch_touched: 'SELECT, INSERT',
  events: 'SELECT, INSERT',
  feed_cursors: 'SELECT, INSERT, UPDATE',
  manual_checks: 'SELECT, INSERT, UPDATE',
  reminders: 'SELECT, INSERT, UPDATE',
  // UPDATE only for the row locks of its claims (SELECT … FOR UPDATE SKIP LOCKED).
  rescore_pending: 'SELECT, INSERT, UPDATE, DELETE',
  audit_log: 'SELECT, INSERT',
  // The service checks at start that the schema is not behind.
  kysely_migration: 'SELECT',
  kysely_migration_lock: 'SELECT',
};
const SEQUENCES = ['pensioners_id_seq', 'decisions_id_seq', 'events_id_seq', 'audit_log_id_seq'];

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pension_app') THEN
      BEGIN
        CREATE ROLE pension_app LOGIN;
      EXCEPTION
        -- Created meanwhile by the migration of another database on this server.
        WHEN duplicate_object OR unique_violation THEN NULL;
        WHEN insufficient_privilege THEN
          RAISE EXCEPTION 'the role pension_app does not exist and % may not create it', current_user
            USING HINT = 'as a superuser: CREATE ROLE pension_app LOGIN PASSWORD ''…''; then migrate again';
      END;
    END IF;
  END $$`.execute(db);
  // CREATE on the database: BullMQ's PostgreSQL backend (no REDIS_URL) creates its own schema.
  await sql`DO $$ BEGIN
    EXECUTE format('GRANT CONNECT, TEMPORARY, CREATE ON DATABASE %I TO pension_app', current_database());
  END $$`.execute(db);
  await sql`GRANT USAGE ON SCHEMA public TO pension_app`.execute(db);
  for (const [table, privileges] of Object.entries(TABLES)) await sql.raw(`GRANT ${privileges} ON TABLE ${table} TO pension_app`).execute(db);
  await sql.raw(`GRANT USAGE ON SEQUENCE ${SEQUENCES.join(', ')} TO pension_app`).execute(db);
  await transferQueueSchemas(db);
}

/**
 * Queue schemas BullMQ created while the service ran as the owner become pension_app's: its
 * backend alters its own tables at every start, which only an owner may do.
 */
async function transferQueueSchemas(db: Kysely<unknown>): Promise<void> {
  await sql`DO $$
  DECLARE s record; o record;
  BEGIN
    FOR s IN SELECT n.oid, n.nspname FROM pg_namespace n WHERE n.nspname LIKE 'bullmq\\_%' AND n.nspowner <> 'pension_app'::regrole LOOP
      IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AND NOT pg_has_role(current_user, 'pension_app', 'MEMBER') THEN
        RAISE EXCEPTION 'the queue schema % must become pension_app''s, and % may not give it away', s.nspname, current_user
          USING HINT = 'GRANT pension_app TO ' || current_user || ', or migrate as a superuser';
      END IF;
      EXECUTE format('ALTER SCHEMA %I OWNER TO pension_app', s.nspname);
      -- Tables take their own sequences with them; a standalone sequence goes by itself.
      FOR o IN SELECT c.relname, c.relkind FROM pg_class c
          WHERE c.relnamespace = s.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
            AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))) LOOP
        EXECUTE format('ALTER %s %I.%I OWNER TO pension_app',
          CASE o.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, s.nspname, o.relname);
      END LOOP;
      FOR o IN SELECT p.oid::regprocedure::text AS signature, p.prokind FROM pg_proc p WHERE p.pronamespace = s.oid LOOP
        EXECUTE format('ALTER %s %s OWNER TO pension_app', CASE o.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END, o.signature);
      END LOOP;
      FOR o IN SELECT t.oid::regtype::text AS name, t.typtype FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid
          WHERE t.typnamespace = s.oid AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c')) LOOP
        EXECUTE format('ALTER %s %s OWNER TO pension_app', CASE o.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, o.name);
      END LOOP;
    END LOOP;
  END $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The role stays: other databases on the server may use it.
  for (const table of Object.keys(TABLES)) await sql.raw(`REVOKE ALL ON TABLE ${table} FROM pension_app`).execute(db);
  await sql.raw(`REVOKE ALL ON SEQUENCE ${SEQUENCES.join(', ')} FROM pension_app`).execute(db);
  await sql`REVOKE ALL ON SCHEMA public FROM pension_app`.execute(db);
  await sql`DO $$ BEGIN
    EXECUTE format('REVOKE CONNECT, TEMPORARY, CREATE ON DATABASE %I FROM pension_app', current_database());
  END $$`.execute(db);
}
