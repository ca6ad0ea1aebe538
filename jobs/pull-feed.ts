// The pull-feed processor and its schedulers: one BullMQ job scheduler per department
// interface (cron in Asia/Shanghai). A job carries only the interface's name.
// 429 → that interface's job waits out Retry-After in the delayed set and runs again without
// spending an attempt (the other interfaces keep being pulled); 5xx and timeouts → the job's attempts with exponential backoff;
// a malformed page → the run fails at once, the cursor stays where it was.
import { DelayedError, UnrecoverableError, type Worker } from 'bullmq';
import type { Queues } from '../src/infra/queue.ts';
import { JOBS, SCHEDULE_TZ } from '../src/infra/jobs.ts';
import type { FeedInterface } from '../src/modules/feeds/config.ts';
import { MalformedPageError, ThrottledError, type FeedService } from '../src/modules/feeds/service.ts';

export interface PullWorkerOptions {
  concurrency?: number;
}

export interface PullFeedDeps {
  queues: Queues;
  feeds: Pick<FeedService, 'pull'>;
  /** The department interfaces of FEEDS_FILE, read and checked at start. */
  feedInterfaces: FeedInterface[];
}

export function createPullFeedWorker(deps: PullFeedDeps, o: PullWorkerOptions = {}): Worker {
  const feeds = new Map(deps.feedInterfaces.map((f) => [f.name, f]));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return deps.queues.worker(
    'pull-feed',
    async (job, token) => {
      const f = feeds.get(job.data.feed);
      if (!f) throw new UnrecoverableError(`no interface named ${job.data.feed} in the feeds configuration`);
      let last = 0;
      try {
        return await deps.feeds.pull(f, {
          // Pace requests to the interface's agreed rate.
          beforePage: async () => {
            const wait = last + 1000 / f.ratePerSecond - Date.now();
            if (wait > 0) await sleep(wait);
            last = Date.now();
          },
        });
      } catch (e) {
        if (e instanceof ThrottledError) {
          // Delaying this job alone: worker.rateLimit would pause every interface's pulls.
          await job.moveToDelayed(Date.now() + e.retryAfterMs, token);
          throw new DelayedError();
        }
        if (e instanceof MalformedPageError) throw new UnrecoverableError(e.message);
        throw e;
      }
    },
    o.concurrency ? { concurrency: o.concurrency } : {},
  ) as Worker;
}

/** One scheduler per interface; interfaces removed from the configuration stop being pulled. */
export async function schedulePulls(queues: Queues, interfaces: FeedInterface[]): Promise<void> {
  const q = queues.get('pull-feed');
  const wanted = new Set(interfaces.map((f) => `pull-${f.name}`));
  for (const f of interfaces) {
    await q.upsertJobScheduler(
      `pull-${f.name}`,
      { pattern: f.schedule, tz: SCHEDULE_TZ },
      { name: 'pull', data: { feed: f.name }, opts: JOBS['pull-feed'].job },
    );
  }
  for (const s of await q.getJobSchedulers(0, -1)) {
    if (s.key.startsWith('pull-') && !wanted.has(s.key)) await q.removeJobScheduler(s.key);
  }
}
