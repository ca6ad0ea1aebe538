// Targeted comparison: match interfaces (FEEDS_FILE "mode": "match") are sent the national IDs
// of the people who need evidence and nobody else's, and only their answers are stored.
// msw plays the department; the assertions are on the bodies it received.
import { loadDefaultPolicy } from '../../src/domain/policy.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import type { Worker } from 'bullmq';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';
import { ids } from '../helpers/ingest.ts';
import { createPullFeedWorker } from '../../jobs/pull-feed.ts';
import { parseInterfaces, type MatchInterface } from '../../src/modules/feeds/config.ts';
import { ThrottledError } from '../../src/modules/feeds/service.ts';

let t: TestContext;
let admin: string;
const server = setupServer();

// 2026-06-15 12:00 in Shanghai; with withoutStrongMonths 6 the cut-off (and `since`) is 2025-12-15.
const NOW = '2026-06-15T04:00:00Z';
const who: Record<string, string> = {};
/** Due people of their own county per test, so tests do not share anyone. */
const county = {
  paging: ids(30, '510105', '1948-01-01'),
  malformed: ids(30, '510106', '1948-01-01'),
  strangers: ids(5, '510107', '1948-01-01'),
  again: ids(3, '510108', '1948-01-01'),
};

const match = (name: string, over: Record<string, unknown> = {}): MatchInterface =>
  parseInterfaces(
    [
      {
        mode: 'match',
        name,
        source: 'travel',
        url: `http://platform.test/${name}/match`,
        token: 'match-token',
        cron: '0 3 * * *',
        pageSize: 10,
        withoutStrongMonths: 6,
        ratePerSecond: 1000,
        timeoutMs: 1000,
        ...over,
      },
    ],
    loadDefaultPolicy().catalogue,
  )[0] as MatchInterface;

interface Asked {
  nationalIds: string[];
  since: string;
  authorization: string | null;
}

/** A department that records what it was asked and answers `answer(request number, IDs)`. */
function department(name: string, answer: (n: number, asked: string[]) => Response | Record<string, unknown>[] = () => []) {
  const asked: Asked[] = [];
  server.use(
    http.post(`http://platform.test/${name}/match`, async ({ request }) => {
      const body = (await request.json()) as { nationalIds: string[]; since: string };
      asked.push({ ...body, authorization: request.headers.get('authorization') });
      const a = answer(asked.length, body.nationalIds);
      return a instanceof Response ? a : HttpResponse.json({ events: a });
    }),
  );
  return asked;
}

/** A real-name boarding for each ID (source left out: it is the interface's). */
const boardings = (nationalIds: string[], tag: string) =>
  nationalIds.map((nationalId, i) => ({
    nationalId,
    kind: 'rail_boarding',
    occurredAt: '2026-06-10T08:00:00+08:00',
    sourceRef: `${tag}-${i}`,
    identityCheck: 'biometric',
  }));

