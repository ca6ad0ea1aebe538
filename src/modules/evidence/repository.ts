// Events and batches tables. Every write is set-based: a push is one INSERT … SELECT over
// unnest; a batch chunk is one COPY into a session-temporary staging table and one merge.
// Unmatched people are dropped by the join, repeats by the identities already recorded
// (event_identities, ON CONFLICT (source, source_ref)).
import { sql, type RawBuilder } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';
import { pgClient, type Executor } from '../../infra/database.ts';
import { inRegionSql } from '../../infra/region-sql.ts';
import type { EventRecord } from './validate.ts';

export interface MergeCounts {
  matched: number;
  inserted: number;
  /** Distinct pensioners that received at least one new event. */
  touched: string[];
  /** The self-service results this merge inserted (not the duplicates): acted on once each (src/modules/self-service). */
  selfService: InsertedSelfService[];
}

export interface InsertedSelfService {
  eventId: string;
  pensionerId: string;
  regionCode: string;
  kind: string;
  sourceRef: string;
  occurredAt: Date;
}

type SelfServiceJson = Omit<InsertedSelfService, 'occurredAt'> & { occurredAt: string };
const selfServiceOf = (rows: SelfServiceJson[]): InsertedSelfService[] => rows.map((r) => ({ ...r, occurredAt: new Date(r.occurredAt) }));

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
  /** Set on a match interface's run (src/modules/feeds/match.ts). */
  interface: string | null;
  key_id: string | null;
  /** The mapping's canonical definition (parsed JSON), null for snake_case headers. */
  mapping: unknown;
  error: string | null;
  received_at: Date;
  completed_at: Date | null;
}

/** The matched rows `m` (people of the region only) inserted into events; counts of both. */
function mergeMatched(matched: RawBuilder<unknown>) {
  return sql<{ matched: number; inserted: number; touched: string[]; first_id: string | null; self_service: SelfServiceJson[] }>`
    WITH m AS (${matched}),
    -- Exactly once: an event is stored only by the statement that records its identity (a
    -- partitioned table cannot hold the unique key itself: migrations/20261204T040000). One
    -- order for every writer: two merges of overlapping events then wait on each other
    -- instead of deadlocking on the identities' index.
    fresh AS (
      INSERT INTO event_identities (source, source_ref)
      SELECT DISTINCT source, source_ref FROM m ORDER BY source, source_ref
      ON CONFLICT DO NOTHING
      RETURNING source, source_ref
    ),
    ins AS (
      INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, location, death_date, batch_id, received_at, received_via)
      SELECT DISTINCT ON (source, source_ref) pensioner_id, source, kind, source_ref, occurred_at, identity_check, location, death_date, batch_id, received_at, received_via
      FROM m JOIN fresh USING (source, source_ref)
      ORDER BY source, source_ref
      RETURNING id, pensioner_id, source, kind, source_ref, occurred_at
    )
    SELECT (SELECT count(*) FROM m)::int AS matched, (SELECT count(*) FROM ins)::int AS inserted,
      ARRAY(SELECT DISTINCT pensioner_id::text FROM ins) AS touched, (SELECT min(id)::text FROM ins) AS first_id,
      -- The reminder loop acts on each new self-service result in this same transaction.
      (SELECT coalesce(json_agg(json_build_object('eventId', ins.id::text, 'pensionerId', ins.pensioner_id::text, 'regionCode', p.region_code,
          'kind', ins.kind, 'sourceRef', ins.source_ref, 'occurredAt', ins.occurred_at)), '[]'::json)
        FROM ins JOIN pensioners p ON p.id = ins.pensioner_id WHERE ins.source = 'self_service') AS self_service`;
}

/** Where a merge's rows come from: the same for every row of a push, a page or a batch. */
export interface MergeOrigin {
  regionPrefix: string | null;
  receivedAt: Date;
  /** events.received_via (src/domain/origin.ts). */
  receivedVia: string;
}

/**
 * Rows `s` (events by national id) joined to registered pensioners `p` of the region. Batch,
 * time and origin are parameters of the statement, not columns of the staged lines.
 */
function matchedRows(rows: RawBuilder<unknown>, o: MergeOrigin & { batchId: string | null }) {
  return sql`SELECT p.id AS pensioner_id, s.source, s.kind, s.source_ref, s.occurred_at, s.identity_check, s.location, s.death_date,
      ${o.batchId}::uuid AS batch_id, ${o.receivedAt}::timestamptz AS received_at, ${o.receivedVia}::text AS received_via
    FROM ${rows} JOIN pensioners p ON p.national_id = s.national_id WHERE ${inRegionSql('p.region_code', o.regionPrefix)}`;
}

