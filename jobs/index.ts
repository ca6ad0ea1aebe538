// The BullMQ processors this process runs when its role includes workers; one file each.
import type { Worker } from 'bullmq';
import type { AppDeps } from '../src/app-deps.ts';

export type WorkerFactory = (deps: AppDeps) => Worker | Worker[] | Promise<Worker | Worker[]>;

const FACTORIES: WorkerFactory[] = [];

export async function startWorkers(deps: AppDeps): Promise<Worker[]> {
  const out: Worker[] = [];
  for (const f of FACTORIES) out.push(...[await f(deps)].flat());
  return out;
}

/** Job schedulers (cron in Asia/Shanghai) that this deployment keeps. */
export async function ensureSchedules(_deps: AppDeps): Promise<void> {}
