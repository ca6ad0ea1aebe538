// The job registry: every queue's name, payload and options in one place, used by the
// producers (services) and the workers (jobs/) alike. Payloads carry ids only, never
// personal data: they sit in Redis and in BullMQ's logs.
import type { JobsOptions, WorkerOptions } from 'bullmq';

export interface JobPayloads {
  /** A stored batch to merge; the `sweep` job (no data) re-queues batches whose job was lost. */
  'ingest-batch': { batchId?: string };
  /** Pensioners to rescore; the worker tops the set up from `rescore_pending`. */
  rescore: { pensionerIds: string[] };
  /** The daily sweep: `sweep` fans out into `sweep-page` jobs of pensioner id ranges. */
  'daily-sweep': { day?: string; fromId?: string; toId?: string };
  /** One pull or match run of one department interface, by its name in FEEDS_FILE; a match run's retry names the run's cursor. */
  'pull-feed': { feed: string; cursor?: string };
  /** One reminder: (pensioner, due date, round; none is round 1). Never its code. */
  notify: { pensionerId: string; dueFrom: string; round?: 1 | 2 };
  /** The daily check that freezes next month's payroll run once PAYROLL_FREEZE_DAY has come (no data). */
  'payroll-freeze': Record<string, never>;
  /** The evidence's monthly partitions: `prepare` makes the months ahead, `retire` drops those past the retention. No data. */
  'evidence-partitions': Record<string, never>;
  /** The audit's index of whom many-person rows named: files the rows settled since the last run. No data. */
  'audit-index': Record<string, never>;
}
export type QueueName = keyof JobPayloads;
export const QUEUE_NAMES = [
  'ingest-batch',
  'rescore',
  'daily-sweep',
  'pull-feed',
  'notify',
  'payroll-freeze',
  'evidence-partitions',
  'audit-index',
] as const satisfies readonly QueueName[];

type WorkerDefaults = Partial<Pick<WorkerOptions, 'concurrency' | 'lockDuration' | 'stalledInterval' | 'maxStalledCount'>>;

interface JobContract {
  /** Options of every job added to the queue (a producer may add jobId and delay). */
  job: JobsOptions;
  worker: WorkerDefaults;
}

const exponential = (delay: number) => ({ type: 'exponential', delay }) as const;

export const JOBS: Record<QueueName, JobContract> = {
  // A batch's progress is committed per chunk, so retries resume; many attempts ride out outages.
  'ingest-batch': {
    job: { attempts: 10, backoff: exponential(2000), removeOnComplete: 1000, removeOnFail: 5000 },
    worker: { concurrency: 2, lockDuration: 60_000, stalledInterval: 30_000, maxStalledCount: 100 },
  },
  rescore: {
    job: { attempts: 5, backoff: exponential(1000), removeOnComplete: 10_000, removeOnFail: 10_000 },
    worker: { concurrency: 2, lockDuration: 60_000 },
  },
  'daily-sweep': {
    job: { attempts: 5, backoff: exponential(5000), removeOnComplete: 5000, removeOnFail: 5000 },
    worker: { concurrency: 2, lockDuration: 120_000 },
  },
  'pull-feed': {
    job: { attempts: 6, backoff: exponential(5000), removeOnComplete: 500, removeOnFail: 1000 },
    worker: { concurrency: 2 },
  },
  // Gone once done, so a reminder left pending (no gateway yet, retries exhausted) can be queued again.
  notify: {
    job: { attempts: 8, backoff: exponential(60_000), removeOnComplete: true, removeOnFail: { age: 12 * 3600 } },
    worker: { concurrency: 5 },
  },
  // One freeze at a time; a freeze of a province takes minutes, so the lock is long.
  'payroll-freeze': {
    job: { attempts: 5, backoff: exponential(60_000), removeOnComplete: 100, removeOnFail: 100 },
    worker: { concurrency: 1, lockDuration: 600_000 },
  },
  // One at a time: each step takes the evidence table's lock for a moment; a failed step (a
  // lock not got within its timeout) is retried, and the next day's run does it anyway.
  'evidence-partitions': {
    job: { attempts: 5, backoff: exponential(60_000), removeOnComplete: 100, removeOnFail: 100 },
    worker: { concurrency: 1, lockDuration: 600_000 },
  },
  // One at a time (runs take turns on the index's progress row anyway); a run stops starting steps after 5 min.
  'audit-index': {
    job: { attempts: 3, backoff: exponential(60_000), removeOnComplete: 100, removeOnFail: 100 },
    worker: { concurrency: 1, lockDuration: 600_000 },
  },
};

/** Cron schedules (Asia/Shanghai) kept by every worker process. */
export const SCHEDULES = {
  'ingest-batch-sweep': { queue: 'ingest-batch', job: 'sweep', pattern: '*/5 * * * *' },
  'daily-sweep': { queue: 'daily-sweep', job: 'sweep', pattern: '0 2 * * *' },
  // Daily, not on the freeze day alone: the day is configuration, and a missed day catches up.
  'payroll-freeze': { queue: 'payroll-freeze', job: 'freeze', pattern: '30 0 * * *' },
  // Daily, though a month is made or dropped only once: a missed day is made up the next.
  'evidence-partitions-prepare': { queue: 'evidence-partitions', job: 'prepare', pattern: '30 3 * * *' },
  'evidence-retention': { queue: 'evidence-partitions', job: 'retire', pattern: '45 3 * * *' },
  // Nightly, so that a person's reads of a day are one index row; the day's rows are read from the log meanwhile.
  'audit-index': { queue: 'audit-index', job: 'index', pattern: '15 4 * * *' },
} as const satisfies Record<string, { queue: QueueName; job: string; pattern: string }>;
export const SCHEDULE_TZ = 'Asia/Shanghai';
/** Scheduler-made jobs keep little history: they come back every few minutes. */
export const SCHEDULED_JOB_OPTIONS: JobsOptions = { removeOnComplete: 100, removeOnFail: 100 };

/** A job to add: its payload and, where re-adding must be a no-op, its id. */
export interface NewJob<N extends QueueName> {
  name: string;
  data: JobPayloads[N];
  jobId?: string;
  delay?: number;
  /** Overrides of the registry's options, for tests and one-off operator runs. */
  opts?: JobsOptions;
}
