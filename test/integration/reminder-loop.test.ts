// The reminder loop, end to end on real PostgreSQL and Redis, with msw as the SMS gateway and
// the national platform's pull interface: the daily sweep reminds those due with a personal
// code; a self-service face result carrying it certifies and answers the reminder; a failed
// face check opens one manual check; a second reminder goes a month later to those still not
// certified, never a third; at lapse the check rises; the report counts it all; codes never
// reach a job, a log, Redis or the database in clear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { REDIS_URL } from '../helpers/env.ts';
import { auth, pensionerBody, syntheticId } from '../helpers/people.ts';
import { createNotifyWorker } from '../../jobs/notify.ts';
import { parseFeeds } from '../../src/modules/feeds/config.ts';
import { LAPSE_STEP, SELF_SERVICE_FAILED_PRIORITY } from '../../src/domain/priority.ts';
import type { NotifyJobData } from '../../src/modules/reminders/service.ts';

const GATEWAY = 'http://sms.test/v1/messages';
const PLATFORM = 'http://ncp.test/face-results';
const server = setupServer();
let t: TestContext;
let bureau: string;
let feedKey: string;
let worker: Worker | undefined;

interface Sms {
  idempotencyKey: string | null;
  body: { to: string; template: string; params: { dueDate: string; code: string } };
}
const sms: Sms[] = [];
/** What the notify worker was given, job by job. */
const jobData: NotifyJobData[] = [];
/** Pages of the national platform's interface; the cursor is the index of the next page. */
const platformPages: Record<string, unknown>[][] = [];

// A: answers by push with the code; B: by pull with the code; G: fails once then passes (no
// code); C: fails (twice, then again); D: never answers; E: certified by a hospital stay; F: dies.
const names = ['A', 'B', 'C', 'D', 'E', 'F', 'G'] as const;
type Name = (typeof names)[number];
const people = {} as Record<Name, { nationalId: string; phone: string; id: string }>;
const DUE_FROM = '2026-05-15';

const at = (iso: string) => t.clock.set(iso);
const smsTo = (n: Name) => sms.filter((s) => s.body.to === people[n].phone);
const codeOf = (n: Name, round = 1) => smsTo(n)[round - 1]!.body.params.code;
const allCodes = () => sms.map((s) => s.body.params.code);

async function push(events: Record<string, unknown>[]) {
  const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: auth(feedKey), payload: events });
  expect(res.statusCode, res.body).toBe(202);
  return res.json() as { accepted: number; duplicates: number; unmatched: number; rejected: unknown[] };
}

const face = (n: Name, ref: string, occurredAt: string, more: Record<string, unknown> = {}) => ({
  nationalId: people[n].nationalId,
  source: 'self_service',
  kind: 'face',
  occurredAt,
  sourceRef: ref,
  identityCheck: 'biometric',
  ...more,
});
const faceFailed = (n: Name, ref: string, occurredAt: string) => ({ ...face(n, ref, occurredAt), kind: 'face_failed' });

/** What a rescore job would do: everyone pending is rescored. */
const rescore = () => t.deps.rescoring.rescorePending([]);
const sweep = () => t.deps.sweep.sweepPage('1', '1000000', t.clock.now());

