import { type Kysely, sql } from 'kysely';

// Evidence ingestion: resumable batch progress, the pensioners each committed chunk
// touched (for rescoring once the batch completes), and raw chunks stored uncompressed
// (CSV compresses well, but pglz on every 1 MiB chunk costs more than the disk it saves).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE batches
      ADD COLUMN records_done bigint NOT NULL DEFAULT 0,
      ADD COLUMN region_prefix text,
      ADD COLUMN processing_started_at timestamptz;
    ALTER TABLE batch_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

    CREATE TABLE batch_touched (
      batch_id uuid NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
      seq integer NOT NULL,
      pensioner_ids bigint[] NOT NULL,
      PRIMARY KEY (batch_id, seq)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS batch_touched;
    ALTER TABLE batch_chunks ALTER COLUMN data SET STORAGE EXTENDED;
    ALTER TABLE batches DROP COLUMN IF EXISTS records_done, DROP COLUMN IF EXISTS region_prefix,
      DROP COLUMN IF EXISTS processing_started_at;
  `.execute(db);
}
