// The BullMQ processors this process runs when its role includes workers, one file each,
// and the schedules every worker process keeps.
import type { Worker } from 'bullmq';
import type { Queues } from '../src/infra/queue.ts';
import { SCHEDULES, SCHEDULE_TZ, SCHEDULED_JOB_OPTIONS } from '../src/infra/jobs.ts';
import type { FeedInterface } from '../src/modules/feeds/config.ts';
import { createIngestBatchWorker, type IngestBatchDeps } from './ingest-batch.ts';
import { createPullFeedWorker, schedulePulls, type PullFeedDeps } from './pull-feed.ts';
import { createNotifyWorker, type NotifyDeps } from './notify.ts';
import { createRescoreWorker, type RescoreDeps } from './rescore.ts';
import { createDailySweepWorker, type DailySweepDeps } from './daily-sweep.ts';

export type WorkerDeps = IngestBatchDeps & PullFeedDeps & NotifyDeps & RescoreDeps & DailySweepDeps;

export function startWorkers(deps: WorkerDeps): Worker[] {
  return [createIngestBatchWorker(deps), createPullFeedWorker(deps), createNotifyWorker(deps), createRescoreWorker(deps), createDailySweepWorker(deps)];
}

/** Job schedulers (cron in Asia/Shanghai) that this deployment keeps. */
export async function ensureSchedules(queues: Queues, interfaces: FeedInterface[]): Promise<void> {
  for (const [key, s] of Object.entries(SCHEDULES)) {
    await queues.get(s.queue).upsertJobScheduler(key, { pattern: s.pattern, tz: SCHEDULE_TZ }, { name: s.job, data: {}, opts: SCHEDULED_JOB_OPTIONS });
  }
  await schedulePulls(queues, interfaces);
}
