// The ingest-batch processor: the job carries only {batchId}; the file is in PostgreSQL.
// At-least-once delivery is safe: progress is committed with each chunk, so a re-run
// (stalled job, sweep, retry) resumes after the last committed chunk.
import type { Job, Worker } from 'bullmq';
import type { AppDeps } from '../src/app-deps.ts';
import { StaleProgress, type IngestOptions } from '../src/modules/evidence/service.ts';

export interface IngestWorkerOptions extends IngestOptions {
  concurrency?: number;
  lockDuration?: number;
  stalledInterval?: number;
}

export function createIngestBatchWorker(deps: AppDeps, o: IngestWorkerOptions = {}): Worker {
  const chunkLines = o.chunkLines ?? (Number(process.env.INGEST_CHUNK_LINES) || 20_000);
  return deps.queues.worker<{ batchId: string }>(
    'ingest-batch',
    async (job: Job<{ batchId: string }>) => {
      if (job.name === SWEEP_JOB) return { requeued: await deps.evidence.sweep() };
      try {
        return await deps.evidence.processBatch(job.data.batchId, {
          chunkLines,
          afterChunk: async (id, done) => {
            await job.updateProgress({ recordsDone: done }).catch(() => {});
            await o.afterChunk?.(id, done);
          },
        });
      } catch (e) {
        if (e instanceof StaleProgress) return { status: 'superseded' };
        throw e;
      }
    },
    {
      concurrency: o.concurrency ?? 2,
      lockDuration: o.lockDuration ?? 60_000,
      stalledInterval: o.stalledInterval ?? 30_000,
      maxStalledCount: 100,
    },
  );
}

export const SWEEP_JOB = 'sweep';

/** Every 5 minutes: batches left received/processing with no live job are enqueued again. */
export async function scheduleIngestSweep(deps: AppDeps): Promise<void> {
  await deps.queues
    .get('ingest-batch')
    .upsertJobScheduler(
      'ingest-batch-sweep',
      { pattern: '*/5 * * * *', tz: 'Asia/Shanghai' },
      { name: SWEEP_JOB, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
}
