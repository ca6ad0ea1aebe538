// Evidence ingestion: JSON pushes, batch files (stored in PostgreSQL before the 202,
// processed by the ingest-batch job in resumable chunks), and batch status.
import { isUuid } from '../../domain/ids.ts';
import { maskIdsInText } from '../../domain/masking.ts';
import { randomUUID } from 'node:crypto';
import { spool, type SpooledBody } from '../../infra/spool.ts';
import type { Queues } from '../../infra/queue.ts';
import type { Logger } from '../../infra/logger.ts';
import { viaKey } from '../../domain/origin.ts';
import { countsSeenBy } from '../../domain/submission-counts.ts';
import { DomainError, invalid, forbidden, notFound } from '../../domain/errors.ts';
import type { Transact } from '../../infra/database.ts';
import type { Principal } from '../../domain/principal.ts';
import type { RescoringService } from '../rescoring/service.ts';
import type { AuditWriter } from '../audit/repository.ts';
import { reminderCodes } from '../self-service/service.ts';
import { validateEvent, type EventRecord } from './validate.ts';
import type { BatchRow, Interpretation } from './repository.ts';
import type { Mapping } from './mapping-config.ts';
import { createBatchMerger, StaleProgress, type BatchMergeDeps, type IngestOptions } from './batch-merge.ts';
import { batchContentType, checkHeader, refuseNonUtf8 } from './upload-checks.ts';

export const STORE_CHUNK_BYTES = 1024 * 1024;
export const MAX_PUSH = 1000;
/** The unique index on (source, sha256): the same file being uploaded by another request. */
const UNIQUE_VIOLATION = '23505';

export interface EvidenceServiceDeps extends BatchMergeDeps {
  /** Transactions that store uploaded files, on their own pool (Database.uploadTransaction). */
  uploadTransaction: Transact;
  /** Where upload bodies are spooled while they arrive (UPLOAD_DIR). */
  uploadDir: string;
  queues: Pick<Queues, 'add' | 'get'>;
  rescoring: Pick<RescoringService, 'request' | 'markPending' | 'queue'>;
  /** Every write by a feed is audited with the key that made it. */
  audit: Pick<AuditWriter, 'record'>;
  /** BATCH_RESCORE_DELAY_MS. */
  batchRescoreDelayMs?: number;
  /** Where a request's deferred queueing is reported. */
  logger?: Pick<Logger, 'warn'>;
  /** The interface mappings of MAPPINGS_FILE, by name. */
  mappings?: ReadonlyMap<string, Mapping>;
}

export function mayUseSource(who: Principal, source: string): boolean {
  return who.role !== 'feed' || (who.sources ?? []).includes(source);
}

function batchView(b: BatchRow, who: Principal) {
  const counts = countsSeenBy(who.role, { accepted: Number(b.accepted), duplicates: Number(b.duplicates), unmatched: Number(b.unmatched) });
  return {
    batchId: b.id,
    source: b.source,
    status: b.status,
    lines: Number(b.lines),
    ...counts,
    rejected: Number(b.rejected),
    rejects: b.rejects,
    receivedAt: b.received_at.toISOString(),
    completedAt: b.completed_at ? b.completed_at.toISOString() : null,
    ...(b.mapping ? { mapping: (b.mapping as Mapping).name } : {}),
    ...(b.error ? { error: b.error } : {}),
    ...(b.interface ? { interface: b.interface } : {}),
  };
}

