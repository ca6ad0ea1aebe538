// Evidence ingestion: JSON pushes, batch files (stored in PostgreSQL before the 202,
// processed by the ingest-batch job in resumable chunks), and batch status.
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import type { Clock } from '../../infra/clock.ts';
import type { Queues } from '../../infra/queue.ts';
import { isKnownSource } from '../../domain/evidence.ts';
import { DomainError, invalid, forbidden, notFound } from '../../domain/errors.ts';
import type { Principal } from '../../domain/principal.ts';
import { validateEvent, EVENT_FIELDS, type EventRecord } from './validate.ts';
import { records, normaliseCharset, firstLine, headerMap, FileFormatError, type ParsedRecord } from './parse.ts';
import { copyLine, type EvidenceRepository, type Reject, type BatchRow } from './repository.ts';

const TRACE = process.env.INGEST_TRACE === '1';
const BATCH_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const STORE_CHUNK_BYTES = 1024 * 1024;
export const MAX_PUSH = 1000;
export const MAX_LISTED_REJECTS = 100;

export interface IngestOptions {
  /** Lines per committed chunk (COPY + merge + progress in one transaction). */
  chunkLines?: number;
  /** Test hook: called after each committed chunk. */
  afterChunk?: (batchId: string, recordsDone: number) => Promise<void> | void;
}

export function mayUseSource(who: Principal, source: string): boolean {
  return who.role !== 'feed' || (who.sources ?? []).includes(source);
}

function batchView(b: BatchRow) {
  return {
    batchId: b.id,
    source: b.source,
    status: b.status,
    lines: Number(b.lines),
    accepted: Number(b.accepted),
    duplicates: Number(b.duplicates),
    unmatched: Number(b.unmatched),
    rejected: Number(b.rejected),
    rejects: b.rejects,
    receivedAt: b.received_at.toISOString(),
    completedAt: b.completed_at ? b.completed_at.toISOString() : null,
    ...(b.error ? { error: b.error } : {}),
  };
}

