// The bureau dashboard's figures (GET /v1/reports/dashboard), the operators' queue view behind
// an admin key (/admin/queues), and the context a manual check carries for staff.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualCheckRepository } from '../../src/modules/manual-checks/repository.ts';
import { DASHBOARD_CHARTS } from '../../src/modules/reports/dashboard-page.ts';
import { createTestContext, withClient, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';
import Fastify from 'fastify';
import { QUEUE_NAMES } from '../../src/infra/jobs.ts';
import { createQueues, PRODUCER_POOL_MAX } from '../../src/infra/queue.ts';
import { queueBoardRoutes } from '../../src/modules/operations/queue-board.ts';
import { useErrorShape } from '../../src/http/error-handler.ts';

let t: TestContext;
let bureau: string;
let chengdu: string;
let staff: string;
let adminKey: string;
const ids: Record<string, string> = {};

async function addEvents(events: [nationalId: string, source: string, kind: string, occurredAt: string, location: string | null][]) {
  let n = 0;
  const res = await t.deps.pool.query<{ id: string }>(
    `INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, location, received_at, received_via)
     SELECT p.id, e.source, e.kind, e.source_ref, e.occurred_at, 'id_document', e.location, e.occurred_at + interval '1 day', 'import:dashboard-test'
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[]) AS e(national_id, source, kind, source_ref, occurred_at, location)
     JOIN pensioners p ON p.national_id = e.national_id
     RETURNING pensioner_id::text AS id`,
    [0, 1, 2, -1, 3, 4].map((i) => events.map((e) => (i === -1 ? `dashboard-test-${++n}-${e[3]}` : e[i]))),
  );
  await t.deps.certification.rescore(t.deps.db, [...new Set(res.rows.map((r) => r.id))], t.clock.now(), 'test');
}

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

beforeAll(async () => {
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  [bureau, chengdu, staff, adminKey] = await Promise.all([
    t.key('bureau'),
    t.key('bureau', { region: '5101' }),
    t.key('staff', { region: '5101' }),
    t.key('admin'),
  ]);
  ids.hospital = syntheticId('510104', '1950-02-02');
  ids.lapsed = syntheticId('510104', '1940-05-05');
  ids.mianyang = syntheticId('510703', '1950-07-07');
  await registerPensioner(t.app, bureau, ids.hospital, { lastCertifiedAt: '2025-09-01' });
  await registerPensioner(t.app, bureau, ids.lapsed, { lastCertifiedAt: '2025-05-10', name: '刘桂兰', phone: '13912345678' });
  await registerPensioner(t.app, bureau, ids.mianyang, { lastCertifiedAt: '2025-05-01', regionCode: '510703' });
  await addEvents([
    [ids.hospital, 'hospital', 'discharge', '2026-06-05T10:00:00+08:00', '510104'],
    [ids.mianyang, 'travel', 'rail_boarding', '2026-04-20T10:00:00+08:00', '510703'],
    // Card use certifies nobody; three on one day are one line of context for staff.
    [ids.lapsed, 'bank', 'atm', '2026-06-01T09:00:00+08:00', '510104'],
    [ids.lapsed, 'bank', 'atm', '2026-06-01T15:00:00+08:00', '510104'],
    [ids.lapsed, 'bank', 'atm', '2026-06-01T18:00:00+08:00', '510104'],
    [ids.lapsed, 'bank', 'cash_point', '2026-05-03T10:00:00+08:00', '510105'],
  ]);
  const pid = await t.deps.db.selectFrom('pensioners').select('id').where('national_id', '=', ids.lapsed).executeTakeFirstOrThrow();
  await createManualCheckRepository().open(
    t.deps.db,
    [{ pensionerId: String(pid.id), regionCode: '510104', reason: 'certification_due', priority: 75 }],
    new Date('2026-05-01T00:00:00Z'),
    'system:sweep',
  );
});
afterAll(async () => t?.close());

describe('GET /v1/reports/dashboard', () => {
  it('gives a year of figures for all regions, by province nationally', async () => {
    const res = await get('/v1/reports/dashboard', auth(bureau));
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json();
    expect(d.months).toHaveLength(12);
    expect(d.months.at(-1)).toBe('2026-06');
    expect(d.months[0]).toBe('2025-07');
    expect(d.total).toBe(3);
    expect(d.statusCounts).toMatchObject({ certified: 2, suspended: 1 });
    expect(d.silentByRegion).toEqual([{ region: '51', name: '四川省', living: 3, auto: 2, rate: 0.6667 }]);
    // By the date certified; the legacy dates given at registration are not certifications made here.
    const month = (m: string) => d.certificationsByMonth.find((x: { month: string }) => x.month === m);
    expect(month('2026-06')).toEqual({ month: '2026-06', certified: 1, auto: 1, rate: 1 });
    expect(month('2026-04')).toEqual({ month: '2026-04', certified: 1, auto: 1, rate: 1 });
    expect(month('2025-09')).toEqual({ month: '2025-09', certified: 0, auto: 0, rate: null });
    expect(d.evidenceByMonth).toEqual(
      expect.arrayContaining([
        { month: '2026-06', source: 'bank', events: 3 },
        { month: '2026-06', source: 'hospital', events: 1 },
        { month: '2026-04', source: 'travel', events: 1 },
      ]),
    );
    expect(d.backlog).toEqual({
      open: 1,
      claimed: 0,
      oldestDays: 45,
      byAge: [
        { band: '0-6', checks: 0 },
        { band: '7-29', checks: 0 },
        { band: '30-89', checks: 1 },
        { band: '90+', checks: 0 },
      ],
      byReason: [{ reason: 'certification_due', checks: 1 }],
    });
    expect(d.reminders).toHaveLength(12);
    expect(d.payroll).toEqual({
      month: '2026-06',
      holds: 1,
      resumptions: 0,
      stops: 0,
      state: 'preview',
      frozenAt: null,
      computedAt: '2026-06-15T04:00:00.000Z',
    });
  });

  it('splits by the next level of regions and keeps to the key’s own region', async () => {
    const all = (await get('/v1/reports/dashboard?region=51', auth(bureau))).json();
    expect(all.silentByRegion.map((r: { region: string; name: string }) => [r.region, r.name])).toEqual([
      ['5101', '成都市'],
      ['5107', '绵阳市'],
    ]);
    const mine = await get('/v1/reports/dashboard', auth(chengdu));
    expect(mine.json()).toMatchObject({ region: '5101', regionName: '成都市', total: 2 });
    expect(mine.json().silentByRegion.map((r: { region: string }) => r.region)).toEqual(['510104']);
    const outside = await get('/v1/reports/dashboard?region=5107', auth(chengdu));
    expect(outside.json()).toMatchObject({ region: '5107', total: 0, silentByRegion: [] });
  });

  it('refuses staff keys, no key and a bad region in the error shape, and audits each read', async () => {
    expect((await get('/v1/reports/dashboard', auth(staff))).json()).toMatchObject({ error: { code: 'forbidden' } });
    expect((await get('/v1/reports/dashboard')).statusCode).toBe(401);
    const bad = await get('/v1/reports/dashboard?region=51x', auth(bureau));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBeTruthy();
    const rows = await t.deps.db.selectFrom('audit_log').select(['action', 'pensioner_id']).where('action', '=', 'reports.dashboard').execute();
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.every((r) => r.pensioner_id === null)).toBe(true);
  });
});

