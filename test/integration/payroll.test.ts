// GET /v1/payroll/{YYYY-MM}: holds, resumptions with back pay, stops with the overpayment,
// region scoping. Evidence rows are stored with the instant they were received
// (helpers/stored-events.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { createRescoreWorker } from '../../jobs/rescore.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';
import { storeEvents, type StoredEvent } from '../helpers/stored-events.ts';

let t: TestContext;
let bureau: string;
let chengdu: string;
const ids: Record<string, string> = {};

const register = (id: string, over: Record<string, unknown>) => registerPensioner(t.app, bureau, id, over);

const addEvents = (events: StoredEvent[]) => storeEvents(t, events);

async function payroll(month: string, key = bureau, query = '') {
  return t.app.inject({ method: 'GET', url: `/v1/payroll/${month}${query}`, headers: auth(key) });
}

beforeAll(async () => {
  // 2026-06-15 12:00 in Shanghai.
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  bureau = await t.key('bureau');
  chengdu = await t.key('bureau', { region: '5101' });
  ids.certified = syntheticId('510104', '1950-01-01');
  ids.suspended = syntheticId('510104', '1950-02-02');
  ids.resumed = syntheticId('510104', '1950-03-03');
  ids.deceased = syntheticId('510104', '1950-04-04');
  ids.jailed = syntheticId('510105', '1960-05-05');
  ids.mianyang = syntheticId('510703', '1950-06-06');

  await register(ids.certified, { lastCertifiedAt: '2026-03-15' });
  // Lapsed on 2026-05-10: held from 2026-05-11.
  await register(ids.suspended, { lastCertifiedAt: '2025-05-10' });
  // Lapsed on 2026-03-01 (April, May and June held), then a hospital discharge on 2026-06-12.
  await register(ids.resumed, { lastCertifiedAt: '2025-03-01', monthlyBenefit: '2000.00' });
  await register(ids.deceased, { lastCertifiedAt: '2026-01-10', monthlyBenefit: '3120.50' });
  await register(ids.jailed, { lastCertifiedAt: '2026-01-10', regionCode: '510105' });
  await register(ids.mianyang, { lastCertifiedAt: '2025-05-01', regionCode: '510703' });

  await addEvents([
    {
      nationalId: ids.resumed,
      source: 'hospital',
      kind: 'discharge',
      occurredAt: '2026-06-12T10:00:00+08:00',
      receivedAt: '2026-06-14T02:00:00+08:00',
      identityCheck: 'id_document',
    },
    // Died 2026-03-20; the cremation record arrived 2026-06-10, verified by the deregistration
    // the same day (policy 2026.3: a second record of another kind): April, May and June were paid.
    {
      nationalId: ids.deceased,
      source: 'death',
      kind: 'cremation',
      occurredAt: '2026-03-22T09:00:00+08:00',
      receivedAt: '2026-06-10T09:00:00+08:00',
      identityCheck: 'id_document',
      deathDate: '2026-03-20',
    },
    {
      nationalId: ids.deceased,
      source: 'death',
      kind: 'household_deregistration',
      occurredAt: '2026-03-25T09:00:00+08:00',
      receivedAt: '2026-06-10T09:00:00+08:00',
      identityCheck: 'id_document',
      deathDate: '2026-03-20',
    },
    {
      nationalId: ids.jailed,
      source: 'judicial',
      kind: 'custodial_sentence_start',
      occurredAt: '2026-05-20T09:00:00+08:00',
      receivedAt: '2026-05-21T09:00:00+08:00',
      identityCheck: 'id_document',
    },
  ]);
});
afterAll(async () => t?.close());

