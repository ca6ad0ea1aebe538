// Certification reminders through the SMS gateway (msw): sent once per due date, retried on
// 5xx and timeouts with the same Idempotency-Key, failed without retry on 4xx or no phone,
// and left pending (with one log line, no personal data) while no gateway is configured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse, delay } from 'msw';
import { setupServer } from 'msw/node';
import type { Worker } from 'bullmq';
import { storeEvents } from '../helpers/stored-events.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, pensionerBody, syntheticId } from '../helpers/people.ts';
import { createNotifyWorker } from '../../jobs/notify.ts';
import { createReminderService, queueReminders, requeuePendingReminders, type ReminderKey } from '../../src/modules/reminders/service.ts';
import { createReminderRepository } from '../../src/modules/reminders/repository.ts';

const GATEWAY = 'http://sms.test/v1/messages';
const server = setupServer();
let t: TestContext;
let bureau: string;
let worker: Worker | undefined;
// A short gateway timeout, so the 'slow' answer times out within the test.
const reminderService = (smsGatewayUrl: string | undefined) =>
  createReminderService({ transaction: t.deps.transaction, audit: t.deps.audit, clock: t.deps.clock, smsGatewayUrl, timeoutMs: 300 });

interface Sent {
  idempotencyKey: string | null;
  body: { to: string; template: string; params: { dueDate: string; code: string } };
}
const requests: Sent[] = [];
/** Per phone: the answers the gateway gives, in turn (the last one repeats). */
const script = new Map<string, ('ok' | 500 | 400 | 'slow')[]>();

const people: Record<string, { nationalId: string; phone?: string; key?: ReminderKey }> = {};

