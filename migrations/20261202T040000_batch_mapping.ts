import { type Kysely, sql } from 'kysely';

// A batch remembers the interface mapping it was uploaded with (its canonical definition, so
// the worker reads the file as the upload's header check did), and the same bytes are the same
// batch only when read the same way: same media type, charset and mapping.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE batches ADD COLUMN mapping jsonb`.execute(db);
  await sql`DROP INDEX batches_same_file`.execute(db);
  await sql`CREATE UNIQUE INDEX batches_same_file ON batches (source, sha256, content_type, charset, (coalesce(md5(mapping::text), '')))
    WHERE sha256 IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX batches_same_file`.execute(db);
  // The same bytes read two ways are two batches: the later ones stop being found by their digest.
  await sql`UPDATE batches b SET sha256 = NULL WHERE sha256 IS NOT NULL AND EXISTS (
      SELECT 1 FROM batches o WHERE o.source = b.source AND o.sha256 = b.sha256 AND (o.received_at, o.id) < (b.received_at, b.id))`.execute(db);
  await sql`CREATE UNIQUE INDEX batches_same_file ON batches (source, sha256) WHERE sha256 IS NOT NULL`.execute(db);
  await sql`ALTER TABLE batches DROP COLUMN mapping`.execute(db);
}
