// A stored batch file merged chunk by chunk: parsed and validated in this process while
// PostgreSQL merges the chunk before; each chunk's COPY, merge and the batch's progress commit
// together, so a run resumes after its last committed chunk and two runs never count twice.
import type { Clock } from '../../infra/clock.ts';
import type { Executor, Transact } from '../../infra/database.ts';
import { viaKey } from '../../domain/origin.ts';
import type { Catalogue } from '../../domain/catalogue.ts';
import type { SelfServiceResults } from '../self-service/service.ts';
import { validateEvent } from './validate.ts';
import { records, FileFormatError } from './parse.ts';
import { copyLine, type EvidenceRepository, type Reject, type BatchRow } from './repository.ts';
import { MappingConfigError, parseMapping, type Mapping } from './mapping-config.ts';
import { fieldNamer } from './mapping.ts';

/** Rejected lines a batch lists (the first ones); all are counted. */
export const MAX_LISTED_REJECTS = 100;
/** Records parsed between two pauses of a batch's parsing for the I/O of the chunk being committed (a power of two). */
const YIELD_EVERY = 128;

export interface IngestOptions {
  /** Lines per committed chunk (COPY + merge + progress in one transaction). */
  chunkLines?: number;
  /** Test hook: called after each committed chunk. */
  afterChunk?: (batchId: string, recordsDone: number) => Promise<void> | void;
  /** Asked before each chunk's commit: true (the worker is shutting down) stops the run with HandBack after the chunk in flight. */
  stopping?: () => boolean;
}

/** A chunk's records: `recs` lines, of which `valid` go to COPY and `rejected` are refused. */
interface ChunkCounts {
  recs: number;
  valid: number;
  rejected: number;
  rejects: Reject[];
}

export interface BatchMergeDeps {
  db: Executor;
  transaction: Transact;
  repo: EvidenceRepository;
  /** Acts on new self-service results (failed face checks) in the chunk's transaction. */
  selfService: Pick<SelfServiceResults, 'record' | 'audit'>;
  clock: Clock;
  /** The sources and kinds of the policy in force. */
  catalogue: Catalogue;
  /** INGEST_TRACE: each chunk's COPY and merge times on stderr. */
  ingestTrace?: boolean;
}