describe('GET /v1/payroll/{month}', () => {
  it('lists the holds, the resumption with back pay and the stop with the overpayment, in the month after the death was received', async () => {
    const res = await payroll('2026-07');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.month).toBe('2026-07');
    expect(body.stops).toEqual([
      {
        nationalId: ids.deceased,
        deathDate: '2026-03-20',
        overpaidMonths: 3,
        overpaymentAmount: '9361.50',
        estateBackPayMonths: 0,
        estateBackPayAmount: '0.00',
      },
    ]);
    expect(body.resumptions).toEqual([{ nationalId: ids.resumed, backPayMonths: 3, backPayAmount: '6000.00' }]);
    expect(body.holds).toEqual(
      expect.arrayContaining([
        { nationalId: ids.suspended, status: 'suspended', since: '2026-05-11' },
        { nationalId: ids.jailed, status: 'ineligible', since: '2026-05-20' },
        { nationalId: ids.mianyang, status: 'suspended', since: '2026-05-02' },
      ]),
    );
    expect(body.holds).toHaveLength(3);
    const everyone = [...body.holds, ...body.resumptions, ...body.stops].map((x: { nationalId: string }) => x.nationalId);
    expect(everyone).not.toContain(ids.certified);
  });

  it('takes a cremation record pushed to POST /v1/events through the rescore queue to the next payroll month', async () => {
    const worker = createRescoreWorker(t.deps);
    try {
      const id = syntheticId('510104', '1940-08-08');
      await register(id, { lastCertifiedAt: '2026-02-01', monthlyBenefit: '1800.25' });
      const admin = await t.key('admin');
      const push = await t.app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: auth(admin),
        payload: [
          {
            nationalId: id,
            source: 'death',
            kind: 'cremation',
            occurredAt: '2026-05-03T10:00:00+08:00',
            sourceRef: 'CR-2026-0001',
            identityCheck: 'id_document',
            deathDate: '2026-04-30',
          },
          // The second record of another kind verifies the death (policy 2026.3).
          {
            nationalId: id,
            source: 'death',
            kind: 'death_certificate',
            occurredAt: '2026-05-02T10:00:00+08:00',
            sourceRef: 'DC-2026-0001',
            identityCheck: 'id_document',
            deathDate: '2026-04-30',
          },
        ],
      });
      expect(push.statusCode).toBe(202);
      expect(push.json().accepted).toBe(2);
      const until = Date.now() + 20_000;
      for (;;) {
        const c = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}/certification`, headers: auth(bureau) });
        if (c.json().status === 'deceased') break;
        if (Date.now() > until) throw new Error(`still ${c.json().status}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // Received 2026-06-15: the July run stops it; May and June were paid after the death in April.
      const july = (await payroll('2026-07')).json();
      expect(july.stops).toContainEqual({
        nationalId: id,
        deathDate: '2026-04-30',
        overpaidMonths: 2,
        overpaymentAmount: '3600.50',
        estateBackPayMonths: 0,
        estateBackPayAmount: '0.00',
      });
      const june = (await payroll('2026-06')).json();
      expect(june.stops.map((x: { nationalId: string }) => x.nationalId)).not.toContain(id);
    } finally {
      await worker.close();
    }
  });

  it('applies a stop once: the month after shows nothing for the deceased, and no resumption either', async () => {
    t.clock.set('2026-07-15T04:00:00Z');
    const body = (await payroll('2026-08')).json();
    t.clock.set('2026-06-15T04:00:00Z');
    expect(body.stops).toEqual([]);
    expect(body.resumptions).toEqual([]);
    expect(body.holds.map((h: { nationalId: string }) => h.nationalId).sort()).toEqual([ids.jailed, ids.mianyang, ids.suspended].sort());
  });

  it('shows the June run as it was: the dead person still paid, the resumed one still held', async () => {
    const body = (await payroll('2026-06')).json();
    expect(body.stops).toEqual([]);
    expect(body.resumptions).toEqual([]);
    expect(body.holds).toEqual(expect.arrayContaining([{ nationalId: ids.resumed, status: 'suspended', since: '2026-03-02' }]));
  });

  it('scopes by the key and narrows by ?region', async () => {
    const chengduBody = (await payroll('2026-07', chengdu)).json();
    const seen = [...chengduBody.holds, ...chengduBody.resumptions, ...chengduBody.stops].map((x: { nationalId: string }) => x.nationalId);
    expect(seen).not.toContain(ids.mianyang);
    expect(seen).toContain(ids.suspended);

    const mianyang = (await payroll('2026-07', bureau, '?region=5107')).json();
    expect(mianyang).toEqual({
      month: '2026-07',
      holds: [{ nationalId: ids.mianyang, status: 'suspended', since: '2026-05-02' }],
      resumptions: [],
      stops: [],
      state: 'preview',
      frozenAt: null,
    });

    const jinjiang = (await payroll('2026-07', chengdu, '?region=510105')).json();
    expect(jinjiang.holds).toEqual([{ nationalId: ids.jailed, status: 'ineligible', since: '2026-05-20' }]);

    // Outside the key's region: an empty list, not an error.
    expect((await payroll('2026-07', chengdu, '?region=5107')).json()).toEqual({
      month: '2026-07',
      holds: [],
      resumptions: [],
      stops: [],
      state: 'preview',
      frozenAt: null,
    });
  });

  it('audits the read of each pensioner listed, once', async () => {
    const key = await t.key('admin', { name: 'payroll-audit' });
    const body = (await payroll('2026-07', key)).json();
    const listed = body.holds.length + body.resumptions.length + body.stops.length;
    const { rows } = await t.deps.pool.query(
      `SELECT a.pensioner_id, a.detail FROM audit_by_pensioner a JOIN api_keys k ON k.id = a.key_id WHERE k.name = 'payroll-audit' AND a.action = 'payroll.read'`,
    );
    expect(rows).toHaveLength(listed);
    expect(new Set(rows.map((r) => r.pensioner_id)).size).toBe(listed);
    expect(rows[0].detail).toEqual({ month: '2026-07' });
  });

  it('answers or refuses the earliest months, never 500', async () => {
    for (const m of ['1900-01', '0001-01']) {
      const res = await payroll(m);
      expect([200, 400], `${m}: ${res.body}`).toContain(res.statusCode);
      if (res.statusCode === 400) expect(res.json().error.code).toBe('invalid_month');
    }
  });

  it('rejects a month that is not YYYY-MM, or after next month, with 400 invalid_month', async () => {
    for (const m of ['2026-13', '2026-7', '202607', 'july', '2026-00', '2026-08']) {
      const res = await payroll(m);
      expect(res.statusCode, m).toBe(400);
      expect(res.json().error.code).toBe('invalid_month');
    }
  });

  it('is for bureau and admin keys only', async () => {
    expect((await payroll('2026-07', await t.key('staff'))).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/v1/payroll/2026-07' })).statusCode).toBe(401);
    expect((await payroll('2026-07', bureau, '?region=51x')).statusCode).toBe(400);
  });
});
