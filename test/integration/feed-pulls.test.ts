// Scheduled pulls from the data-sharing platform's interfaces, against msw handlers that
// page, throttle, fail and return garbage.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse, delay } from 'msw';
import { setupServer } from 'msw/node';
import type { Worker } from 'bullmq';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { ids, register } from '../helpers/ingest.ts';
import { createPullFeedWorker, schedulePulls } from '../../jobs/pull-feed.ts';
import { parseFeeds, type FeedInterface } from '../../src/modules/feeds/config.ts';
import { loadDefaultPolicy } from '../../src/domain/policy.ts';

const { catalogue } = loadDefaultPolicy();

let t: TestContext;
const people = ids(30, '510104', '1945-07-01');
const server = setupServer();

function page(from: number, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    nationalId: people[(from + i) % people.length],
    kind: 'rail_boarding',
    occurredAt: '2026-06-10T08:00:00+08:00',
    sourceRef: `TR-${from + i}`,
    identityCheck: 'biometric',
    passengerName: '不存', // extra fields are ignored
  }));
}

const feed = (name: string, over: Partial<FeedInterface> = {}): FeedInterface => ({
  ...parseFeeds(
    [{ name, source: 'travel', baseUrl: `http://platform.test/${name}/events`, token: 'secret-token', pageSize: 10, ratePerSecond: 100, timeoutMs: 500 }],
    catalogue,
  )[0]!,
  ...over,
});

/** An interface with `total` events served 10 a page; cursor = offset. */
function pagingHandler(
  name: string,
  total: number,
  hooks: { onRequest?: (n: number, req: Request) => Response | Promise<Response | undefined> | undefined } = {},
) {
  let n = 0;
  return http.get(`http://platform.test/${name}/events`, async ({ request }) => {
    n++;
    const hooked = await hooks.onRequest?.(n, request);
    if (hooked) return hooked;
    if (request.headers.get('authorization') !== 'Bearer secret-token') return new HttpResponse(null, { status: 401 });
    const url = new URL(request.url);
    const since = Number(url.searchParams.get('since') ?? 0);
    const limit = Number(url.searchParams.get('limit'));
    const events = page(since, Math.max(0, Math.min(limit, total - since)));
    const next = since + events.length;
    return HttpResponse.json({ events, nextCursor: String(next), hasMore: next < total });
  });
}