async function certification(n: Name) {
  const res = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${people[n].nationalId}/certification`, headers: auth(bureau) });
  return res.json() as { status: string; certifiedAt: string; method: string };
}

async function reminders(n: Name) {
  const { rows } = await t.deps.pool.query<{ round: number; status: string; answered_at: Date | null; answered_event_id: string | null }>(
    `SELECT round, status, answered_at, answered_event_id::text FROM reminders WHERE pensioner_id = $1 ORDER BY round`,
    [people[n].id],
  );
  return rows;
}

async function checks(n: Name) {
  const { rows } = await t.deps.pool.query<{ reason: string; priority: number; status: string; opened_by: string }>(
    `SELECT reason, priority, status, opened_by FROM manual_checks WHERE pensioner_id = $1 ORDER BY reason`,
    [people[n].id],
  );
  return rows;
}

/** Waits until every reminder queued is no longer pending (the notify worker sent it). */
async function delivered(expectedSms: number) {
  const until = Date.now() + 20_000;
  for (;;) {
    const { rows } = await t.deps.pool.query<{ n: string }>(`SELECT count(*) AS n FROM reminders WHERE status = 'pending'`);
    if (rows[0]!.n === '0' && sms.length >= expectedSms) return;
    if (Date.now() > until) throw new Error(`${rows[0]!.n} reminders still pending, ${sms.length} SMS of ${expectedSms}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function summary(month: string) {
  const res = await t.app.inject({ method: 'GET', url: `/v1/reports/summary?month=${month}&region=510104`, headers: auth(bureau) });
  expect(res.statusCode).toBe(200);
  return res.json().reminders;
}

/** Every value under the test's queue prefix in Redis, as text. */
async function redisText(): Promise<string> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const out: string[] = [];
  try {
    for await (const keys of redis.scanStream({ match: `${t.deps.config.queuePrefix}:*`, count: 500 })) {
      for (const k of keys as string[]) {
        const type = await redis.type(k);
        if (type === 'string') out.push(String(await redis.get(k)));
        else if (type === 'hash') out.push(JSON.stringify(await redis.hgetall(k)));
        else if (type === 'list') out.push(JSON.stringify(await redis.lrange(k, 0, -1)));
        else if (type === 'set') out.push(JSON.stringify(await redis.smembers(k)));
        else if (type === 'zset') out.push(JSON.stringify(await redis.zrange(k, 0, -1)));
        else if (type === 'stream') out.push(JSON.stringify(await redis.xrange(k, '-', '+')));
      }
    }
  } finally {
    redis.disconnect();
  }
  return out.join('\n');
}

/** Nowhere but in the SMS: not in jobs, logs, Redis, audit rows or reminder rows. */
async function expectCodesKeptSecret() {
  const codes = allCodes();
  expect(codes.length).toBeGreaterThan(0);
  const jobs = JSON.stringify(jobData);
  const logs = t.logs.join('');
  const redis = await redisText();
  const { rows } = await t.deps.pool.query<{ t: string }>(
    `SELECT (SELECT coalesce(string_agg(row_to_json(r)::text, ''), '') FROM reminders r) || (SELECT coalesce(string_agg(row_to_json(a)::text, ''), '') FROM audit_log a) AS t`,
  );
  for (const code of codes) {
    expect(jobs).not.toContain(code);
    expect(logs).not.toContain(code);
    expect(redis).not.toContain(code);
    expect(rows[0]!.t.toUpperCase()).not.toContain(code);
  }
}

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  server.use(
    http.post(GATEWAY, async ({ request }) => {
      sms.push({ idempotencyKey: request.headers.get('idempotency-key'), body: (await request.json()) as Sms['body'] });
      return HttpResponse.json({ id: `msg-${sms.length}` }, { status: 202 });
    }),
    http.get(PLATFORM, ({ request }) => {
      if (request.headers.get('authorization') !== 'Bearer ncp-token') return new HttpResponse(null, { status: 401 });
      const since = Number(new URL(request.url).searchParams.get('since') ?? 0);
      const events = platformPages[since] ?? [];
      return HttpResponse.json({ events, nextCursor: events.length ? String(since + 1) : null, hasMore: false });
    }),
  );
  // 2026-06-15 12:00 in Shanghai; everyone is certified until 2026-07-15, so due since 2026-05-15.
  t = await createTestContext({ now: '2026-06-15T04:00:00Z', config: { smsGatewayUrl: GATEWAY } });
  bureau = await t.key('bureau');
  feedKey = await t.key('feed', { sources: ['self_service', 'hospital', 'death'] });
  for (const [i, n] of names.entries()) {
    const nationalId = syntheticId('510104', `194${i}-0${i + 1}-1${i}`);
    const phone = `1390000000${i}`;
    const res = await t.app.inject({
      method: 'PUT',
      url: `/v1/pensioners/${nationalId}`,
      headers: auth(bureau),
      payload: pensionerBody({ lastCertifiedAt: '2025-07-15', phone }),
    });
    expect(res.statusCode).toBe(201);
    const { rows } = await t.deps.pool.query<{ id: string }>(`SELECT id::text AS id FROM pensioners WHERE national_id = $1`, [nationalId]);
    people[n] = { nationalId, phone, id: rows[0]!.id };
  }
  const reminderService = t.deps.reminders;
  worker = createNotifyWorker({
    ...t.deps,
    reminders: {
      send: (d) => {
        jobData.push(structuredClone(d));
        return reminderService.send(d);
      },
    },
  });
});
afterAll(async () => {
  await worker?.close();
  server.close();
  await t?.close();
});

