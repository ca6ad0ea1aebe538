// The ingest-batch processor: the job carries only {batchId}; the file is in PostgreSQL.
// At-least-once delivery is safe: progress is committed with each chunk, so a re-run
// (stalled job, sweep, retry) resumes after the last committed chunk.
import { WaitingError, type Worker } from 'bullmq';
import type { Queues } from '../src/infra/queue.ts';
import type { EvidenceService } from '../src/modules/evidence/service.ts';
import { HandBack, StaleProgress, type IngestOptions } from '../src/modules/evidence/batch-merge.ts';

export interface IngestWorkerOptions extends IngestOptions {
  concurrency?: number;
  lockDuration?: number;
  stalledInterval?: number;
}

export interface IngestBatchDeps {
  queues: Queues;
  config: { ingestChunkLines: number };
  evidence: Pick<EvidenceService, 'processBatch' | 'sweep'>;
}

export function createIngestBatchWorker(deps: IngestBatchDeps, o: IngestWorkerOptions = {}): Worker {
  const chunkLines = o.chunkLines ?? deps.config.ingestChunkLines;
  const overrides = Object.fromEntries(
    Object.entries({ concurrency: o.concurrency, lockDuration: o.lockDuration, stalledInterval: o.stalledInterval }).filter(([, v]) => v !== undefined),
  );
  // On close (SIGTERM), a batch stops after the chunk it is committing and its job goes back to
  // the queue at once, for another worker to resume: waiting for the whole file would outlast the
  // shutdown timeout, and a job left locked waits for the stalled check (up to lock + interval).
  let closing = false;
  const worker = deps.queues.worker(
    'ingest-batch',
    async (job, token) => {
      if (job.name === 'sweep') return { requeued: await deps.evidence.sweep() };
      try {
        return await deps.evidence.processBatch(job.data.batchId!, {
          chunkLines,
          stopping: () => closing,
          afterChunk: async (id, done) => {
            await job.updateProgress({ recordsDone: done }).catch(() => {});
            await o.afterChunk?.(id, done);
          },
        });
      } catch (e) {
        if (e instanceof StaleProgress) return { status: 'superseded' };
        if (e instanceof HandBack) {
          await job.moveToWait(token);
          throw new WaitingError();
        }
        throw e;
      }
    },
    overrides,
  ) as Worker;
  worker.on('closing', () => (closing = true));
  return worker;
}