const storedRefs = async (like: string) =>
  (await t.deps.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE source_ref LIKE $1`, [like])).rows[0]!.n;

const batch = async (id: string) => (await t.app.inject({ method: 'GET', url: `/v1/feeds/batches/${id}`, headers: auth(admin) })).json();

async function status(nationalId: string) {
  return (await t.app.inject({ method: 'GET', url: `/v1/pensioners/${nationalId}/certification`, headers: auth(admin) })).json().status;
}

async function runJob(w: Worker, name: string) {
  const q = t.deps.queues.get('pull-feed');
  const job = await q.add('pull', { feed: name }, { attempts: 4, backoff: { type: 'fixed', delay: 100 } });
  for (const until = Date.now() + 20_000; ;) {
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return { state, job: (await q.getJob(job.id!))! };
    if (Date.now() > until) throw new Error(`job still ${state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  t = await createTestContext({ now: NOW });
  admin = await t.key('admin');
  const people: [string, string, Record<string, unknown>][] = [
    ['recent', '1950-01-01', { lastCertifiedAt: '2026-03-15' }], // certified three months ago
    ['stale', '1950-02-02', { lastCertifiedAt: '2025-10-01' }], // not due yet, but no strong record in 6 months
    ['due', '1950-03-03', { lastCertifiedAt: '2025-07-15' }],
    ['suspended', '1950-04-04', { lastCertifiedAt: '2025-05-10' }],
    ['dead', '1950-05-05', { lastCertifiedAt: '2025-05-01' }],
    ['boarded', '1950-06-06', { lastCertifiedAt: '2025-06-01' }], // certified by a recent boarding below
    ['mianyang', '1950-07-07', { lastCertifiedAt: '2025-05-01', regionCode: '510703' }], // suspended, another region
  ];
  for (const [name, birth, over] of people) {
    who[name] = syntheticId(String(over.regionCode ?? '510104'), birth);
    await registerPensioner(t.app, admin, who[name]!, over);
  }
  for (const [region, list] of [
    ['510105', county.paging],
    ['510106', county.malformed],
    ['510107', county.strangers],
    ['510108', county.again],
  ] as const) {
    for (const id of list) await registerPensioner(t.app, admin, id, { regionCode: region, lastCertifiedAt: '2025-07-01' });
  }
  // Two death records of different kinds, and a recent boarding, stored and decided.
  const events = [
    [who.dead, 'death', 'cremation', '2026-06-01T00:30:00+08:00', 'id_document', '2026-05-30'],
    [who.dead, 'death', 'household_deregistration', '2026-06-03T09:00:00+08:00', 'id_document', '2026-05-30'],
    [who.boarded, 'travel', 'rail_boarding', '2026-06-01T09:00:00+08:00', 'biometric', null],
  ];
  const res = await t.deps.pool.query<{ id: string }>(
    `INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, death_date, received_at, received_via)
     SELECT p.id, e.source, e.kind, 'setup-' || e.ord, e.occurred_at, e.identity_check, e.death_date, e.occurred_at, 'import:test'
     FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::date[]) WITH ORDINALITY
       AS e(national_id, source, kind, occurred_at, identity_check, death_date, ord)
     JOIN pensioners p ON p.national_id = e.national_id RETURNING pensioner_id::text AS id`,
    [0, 1, 2, 3, 4, 5].map((i) => events.map((e) => e[i])),
  );
  await t.deps.certification.rescore(t.deps.db, [...new Set(res.rows.map((r) => r.id))], t.clock.now(), 'test');
  expect(await status(who.dead!)).toBe('deceased');
  expect(await status(who.boarded!)).toBe('certified');
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  await t?.close();
});