// Long only by its methods, each a short step; they share the deps closed over here.
export function createEvidenceService(deps: EvidenceServiceDeps) {
  const { db, transaction, repo, queues, rescoring, clock } = deps;
  const { mergeFile } = createBatchMerger(deps);
  // A file's rescoring waits a little: the people of files arriving together (a department's
  // daily set, a backlog after an outage) are then rescored once, by the first job to claim
  // them, instead of once per file. Pushes are rescored at once.
  const batchDelay = deps.batchRescoreDelayMs ?? 0;

  async function enqueueBatch(batchId: string, jobId = batchId) {
    await queues.add('ingest-batch', [{ name: 'ingest-batch', data: { batchId }, jobId }]);
  }

  /**
   * Queues the work for what a request has just committed. PostgreSQL already holds it (the
   * stored batch; the pushed events with their people in rescore_pending, written in the merge's
   * transaction), so a queue that is down or slow does not fail or hang the request (the add is
   * bounded by QUEUE_ADD_TIMEOUT_MS): the request answers success and the workers' recovery
   * (jobs/recovery.ts) queues the work from PostgreSQL once the queue is back.
   */
  async function queueAfterCommit(what: string, queueIt: () => Promise<unknown>): Promise<void> {
    try {
      await queueIt();
    } catch (err) {
      deps.logger?.warn({ err, what }, 'the queue is unavailable: this work is queued by the recovery once it is back');
    }
  }

  // A batch's people are stored per chunk (batch_touched) and requested once the file is
  // merged, before it shows completed: a crash in between re-runs the batch, which requests
  // them again. Pushes and pulls mark their people pending in the merge's own transaction.
  const requestBatchRescore = async (batchId: string) => rescoring.request(db, await repo.touched(db, batchId), `batch_${batchId}`, batchDelay);

  /**
   * The spooled file stored as the batch's chunks in one transaction on the upload pool, read
   * from disk at its speed (the client has finished); or the batch already holding this file.
   */
  async function storeFile(file: SpooledBody, b: { id: string; source: string; how: Interpretation; who: Principal }) {
    return deps
      .uploadTransaction(
        async (trx) => {
          const existing = await repo.findBySha(trx, b.source, file.sha256, b.how);
          if (existing) return existing;
          const { id, source, who } = b;
          await repo.createUpload(trx, {
            id,
            source,
            ...b.how,
            keyId: who.keyId,
            regionPrefix: who.regionPrefix,
            receivedAt: clock.now(),
          });
          let seq = 0;
          for await (const piece of file.pieces(STORE_CHUNK_BYTES)) await repo.addChunk(trx, id, seq++, piece);
          await repo.finishUpload(trx, id, file.sha256, file.bytes);
          return undefined;
        },
        { retries: 2 }, // re-runnable: the file is read again
      )
      .catch(async (e: { code?: string }) => {
        if (e?.code !== UNIQUE_VIOLATION) throw e;
        // The same file uploaded at once by another request, which committed first.
        const winner = await repo.findBySha(db, b.source, file.sha256, b.how);
        if (!winner) throw new DomainError('conflict', 'conflict', 'a concurrent upload of this file failed; retry');
        return winner;
      });
  }

  /** The mapping a batch names, for a CSV file of its source. */
  function mappingFor(name: string, source: string, media: string): Mapping {
    const mapping = deps.mappings?.get(name);
    if (!mapping) {
      const names = [...(deps.mappings?.values() ?? [])].filter((m) => m.source === source).map((m) => m.name);
      throw invalid('unknown_mapping', `no mapping named ${name.slice(0, 64)} (mappings for ${source}: ${names.join(', ') || 'none'})`);
    }
    if (mapping.source !== source) throw invalid('mapping_source_mismatch', `mapping ${name} reads ${mapping.source} files, not ${source}`);
    if (media !== 'text/csv') throw invalid('mapping_needs_csv', `mapping ${name} reads CSV files (text/csv)`);
    return mapping;
  }

  return {
    /** POST /v1/events. `body` is already known to be an array of ≤1000 objects without unknown fields. */
    async push(body: Record<string, unknown>[], who: Principal) {
      for (const [i, e] of body.entries()) {
        const s = e.source;
        if (typeof s === 'string' && deps.catalogue.has(s) && !mayUseSource(who, s)) {
          throw forbidden(`this feed key may not submit ${s} events (element ${i})`);
        }
      }
      const now = clock.now();
      const rejected: { index: number; code: string; message: string }[] = [];
      const rows: EventRecord[] = [];
      body.forEach((e, index) => {
        const c = validateEvent(e, { now, catalogue: deps.catalogue });
        if (c.ok) rows.push(c.value);
        else rejected.push({ index, code: c.code, message: c.message });
      });
      // One statement on rows in memory: a deadlock with another merge is retried here.
      const { merged: r, acted } = await transaction(
        async (trx) => {
          const merged = await repo.mergeRows(trx, rows, { regionPrefix: who.regionPrefix, receivedAt: now, receivedVia: viaKey(who.keyId) });
          await rescoring.markPending(trx, merged.touched);
          return { merged, acted: await deps.selfService.record(trx, merged.selfService, reminderCodes(rows), now) };
        },
        { retries: 2 },
      );
      await deps.selfService.audit(acted, who);
      if (r.firstId) await queueAfterCommit('rescore after push', () => rescoring.queue(r.touched, `push_${r.firstId}`));
      const counts = { accepted: r.inserted, duplicates: r.matched - r.inserted, unmatched: rows.length - r.matched };
      await deps.audit.record({ keyId: who.keyId, role: who.role, action: 'events.push', pensionerId: null, detail: { ...counts, rejected: rejected.length } });
      return { ...countsSeenBy(who.role, counts), rejected };
    },

    /**
     * POST /v1/feeds/{source}/batches: the whole file in PostgreSQL, in one transaction, before
     * the 202. The body is first spooled to a file as it arrives (size, charset and CSV header
     * checked on the way), so a slow or stalled client holds no database connection.
     */
    async upload(
      source: string,
      contentTypeHeader: string | undefined,
      body: AsyncIterable<Buffer>,
      who: Principal,
      maxBytes: number,
      o: { mapping?: string } = {},
    ) {
      if (!deps.catalogue.has(source)) throw notFound(`source ${source}`);
      if (!mayUseSource(who, source)) throw forbidden(`this feed key may not submit ${source} batches`);
      const { media, charset } = batchContentType(contentTypeHeader);
      const mapping = o.mapping === undefined ? null : mappingFor(o.mapping, source, media);
      const how: Interpretation = { contentType: media, charset, mapping };
      const inspectHead = media === 'text/csv' ? (head: Buffer, complete: boolean) => checkHeader(head, charset, complete, mapping) : undefined;
      const file = await spool(body, { dir: deps.uploadDir, maxBytes, inspectHead, inspectChunk: charset === 'utf-8' ? refuseNonUtf8() : undefined });
      if (file.bytes === 0) {
        await file.remove();
        throw invalid('empty_batch', 'the batch file is empty');
      }
      const id = randomUUID();
      const stored = await storeFile(file, { id, source, how, who }).finally(() => file.remove());
      const batchId = stored?.id ?? id;
      const detail = { batchId, source, again: !!stored, ...(mapping ? { mapping: mapping.name } : {}) };
      await deps.audit.record({ keyId: who.keyId, role: who.role, action: 'batch.upload', pensionerId: null, detail });
      if (stored) {
        // Re-enqueue in case the first upload's job was lost; a no-op while it exists.
        if (['received', 'processing'].includes(stored.status)) await queueAfterCommit('ingest-batch', () => enqueueBatch(stored.id));
        return { batchId: stored.id, status: stored.status };
      }
      await queueAfterCommit('ingest-batch', () => enqueueBatch(id));
      return { batchId: id, status: 'received' };
    },

    async status(batchId: string, who: Principal) {
      // Checked before SQL: a malformed id would fail the uuid cast (a 500); it names no batch.
      if (!isUuid(batchId)) throw notFound('batch');
      const b = await repo.get(db, batchId);
      if (!b || b.status === 'uploading') throw notFound('batch');
      if (who.role === 'feed' && b.key_id !== who.keyId) throw notFound('batch');
      return batchView(b, who);
    },

    /**
     * The ingest-batch job. Resumes after the last committed chunk: each chunk's merge and
     * the batch's progress commit together, and a chunk commits only if the progress it
     * started from is still the batch's (so two workers on one batch never count twice).
     */
    async processBatch(batchId: string, opts: IngestOptions = {}) {
      const b = await repo.get(db, batchId);
      if (!b || b.status === 'uploading') return { status: 'missing' as const };
      if (b.status === 'failed') return { status: 'failed' as const };
      if (b.status === 'completed') {
        await requestBatchRescore(batchId);
        return { status: 'completed' as const };
      }
      await repo.markProcessing(db, batchId, clock.now());
      const merged = await mergeFile(b, opts);
      if (merged === 'failed') return { status: 'failed' as const };
      // Rescoring is queued before the batch shows completed, so a feed that sees `completed`
      // knows its people are queued. Job ids are per batch: queuing again (a superseded run,
      // a re-run after a crash) adds nothing.
      const jobs = await requestBatchRescore(batchId);
      const counts = await transaction(
        async (trx) => {
          const cur = await repo.get(trx, batchId, true);
          if (!cur || cur.status !== 'processing' || Number(cur.records_done) !== merged.done) throw new StaleProgress(batchId);
          return repo.complete(trx, batchId, clock.now());
        },
        { retries: 2 },
      );
      // The worker stored the file's events on behalf of the key that uploaded it.
      await deps.audit.record({ keyId: b.key_id, role: 'system', action: 'batch.ingest', pensionerId: null, detail: { batchId, source: b.source, ...counts } });
      return { status: 'completed' as const, rescoreJobs: jobs };
    },

    /** Re-enqueues batches left received/processing (their job lost, or its worker gone); returns how many. */
    async sweep(olderThanMs = 60_000) {
      const ids = await repo.pending(db, new Date(clock.now().getTime() - olderThanMs));
      let requeued = 0;
      for (const id of ids) {
        const job = await queues.get('ingest-batch').getJob(id);
        const state = job ? await job.getState() : 'missing';
        if (state === 'active' || state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') continue;
        // Its attempts are spent: the batch fails once, with the reason, instead of being
        // re-queued every few minutes for ever; its stored file goes with it.
        if (state === 'failed') {
          const reason = maskIdsInText(job?.failedReason ?? 'unknown error').slice(0, 300);
          await repo.fail(db, id, `processing failed after ${job?.attemptsMade ?? 0} attempts: ${reason}`, clock.now());
          continue;
        }
        if (job) await job.remove().catch(() => {});
        await enqueueBatch(id);
        requeued++;
      }
      return requeued;
    },
  };
}
export type EvidenceService = ReturnType<typeof createEvidenceService>;