describe('the dashboard page', () => {
  it('is served with its chart library from the service itself, cached for a year', async () => {
    const page = await get('/dashboard');
    expect(page.statusCode).toBe(200);
    const src = /src="(\/dashboard\/echarts-[0-9.]+\.min\.js)"/.exec(page.body)?.[1];
    expect(src).toBeTruthy();
    expect(page.body).not.toMatch(/https?:\/\//);
    const lib = await get(src!);
    expect(lib.statusCode).toBe(200);
    expect(lib.headers['cache-control']).toContain('max-age=31536000');
    expect(lib.headers['content-type']).toContain('javascript');
    expect((await get('/dashboard/nope.js')).json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('has a card for each chart of its list, and the pages’ shared head and stylesheet', async () => {
    const page = (await get('/dashboard')).body;
    expect(page.match(/class="chart" id="c-[a-z-]+"/g)).toHaveLength(DASHBOARD_CHARTS.length);
    expect(page).not.toContain('<!-- the charts');
    for (const url of ['/dashboard', '/staff', '/admin/sign-in']) {
      const html = (await get(url)).body;
      expect(html.startsWith('<!doctype html>\n<html lang="zh-CN">'), url).toBe(true);
      expect(html, url).toContain('<link rel="stylesheet" href="/pages/base.css" />');
      expect(html, url).toMatch(/<\/body>\n<\/html>\n$/);
    }
    const css = await get('/pages/base.css');
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
  });

  it('answers the browser’s own /favicon.ico with no content, not a 404 in its console', async () => {
    // A browser shown a document without an icon of its own (the JSON refusal of /admin/queues)
    // asks for /favicon.ico; a 404 there was an error in staff browsers' consoles (e2e pages test).
    const icon = await get('/favicon.ico');
    expect(icon.statusCode).toBe(204);
    expect(icon.body).toBe('');
    expect(icon.headers['cache-control']).toContain('max-age=');
  });
});

describe('the queue view at /admin/queues', () => {
  it('opens to an admin key only; anything else is refused in the error shape', async () => {
    const none = await get('/admin/queues');
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'unauthorized' } });
    for (const key of [bureau, staff]) {
      const res = await get('/admin/queues', auth(key));
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: 'forbidden' } });
    }
    expect((await get('/admin/queues/api/queues', auth('pk_nonsense'))).statusCode).toBe(401);

    const page = await get('/admin/queues', auth(adminKey));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('__UI_CONFIG__');
    expect(page.body).not.toMatch(/href="https?:\/\//);
    const api = await get('/admin/queues/api/queues', auth(adminKey));
    expect(api.statusCode, api.body).toBe(200);
    expect(
      api
        .json()
        .queues.map((q: { name: string }) => q.name)
        .sort(),
    ).toEqual(['audit-index', 'daily-sweep', 'evidence-partitions', 'ingest-batch', 'notify', 'payroll-freeze', 'pull-feed', 'rescore']);
  });

  it('shows a failed job with its reason, and retries it', async () => {
    // A job that fails on its only attempt (ids and counts only in its data, as every job's).
    const q = t.deps.queues.get('notify');
    await q.add('probe', { probe: true } as never, { attempts: 1, jobId: 'dashboard-probe' });
    const worker = t.deps.queues.worker('notify', async () => {
      throw new Error('gateway said no');
    });
    try {
      await expect.poll(async () => (await q.getJobCounts('failed')).failed, { timeout: 10_000 }).toBe(1);
    } finally {
      await worker.close();
    }
    const view = await get('/admin/queues/api/queues?activeQueue=notify&status=failed', auth(adminKey));
    const notify = view.json().queues.find((x: { name: string }) => x.name === 'notify');
    expect(notify.counts.failed).toBe(1);
    expect(notify.jobs[0].failedReason).toBe('gateway said no');
    const retry = await t.app.inject({ method: 'PUT', url: '/admin/queues/api/queues/notify/dashboard-probe/retry', headers: auth(adminKey) });
    expect(retry.statusCode, retry.body).toBe(204);
    expect((await q.getJobCounts('failed')).failed).toBe(0);
    // Retrying is an admin's act too.
    const refused = await t.app.inject({ method: 'PUT', url: '/admin/queues/api/queues/notify/dashboard-probe/retry', headers: auth(bureau) });
    expect(refused.statusCode).toBe(403);
    await q.obliterate({ force: true });
  });

  it('lets a browser sign in with an admin key, which sets an HttpOnly cookie the view accepts', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/admin/sign-in', headers: auth(bureau) })).statusCode).toBe(403);
    const res = await t.app.inject({ method: 'POST', url: '/admin/sign-in', headers: auth(adminKey) });
    expect(res.statusCode).toBe(204);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const pair = cookie.split(';')[0]!;
    expect((await get('/admin/queues/api/queues', { cookie: pair })).statusCode).toBe(200);
    expect((await get('/admin/queues/api/queues', { cookie: 'pension_admin_key=pk_wrong' })).statusCode).toBe(401);
    expect((await get('/admin/sign-in')).body).toContain('管理员密钥');
    const out = await t.app.inject({ method: 'DELETE', url: '/admin/sign-in' });
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
  });
});

