// The notify processor: one job per reminder (pensioner, due date), carrying ids only.
// Sending is idempotent (see src/modules/reminders/service.ts): a job delivered again after
// the reminder went out does nothing; gateway errors worth retrying throw, so BullMQ retries
// the job with the backoff it was queued with.
import type { Job, Worker } from 'bullmq';
import type { AppDeps } from '../src/app-deps.ts';
import { createReminderService, type NotifyJobData } from '../src/modules/reminders/service.ts';

export interface NotifyWorkerOptions {
  concurrency?: number;
  timeoutMs?: number;
  /** Where the one warning about a missing gateway goes (never personal data). */
  warn?: (msg: string) => void;
}

const defaultWarn = (msg: string) => process.stderr.write(`${JSON.stringify({ level: 40, time: Date.now(), msg })}\n`);

export function createNotifyWorker(deps: AppDeps, o: NotifyWorkerOptions = {}): Worker {
  const reminders = createReminderService({
    db: deps.db,
    audit: deps.audit,
    clock: deps.clock,
    smsGatewayUrl: deps.config.smsGatewayUrl,
    timeoutMs: o.timeoutMs,
  });
  const warn = o.warn ?? defaultWarn;
  let warned = false;
  return deps.queues.worker<NotifyJobData>(
    'notify',
    async (job: Job<NotifyJobData>) => {
      const outcome = await reminders.send(job.data);
      if (outcome.status === 'skipped' && outcome.reason === 'no_gateway' && !warned) {
        warned = true;
        warn('SMS_GATEWAY_URL is not configured: certification reminders stay pending until it is (then requeue them)');
      }
      return outcome;
    },
    { concurrency: o.concurrency ?? 5 },
  );
}