describe('the reminder loop', () => {
  it('the sweep reminds each person due once, with the due date and a personal code that is kept nowhere in clear', async () => {
    await sweep();
    await delivered(names.length);
    for (const n of names) {
      expect(smsTo(n)).toEqual([
        {
          idempotencyKey: `remind-${people[n].id}-${DUE_FROM}`,
          body: { to: people[n].phone, template: 'certification_due', params: { dueDate: '2026-07-15', code: expect.stringMatching(/^[2-9A-HJKMNP-Z]{8}$/) } },
        },
      ]);
    }
    expect(new Set(allCodes()).size).toBe(names.length);
    expect(jobData.map((d) => d.round)).toEqual(names.map(() => 1));
    await expectCodesKeptSecret();
    // Only a salted hash stays, and the code in clear is gone once the message went out.
    const { rows } = await t.deps.pool.query(
      `SELECT count(*)::int AS n FROM reminders WHERE code_hash IS NOT NULL AND pending_code IS NULL AND status = 'sent'`,
    );
    expect(rows[0].n).toBe(names.length);
  });

  it('a self-service face result with the code certifies and answers the reminder, pushed or pulled', async () => {
    at('2026-06-25T04:00:00Z');
    // The platform may send the code in any case.
    expect(await push([face('A', 'NCP-A-1', '2026-06-25T10:00:00+08:00', { reminderCode: codeOf('A').toLowerCase() })])).toMatchObject({ accepted: 1 });

    at('2026-06-28T04:00:00Z');
    platformPages.push([{ ...face('B', 'NCP-B-1', '2026-06-27T09:00:00+08:00', { reminderCode: codeOf('B') }), source: undefined, platformOnly: 'ignored' }]);
    const feed = parseFeeds([{ name: 'ncp-face', source: 'self_service', baseUrl: PLATFORM, token: 'ncp-token', pageSize: 100 }], t.deps.policy.catalogue)[0]!;
    expect(await t.deps.feeds.pull(feed)).toMatchObject({ accepted: 1, rejected: 0 });
    // G fails once and passes minutes later, without a code: certified, and no check for the failure.
    expect(await push([faceFailed('G', 'NCP-G-1', '2026-06-28T09:00:00+08:00'), face('G', 'NCP-G-2', '2026-06-28T09:05:00+08:00')])).toMatchObject({
      accepted: 2,
    });
    await rescore();

    expect(await certification('A')).toMatchObject({ status: 'certified', certifiedAt: '2026-06-25', method: 'self_service' });
    expect(await certification('B')).toMatchObject({ status: 'certified', certifiedAt: '2026-06-27', method: 'self_service' });
    expect(await certification('G')).toMatchObject({ status: 'certified', certifiedAt: '2026-06-28', method: 'self_service' });
    expect(await checks('G')).toEqual([expect.objectContaining({ reason: 'certification_due' })]);
    for (const n of ['A', 'B'] as const)
      expect(await reminders(n)).toEqual([expect.objectContaining({ round: 1, answered_at: expect.any(Date), answered_event_id: expect.any(String) })]);
    expect(await reminders('G')).toEqual([expect.objectContaining({ answered_at: null })]);

    // A code answers once: sent again (another result), it answers nothing more.
    expect(await push([face('A', 'NCP-A-2', '2026-06-28T10:00:00+08:00', { reminderCode: codeOf('A') })])).toMatchObject({ accepted: 1 });
    const { rows } = await t.deps.pool.query(`SELECT pensioner_id::text AS p, detail FROM audit_log WHERE action = 'reminder.answered' ORDER BY id`);
    expect(rows).toEqual([
      { p: people.A.id, detail: { dueFrom: DUE_FROM, round: 1, eventId: expect.any(String) } },
      { p: people.B.id, detail: { dueFrom: DUE_FROM, round: 1, eventId: expect.any(String) } },
    ]);

    expect(await summary('2026-06')).toEqual({
      sent: names.length,
      answeredBySelfService: 3,
      answeredWithCode: 2,
      certified: 3,
      daysToCertification: { mean: 11.7, median: 12 }, // 10, 12 and 13 days
    });
  });

  it('a failed face check opens one self_service_failed check, however often it fails', async () => {
    // Two failures in one push, a well-formed code that is not the person's, then the same failure again and a new one.
    expect(
      await push([
        faceFailed('C', 'NCP-C-1', '2026-06-28T08:00:00+08:00'),
        { ...faceFailed('C', 'NCP-C-2', '2026-06-28T08:10:00+08:00'), reminderCode: 'ZZZZZZZZ' },
      ]),
    ).toMatchObject({ accepted: 2, rejected: [] });
    // A feed key sees duplicates folded into accepted (no existence oracle); the rows say one was new.
    expect(await push([faceFailed('C', 'NCP-C-1', '2026-06-28T08:00:00+08:00'), faceFailed('C', 'NCP-C-3', '2026-06-28T09:00:00+08:00')])).toMatchObject({
      accepted: 2,
      duplicates: 0,
    });
    const stored = await t.deps.pool.query(`SELECT count(*)::int AS n FROM events WHERE source = 'self_service' AND source_ref LIKE 'NCP-C-%'`);
    expect(stored.rows[0].n).toBe(3);
    platformPages.push([{ ...faceFailed('C', 'NCP-C-4', '2026-06-28T10:00:00+08:00') }]);
    const feed = parseFeeds([{ name: 'ncp-face', source: 'self_service', baseUrl: PLATFORM, token: 'ncp-token', pageSize: 100 }], t.deps.policy.catalogue)[0]!;
    expect(await t.deps.feeds.pull(feed)).toMatchObject({ accepted: 1 });
    await rescore();

    expect(await checks('C')).toEqual([
      expect.objectContaining({ reason: 'certification_due', status: 'open' }),
      { reason: 'self_service_failed', priority: SELF_SERVICE_FAILED_PRIORITY, status: 'open', opened_by: 'system:self_service' },
    ]);
    // A failed check is no evidence of life, and the wrong code answered nothing.
    expect(await certification('C')).toMatchObject({ status: 'due', method: 'legacy' });
    expect(await reminders('C')).toEqual([expect.objectContaining({ answered_at: null })]);
    const { rows } = await t.deps.pool.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'manual_check.open' AND pensioner_id = $1`, [
      people.C.id,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('the second reminder goes a month after the first, only to those still not certified; at lapse the check rises; never a third', async () => {
    at('2026-07-10T04:00:00Z');
    expect(
      await push([
        {
          nationalId: people.E.nationalId,
          source: 'hospital',
          kind: 'admission',
          occurredAt: '2026-07-09T10:00:00+08:00',
          sourceRef: 'ZY-E-1',
          identityCheck: 'id_document',
        },
        {
          nationalId: people.F.nationalId,
          source: 'death',
          kind: 'cremation',
          occurredAt: '2026-07-05T10:00:00+08:00',
          sourceRef: 'HZ-F-1',
          identityCheck: 'id_document',
        },
        {
          nationalId: people.F.nationalId,
          source: 'death',
          kind: 'household_deregistration',
          occurredAt: '2026-07-06T10:00:00+08:00',
          sourceRef: 'HJ-F-1',
          identityCheck: 'id_document',
        },
      ]),
    ).toMatchObject({ accepted: 3 });
    await rescore();
    expect(await certification('E')).toMatchObject({ status: 'certified', certifiedAt: '2026-07-09' });
    expect(await certification('F')).toMatchObject({ status: 'deceased' });

    // Less than a month since the first reminders: nothing more.
    at('2026-07-14T04:00:00Z');
    await sweep();
    await delivered(names.length);
    expect(sms).toHaveLength(names.length);

    // A month on: C and D only (A, B, G, E certified since; F deceased).
    at('2026-07-15T04:00:00Z');
    await sweep();
    await delivered(names.length + 2);
    for (const n of ['C', 'D'] as const) {
      expect(smsTo(n)).toHaveLength(2);
      expect(smsTo(n)[1]).toEqual({
        idempotencyKey: `remind-${people[n].id}-${DUE_FROM}-2`,
        body: { to: people[n].phone, template: 'certification_due', params: { dueDate: '2026-07-15', code: expect.stringMatching(/^[2-9A-HJKMNP-Z]{8}$/) } },
      });
      expect(codeOf(n, 2)).not.toBe(codeOf(n, 1));
      expect((await reminders(n)).map((r) => [r.round, r.status])).toEqual([
        [1, 'sent'],
        [2, 'sent'],
      ]);
    }
    for (const n of ['A', 'B', 'E', 'F', 'G'] as const) expect(await reminders(n)).toHaveLength(1);
    expect(
      jobData
        .filter((d) => d.round === 2)
        .map((d) => d.pensionerId)
        .sort(),
    ).toEqual([people.C.id, people.D.id].sort());

    // At lapse (suspended from 2026-07-16) D's check moves up the queue.
    const dueCheck = async () => (await checks('D')).find((c) => c.reason === 'certification_due')!;
    const before = (await dueCheck()).priority;
    at('2026-07-16T04:00:00Z');
    await sweep();
    expect(await certification('D')).toMatchObject({ status: 'suspended' });
    expect((await dueCheck()).priority).toBeGreaterThanOrEqual(before + LAPSE_STEP - 1);

    // Sweeps go on; reminders do not.
    for (const day of ['2026-07-20', '2026-08-15', '2026-08-20', '2026-10-01']) {
      at(`${day}T04:00:00Z`);
      await sweep();
    }
    await delivered(names.length + 2);
    expect(sms).toHaveLength(names.length + 2);
    await expectCodesKeptSecret();
  });

  it('the report counts reminders by the month they were sent, with the days to certification', async () => {
    // June: A (10 days), B (12), G (13) by self-service, E (24) by a hospital stay.
    expect(await summary('2026-06')).toEqual({
      sent: names.length,
      answeredBySelfService: 3,
      answeredWithCode: 2,
      certified: 4,
      daysToCertification: { mean: 14.8, median: 12.5 },
    });
    // July: the second reminders of C and D, neither answered yet.
    expect(await summary('2026-07')).toEqual({
      sent: 2,
      answeredBySelfService: 0,
      answeredWithCode: 0,
      certified: 0,
      daysToCertification: { mean: null, median: null },
    });
    // Another region sees none of them.
    const res = await t.app.inject({ method: 'GET', url: '/v1/reports/summary?month=2026-06&region=5107', headers: auth(bureau) });
    expect(res.json().reminders).toMatchObject({ sent: 0, certified: 0 });
  });
});

// Three defects of the loop, each a regression test (written before its fix), on a fresh database.
describe('the reminder loop: failed face checks', () => {
  let u: TestContext;
  let uBureau: string;
  let uFeed: string;
  beforeAll(async () => {
    u = await createTestContext({ now: '2026-06-15T04:00:00Z' });
    uBureau = await u.key('bureau');
    uFeed = await u.key('feed', { sources: ['self_service', 'death'] });
  });
  afterAll(async () => u?.close());

  async function person(birth: string, lastCertifiedAt: string) {
    const nationalId = syntheticId('510104', birth);
    const res = await u.app.inject({ method: 'PUT', url: `/v1/pensioners/${nationalId}`, headers: auth(uBureau), payload: pensionerBody({ lastCertifiedAt }) });
    expect(res.statusCode).toBe(201);
    const { rows } = await u.deps.pool.query<{ id: string }>(`SELECT id::text AS id FROM pensioners WHERE national_id = $1`, [nationalId]);
    return { nationalId, id: rows[0]!.id };
  }
  const ev = (p: { nationalId: string }, source: string, kind: string, ref: string, occurredAt: string) => ({
    nationalId: p.nationalId,
    source,
    kind,
    occurredAt,
    sourceRef: ref,
    identityCheck: source === 'self_service' ? 'biometric' : 'id_document',
  });
  async function send(events: Record<string, unknown>[]) {
    const res = await u.app.inject({ method: 'POST', url: '/v1/events', headers: auth(uFeed), payload: events });
    expect(res.statusCode, res.body).toBe(202);
    await u.deps.rescoring.rescorePending([]);
  }
  const status = async (p: { nationalId: string }) =>
    (await u.app.inject({ method: 'GET', url: `/v1/pensioners/${p.nationalId}/certification`, headers: auth(uBureau) })).json().status as string;
  async function checksOf(p: { id: string }) {
    const { rows } = await u.deps.pool.query<{ reason: string; status: string; outcome: string | null }>(
      `SELECT reason, status, outcome FROM manual_checks WHERE pensioner_id = $1 ORDER BY reason, opened_at`,
      [p.id],
    );
    return rows;
  }

  it('a failed face check dated after a recorded death is no activity: the person stays deceased', async () => {
    const p = await person('1938-03-03', '2025-07-15');
    await send([
      ev(p, 'death', 'cremation', 'D1-HZ', '2026-06-01T10:00:00+08:00'),
      ev(p, 'death', 'household_deregistration', 'D1-HJ', '2026-06-02T10:00:00+08:00'),
    ]);
    expect(await status(p)).toBe('deceased');
    await send([ev(p, 'self_service', 'face_failed', 'D1-F', '2026-06-10T10:00:00+08:00')]);
    expect(await status(p)).toBe('deceased');
    expect((await checksOf(p)).map((c) => c.reason)).not.toContain('conflicting_death_record');
  });

  it('a passed face check delivered later closes the open self_service_failed check (resolved by the certification)', async () => {
    const p = await person('1941-04-04', '2025-07-15'); // due since 2026-05-15
    await send([ev(p, 'self_service', 'face_failed', 'D2-F', '2026-06-14T09:00:00+08:00')]);
    expect(await checksOf(p)).toEqual([{ reason: 'self_service_failed', status: 'open', outcome: null }]);
    await send([ev(p, 'self_service', 'face', 'D2-P', '2026-06-15T09:00:00+08:00')]);
    expect(await status(p)).toBe('certified');
    expect(await checksOf(p)).toEqual([{ reason: 'self_service_failed', status: 'resolved', outcome: 'certified' }]);
  });

  it('a failed face check opens a check only for someone who needs certifying: not the certified, not the deceased', async () => {
    const certified = await person('1942-05-05', '2026-03-01'); // certified until 2027-03-01, not due
    const dead = await person('1943-06-06', '2025-07-15');
    const due = await person('1944-07-07', '2025-07-15');
    await send([
      ev(dead, 'death', 'cremation', 'D3-HZ', '2026-06-01T10:00:00+08:00'),
      ev(dead, 'death', 'household_deregistration', 'D3-HJ', '2026-06-02T10:00:00+08:00'),
    ]);
    await send([
      ev(certified, 'self_service', 'face_failed', 'D3-F1', '2026-06-14T09:00:00+08:00'),
      ev(dead, 'self_service', 'face_failed', 'D3-F2', '2026-06-14T09:00:00+08:00'),
      ev(due, 'self_service', 'face_failed', 'D3-F3', '2026-06-14T09:00:00+08:00'),
    ]);
    expect(await checksOf(certified)).toEqual([]);
    expect(await checksOf(dead)).toEqual([]);
    expect(await checksOf(due)).toEqual([{ reason: 'self_service_failed', status: 'open', outcome: null }]);
  });
});