describe('the queue view on the PostgreSQL queue backend (the embedded defaults, no Redis)', () => {
  it('shows the queues too, with a few connections per queue (regression: one view opened 52 at once)', async () => {
    const pg = await createTestContext({ queue: 'postgres' });
    const connections = () =>
      withClient(
        pg.ownerUrl,
        async (c) =>
          (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`))
            .rows[0]!.n,
      );
    try {
      const key = await pg.key('admin');
      const before = await connections();
      let peak = before;
      // One sample at a time, each awaited before the database goes (a sample cut off by the drop is an unhandled rejection).
      let sample: Promise<unknown> = Promise.resolve();
      const sampling = setInterval(() => {
        sample = sample.then(() => connections().then((n) => (peak = Math.max(peak, n)))).catch(() => {});
      }, 10);
      try {
        for (let i = 0; i < 3; i++) {
          const res = await pg.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: auth(key) });
          expect(res.statusCode, res.body).toBe(200);
          expect(res.json().queues).toHaveLength(QUEUE_NAMES.length);
        }
      } finally {
        clearInterval(sampling);
        await sample;
      }
      // A producer's pool holds at most PRODUCER_POOL_MAX connections (plus the sampler's own).
      expect(peak - before).toBeLessThanOrEqual(PRODUCER_POOL_MAX * QUEUE_NAMES.length + 1);
    } finally {
      await pg.close();
    }
  });
});

describe('a manual check as staff see it', () => {
  it('carries the masked phone, the deadline and the last distinct evidence by date', async () => {
    const res = await get('/v1/manual-checks', auth(staff));
    expect(res.statusCode).toBe(200);
    const [c] = res.json().items;
    expect(c).toMatchObject({
      reason: 'certification_due',
      phone: '139****5678',
      certificationStatus: 'suspended',
      deadline: '2026-05-10',
      attempts: 0,
    });
    expect(c.recentEvidence).toEqual([
      { date: '2026-06-01', source: 'bank', kind: 'atm', location: '510104', locationName: '成都市锦江区' },
      { date: '2026-05-03', source: 'bank', kind: 'cash_point', location: '510105', locationName: '成都市青羊区' },
    ]);
    const bureauView = (await get(`/v1/manual-checks/${c.id}`, auth(bureau))).json();
    expect(bureauView.phone).toBe('13912345678');
  });
});

describe('the queue view when its queue database cannot be reached', () => {
  // Regression: under the full suite's load the PostgreSQL queue backend failed to connect and
  // the board answered 500 internal_error; a database away is a 503 like everywhere else.
  it('answers 503 unavailable with Retry-After, not 500', async () => {
    const queues = createQueues({ databaseUrl: 'postgres://postgres@127.0.0.1:1/nowhere', prefix: 'unreachable' });
    const app = Fastify();
    useErrorShape(app); // the app's one error handler, which the board's errors go on to
    try {
      await app.register(queueBoardRoutes, { queues });
      const res = await app.inject({ method: 'GET', url: '/admin/queues/api/queues' });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().error.code).toBe('unavailable');
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      await app.close();
      await queues.close();
    }
  });
});
