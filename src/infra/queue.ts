// The queue backend: BullMQ on Redis when REDIS_URL is set, otherwise BullMQ's own
// PostgreSQL backend in the service's database. Jobs carry ids only, never personal data.
import { Queue, Worker, createPostgresBackend, type Job, type WorkerOptions, type QueueOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { JOBS, QUEUE_NAMES, type JobPayloads, type NewJob, type QueueName } from './jobs.ts';
import type { Logger } from './logger.ts';

export { QUEUE_NAMES, type QueueName };

/** A processor of one queue's jobs, typed by the registry. */
export type JobProcessor<N extends QueueName> = (job: Job<JobPayloads[N]>, token?: string) => Promise<unknown>;

export interface QueueBackendOptions {
  redisUrl?: string | undefined;
  databaseUrl: string;
  /** Redis key prefix, or the PostgreSQL schema, so several deployments or test files can share a server. */
  prefix: string;
  /** Where workers report failed jobs and connection errors. */
  logger?: Logger;
  /** How long `add` waits for the backend before it fails (QUEUE_ADD_TIMEOUT_MS). */
  addTimeoutMs?: number;
  /**
   * QUEUE_LOCK_MS: every worker's lock on its jobs, instead of each queue's own. A killed
   * worker's jobs are taken up once their lock has run out, found by a stalled check every half lock.
   */
  lockMs?: number | undefined;
}

export interface Queues {
  kind: 'redis' | 'postgres';
  get(name: QueueName): Queue;
  /** Adds jobs with the registry's options for their queue, in bulk. */
  add<N extends QueueName>(name: N, jobs: NewJob<N>[]): Promise<number>;
  /** A worker with the registry's defaults for its queue; failed jobs are logged. */
  worker<N extends QueueName>(name: N, processor: JobProcessor<N>, opts?: Partial<Omit<WorkerOptions, 'connection'>>): Worker<JobPayloads[N]>;
  /** Job counts per queue, for readiness and metrics. */
  depths(): Promise<Record<string, Record<string, number>>>;
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** `p`, or a rejection once `ms` have passed (`p` itself is not cancelled). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Connections of one queue's pool on the PostgreSQL backend when it only adds and reads jobs.
 * Each queue and worker has a pool of its own there: at 10 each (the backend's pools' size before),
 * one look at the queue view (every queue's counts at once) opened 52 connections, and the full
 * suite ran PostgreSQL out of them (53300).
 */
export const PRODUCER_POOL_MAX = 2;

/** The two backends behind one API: BullMQ's generics differ per backend, its classes do not. */
function backend(opts: QueueBackendOptions) {
  const redis = opts.redisUrl;
  let shared: Redis | undefined;
  const schema = opts.prefix.replace(/[^a-zA-Z0-9_]/g, '_').toLowerCase();
  const pgConnection = (max: number) => ({ connectionString: opts.databaseUrl, schema: `bullmq_${schema}`, migrate: true, max });
  return {
    queue(name: QueueName): Queue {
      if (!redis) return new (Queue as any)(name, { connection: pgConnection(PRODUCER_POOL_MAX) }, createPostgresBackend) as Queue;
      // Producers' commands fail after one reconnection attempt instead of waiting in ioredis'
      // offline queue for as long as Redis is away: a request must not hang on the queue, and
      // what it stored in PostgreSQL is queued again by the workers' recovery (jobs/recovery.ts).
      shared ??= new Redis(redis, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
      return new Queue(name, { connection: shared, prefix: opts.prefix } as QueueOptions);
    },
    worker(name: QueueName, processor: (job: Job, token?: string) => Promise<unknown>, wopts: Partial<WorkerOptions>): Worker {
      // A connection for each job it may run at once, and one to fetch the next.
      if (!redis)
        return new (Worker as any)(name, processor, { ...wopts, connection: pgConnection((wopts.concurrency ?? 1) + 1) }, createPostgresBackend) as Worker;
      return new Worker(name, processor, { ...wopts, connection: new Redis(redis, { maxRetriesPerRequest: null }), prefix: opts.prefix } as WorkerOptions);
    },
    close: () => shared?.disconnect(),
  };
}

export function createQueues(opts: QueueBackendOptions): Queues {
  const queues = new Map<QueueName, Queue>();
  const workers: Worker[] = [];
  const redis = opts.redisUrl;
  const make = backend(opts);
  const addTimeoutMs = opts.addTimeoutMs ?? 5000;

  return {
    kind: redis ? 'redis' : 'postgres',
    get(name) {
      let q = queues.get(name);
      if (!q) {
        q = make.queue(name);
        q.on('error', () => {});
        queues.set(name, q);
      }
      return q;
    },
    async add(name, jobs) {
      const defaults = JOBS[name].job;
      const q = this.get(name);
      for (let i = 0; i < jobs.length; i += 500) {
        const bulk = q.addBulk(
          jobs.slice(i, i + 500).map((j) => ({ name: j.name, data: j.data, opts: { ...defaults, jobId: j.jobId, delay: j.delay, ...j.opts } })),
        );
        // Bounded even where the connection does not know it is gone (a half-open socket).
        await withTimeout(bulk, addTimeoutMs, `queue ${name}`);
      }
      return jobs.length;
    },
    worker(name, processor, overrides = {}) {
      const lock = opts.lockMs ? { lockDuration: opts.lockMs, stalledInterval: Math.max(500, Math.floor(opts.lockMs / 2)) } : {};
      const wopts = { ...JOBS[name].worker, ...lock, ...overrides };
      const w = make.worker(name, processor as never, wopts);
      const log = opts.logger;
      w.on('error', (err: Error) => log?.warn({ queue: name, err }, 'queue connection error'));
      // Ids and counts only: a job's data may name pensioners by id, never by person.
      w.on('failed', (job: Job | undefined, err: Error) =>
        log?.warn({ queue: name, job: job?.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err }, 'job failed'),
      );
      workers.push(w as Worker);
      return w as any;
    },
    async depths() {
      const out: Record<string, Record<string, number>> = {};
      for (const name of QUEUE_NAMES) {
        out[name] = await this.get(name).getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      }
      return out;
    },
    async ping(timeoutMs = 2000) {
      await withTimeout(this.get('rescore').getJobCounts('waiting'), timeoutMs, 'queue backend');
    },
    async close() {
      await Promise.allSettled(workers.map((w) => w.close()));
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
      make.close();
    },
  };
}
