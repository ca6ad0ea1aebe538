// The pull-feed processor and its schedulers: one BullMQ job scheduler per department
// interface (cron in Asia/Shanghai), pulls and match interfaces alike. A job carries only the
// interface's name and, for a match run it retries, the run's cursor (no personal data).
// 429 → that interface's job waits out Retry-After in the delayed set and runs again without
// spending an attempt (the other interfaces keep being pulled); 5xx and timeouts → the job's attempts with exponential backoff;
// a malformed page → the run fails at once, the cursor stays where it was.
import { DelayedError, UnrecoverableError, type Worker } from 'bullmq';
import type { Queues } from '../src/infra/queue.ts';
import { JOBS, SCHEDULE_TZ } from '../src/infra/jobs.ts';
import type { DepartmentInterface } from '../src/modules/feeds/config.ts';
import { MalformedPageError, ThrottledError, type FeedService } from '../src/modules/feeds/service.ts';
import type { MatchService } from '../src/modules/feeds/match.ts';

export interface PullWorkerOptions {
  concurrency?: number;
}

export interface PullFeedDeps {
  queues: Queues;
  feeds: Pick<FeedService, 'pull'>;
  matches: Pick<MatchService, 'run' | 'cursorOf'>;
  /** The department interfaces of FEEDS_FILE, read and checked at start. */
  feedInterfaces: DepartmentInterface[];
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
      // Pace requests to the interface's agreed rate.
      const beforePage = async () => {
        const wait = last + 1000 / f.ratePerSecond - Date.now();
        if (wait > 0) await sleep(wait);
        last = Date.now();
      };
      try {
        if (f.mode === 'match') return await deps.matches.run(f, { cursor: job.data.cursor, beforePage });
        return await deps.feeds.pull(f, { beforePage });
      } catch (e) {
        // A match run's retry goes on with that run, from the page that failed.
        if (f.mode === 'match') await job.updateData({ feed: f.name, cursor: (await deps.matches.cursorOf(f.name)) ?? undefined });
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
export async function schedulePulls(queues: Queues, interfaces: Pick<DepartmentInterface, 'name' | 'schedule'>[]): Promise<void> {
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