async function register(nationalId: string, phone: string | undefined) {
  const body = pensionerBody({ lastCertifiedAt: '2025-07-15' }) as Record<string, unknown>;
  if (phone) body.phone = phone;
  else delete body.phone;
  const res = await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${nationalId}`, headers: auth(bureau), payload: body });
  expect(res.statusCode).toBe(201);
  const { rows } = await t.deps.pool.query<{ id: string; due_from: string }>(
    `SELECT p.id::text AS id, c.due_from FROM pensioners p JOIN certifications c ON c.pensioner_id = p.id WHERE p.national_id = $1`,
    [nationalId],
  );
  return { pensionerId: rows[0]!.id, dueFrom: rows[0]!.due_from };
}

async function reminder(k: ReminderKey) {
  const { rows } = await t.deps.pool.query<{ status: string; attempts: number; sent_at: Date | null }>(
    `SELECT status, attempts, sent_at FROM reminders WHERE pensioner_id = $1 AND due_from = $2`,
    [k.pensionerId, k.dueFrom],
  );
  return rows[0];
}

async function settled(k: ReminderKey, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await reminder(k);
    if (r && r.status !== 'pending') return r;
    if (Date.now() > until) throw new Error(`reminder still ${r?.status} after ${r?.attempts} attempts`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

const sentTo = (phone: string) => requests.filter((r) => r.body.to === phone);

/** Audit rows of an action; the worker writes them just after the reminder's own commit. */
async function audited<T>(action: string, count: number): Promise<T[]> {
  const until = Date.now() + 10_000;
  for (;;) {
    const { rows } = await t.deps.pool.query(`SELECT pensioner_id::text AS pensioner_id, detail FROM audit_log WHERE action = $1 ORDER BY id`, [action]);
    if (rows.length >= count || Date.now() > until) return rows as T[];
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  server.use(
    http.post(GATEWAY, async ({ request }) => {
      const body = (await request.json()) as Sent['body'];
      requests.push({ idempotencyKey: request.headers.get('idempotency-key'), body });
      const answers = script.get(body.to) ?? ['ok'];
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (answer === 'slow') {
        await delay(1500);
        return HttpResponse.json({ id: 'late' });
      }
      if (answer === 'ok') return HttpResponse.json({ id: `msg-${requests.length}` }, { status: 202 });
      return HttpResponse.json({ error: 'nope' }, { status: answer });
    }),
  );
  // 2026-06-15 12:00 in Shanghai; everyone below is due (certified until 2026-07-15).
  t = await createTestContext({ now: '2026-06-15T04:00:00Z', config: { smsGatewayUrl: GATEWAY } });
  bureau = await t.key('bureau');
  const phones: Record<string, string | undefined> = {
    ok: '13800000001',
    flaky: '13800000002',
    rejected: '13800000003',
    slow: '13800000004',
    nophone: undefined,
    stale: '13800000005',
  };
  let n = 0;
  for (const [name, phone] of Object.entries(phones)) {
    const nationalId = syntheticId('510104', `1951-0${1 + (n++ % 9)}-11`);
    people[name] = { nationalId, phone, key: await register(nationalId, phone) };
  }
  script.set(phones.flaky!, [500, 'ok']);
  script.set(phones.rejected!, [400]);
  script.set(phones.slow!, ['slow', 'ok']);
  worker = createNotifyWorker({ ...t.deps, reminders: reminderService(t.deps.config.smsGatewayUrl) });
});
afterAll(async () => {
  await worker?.close();
  server.close();
  await t?.close();
});

describe('reminders through the SMS gateway', () => {
  it('sends once, with the due date, a personal code and an Idempotency-Key per pensioner and due date', async () => {
    const k = people.ok!.key!;
    expect(await queueReminders(t.deps.db, [k], t.deps.queues, { backoffMs: 50 })).toEqual({ pending: 1 });
    const r = await settled(k);
    expect(r).toMatchObject({ status: 'sent', attempts: 1 });
    expect(r!.sent_at).toBeInstanceOf(Date);
    expect(sentTo(people.ok!.phone!)).toEqual([
      {
        idempotencyKey: `remind-${k.pensionerId}-${k.dueFrom}`,
        body: { to: people.ok!.phone, template: 'certification_due', params: { dueDate: '2026-07-15', code: expect.stringMatching(/^[2-9A-HJKMNP-Z]{8}$/) } },
      },
    ]);
    expect(await audited('reminder.sent', 1)).toEqual([{ pensioner_id: k.pensionerId, detail: { dueFrom: k.dueFrom, attempts: 1 } }]);
  });

  it('never sends twice for the same due date: queueing again, or the job delivered again, does nothing', async () => {
    const k = people.ok!.key!;
    expect(await queueReminders(t.deps.db, [k], t.deps.queues, { backoffMs: 50 })).toEqual({ pending: 0 });
    // A redelivery of the same job (as BullMQ may do after a stall).
    const q = t.deps.queues.get('notify');
    const job = await q.add('notify', { pensionerId: k.pensionerId, dueFrom: k.dueFrom }, { jobId: `redeliver_${k.pensionerId}` });
    const until = Date.now() + 10_000;
    while ((await job.getState()) !== 'completed' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect((await q.getJob(job.id!))!.returnvalue).toEqual({ status: 'skipped', reason: 'already_sent' });
    expect(sentTo(people.ok!.phone!)).toHaveLength(1);
    expect(await reminder(k)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('retries after a 500 and after a timeout, with the same Idempotency-Key, until sent', async () => {
    const flaky = people.flaky!.key!;
    const slow = people.slow!.key!;
    await queueReminders(t.deps.db, [flaky, slow], t.deps.queues, { backoffMs: 50 });
    expect(await settled(flaky)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await settled(slow)).toMatchObject({ status: 'sent', attempts: 2 });
    for (const [p, k] of [
      [people.flaky!, flaky],
      [people.slow!, slow],
    ] as const) {
      const sent = sentTo(p.phone!);
      expect(sent).toHaveLength(2);
      expect(new Set(sent.map((s) => s.idempotencyKey))).toEqual(new Set([`remind-${k.pensionerId}-${k.dueFrom}`]));
      // The same message each time: the retry resends the code of the first attempt.
      expect(new Set(sent.map((s) => s.body.params.code)).size).toBe(1);
    }
  });

  it('fails without retry on a 4xx, and without a request when there is no phone or it is no longer due', async () => {
    const rejected = people.rejected!.key!;
    const nophone = people.nophone!.key!;
    // A reminder for an earlier due date than the current certification's is stale.
    const stale = { pensionerId: people.stale!.key!.pensionerId, dueFrom: '2025-05-15' };
    await queueReminders(t.deps.db, [rejected, nophone, stale], t.deps.queues, { backoffMs: 50 });
    expect(await settled(rejected)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await settled(nophone)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await settled(stale)).toMatchObject({ status: 'failed', attempts: 1 });
    await new Promise((r) => setTimeout(r, 400));
    expect(sentTo(people.rejected!.phone!)).toHaveLength(1);
    expect(sentTo(people.stale!.phone!)).toHaveLength(0);
    const rows = await audited<{ pensioner_id: string; detail: { reason: string } }>('reminder.failed', 3);
    const reasons = Object.fromEntries(rows.map((r) => [r.pensioner_id, r.detail.reason]));
    expect(reasons).toEqual({ [rejected.pensionerId]: 'gateway_400', [nophone.pensionerId]: 'no_phone', [stale.pensionerId]: 'no_longer_due' });
  });
  it('sends nothing to a person reported dead or detained', async () => {
    const reported = { nationalId: syntheticId('510104', '1952-02-12'), phone: '13800000006' };
    const detained = { nationalId: syntheticId('510104', '1952-03-12'), phone: '13800000007' };
    const keys = [await register(reported.nationalId, reported.phone), await register(detained.nationalId, detained.phone)];
    // Reminders queued for them (as the sweep did while they were due) meet one death record
    // (payment held until verified) and a pre-trial detention when they are sent.
    await storeEvents(t, [
      {
        nationalId: reported.nationalId,
        source: 'death',
        kind: 'cremation',
        occurredAt: '2026-06-14T12:00:00+08:00',
        receivedAt: '2026-06-15T09:00:00+08:00',
        deathDate: '2026-06-14',
      },
      {
        nationalId: detained.nationalId,
        source: 'judicial',
        kind: 'pretrial_detention',
        occurredAt: '2026-06-14T12:00:00+08:00',
        receivedAt: '2026-06-15T09:00:00+08:00',
      },
    ]);
    await queueReminders(t.deps.db, keys, t.deps.queues, { backoffMs: 50 });
    for (const k of keys) expect(await settled(k)).toMatchObject({ status: 'failed', attempts: 1 });
    expect([...sentTo(reported.phone), ...sentTo(detained.phone)]).toHaveLength(0);
    const rows = await audited<{ pensioner_id: string; detail: { reason: string } }>('reminder.failed', 5);
    const reasons = Object.fromEntries(rows.map((r) => [r.pensioner_id, r.detail.reason]));
    expect(reasons).toMatchObject({ [keys[0]!.pensionerId]: 'death_reported', [keys[1]!.pensionerId]: 'detained' });
  });
});

describe('without SMS_GATEWAY_URL', () => {
  it('leaves reminders pending and logs once, without personal data', async () => {
    await worker?.close();
    const warnings: string[] = [];
    worker = createNotifyWorker({ ...t.deps, logger: { warn: (m: string) => warnings.push(m) } as never, reminders: reminderService(undefined) });
    const a = syntheticId('510104', '1952-02-12');
    const b = syntheticId('510104', '1952-03-13');
    const keys = [await register(a, '13800000011'), await register(b, '13800000012')];
    const before = requests.length;
    await queueReminders(t.deps.db, keys, t.deps.queues, { backoffMs: 50 });
    const q = t.deps.queues.get('notify');
    const until = Date.now() + 10_000;
    // Jobs are removed once complete.
    while (Date.now() < until) {
      const left = await Promise.all(keys.map((k) => q.getJob(`remind_${k.pensionerId}_${k.dueFrom}`)));
      if (left.every((j) => !j)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const k of keys) expect(await reminder(k)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(requests.length).toBe(before);
    expect(warnings).toHaveLength(1);
    for (const secret of [a, b, '13800000011', '13800000012', ...keys.map((k) => k.pensionerId)]) expect(warnings[0]).not.toContain(secret);
  });
});

describe('reminders requeue (npm run cli -- reminders requeue)', () => {
  it('queues every pending reminder, so that once a gateway is configured they are sent', async () => {
    await worker?.close();
    worker = createNotifyWorker({ ...t.deps, reminders: reminderService(GATEWAY) });
    const phone = '13800000021';
    const k = await register(syntheticId('510104', '1953-04-14'), phone);
    // Recorded by a sweep while no gateway was configured: pending, and no job left.
    expect(await createReminderRepository().insertPending(t.deps.db, [k])).toEqual([{ ...k, round: 1 }]);
    expect(await t.deps.queues.get('notify').getJob(`remind_${k.pensionerId}_${k.dueFrom}`)).toBeUndefined();

    const { queued } = await requeuePendingReminders(t.deps, { backoffMs: 50 });
    expect(queued).toBeGreaterThanOrEqual(1);
    expect(await settled(k)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(sentTo(phone)).toHaveLength(1);
  });
});
