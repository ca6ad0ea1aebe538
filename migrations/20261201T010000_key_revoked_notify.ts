import { type Kysely, sql } from 'kysely';

// A revoked key's id is announced to every process (LISTEN api_key_revoked), whatever revoked
// it (the CLI, SQL by hand): each process then drops it from its cache of looked-up keys.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE FUNCTION api_key_revoked_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('api_key_revoked', COALESCE(NEW.id, OLD.id)::text); RETURN NULL; END $$`.execute(db);
  await sql`CREATE TRIGGER api_key_revoked AFTER UPDATE OF revoked_at OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION api_key_revoked_notify()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS api_key_revoked ON api_keys`.execute(db);
  await sql`DROP FUNCTION IF EXISTS api_key_revoked_notify()`.execute(db);
}
