// Phase 5: department files through POST /v1/feeds/{source}/batches, in arrival order, a
// month at a time (bench/province/year.ts), each month timed from its first upload until the
// batches are done and the rescoring they queued has drained; the year's figures are the sums.
// Files in a department's own columns go with their interface mapping (?mapping=NAME).
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { log, waitForQueuesIdle } from '../lib.ts';
import { bar, sec } from './progress.ts';
import { getJson, type Service } from './service.ts';
import { fileOf, type Province } from './simulation.ts';
import type { ManifestFile } from '../../src/simulate/simulate.ts';

export interface BatchStatus {
  batchId: string;
  status: string;
  lines: number;
  accepted: number;
  duplicates: number;
  unmatched: number;
  rejected: number;
}

async function upload(p: Province, s: Service, f: ManifestFile): Promise<string> {
  const query = f.mapping ? `?mapping=${encodeURIComponent(f.mapping)}` : '';
  const r = await fetch(`${s.base}/v1/feeds/${f.source}/batches${query}`, {
    method: 'POST',
    headers: { ...s.admin, 'content-type': `${f.contentType}; charset=${f.charset}`, 'content-length': String(f.bytes) },
    body: Readable.toWeb(createReadStream(fileOf(p, f.path))) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const a = (await r.json()) as { batchId?: string; error?: unknown };
  if (r.status !== 202 || !a.batchId) throw new Error(`upload of ${f.path}: ${r.status} ${JSON.stringify(a)}`);
  return a.batchId;
}

/** A few uploads at a time; the worker starts on the first files while the rest arrive. */
async function uploadAll(p: Province, s: Service, parallel: number, files: ManifestFile[]): Promise<string[]> {
  const batchIds: string[] = new Array(files.length);
  const b = bar('upload  [{bar}] {percentage}% | {value}/{total} files', files.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < files.length) {
        const i = next++;
        batchIds[i] = await upload(p, s, files[i]!);
        b.increment();
      }
    }),
  );
  b.stop();
  return batchIds;
}

/** Polls the batches, 16 at a time, until each has completed or failed. */
async function awaitBatches(s: Service, batchIds: string[]): Promise<BatchStatus[]> {
  const final: BatchStatus[] = new Array(batchIds.length);
  const b = bar('ingest  [{bar}] {percentage}% | {value}/{total} batches | accepted {accepted}', batchIds.length);
  let accepted = 0;
  let done = 0;
  let pending = batchIds.map((_, i) => i);
  while (pending.length) {
    const probe = pending.slice(0, 16);
    const answers = await Promise.all(probe.map((i) => getJson<BatchStatus>(s, `/v1/feeds/batches/${batchIds[i]}`)));
    const finished = new Set<number>();
    answers.forEach((a, k) => {
      if (a.status !== 'completed' && a.status !== 'failed') return;
      final[probe[k]!] = a;
      finished.add(probe[k]!);
      accepted += a.accepted;
      done++;
    });
    pending = pending.filter((i) => !finished.has(i));
    b.update(done, { accepted: accepted.toLocaleString() });
    if (finished.size < probe.length) await new Promise((r) => setTimeout(r, 250));
  }
  b.stop();
  return final;
}

async function drainRescoring(s: Service): Promise<void> {
  let shown = 0;
  const b = bar('rescore queue [{bar}] {value} jobs left', 1);
  await waitForQueuesIdle(s.queues, ['ingest-batch', 'rescore'], {
    onPoll: (left) => {
      if (left > shown) {
        shown = left;
        b.setTotal(left);
      }
      b.update(left);
    },
  });
  b.stop();
}

export type Ingest = ReturnType<typeof ingestFigures>;

/** Milliseconds spent uploading, until the batches were done, and draining the rescoring after. */
export interface IngestTimes {
  upload: number;
  batches: number;
  tail: number;
}

export function ingestFigures(p: Province, final: BatchStatus[], t: IngestTimes) {
  const sum = (k: keyof BatchStatus) => final.reduce((n, s) => n + Number(s[k]), 0);
  const total = t.batches + t.tail;
  return {
    files: p.files.length,
    lines: sum('lines'),
    accepted: sum('accepted'),
    duplicates: sum('duplicates'),
    unmatched: sum('unmatched'),
    rejected: sum('rejected'),
    failedBatches: final.filter((s) => s.status === 'failed').length,
    expectedAccepted: p.expectedAccepted,
    uploadSeconds: sec(t.upload),
    batchesCompletedSeconds: sec(t.batches),
    rescoreTailSeconds: sec(t.tail),
    seconds: sec(total),
    eventsPerSecond: Math.round(sum('accepted') / (total / 1000)),
    /** Up to the last batch completed, rescoring still queued: the ingestion path alone. */
    eventsPerSecondToBatchesDone: Math.round(sum('accepted') / (t.batches / 1000)),
  };
}

/** One month's files, uploaded and ingested; their batches' final status and the time each part took. */
export async function ingestFiles(
  p: Province,
  s: Service,
  parallelUploads: number,
  files: ManifestFile[],
): Promise<{ final: BatchStatus[]; times: IngestTimes }> {
  const start = Date.now();
  const batchIds = await uploadAll(p, s, parallelUploads, files);
  const uploaded = Date.now();
  const final = await awaitBatches(s, batchIds);
  const batchesDone = Date.now();
  await drainRescoring(s);
  const times = { upload: uploaded - start, batches: batchesDone - start, tail: Date.now() - batchesDone };
  log(`ingested ${files.length} files: ${final.reduce((n, b) => n + b.accepted, 0).toLocaleString()} events in ${sec(times.batches + times.tail)} s`);
  return { final, times };
}