export function createEvidenceService(deps: {
  pool: pg.Pool;
  repo: EvidenceRepository;
  queues: Queues;
  clock: Clock;
  batchRescoreDelayMs?: number;
  requestRescore: (ids: string[], jobKey: string, delay?: number) => Promise<number>;
}) {
  const { pool, repo, queues, clock } = deps;
  // A file's rescoring waits a little: the people of files arriving together (a department's
  // daily set, a backlog after an outage) are then rescored once, by the first job to claim
  // them, instead of once per file. Pushes are rescored at once.
  const batchDelay = deps.batchRescoreDelayMs ?? 0;

  async function tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  const enqueueRescore = (ids: string[], jobKey: string, delay = 0) => deps.requestRescore(ids, jobKey, delay);

  async function enqueueBatch(batchId: string, jobId = batchId) {
    await queues.add('ingest-batch', [{ name: 'ingest-batch', data: { batchId }, jobId }]);
  }

  return {
    enqueueRescore,

    /** POST /v1/events. `body` is already known to be an array of ≤1000 objects without unknown fields. */
    async push(body: Record<string, unknown>[], who: Principal) {
      for (const [i, e] of body.entries()) {
        const s = e.source;
        if (typeof s === 'string' && isKnownSource(s) && !mayUseSource(who, s)) {
          throw forbidden(`this feed key may not submit ${s} events (element ${i})`);
        }
      }
      const now = clock.now();
      const rejected: { index: number; code: string; message: string }[] = [];
      const rows: EventRecord[] = [];
      body.forEach((e, index) => {
        const c = validateEvent(e, { now });
        if (c.ok) rows.push(c.value);
        else rejected.push({ index, code: c.code, message: c.message });
      });
      const r = await tx((c) => repo.mergeRows(c, rows, { regionPrefix: who.regionPrefix, receivedAt: now }));
      if (r.firstId) await enqueueRescore(r.touched.sort(), `push_${r.firstId}`);
      return { accepted: r.inserted, duplicates: r.matched - r.inserted, unmatched: rows.length - r.matched, rejected };
    },

    /** POST /v1/feeds/{source}/batches: the whole file in PostgreSQL, in one transaction, before the 202. */
    async upload(source: string, contentTypeHeader: string | undefined, body: Readable, who: Principal, maxBytes: number) {
      if (!isKnownSource(source)) throw notFound(`source ${source}`);
      if (!mayUseSource(who, source)) throw forbidden(`this feed key may not submit ${source} batches`);
      const [mediaRaw, ...params] = (contentTypeHeader ?? '').split(';');
      const media = mediaRaw!.trim().toLowerCase();
      if (media !== 'text/csv' && media !== 'application/x-ndjson') {
        throw new DomainError('unsupported', 'unsupported_media_type', 'a batch is text/csv or application/x-ndjson');
      }
      const csParam = params.map((p) => p.trim().split('=')).find(([k]) => k?.trim().toLowerCase() === 'charset')?.[1];
      const charset = normaliseCharset(csParam);
      if (!charset) throw new DomainError('unsupported', 'unsupported_charset', `charset ${csParam} is not supported (utf-8 or gbk)`);

      const id = randomUUID();
      const now = clock.now();
      const hash = createHash('sha256');
      const result = await tx(async (c) => {
        await repo.createUpload(c, { id, source, contentType: media, charset, keyId: who.keyId, regionPrefix: who.regionPrefix, receivedAt: now });
        let pending: Buffer[] = [];
        let pendingBytes = 0;
        let seq = 0;
        let total = 0;
        let headerChecked = media !== 'text/csv';
        const flush = async () => {
          if (pendingBytes === 0) return;
          const data = Buffer.concat(pending, pendingBytes);
          if (!headerChecked) {
            checkHeader(data, charset, true);
            headerChecked = true;
          }
          await repo.addChunk(c, id, seq++, data);
          pending = [];
          pendingBytes = 0;
        };
        for await (const chunk of body) {
          const b = chunk as Buffer;
          total += b.length;
          if (total > maxBytes) throw new DomainError('too_large', 'body_too_large', `batch exceeds ${maxBytes} bytes`);
          hash.update(b);
          pending.push(b);
          pendingBytes += b.length;
          if (!headerChecked && pendingBytes >= 64 * 1024) {
            checkHeader(Buffer.concat(pending, pendingBytes), charset, false);
            headerChecked = true;
          }
          if (pendingBytes >= STORE_CHUNK_BYTES) await flush();
        }
        if (total === 0) throw invalid('empty_batch', 'the batch file is empty');
        await flush();
        const sha = hash.digest('hex');
        const existing = await repo.findBySha(c, source, sha);
        if (existing) {
          await repo.discardUpload(c, id); // the copy just streamed in is not kept
          return { existing };
        }
        await repo.finishUpload(c, id, sha, total);
        return { created: { batchId: id, status: 'received' } };
      }).catch(async (e: any) => {
        // Two uploads of the same file at once: the later one finds the first.
        if (e?.code === '23505') return { existing: undefined as { id: string; status: string } | undefined, retry: true };
        throw e;
      });
      if ('retry' in result) {
        const again = await repo.findBySha(pool as unknown as pg.ClientBase, source, hash.digest('hex'));
        if (!again) throw new DomainError('conflict', 'conflict', 'a concurrent upload of this file failed; retry');
        return { batchId: again.id, status: again.status };
      }
      if (result.existing) {
        // Re-enqueue in case the first upload's job was lost; a no-op while it exists.
        if (['received', 'processing'].includes(result.existing.status)) await enqueueBatch(result.existing.id);
        return { batchId: result.existing.id, status: result.existing.status };
      }
      await enqueueBatch(id);
      return result.created!;
    },

    async status(batchId: string, who: Principal) {
      // Checked before SQL: a malformed id would fail the uuid cast (a 500); it names no batch.
      if (!BATCH_ID.test(batchId)) throw notFound('batch');
      const b = await repo.get(pool, batchId);
      if (!b || b.status === 'uploading') throw notFound('batch');
      if (who.role === 'feed' && b.key_id !== who.keyId) throw notFound('batch');
      return batchView(b);
    },

    /**
     * The ingest-batch job. Resumes after the last committed chunk: each chunk's merge and
     * the batch's progress commit together, and a chunk commits only if the progress it
     * started from is still the batch's (so two workers on one batch never count twice).
     */
    async processBatch(batchId: string, opts: IngestOptions = {}) {
      const chunkLines = opts.chunkLines ?? 20_000;
      const b = await repo.get(pool, batchId);
      if (!b || b.status === 'uploading') return { status: 'missing' as const };
      if (b.status === 'failed') return { status: 'failed' as const };
      if (b.status === 'completed') {
        await enqueueRescore(await repo.touched(pool, batchId), `batch_${batchId}`, batchDelay);
        return { status: 'completed' as const };
      }
      await repo.markProcessing(pool, batchId, clock.now());
      const skip = Number(b.records_done);
      let done = skip;
      let listed = b.rejects.length;
      const receivedAt = b.received_at;
      const now = clock.now();

      async function* chunks(): AsyncGenerator<Buffer> {
        for (let s = 0; ; s++) {
          const data = await repo.chunk(pool, batchId, s);
          if (!data) return;
          yield data;
        }
      }

      let buf: string[] = [];
      let recs = 0;
      let lines = 0;
      let rejected = 0;
      let valid = 0;
      let rejects: Reject[] = [];
      // While PostgreSQL merges one chunk, the next is parsed and validated: commits stay
      // strictly in order (each waits for the one before), so progress is never skipped.
      let inFlight: Promise<void> = Promise.resolve();
      const commit = async () => {
        if (recs === 0) return;
        await inFlight;
        const from = done;
        const text = buf.join('');
        const counts = { recs, lines, rejected, valid, rejects };
        done += recs;
        buf = [];
        recs = lines = rejected = valid = 0;
        rejects = [];
        const p = commitChunk(from, text, counts);
        inFlight = p;
        p.catch(() => {}); // observed by the next await of inFlight
      };
      const commitChunk = async (from: number, text: string, k: { recs: number; lines: number; rejected: number; valid: number; rejects: Reject[] }) => {
        const d = await tx(async (c) => {
          const cur = await repo.get(c, batchId, true);
          if (!cur || Number(cur.records_done) !== from || cur.status !== 'processing') throw new StaleProgress(batchId);
          const t0 = performance.now();
          await repo.stage(c, text);
          const t1 = performance.now();
          const m = text ? await repo.mergeStaged(c, { regionPrefix: b.region_prefix, receivedAt, batchId }) : { matched: 0, inserted: 0, touched: [] };
          if (TRACE) process.stderr.write(`chunk ${from}: copy ${(t1 - t0).toFixed(0)} ms, merge ${(performance.now() - t1).toFixed(0)} ms\n`);
          const d = {
            seq: from,
            records: k.recs,
            lines: k.lines,
            accepted: m.inserted,
            duplicates: m.matched - m.inserted,
            unmatched: k.valid - m.matched,
            rejected: k.rejected,
            newRejects: k.rejects.slice(0, Math.max(0, MAX_LISTED_REJECTS - listed)),
            touched: m.touched,
          };
          await repo.recordChunk(c, batchId, d);
          return d;
        });
        listed += d.newRejects.length;
        await opts.afterChunk?.(batchId, from + k.recs);
      };

      let n = 0;
      try {
        for await (const r of records(chunks(), { contentType: b.content_type, charset: b.charset as 'utf-8' | 'gbk' })) {
          if (n++ < skip) continue;
          // Let the chunk being merged make progress (its COPY and replies are I/O on this thread).
          if ((n & 1023) === 0) await new Promise<void>((r) => setImmediate(r));
          recs++;
          lines++;
          const c =
            'error' in r
              ? { ok: false as const, ...r.error }
              : validateEvent(r.raw, { now, pathSource: b.source, naming: b.content_type === 'text/csv' ? 'snake' : 'camel' });
          if (c.ok) {
            valid++;
            buf.push(copyLine(c.value));
          } else {
            rejected++;
            rejects.push({ line: (r as ParsedRecord).line, code: c.code, message: c.message });
          }
          if (recs >= chunkLines) await commit();
        }
        await commit();
        await inFlight;
      } catch (e) {
        await inFlight.catch(() => {});
        if (e instanceof FileFormatError) {
          // The lines before the fault are committed; the batch says why it stopped.
          await repo.fail(pool, batchId, `${e.code}: ${e.message}`, clock.now());
          return { status: 'failed' as const };
        }
        throw e;
      }
      // Rescoring is queued before the batch shows completed, so a feed that sees `completed`
      // knows its people are queued. Job ids are per batch: queuing again (a superseded run,
      // a re-run after a crash) adds nothing.
      const jobs = await enqueueRescore(await repo.touched(pool, batchId), `batch_${batchId}`, batchDelay);
      await tx(async (c) => {
        const cur = await repo.get(c, batchId, true);
        if (!cur || cur.status !== 'processing' || Number(cur.records_done) !== done) throw new StaleProgress(batchId);
        await repo.complete(c, batchId, clock.now());
      });
      return { status: 'completed' as const, rescoreJobs: jobs };
    },

    /** Re-enqueues batches left received/processing (their job lost, or its worker gone). */
    async sweep(olderThanMs = 60_000) {
      const ids = await repo.pending(pool, new Date(clock.now().getTime() - olderThanMs));
      for (const id of ids) {
        const job = await queues.get('ingest-batch').getJob(id);
        const state = job ? await job.getState() : 'missing';
        if (state === 'active' || state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') continue;
        if (job) await job.remove().catch(() => {});
        await enqueueBatch(id);
      }
      return ids.length;
    },

    knownFields: EVENT_FIELDS,
  };
}
export type EvidenceService = ReturnType<typeof createEvidenceService>;

export class StaleProgress extends Error {
  constructor(batchId: string) {
    super(`batch ${batchId} progressed elsewhere; this run stops`);
  }
}

function checkHeader(head: Buffer, charset: 'utf-8' | 'gbk', complete: boolean) {
  const line = firstLine(head, charset);
  if (line === null) {
    if (complete) {
      const text = charset === 'gbk' ? head.toString('latin1') : head.toString('utf8');
      return checkHeaderLine(text.replace(/^\uFEFF/, ''));
    }
    throw invalid('malformed_file', 'the CSV header line is longer than 64 KiB');
  }
  checkHeaderLine(line);
}

function checkHeaderLine(line: string) {
  try {
    headerMap(line.split(',').map((h) => h.trim().replace(/^"|"$/g, '')));
  } catch (e) {
    if (e instanceof FileFormatError) throw invalid(e.code, e.message);
    throw e;
  }
}
