// The queue backend: BullMQ on Redis when REDIS_URL is set, otherwise BullMQ's own
// PostgreSQL backend in the service's database. Jobs carry ids only, never personal data.
import { Queue, Worker, createPostgresBackend, type Processor, type WorkerOptions, type QueueOptions } from 'bullmq';
import { Redis } from 'ioredis';

export const QUEUE_NAMES = ['ingest-batch', 'rescore', 'daily-sweep', 'pull-feed', 'notify'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface QueueBackendOptions {
  redisUrl?: string | undefined;
  databaseUrl: string;
  /** Redis key prefix, or the PostgreSQL schema, so several deployments or test files can share a server. */
  prefix: string;
}

export interface Queues {
  kind: 'redis' | 'postgres';
  get(name: QueueName): Queue;
  worker<T = unknown, R = unknown>(name: QueueName, processor: Processor<T, R>, opts?: Partial<Omit<WorkerOptions, 'connection'>>): Worker<T, R>;
  /** Job counts per queue, for readiness and metrics. */
  depths(): Promise<Record<string, Record<string, number>>>;
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function createQueues(opts: QueueBackendOptions): Queues {
  const queues = new Map<QueueName, Queue>();
  const workers: Worker[] = [];
  const redis = opts.redisUrl;
  let shared: Redis | undefined;

  const schema = opts.prefix.replace(/[^a-zA-Z0-9_]/g, '_').toLowerCase();
  const pgConnection = { connectionString: opts.databaseUrl, schema: `bullmq_${schema}`, migrate: true, max: 10 };

  // BullMQ's generics differ per backend; both are driven through the same class API.
  const makeQueue = (name: QueueName): Queue => {
    if (redis) {
      shared ??= new Redis(redis, { maxRetriesPerRequest: null, enableOfflineQueue: true });
      return new Queue(name, { connection: shared, prefix: opts.prefix } as QueueOptions);
    }
    return new (Queue as any)(name, { connection: pgConnection }, createPostgresBackend) as Queue;
  };

  return {
    kind: redis ? 'redis' : 'postgres',
    get(name) {
      let q = queues.get(name);
      if (!q) {
        q = makeQueue(name);
        q.on('error', () => {});
        queues.set(name, q);
      }
      return q;
    },
    worker(name, processor, wopts = {}) {
      const w = redis
        ? new Worker(name, processor, {
            ...wopts,
            connection: new Redis(redis, { maxRetriesPerRequest: null }),
            prefix: opts.prefix,
          } as WorkerOptions)
        : (new (Worker as any)(name, processor, { ...wopts, connection: pgConnection }, createPostgresBackend) as Worker);
      w.on('error', () => {});
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
      if (shared) shared.disconnect();
    },
  };
}