async function runJob(w: Worker, name: string, opts: Record<string, unknown> = {}) {
  const q = t.deps.queues.get('pull-feed');
  const job = await q.add('pull', { feed: name }, { attempts: 4, backoff: { type: 'exponential', delay: 100 }, ...opts });
  const until = Date.now() + 20_000;
  for (;;) {
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return { state, job: (await q.getJob(job.id!))! };
    if (Date.now() > until) throw new Error(`job still ${state} after ${job.attemptsMade} attempts: ${(await q.getJob(job.id!))?.failedReason}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  await register(t, await t.key('admin'), people);
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  await t?.close();
});

describe('pulling an interface', () => {
  it('pages since the cursor, stores each page with its cursor, and resumes from it', async () => {
    let requests: string[] = [];
    server.use(pagingHandler('rail', 25, { onRequest: (_n, req) => void requests.push(new URL(req.url).search) }));
    const svc = t.deps.feeds;
    const f = feed('rail');
    const r1 = await svc.pull(f);
    expect(r1).toMatchObject({ pages: 3, accepted: 25, cursor: '25' });
    expect(requests).toEqual(['?limit=10', '?since=10&limit=10', '?since=20&limit=10']);
    expect(await svc.cursorOf('rail')).toBe('25');
    const n = await t.deps.pool.query(`SELECT count(*)::int AS n FROM events WHERE source = 'travel' AND source_ref LIKE 'TR-%'`);
    expect(n.rows[0].n).toBe(25);
    requests = [];
    const r2 = await svc.pull(f);
    expect(r2).toMatchObject({ pages: 1, accepted: 0 });
    expect(requests).toEqual(['?since=25&limit=10']);
    // Every stored page is audited with the interface that brought it.
    const audited = await t.deps.pool.query(`SELECT detail FROM audit_log WHERE action = 'feed.pull' AND detail->>'interface' = 'rail' ORDER BY id`);
    expect(audited.rows.map((r) => r.detail.accepted)).toEqual([10, 10, 5, 0]);
  });

  it('waits out a 429 with Retry-After through the queue, without spending an attempt', async () => {
    server.use(
      pagingHandler('throttled', 5, { onRequest: (n) => (n === 1 ? new HttpResponse(null, { status: 429, headers: { 'retry-after': '1' } }) : undefined) }),
    );
    const w = createPullFeedWorker({ ...t.deps, feedInterfaces: [feed('throttled')] });
    try {
      const started = Date.now();
      const { state, job } = await runJob(w, 'throttled');
      expect(state).toBe('completed');
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(job.attemptsMade).toBeLessThanOrEqual(1);
      expect(job.returnvalue).toMatchObject({ accepted: 0 + job.returnvalue.accepted, pages: 1 });
    } finally {
      await w.close();
    }
  });

  it('a throttled interface waits alone: the other interfaces keep being pulled', async () => {
    server.use(
      pagingHandler('slowdown', 5, { onRequest: () => new HttpResponse(null, { status: 429, headers: { 'retry-after': '30' } }) }),
      pagingHandler('open', 5),
    );
    const w = createPullFeedWorker({ ...t.deps, feedInterfaces: [feed('slowdown'), feed('open')] }, { concurrency: 1 });
    try {
      const q = t.deps.queues.get('pull-feed');
      const throttled = await q.add('pull', { feed: 'slowdown' }, { attempts: 4 });
      for (let i = 0; (await throttled.getState()) !== 'delayed'; i++) {
        if (i > 200) throw new Error('the throttled pull never went into the delayed set');
        await new Promise((r) => setTimeout(r, 50));
      }
      const started = Date.now();
      const { state } = await runJob(w, 'open');
      expect(state).toBe('completed');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await throttled.getState()).toBe('delayed');
      await throttled.remove();
    } finally {
      await w.close();
    }
  });

  it('backs off on 5xx and timeouts, then succeeds', async () => {
    server.use(
      pagingHandler('flaky', 5, {
        onRequest: async (n) => {
          if (n === 1) return new HttpResponse('down', { status: 503 });
          if (n === 2) {
            await delay(1500); // longer than timeoutMs
            return HttpResponse.json({ events: [], nextCursor: null });
          }
          return undefined;
        },
      }),
    );
    const w = createPullFeedWorker({ ...t.deps, feedInterfaces: [feed('flaky')] });
    try {
      const { state, job } = await runJob(w, 'flaky');
      expect(state).toBe('completed');
      expect(job.attemptsMade).toBeGreaterThanOrEqual(2);
      expect(await t.deps.feeds.cursorOf('flaky')).toBe('5');
    } finally {
      await w.close();
    }
  });

  it('a malformed page fails the run and leaves the cursor after the last good page', async () => {
    server.use(
      pagingHandler('garbage', 30, {
        onRequest: (n) => (n === 2 ? new HttpResponse('<html>maintenance</html>', { status: 200, headers: { 'content-type': 'text/html' } }) : undefined),
      }),
    );
    const w = createPullFeedWorker({ ...t.deps, feedInterfaces: [feed('garbage')] });
    try {
      const { state, job } = await runJob(w, 'garbage');
      expect(state).toBe('failed');
      expect(job.failedReason).toContain('not JSON');
      expect(job.attemptsMade).toBe(1); // not retried: the next scheduled run tries again
      expect(await t.deps.feeds.cursorOf('garbage')).toBe('10');
    } finally {
      await w.close();
    }
    server.use(http.get('http://platform.test/shape/events', () => HttpResponse.json({ events: 'nope', nextCursor: 3 })));
    await expect(t.deps.feeds.pull(feed('shape'))).rejects.toThrow(/events array/);
    expect(await t.deps.feeds.cursorOf('shape')).toBeNull();
  });

  it('counts rejected events of a page without failing it', async () => {
    server.use(
      http.get('http://platform.test/mixed/events', ({ request }) =>
        new URL(request.url).searchParams.get('since')
          ? HttpResponse.json({ events: [], nextCursor: 'b', hasMore: false })
          : HttpResponse.json({
              events: [...page(100, 2), { ...page(102, 1)[0], kind: 'teleport' }, { ...page(103, 1)[0], source: 'bank' }],
              nextCursor: 'b',
              hasMore: false,
            }),
      ),
    );
    const r = await t.deps.feeds.pull(feed('mixed'));
    expect(r).toMatchObject({ accepted: 2, rejected: 2, cursor: 'b' });
  });
});

describe('schedules and configuration', () => {
  it('keeps one scheduler per interface in Asia/Shanghai, and drops removed ones', async () => {
    await schedulePulls(t.deps.queues, [feed('a', { schedule: '0 2 * * *' }), feed('b')]);
    let s = await t.deps.queues.get('pull-feed').getJobSchedulers(0, -1);
    expect(s.map((x) => [x.key, x.tz, x.pattern]).sort()).toEqual([
      ['pull-a', 'Asia/Shanghai', '0 2 * * *'],
      ['pull-b', 'Asia/Shanghai', '*/15 * * * *'],
    ]);
    await schedulePulls(t.deps.queues, [feed('b')]);
    s = await t.deps.queues.get('pull-feed').getJobSchedulers(0, -1);
    expect(s.map((x) => x.key)).toEqual(['pull-b']);
  });

  it('rejects a bad configuration with a clear message', () => {
    expect(() => parseFeeds([{ name: 'x', source: 'astrology', baseUrl: 'http://a' }], catalogue)).toThrow(/source astrology/);
    expect(() => parseFeeds([{ name: 'x', source: 'bank', baseUrl: 'not a url' }], catalogue)).toThrow(/baseUrl/);
    expect(() => parseFeeds([{ name: 'x', source: 'bank', baseUrl: 'http://a', tokenEnv: 'NOPE_NOT_SET' }], catalogue, {})).toThrow(/NOPE_NOT_SET/);
    expect(() => parseFeeds({}, catalogue)).toThrow(/array/);
  });
});
