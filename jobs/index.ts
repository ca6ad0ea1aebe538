// The BullMQ processors this process runs when its role includes workers; one file each.
import type { Worker } from 'bullmq';
import type { AppDeps } from '../src/app-deps.ts';
import { createIngestBatchWorker, scheduleIngestSweep } from './ingest-batch.ts';
import { createPullFeedWorker, schedulePulls } from './pull-feed.ts';
import { createNotifyWorker } from './notify.ts';
import { createRescoreWorker } from './rescore.ts';
import { createDailySweepWorker, scheduleDailySweep } from './daily-sweep.ts';

export type WorkerFactory = (deps: AppDeps) => Worker | Worker[] | Promise<Worker | Worker[]>;

const FACTORIES: WorkerFactory[] = [
  (d) => createIngestBatchWorker(d),
  (d) => createPullFeedWorker(d),
  (d) => createNotifyWorker(d),
  (d) => createRescoreWorker(d),
  (d) => createDailySweepWorker(d),
];

export async function startWorkers(deps: AppDeps): Promise<Worker[]> {
  const out: Worker[] = [];
  for (const f of FACTORIES) out.push(...[await f(deps)].flat());
  return out;
}

/** Job schedulers (cron in Asia/Shanghai) that this deployment keeps. */
export async function ensureSchedules(deps: AppDeps): Promise<void> {
  await scheduleIngestSweep(deps);
  await schedulePulls(deps);
  await scheduleDailySweep(deps);
}