describe('a match run', () => {
  it('sends only the IDs of people who need evidence in its regions, in pages of pageSize, and certifies those it finds', async () => {
    const asked = department('chengdu', (n, nationalIds) => boardings(nationalIds, `CD${n}`));
    const f = match('chengdu', { regions: ['510104'], pageSize: 2 });
    const r = await t.deps.matches.run(f);
    const sent = asked.flatMap((a) => a.nationalIds);
    // Never the recently certified, the deceased or another region's people.
    expect(sent.sort()).toEqual([who.stale, who.due, who.suspended].sort());
    expect(asked.map((a) => a.nationalIds.length)).toEqual([2, 1]);
    expect(asked.every((a) => a.since === '2025-12-15' && a.authorization === 'Bearer match-token')).toBe(true);
    expect(r).toMatchObject({ completed: true, pages: 2, asked: 3, received: 3, accepted: 3, failedPages: 0 });

    // The run reads like a batch, attributed to its interface.
    expect(await batch(r.runId!)).toMatchObject({ source: 'travel', status: 'completed', lines: 3, accepted: 3, rejected: 0, interface: 'chengdu' });
    const stored = await t.deps.pool.query(`SELECT DISTINCT batch_id::text AS b, received_via AS via FROM events WHERE source_ref LIKE 'CD%'`);
    expect(stored.rows).toEqual([{ b: r.runId, via: 'match:chengdu' }]);

    // Their rescoring was queued with the pages; run it: the boardings certify them.
    while ((await t.deps.rescoring.rescorePending([])).toppedUp > 0);
    for (const p of ['stale', 'due', 'suspended']) expect(await status(who[p]!)).toBe('certified');

    // Audited per page: the interface and how many, never who.
    const audit = await t.deps.pool.query(`SELECT action, detail FROM audit_log WHERE detail->>'interface' = 'chengdu' ORDER BY id`);
    expect(audit.rows.filter((a) => a.action === 'feed.match.send').map((a) => a.detail.count)).toEqual([2, 1]);
    expect(audit.rows.filter((a) => a.action === 'feed.match').map((a) => a.detail.accepted)).toEqual([2, 1]);
    for (const id of Object.values(who)) expect(JSON.stringify(audit.rows)).not.toContain(id);

    // Certified now, they are not asked again.
    const again = department('chengdu');
    expect(await t.deps.matches.run(f)).toMatchObject({ completed: true, pages: 0 });
    expect(again).toEqual([]);
  });

  it('without regions asks the whole province (the other region included)', async () => {
    const asked = department('province', () => []);
    await t.deps.matches.run(match('province', { pageSize: 1000 }));
    const sent = asked.flatMap((a) => a.nationalIds);
    expect(sent).toContain(who.mianyang);
    expect(sent).not.toContain(who.recent);
    expect(sent).not.toContain(who.dead);
    expect(sent).not.toContain(who.boarded);
  });

  it('after a 429 resumes at the page that failed, through the queue; the job carries the cursor, no IDs', async () => {
    const asked = department('paging', (n, nationalIds) =>
      n === 2
        ? new HttpResponse(null, { status: 429, headers: { 'retry-after': '1' } })
        : n === 4
          ? new HttpResponse('down', { status: 503 })
          : boardings(nationalIds, `PG${n}`),
    );
    const f = match('paging', { regions: ['510105'] });
    const w = createPullFeedWorker({ ...t.deps, feedInterfaces: [f] });
    try {
      const { state, job } = await runJob(w, 'paging');
      expect(state).toBe('completed');
      expect(asked.map((a) => a.nationalIds.length)).toEqual([10, 10, 10, 10, 10]);
      // Page 2 asked again after the 429, page 3 after the 503; page 1 never again.
      expect(asked[2]!.nationalIds).toEqual(asked[1]!.nationalIds);
      expect(asked[4]!.nationalIds).toEqual(asked[3]!.nationalIds);
      expect(new Set(asked.flatMap((a) => a.nationalIds))).toEqual(new Set(county.paging));
      expect(JSON.stringify(job.data)).not.toMatch(/\d{17}[\dX]/);
      expect(job.data.cursor).toMatch(/^[0-9a-f-]{36}:\d+$/);
      // The last attempt's share: page 3, after the 503.
      expect(job.returnvalue).toMatchObject({ completed: true, accepted: 10 });
      expect(await batch(job.returnvalue.runId)).toMatchObject({ status: 'completed', lines: 30, accepted: 30 });
    } finally {
      await w.close();
    }
    for (const l of t.logs) for (const id of county.paging) expect(l).not.toContain(id);
  });

  it('a throttled run keeps what it stored and its cursor; the next call goes on from there', async () => {
    const asked = department('resume', (n, nationalIds) =>
      n === 2 ? new HttpResponse(null, { status: 429, headers: { 'retry-after': '5' } }) : boardings(nationalIds, `RS${n}`),
    );
    // The same people as the queue test, asked by another interface (its own run and cursor).
    const f = match('resume', { regions: ['510105'] });
    await expect(t.deps.matches.run(f)).rejects.toBeInstanceOf(ThrottledError);
    const cursor = await t.deps.matches.cursorOf('resume');
    expect(await storedRefs('RS1-%')).toBe(10);
    const r = await t.deps.matches.run(f, { cursor: cursor! });
    expect(r).toMatchObject({ runId: cursor!.split(':')[0], completed: true, pages: 2, accepted: 20 });
    expect(asked).toHaveLength(4);
    expect(asked[2]!.nationalIds).toEqual(asked[1]!.nationalIds);
    expect(new Set(asked.flatMap((a) => a.nationalIds))).toEqual(new Set(county.paging));
    // A job queued for a run that has ended does nothing.
    expect(await t.deps.matches.run(f, { cursor: cursor! })).toMatchObject({ runId: null, pages: 0 });
  });

  it('a malformed answer fails its page with nothing of it stored, is reported, and the run goes on', async () => {
    department('malformed', (n, nationalIds) =>
      n === 2
        ? HttpResponse.json({ events: [...boardings(nationalIds, 'MF2'), 'not an event'] })
        : n === 3
          ? new HttpResponse('<html>', { status: 200 })
          : boardings(nationalIds, `MF${n}`),
    );
    const r = await t.deps.matches.run(match('malformed', { regions: ['510106'] }));
    expect(r).toMatchObject({ completed: true, pages: 3, failedPages: 2, accepted: 10 });
    expect(await storedRefs('MF1-%')).toBe(10);
    expect(await storedRefs('MF2-%')).toBe(0);
    const b = await batch(r.runId!);
    expect(b).toMatchObject({ status: 'completed', lines: 10, accepted: 10 });
    expect(b.error).toMatch(/page of 10 people .* failed: malformed: an event is not an object; .*not JSON/);
    const failed = await t.deps.pool.query(`SELECT detail FROM audit_log WHERE action = 'feed.match.failed' AND detail->>'interface' = 'malformed'`);
    expect(failed.rows).toHaveLength(2);
    expect(t.logs.some((l) => l.includes('malformed page'))).toBe(true);
  });

  it('rejects records about people it did not ask about, registered or not', async () => {
    const outsider = syntheticId('510104', '1951-01-01'); // not a pensioner
    department('strangers', (_n, nationalIds) => [
      ...boardings(nationalIds, 'ST'),
      ...boardings([who.recent!, who.mianyang!, outsider], 'XX'),
      { ...boardings([nationalIds[0]!.toLowerCase()], 'LC')[0], kind: 'teleport' },
    ]);
    const r = await t.deps.matches.run(match('strangers', { regions: ['510107'] }));
    expect(r).toMatchObject({ completed: true, received: 9, accepted: 5 });
    expect(await storedRefs('XX-%')).toBe(0);
    const b = await batch(r.runId!);
    expect(b).toMatchObject({ lines: 9, accepted: 5, rejected: 4, unmatched: 0 });
    expect(b.rejects.map((x: { code: string }) => x.code)).toEqual(['not_asked', 'not_asked', 'not_asked', 'unknown_kind']);
    expect(JSON.stringify(b.rejects)).not.toContain(who.recent);
  });

  it('asks people it asked in the last clean run only for records since then (less the overlap); people new to it for the whole window', async () => {
    const asked = department('again', () => []);
    const f = match('again', { regions: ['510108'], overlapDays: 7 });
    await t.deps.matches.run(f);
    expect(asked.map((a) => [a.nationalIds.length, a.since])).toEqual([[3, '2025-12-15']]);
    // A week later, with someone registered since who needs evidence too.
    t.clock.set('2026-06-22T04:00:00Z');
    try {
      const newcomer = syntheticId('510108', '1949-09-09');
      await registerPensioner(t.app, admin, newcomer, { regionCode: '510108', lastCertifiedAt: '2025-07-01' });
      asked.length = 0;
      await t.deps.matches.run(f);
      expect(asked.map((a) => [a.nationalIds.sort(), a.since])).toEqual([
        [[...county.again].sort(), '2026-06-08'],
        [[newcomer], '2025-12-22'],
      ]);
    } finally {
      t.clock.set(NOW);
    }
  });
});
