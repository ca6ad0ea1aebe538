// Events and batches tables. Every write is set-based: a push is one INSERT … SELECT over
// unnest; a batch chunk is one COPY into a session-temporary staging table and one merge.
// Unmatched people are dropped by the join, repeats by ON CONFLICT (source, source_ref).
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { regionBounds } from '../../domain/region.ts';
import type { EventRecord } from './validate.ts';

export interface MergeCounts {
  matched: number;
  inserted: number;
  /** Distinct pensioners that received at least one new event. */
  touched: string[];
}

export interface Reject {
  line: number;
  code: string;
  message: string;
}

export interface BatchRow {
  id: string;
  source: string;
  content_type: string;
  charset: string;
  status: 'uploading' | 'received' | 'processing' | 'completed' | 'failed';
  lines: string;
  accepted: string;
  duplicates: string;
  unmatched: string;
  rejected: string;
  rejects: Reject[];
  records_done: string;
  region_prefix: string | null;
  key_id: string | null;
  error: string | null;
  received_at: Date;
  completed_at: Date | null;
}

/** The region condition on pensioners `p`, with its parameters appended to `params`. */
function regionCond(prefix: string | null, params: unknown[]): string {
  if (!prefix) return 'true';
  const { lo, hi } = regionBounds(prefix);
  params.push(lo);
  const a = `p.region_code >= $${params.length}`;
  if (!hi) return a;
  params.push(hi);
  return `${a} AND p.region_code < $${params.length}`;
}

const MERGE_TAIL = `
  ins AS (
    INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, location, death_date, batch_id, received_at)
    SELECT pensioner_id, source, kind, source_ref, occurred_at, identity_check, location, death_date, batch_id, received_at FROM m
    ON CONFLICT (source, source_ref) DO NOTHING
    RETURNING id, pensioner_id
  )
  SELECT (SELECT count(*) FROM m)::int AS matched, (SELECT count(*) FROM ins)::int AS inserted,
    ARRAY(SELECT DISTINCT pensioner_id::text FROM ins) AS touched, (SELECT min(id)::text FROM ins) AS first_id`;

// COPY text format: backslash, tab, newline and carriage return escaped; \N is NULL.
function copyField(v: string | null): string {
  if (v === null) return '\\N';
  return /[\\\t\n\r]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v;
}

export function copyLine(e: EventRecord): string {
  return `${e.nationalId}\t${e.source}\t${e.kind}\t${copyField(e.sourceRef)}\t${e.occurredAt}\t${e.identityCheck}\t${copyField(e.location)}\t${copyField(e.deathDate)}\n`;
}

