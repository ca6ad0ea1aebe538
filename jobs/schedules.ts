// The schedules every worker process keeps: the cron jobs of the job registry and one pull per
// department interface. Kept again whenever missing (jobs/recovery.ts): Redis losing its data
// loses them with everything else.
import type { Queues } from '../src/infra/queue.ts';
import { SCHEDULES, SCHEDULE_TZ, SCHEDULED_JOB_OPTIONS, type QueueName } from '../src/infra/jobs.ts';
import type { DepartmentInterface } from '../src/modules/feeds/config.ts';
import { schedulePulls } from './pull-feed.ts';

/** Job schedulers (cron in Asia/Shanghai) that this deployment keeps. */
export async function ensureSchedules(queues: Queues, interfaces: DepartmentInterface[]): Promise<void> {
  for (const [key, s] of Object.entries(SCHEDULES)) {
    await queues.get(s.queue).upsertJobScheduler(key, { pattern: s.pattern, tz: SCHEDULE_TZ }, { name: s.job, data: {}, opts: SCHEDULED_JOB_OPTIONS });
  }
  await schedulePulls(queues, interfaces);
}

/** The keys of the schedules this deployment keeps that the queue does not have. */
export async function missingSchedules(queues: Queues, interfaces: DepartmentInterface[]): Promise<string[]> {
  const wanted: [string, QueueName][] = [
    ...Object.entries(SCHEDULES).map(([key, s]) => [key, s.queue] as [string, QueueName]),
    ...interfaces.map((f) => [`pull-${f.name}`, 'pull-feed'] as [string, QueueName]),
  ];
  const missing: string[] = [];
  for (const [key, queue] of wanted) if (!(await queues.get(queue).getJobScheduler(key))) missing.push(key);
  return missing;
}
