// The pull-feed processor and its schedulers: one BullMQ job scheduler per department
// interface (cron in Asia/Shanghai). A job carries only the interface's name.
// 429 → that interface's job waits out Retry-After in the delayed set and runs again without
// spending an attempt (the other interfaces keep being pulled); 5xx and timeouts → the job's attempts with exponential backoff;
// a malformed page → the run fails at once, the cursor stays where it was.
import { DelayedError, UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { AppDeps } from '../src/app-deps.ts';
import { loadFeeds, type FeedInterface } from '../src/modules/feeds/config.ts';
import { createFeedService, MalformedPageError, ThrottledError } from '../src/modules/feeds/service.ts';
import { createEvidenceRepository } from '../src/modules/evidence/repository.ts';

export interface PullWorkerOptions {
  feeds?: FeedInterface[];
  concurrency?: number;
}

export function feedServiceOf(deps: AppDeps) {
  return createFeedService({ pool: deps.pool, repo: createEvidenceRepository(), clock: deps.clock, enqueueRescore: deps.evidence.enqueueRescore });
}

export function createPullFeedWorker(deps: AppDeps, o: PullWorkerOptions = {}): Worker {
  const feeds = new Map((o.feeds ?? loadFeeds(deps.config.feedsFile)).map((f) => [f.name, f]));
  const service = feedServiceOf(deps);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return deps.queues.worker<{ feed: string }>(
    'pull-feed',
    async (job: Job<{ feed: string }>, token?: string) => {
      const f = feeds.get(job.data.feed);
      if (!f) throw new UnrecoverableError(`no interface named ${job.data.feed} in the feeds configuration`);
      let last = 0;
      try {
        return await service.pull(f, {
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
    { concurrency: o.concurrency ?? 2 },
  ) as Worker;
}

export const PULL_JOB_OPTS = { attempts: 6, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: 500, removeOnFail: 1000 };

export async function schedulePulls(deps: AppDeps, feeds: FeedInterface[] = loadFeeds(deps.config.feedsFile)): Promise<void> {
  const q = deps.queues.get('pull-feed');
  const wanted = new Set(feeds.map((f) => `pull-${f.name}`));
  for (const f of feeds) {
    await q.upsertJobScheduler(`pull-${f.name}`, { pattern: f.schedule, tz: 'Asia/Shanghai' }, { name: 'pull', data: { feed: f.name }, opts: PULL_JOB_OPTS });
  }
  // Interfaces removed from the configuration stop being pulled.
  for (const s of await q.getJobSchedulers(0, -1)) {
    if (s.key.startsWith('pull-') && !wanted.has(s.key)) await q.removeJobScheduler(s.key);
  }
}