// COPY text format: backslash, tab, newline and carriage return escaped; \N is NULL.
function copyField(v: string | null): string {
  if (v === null) return '\\N';
  return /[\\\t\n\r]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v;
}

/** How a file is read: the same bytes read another way are another batch. */
export interface Interpretation {
  contentType: string;
  charset: string;
  /** The mapping's canonical definition, or null. */
  mapping: object | null;
}

export function copyLine(e: EventRecord): string {
  return `${e.nationalId}\t${e.source}\t${e.kind}\t${copyField(e.sourceRef)}\t${e.occurredAt}\t${e.identityCheck}\t${copyField(e.location)}\t${copyField(e.deathDate)}\n`;
}

// Long only by its methods, each a short step; they share the deps closed over here.
export function createEvidenceRepository() {
  return {
    /** One statement for a pushed array (≤ 1000 rows). */
    async mergeRows(q: Executor, rows: EventRecord[], o: MergeOrigin & { batchId?: string | null }) {
      if (rows.length === 0)
        return { matched: 0, inserted: 0, touched: [] as string[], firstId: null as string | null, selfService: [] as InsertedSelfService[] };
      const pushed = sql`unnest(${rows.map((r) => r.nationalId)}::text[], ${rows.map((r) => r.source)}::text[], ${rows.map((r) => r.kind)}::text[],
          ${rows.map((r) => r.sourceRef)}::text[], ${rows.map((r) => r.occurredAt)}::timestamptz[], ${rows.map((r) => r.identityCheck)}::text[],
          ${rows.map((r) => r.location)}::text[], ${rows.map((r) => r.deathDate)}::date[])
        AS s(national_id, source, kind, source_ref, occurred_at, identity_check, location, death_date)`;
      const { rows: out } = await mergeMatched(matchedRows(pushed, { ...o, batchId: o.batchId ?? null })).execute(q);
      const r = out[0]!;
      return { matched: r.matched, inserted: r.inserted, touched: r.touched, firstId: r.first_id, selfService: selfServiceOf(r.self_service) };
    },

    /** COPY `text` (already in COPY text format) into the session's staging table; `trx` is a transaction's. */
    async stage(trx: Executor, text: string): Promise<void> {
      await sql`CREATE TEMP TABLE IF NOT EXISTS ingest_stage (
          national_id text, source text, kind text, source_ref text, occurred_at timestamptz,
          identity_check text, location text, death_date date) ON COMMIT DELETE ROWS`.execute(trx);
      if (!text) return;
      const client = pgClient(trx);
      await new Promise<void>((resolve, reject) => {
        const stream = client.query(copyFrom('COPY ingest_stage FROM STDIN'));
        stream.on('error', reject);
        stream.on('finish', () => resolve());
        stream.end(text);
      });
    },

    /** The one merge of the staged chunk (in the transaction that staged it). */
    async mergeStaged(trx: Executor, o: MergeOrigin & { batchId: string }): Promise<MergeCounts> {
      const { rows } = await mergeMatched(matchedRows(sql`ingest_stage s`, o)).execute(trx);
      const r = rows[0]!;
      return { matched: r.matched, inserted: r.inserted, touched: r.touched, selfService: selfServiceOf(r.self_service) };
    },

    // --- batches ---

    async createUpload(q: Executor, b: { id: string; source: string; keyId: string | null; regionPrefix: string | null; receivedAt: Date } & Interpretation) {
      await q
        .insertInto('batches')
        .values({
          id: b.id,
          source: b.source,
          content_type: b.contentType,
          charset: b.charset,
          mapping: b.mapping ? JSON.stringify(b.mapping) : null,
          status: 'uploading',
          key_id: b.keyId,
          region_prefix: b.regionPrefix,
          received_at: b.receivedAt,
        })
        .execute();
    },

    async addChunk(q: Executor, batchId: string, seq: number, data: Buffer) {
      await q.insertInto('batch_chunks').values({ batch_id: batchId, seq, data }).execute();
    },

    /** The batch made from the same bytes read the same way (the unique index batches_same_file). */
    async findBySha(q: Executor, source: string, sha256: string, how: Interpretation): Promise<{ id: string; status: string } | undefined> {
      const mapping = how.mapping ? JSON.stringify(how.mapping) : null;
      return q
        .selectFrom('batches')
        .select(['id', 'status'])
        .where('source', '=', source)
        .where('sha256', '=', sha256)
        .where('content_type', '=', how.contentType)
        .where('charset', '=', how.charset)
        .where(sql<boolean>`mapping IS NOT DISTINCT FROM ${mapping}::jsonb`)
        .executeTakeFirst();
    },

    async finishUpload(q: Executor, batchId: string, sha256: string, bytes: number) {
      // bytes is a generated bigint, which the builder's types do not let an update set.
      await sql`UPDATE batches SET sha256 = ${sha256}, bytes = ${bytes}, status = 'received' WHERE id = ${batchId}`.execute(q);
    },

    /** `batchId` must be a UUID (checked by the caller): the column is uuid. */
    async get(q: Executor, batchId: string, forUpdate = false): Promise<BatchRow | undefined> {
      const row = await q
        .selectFrom('batches')
        .selectAll()
        .where('id', '=', batchId)
        .$if(forUpdate, (qb) => qb.forUpdate())
        .executeTakeFirst();
      return row as BatchRow | undefined;
    },

    async chunk(q: Executor, batchId: string, seq: number): Promise<Buffer | undefined> {
      const row = await q.selectFrom('batch_chunks').select('data').where('batch_id', '=', batchId).where('seq', '=', seq).executeTakeFirst();
      return row?.data;
    },

    async markProcessing(q: Executor, batchId: string, at: Date) {
      await q
        .updateTable('batches')
        .set({ status: 'processing', processing_started_at: at })
        .where('id', '=', batchId)
        .where('status', 'in', ['received', 'processing'])
        .execute();
    },

    async recordChunk(
      q: Executor,
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
        await sql`INSERT INTO batch_touched (batch_id, seq, pensioner_ids) VALUES (${batchId}, ${d.seq}, ${d.touched}::bigint[]) ON CONFLICT DO NOTHING`.execute(
          q,
        );
      await sql`UPDATE batches SET records_done = records_done + ${d.records}, lines = lines + ${d.lines}, accepted = accepted + ${d.accepted},
          duplicates = duplicates + ${d.duplicates}, unmatched = unmatched + ${d.unmatched}, rejected = rejected + ${d.rejected},
          rejects = rejects || ${JSON.stringify(d.newRejects)}::jsonb
        WHERE id = ${batchId}`.execute(q);
    },

    /** Completion drops the raw file: only events of registered pensioners are kept. */
    async complete(q: Executor, batchId: string, at: Date) {
      const counts = await q
        .updateTable('batches')
        .set({ status: 'completed', completed_at: at })
        .where('id', '=', batchId)
        .returning(['lines', 'accepted', 'duplicates', 'unmatched', 'rejected'])
        .executeTakeFirstOrThrow();
      await q.deleteFrom('batch_chunks').where('batch_id', '=', batchId).execute();
      return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])) as Record<keyof typeof counts, number>;
    },

    async fail(q: Executor, batchId: string, error: string, at: Date) {
      await q.updateTable('batches').set({ status: 'failed', error, completed_at: at }).where('id', '=', batchId).where('status', '<>', 'completed').execute();
      await q.deleteFrom('batch_chunks').where('batch_id', '=', batchId).execute();
    },

    async touched(q: Executor, batchId: string): Promise<string[]> {
      const { rows } = await sql<{
        id: string;
      }>`SELECT DISTINCT unnest(pensioner_ids)::text AS id FROM batch_touched WHERE batch_id = ${batchId} ORDER BY 1`.execute(q);
      return rows.map((x) => x.id);
    },

    /** Batches left received or processing since before `olderThan`, oldest first. */
    async pending(q: Executor, olderThan: Date): Promise<string[]> {
      const rows = await q
        .selectFrom('batches')
        .select('id')
        .where('status', 'in', ['received', 'processing'])
        .where('interface', 'is', null) // match runs are worked by their interface's jobs
        .where(sql<Date>`coalesce(processing_started_at, received_at)`, '<', olderThan)
        .orderBy('received_at')
        .limit(1000)
        .execute();
      return rows.map((x) => x.id);
    },
  };
}
export type EvidenceRepository = ReturnType<typeof createEvidenceRepository>;
