// Phase 5: a year of department files through POST /v1/feeds/{source}/batches, in arrival
// order, timed from the first upload until the batches are done and the rescoring they queued
// has drained.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { log, waitForQueuesIdle } from '../lib.ts';
import { bar, sec } from './progress.ts';
import { getJson, type Service } from './service.ts';
import { fileOf, type Province } from './simulation.ts';

interface BatchStatus {
  batchId: string;
  status: string;
  lines: number;
  accepted: number;
  duplicates: number;
  unmatched: number;
  rejected: number;
}

async function upload(p: Province, s: Service, i: number): Promise<string> {
  const f = p.files[i]!;
  const r = await fetch(`${s.base}/v1/feeds/${f.source}/batches`, {
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
async function uploadAll(p: Province, s: Service, parallel: number): Promise<string[]> {
  const batchIds: string[] = new Array(p.files.length);
  const b = bar('upload  [{bar}] {percentage}% | {value}/{total} files', p.files.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < p.files.length) {
        const i = next++;
        batchIds[i] = await upload(p, s, i);
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

function ingestFigures(p: Province, final: BatchStatus[], t: { start: number; uploaded: number; batchesDone: number; end: number }) {
  const sum = (k: keyof BatchStatus) => final.reduce((n, s) => n + Number(s[k]), 0);
  return {
    files: p.files.length,
    lines: sum('lines'),
    accepted: sum('accepted'),
    duplicates: sum('duplicates'),
    unmatched: sum('unmatched'),
    rejected: sum('rejected'),
    failedBatches: final.filter((s) => s.status === 'failed').length,
    expectedAccepted: p.expectedAccepted,
    uploadSeconds: sec(t.uploaded - t.start),
    batchesCompletedSeconds: sec(t.batchesDone - t.start),
    rescoreTailSeconds: sec(t.end - t.batchesDone),
    seconds: sec(t.end - t.start),
    eventsPerSecond: Math.round(sum('accepted') / ((t.end - t.start) / 1000)),
    /** Up to the last batch completed, rescoring still queued: the ingestion path alone. */
    eventsPerSecondToBatchesDone: Math.round(sum('accepted') / ((t.batchesDone - t.start) / 1000)),
  };
}

export async function ingestTheYear(p: Province, s: Service, parallelUploads: number): Promise<Ingest> {
  const start = Date.now();
  const batchIds = await uploadAll(p, s, parallelUploads);
  const uploaded = Date.now();
  log(`uploaded ${p.files.length} files (${(p.files.reduce((n, f) => n + f.bytes, 0) / 1048576).toFixed(0)} MiB) in ${sec(uploaded - start)} s`);
  const final = await awaitBatches(s, batchIds);
  const batchesDone = Date.now();
  await drainRescoring(s);
  const ingest = ingestFigures(p, final, { start, uploaded, batchesDone, end: Date.now() });
  log(
    `ingested ${ingest.accepted.toLocaleString()} events (expected ${p.expectedAccepted.toLocaleString()}) in ${ingest.seconds} s = ${ingest.eventsPerSecond.toLocaleString()} events/s ` +
      `(uploads ${ingest.uploadSeconds} s, batches done ${ingest.batchesCompletedSeconds} s, rescore tail ${ingest.rescoreTailSeconds} s)`,
  );
  return ingest;
}