export function createBatchMerger(deps: BatchMergeDeps) {
  const { db, transaction, repo, clock } = deps;

  /** The stored file's records after the committed ones, validated and merged chunk by chunk. */
  async function mergeFile(b: BatchRow, opts: IngestOptions): Promise<{ done: number } | 'failed'> {
    const chunkLines = opts.chunkLines ?? 20_000;
    const skip = Number(b.records_done);
    const now = clock.now();
    const writer = chunkWriter(b, opts);
    async function* stored(): AsyncGenerator<Buffer> {
      for (let s = 0; ; s++) {
        const data = await repo.chunk(db, b.id, s);
        if (!data) return;
        yield data;
      }
    }
    let n = 0;
    try {
      const mapping = storedMapping(b);
      const naming = mapping ? fieldNamer(mapping) : b.content_type === 'text/csv' ? 'snake' : 'camel';
      for await (const r of records(stored(), { contentType: b.content_type, charset: b.charset as 'utf-8' | 'gbk', mapping })) {
        if (n++ < skip) continue;
        // Let the chunk being merged make progress: its COPY and every reply of its transaction
        // are I/O on this thread, each waiting for a pause here, while PostgreSQL waits for
        // them. Every 128 records the wait is a few ms instead of 1,024 records' parsing.
        if ((n & (YIELD_EVERY - 1)) === 0) await new Promise<void>((r) => setImmediate(r));
        const c = 'error' in r ? { ok: false as const, ...r.error } : validateEvent(r.raw, { now, catalogue: deps.catalogue, pathSource: b.source, naming });
        if (c.ok) writer.accept(copyLine(c.value));
        else writer.reject({ line: r.line, code: c.code, message: c.message });
        if (writer.size >= chunkLines) await writer.commit();
      }
      await writer.commit();
      await writer.settled();
    } catch (e) {
      await writer.settled().catch(() => {});
      if (e instanceof FileFormatError) {
        // The lines before the fault are committed; the batch says why it stopped.
        await repo.fail(db, b.id, `${e.code}: ${e.message}`, clock.now());
        return 'failed';
      }
      throw e;
    }
    return { done: writer.done };
  }

  /**
   * One chunk's COPY, merge and progress, in one transaction, if the batch's progress is still
   * `from`. Re-runnable (the chunk is in memory and everything it wrote is rolled back), so a
   * deadlock with another batch's merge is retried here rather than failing the job.
   */
  function commitChunk(b: BatchRow, from: number, text: string, c: ChunkCounts, rejectsToList: number) {
    return transaction(
      async (trx) => {
        const start = performance.now();
        const cur = await repo.get(trx, b.id, true);
        if (!cur || Number(cur.records_done) !== from || cur.status !== 'processing') throw new StaleProgress(b.id);
        const t0 = performance.now();
        await repo.stage(trx, text);
        const t1 = performance.now();
        const m = text
          ? await repo.mergeStaged(trx, { regionPrefix: b.region_prefix, receivedAt: b.received_at, receivedVia: batchOrigin(b), batchId: b.id })
          : null;
        // A batch carries no reminder codes (a file is stored as it came: never a code in it).
        const acted = m?.selfService.length ? await deps.selfService.record(trx, m.selfService, new Map(), clock.now()) : undefined;
        const t2 = performance.now();
        const d = {
          seq: from,
          records: c.recs,
          lines: c.recs,
          accepted: m?.inserted ?? 0,
          duplicates: (m?.matched ?? 0) - (m?.inserted ?? 0),
          unmatched: c.valid - (m?.matched ?? 0),
          rejected: c.rejected,
          newRejects: c.rejects.slice(0, Math.max(0, rejectsToList)),
          touched: m?.touched ?? [],
        };
        await repo.recordChunk(trx, b.id, d);
        // The transaction's other statements (lock, progress) and waits: the rest of `whole`.
        if (deps.ingestTrace)
          process.stderr.write(
            `chunk ${from}: copy ${(t1 - t0).toFixed(0)} ms, merge ${(t2 - t1).toFixed(0)} ms, whole ${(performance.now() - start).toFixed(0)} ms\n`,
          );
        return { ...d, acted };
      },
      { retries: 2 },
    );
  }

  /**
   * Collects a batch's records into chunks and commits each (COPY, merge, progress) in its own
   * transaction. While PostgreSQL merges one chunk, the next is parsed and validated: commits
   * stay strictly in order (each waits for the one before), so progress is never skipped.
   */
  function chunkWriter(b: BatchRow, opts: IngestOptions) {
    let done = Number(b.records_done);
    let listed = b.rejects.length;
    let buf: string[] = [];
    let k: ChunkCounts = { recs: 0, valid: 0, rejected: 0, rejects: [] };
    let inFlight: Promise<void> = Promise.resolve();

    const commit = async (from: number, text: string, c: ChunkCounts) => {
      const d = await commitChunk(b, from, text, c, MAX_LISTED_REJECTS - listed);
      listed += d.newRejects.length;
      if (d.acted) await deps.selfService.audit(d.acted, { keyId: b.key_id, role: null }); // the uploading key (its role is not kept with the batch)
      await opts.afterChunk?.(b.id, from + c.recs);
    };

    return {
      /** Records handed to commits so far, counted from the batch's start. */
      get done() {
        return done;
      },
      get size() {
        return k.recs;
      },
      accept(line: string) {
        k.recs++;
        k.valid++;
        buf.push(line);
      },
      reject(r: Reject) {
        k.recs++;
        k.rejected++;
        k.rejects.push(r);
      },
      /** Starts committing the collected chunk once the one before has committed. */
      async commit() {
        if (k.recs === 0) return;
        const parsed = performance.now();
        await inFlight;
        // Near 0: PostgreSQL waited for the parsing; long: the parsing waited for PostgreSQL.
        if (deps.ingestTrace)
          process.stderr.write(`chunk ${done}: parsed, then waited ${(performance.now() - parsed).toFixed(0)} ms for the chunk before to commit\n`);
        if (opts.stopping?.()) throw new HandBack(b.id);
        const from = done;
        const text = buf.join('');
        const c = k;
        done += c.recs;
        buf = [];
        k = { recs: 0, valid: 0, rejected: 0, rejects: [] };
        const p = commit(from, text, c);
        inFlight = p;
        p.catch(() => {}); // observed by the next await of inFlight
      },
      /** The last commit's end; its failure is thrown here. */
      settled: () => inFlight,
    };
  }
  return { mergeFile };
}

/** The key that uploaded the batch (every upload is made with one; the column is nullable only by its age). */
function batchOrigin(b: BatchRow): string {
  return b.key_id ? viaKey(b.key_id) : `import:batch ${b.id}`;
}

/** The worker is shutting down: the chunks before are committed, the rest is for the next run. */
export class HandBack extends Error {
  constructor(batchId: string) {
    super(`batch ${batchId} handed back: this worker is shutting down`);
  }
}

/** Another run of the batch committed first: the progress this run started from is gone. */
export class StaleProgress extends Error {
  constructor(batchId: string) {
    super(`batch ${batchId} progressed elsewhere; this run stops`);
  }
}

/** The mapping a stored batch is read with, checked again (it was stored by an older release, perhaps). */
function storedMapping(b: BatchRow): Mapping | undefined {
  if (!b.mapping) return undefined;
  try {
    return parseMapping(b.mapping, 'mapping');
  } catch (e) {
    if (e instanceof MappingConfigError) throw new FileFormatError('bad_mapping', `the batch's mapping cannot be read: ${e.message}`);
    throw e;
  }
}