export function createEvidenceRepository() {
  return {
    /** One statement for a pushed array (≤ 1000 rows). */
    async mergeRows(c: pg.ClientBase, rows: EventRecord[], o: { regionPrefix: string | null; receivedAt: Date; batchId?: string | null }) {
      if (rows.length === 0) return { matched: 0, inserted: 0, touched: [], firstId: null as string | null };
      const params: unknown[] = [
        rows.map((r) => r.nationalId),
        rows.map((r) => r.source),
        rows.map((r) => r.kind),
        rows.map((r) => r.sourceRef),
        rows.map((r) => r.occurredAt),
        rows.map((r) => r.identityCheck),
        rows.map((r) => r.location),
        rows.map((r) => r.deathDate),
        o.batchId ?? null,
        o.receivedAt,
      ];
      const cond = regionCond(o.regionPrefix, params);
      const res = await c.query(
        `WITH s AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::date[])
             AS s(national_id, source, kind, source_ref, occurred_at, identity_check, location, death_date)
         ),
         m AS (
           SELECT p.id AS pensioner_id, s.source, s.kind, s.source_ref, s.occurred_at, s.identity_check, s.location, s.death_date,
             $9::uuid AS batch_id, $10::timestamptz AS received_at
           FROM s JOIN pensioners p ON p.national_id = s.national_id WHERE ${cond}
         ),${MERGE_TAIL}`,
        params,
      );
      const r = res.rows[0];
      return { matched: r.matched as number, inserted: r.inserted as number, touched: r.touched as string[], firstId: r.first_id as string | null };
    },

    /** COPY `lines` (already in COPY text format) into the session's staging table; call inside a transaction. */
    async stage(c: pg.ClientBase, text: string): Promise<void> {
      await c.query(`CREATE TEMP TABLE IF NOT EXISTS ingest_stage (
          national_id text, source text, kind text, source_ref text, occurred_at timestamptz,
          identity_check text, location text, death_date date) ON COMMIT DELETE ROWS`);
      if (!text) return;
      await new Promise<void>((resolve, reject) => {
        const stream = c.query(copyFrom('COPY ingest_stage FROM STDIN'));
        stream.on('error', reject);
        stream.on('finish', () => resolve());
        stream.end(text);
      });
    },

    /** The one merge of the staged chunk. */
    async mergeStaged(c: pg.ClientBase, o: { regionPrefix: string | null; receivedAt: Date; batchId: string }): Promise<MergeCounts> {
      const params: unknown[] = [o.batchId, o.receivedAt];
      const cond = regionCond(o.regionPrefix, params);
      const res = await c.query(
        `WITH m AS (
           SELECT p.id AS pensioner_id, s.source, s.kind, s.source_ref, s.occurred_at, s.identity_check, s.location, s.death_date,
             $1::uuid AS batch_id, $2::timestamptz AS received_at
           FROM ingest_stage s JOIN pensioners p ON p.national_id = s.national_id WHERE ${cond}
         ),${MERGE_TAIL}`,
        params,
      );
      const r = res.rows[0];
      return { matched: r.matched, inserted: r.inserted, touched: r.touched };
    },

    // --- batches ---

    async createUpload(
      c: pg.ClientBase,
      b: { id: string; source: string; contentType: string; charset: string; keyId: string | null; regionPrefix: string | null; receivedAt: Date },
    ) {
      await c.query(
        `INSERT INTO batches (id, source, content_type, charset, status, key_id, region_prefix, received_at) VALUES ($1,$2,$3,$4,'uploading',$5,$6,$7)`,
        [b.id, b.source, b.contentType, b.charset, b.keyId, b.regionPrefix, b.receivedAt],
      );
    },

    async addChunk(c: pg.ClientBase, batchId: string, seq: number, data: Buffer) {
      await c.query('INSERT INTO batch_chunks (batch_id, seq, data) VALUES ($1, $2, $3)', [batchId, seq, data]);
    },

    async findBySha(c: pg.ClientBase, source: string, sha256: string): Promise<{ id: string; status: string } | undefined> {
      const r = await c.query('SELECT id, status FROM batches WHERE source = $1 AND sha256 = $2', [source, sha256]);
      return r.rows[0];
    },

    async discardUpload(c: pg.ClientBase, batchId: string) {
      await c.query('DELETE FROM batches WHERE id = $1', [batchId]); // chunks cascade
    },

    async finishUpload(c: pg.ClientBase, batchId: string, sha256: string, bytes: number) {
      await c.query(`UPDATE batches SET sha256 = $2, bytes = $3, status = 'received' WHERE id = $1`, [batchId, sha256, bytes]);
    },

    async get(c: pg.ClientBase | pg.Pool, batchId: string, forUpdate = false): Promise<BatchRow | undefined> {
      const r = await c.query(`SELECT * FROM batches WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [batchId]);
      return r.rows[0];
    },

    async chunk(c: pg.Pool, batchId: string, seq: number): Promise<Buffer | undefined> {
      const r = await c.query('SELECT data FROM batch_chunks WHERE batch_id = $1 AND seq = $2', [batchId, seq]);
      return r.rows[0]?.data;
    },

    async markProcessing(c: pg.Pool, batchId: string, at: Date) {
      await c.query(`UPDATE batches SET status = 'processing', processing_started_at = $2 WHERE id = $1 AND status IN ('received','processing')`, [
        batchId,
        at,
      ]);
    },

    async recordChunk(
      c: pg.ClientBase,
      batchId: string,
      d: {
        seq: number;
        records: number;
        lines: number;
        accepted: number;
        duplicates: number;
        unmatched: number;
        rejected: number;
        newRejects: Reject[];
        touched: string[];
      },
    ) {
      if (d.touched.length)
        await c.query('INSERT INTO batch_touched (batch_id, seq, pensioner_ids) VALUES ($1, $2, $3::bigint[]) ON CONFLICT DO NOTHING', [
          batchId,
          d.seq,
          d.touched,
        ]);
      await c.query(
        `UPDATE batches SET records_done = records_done + $2, lines = lines + $3, accepted = accepted + $4, duplicates = duplicates + $5,
           unmatched = unmatched + $6, rejected = rejected + $7, rejects = rejects || $8::jsonb WHERE id = $1`,
        [batchId, d.records, d.lines, d.accepted, d.duplicates, d.unmatched, d.rejected, JSON.stringify(d.newRejects)],
      );
    },

    /** Completion drops the raw file: only events of registered pensioners are kept. */
    async complete(c: pg.ClientBase, batchId: string, at: Date) {
      await c.query(`UPDATE batches SET status = 'completed', completed_at = $2 WHERE id = $1`, [batchId, at]);
      await c.query('DELETE FROM batch_chunks WHERE batch_id = $1', [batchId]);
    },

    async fail(c: pg.ClientBase | pg.Pool, batchId: string, error: string, at: Date) {
      await c.query(`UPDATE batches SET status = 'failed', error = $2, completed_at = $3 WHERE id = $1 AND status <> 'completed'`, [batchId, error, at]);
      await c.query('DELETE FROM batch_chunks WHERE batch_id = $1', [batchId]);
    },

    async touched(c: pg.Pool, batchId: string): Promise<string[]> {
      const r = await c.query('SELECT DISTINCT unnest(pensioner_ids)::text AS id FROM batch_touched WHERE batch_id = $1 ORDER BY 1', [batchId]);
      return r.rows.map((x: { id: string }) => x.id);
    },

    async pending(c: pg.Pool, olderThan: Date): Promise<string[]> {
      const r = await c.query(
        `SELECT id FROM batches WHERE status IN ('received','processing') AND coalesce(processing_started_at, received_at) < $1 ORDER BY received_at LIMIT 1000`,
        [olderThan],
      );
      return r.rows.map((x: { id: string }) => x.id);
    },

    /** Uploads that died before completing (process killed mid-stream) are removed. */
    async dropStaleUploads(c: pg.Pool, olderThan: Date) {
      await c.query(`DELETE FROM batches WHERE status = 'uploading' AND received_at < $1`, [olderThan]);
    },
  };
}
export type EvidenceRepository = ReturnType<typeof createEvidenceRepository>;
