// The notify processor: one job per reminder (pensioner, due date, round), carrying ids only
// (never the reminder's code, which is made and kept by the reminder service).
// Sending is idempotent (see src/modules/reminders/service.ts): a job delivered again after
// the reminder went out does nothing; gateway errors worth retrying throw, so BullMQ retries
// the job with the backoff it was queued with.
import type { Worker } from 'bullmq';
import type { Logger } from '../src/infra/logger.ts';
import type { Queues } from '../src/infra/queue.ts';
import type { ReminderService } from '../src/modules/reminders/service.ts';

export interface NotifyWorkerOptions {
  concurrency?: number;
}

export interface NotifyDeps {
  queues: Queues;
  logger: Pick<Logger, 'warn'>;
  reminders: Pick<ReminderService, 'send'>;
}

export function createNotifyWorker(deps: NotifyDeps, o: NotifyWorkerOptions = {}): Worker {
  let warned = false;
  return deps.queues.worker(
    'notify',
    async (job) => {
      const outcome = await deps.reminders.send(job.data);
      if (outcome.status === 'skipped' && outcome.reason === 'no_gateway' && !warned) {
        warned = true;
        deps.logger.warn('SMS_GATEWAY_URL is not configured: certification reminders stay pending until it is (then run `npm run cli -- reminders requeue`)');
      }
      return outcome;
    },
    o.concurrency ? { concurrency: o.concurrency } : {},
  ) as Worker;
}
