// Back pay in frozen payroll runs (the clock only moves forward through the file): set against the person's outstanding claims (only by a
// freeze, once), and paid to the estate for the months held while a person who then truly died
// was alive. Over HTTP (payroll list, freeze, export, claims), policy 2026.3.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';
import { storeSentenceServed, storeVerifiedDeath } from '../helpers/stored-events.ts';
import { claimsOf as claimsOfKey } from '../helpers/claims.ts';

let t: TestContext;
let bureau: string;
let admin: string;
let staff: string;

const get = (url: string, key = bureau) => t.app.inject({ method: 'GET', url, headers: auth(key) });
const post = (url: string, key: string, payload: unknown = {}) => t.app.inject({ method: 'POST', url, headers: auth(key), payload: payload as object });
const claimsOf = (nationalId: string) => claimsOfKey(t.app, bureau, nationalId);
const ndjson = (body: string) =>
  body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const offsetEvents = async () => Number((await t.deps.pool.query(`SELECT count(*)::int AS n FROM claim_events WHERE kind = 'offset'`)).rows[0].n);

beforeAll(async () => {
  t = await createTestContext({ now: '2026-01-05T04:00:00Z' });
  bureau = await t.key('bureau');
  admin = await t.key('admin');
  staff = await t.key('staff', { region: '5101' });
});
afterAll(() => t?.close());

describe('a wrong death report, a hold, then a real death: the stop pays the estate', () => {
  const id = syntheticId('510104', '1945-02-02');

  it('pays March..June at the amounts in force, in the preview and the frozen run', async () => {
    t.clock.set('2026-02-20T04:00:00Z');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-01-10', monthlyBenefit: '2000.00' });
    const adjust = await t.app.inject({
      method: 'POST',
      url: '/v1/benefit-adjustments',
      headers: { ...auth(bureau), 'content-type': 'application/x-ndjson' },
      payload: `{"nationalId":"${id}","monthlyBenefit":"2100.50","effectiveMonth":"2026-05"}\n`,
    });
    expect(adjust.statusCode).toBe(200);
    // A service point records a death that did not happen: held from the March run.
    t.clock.set('2026-02-25T04:00:00Z');
    const found = await post(`/v1/pensioners/${id}/in-person-checks`, admin, {
      servicePointId: 'SP-1',
      outcome: 'deceased',
      method: 'home_visit',
      deathDate: '2026-02-23',
    });
    expect(found.json().certification.status).toBe('death_reported');
    // The bureau finds it wrong on 13 June; the person had died on 12 June (two records verify it).
    t.clock.set('2026-06-13T04:00:00Z');
    expect((await post(`/v1/pensioners/${id}/death-reversals`, bureau, { note: 'wrong person' })).statusCode).toBe(201);
    t.clock.set('2026-06-20T04:00:00Z');
    await storeVerifiedDeath(t, id, { deathDate: '2026-06-12', cremation: '2026-06-14T12:00:00+08:00', deregistration: '2026-06-20T10:00:00+08:00' });
    expect((await get(`/v1/pensioners/${id}/certification`)).json().status).toBe('deceased');
    // March and April at 2000.00, May and June at 2100.50.
    const estate = { estateBackPayMonths: 4, estateBackPayAmount: '8201.00' };
    const preview = (await get('/v1/payroll/2026-07')).json();
    expect(preview.state).toBe('preview');
    expect(preview.stops).toEqual([{ nationalId: id, deathDate: '2026-06-12', overpaidMonths: 0, overpaymentAmount: '0.00', ...estate }]);
    expect((await post('/v1/payroll/2026-07/freeze', admin)).statusCode).toBe(201);
    const run = (await get('/v1/payroll/2026-07')).json();
    expect(run.stops).toEqual([
      { nationalId: id, deathDate: '2026-06-12', overpaidMonths: 0, overpaymentAmount: '0.00', ...estate, offsetAmount: '0.00', netAmount: '8201.00' },
    ]);
    const lines = ndjson((await get('/v1/payroll/2026-07/export')).body).filter((l) => l.nationalId === id);
    expect(lines).toEqual([
      {
        month: '2026-07',
        nationalId: id,
        regionCode: '510104',
        action: 'stop',
        amount: '0.00',
        months: 0,
        deathDate: '2026-06-12',
        backPayMonths: 4,
        backPay: '8201.00',
        offset: '0.00',
        net: '8201.00',
      },
    ]);
    expect(await claimsOf(id)).toEqual([]);
  });
});

describe('a custody claim is offset against the back pay of a resumption, by the frozen run only', () => {
  const id = syntheticId('510104', '1950-11-11');

  it('sets up: a sentence learned late (January and February paid: a claim), a release, a resumption applied for later', async () => {
    t.clock.set('2026-06-21T04:00:00Z');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2025-12-20', monthlyBenefit: '2000.50' });
    await storeSentenceServed(t, id, {
      start: '2026-01-15T10:00:00+08:00',
      startReceived: '2026-02-10T10:00:00+08:00',
      release: '2026-04-10T10:00:00+08:00',
      releaseReceived: '2026-04-10T12:00:00+08:00',
    });
    expect(await claimsOf(id)).toMatchObject([{ reason: 'custody', amount: '4001.00', outstanding: '4001.00', status: 'open' }]);
    t.clock.set('2026-07-05T04:00:00Z');
    expect((await post(`/v1/pensioners/${id}/resumptions`, staff, { note: 'applied at the counter' })).statusCode).toBe(201);
  });

  it('a preview shows the back pay (May, June, July) and offsets nothing', async () => {
    t.clock.set('2026-07-10T04:00:00Z');
    const preview = (await get('/v1/payroll/2026-08')).json();
    expect(preview.state).toBe('preview');
    expect(preview.resumptions).toEqual([{ nationalId: id, backPayMonths: 3, backPayAmount: '6001.50' }]);
    expect(await claimsOf(id)).toMatchObject([{ amount: '4001.00', outstanding: '4001.00', status: 'open' }]);
    expect(await offsetEvents()).toBe(0);
  });

  it('the freeze sets the back pay against the claim: recovered, with an offset event; the line shows gross, offset and net', async () => {
    t.clock.set('2026-07-20T04:00:00Z');
    expect((await post('/v1/payroll/2026-08/freeze', admin)).statusCode).toBe(201);
    const [claim] = await claimsOf(id);
    expect(claim).toMatchObject({ amount: '4001.00', outstanding: '0.00', status: 'recovered' });
    expect(claim!.history.map((h) => [h.event, h.amount])).toEqual([
      ['opened', '4001.00'],
      ['offset', '4001.00'],
      ['recovered', null],
    ]);
    expect(claim!.history[1]).toMatchObject({ reason: 'offset against the back pay of the 2026-08 payroll run', by: expect.stringMatching(/^key:/) });
    const run = (await get('/v1/payroll/2026-08')).json();
    expect(run.state).toBe('frozen');
    expect(run.resumptions).toEqual([{ nationalId: id, backPayMonths: 3, backPayAmount: '6001.50', offsetAmount: '4001.00', netAmount: '2000.50' }]);
    const lines = ndjson((await get('/v1/payroll/2026-08/export?format=ndjson')).body).filter((l) => l.nationalId === id);
    expect(lines).toEqual([
      { month: '2026-08', nationalId: id, regionCode: '510104', action: 'pay', amount: '2000.50', net: '2000.50' },
      { month: '2026-08', nationalId: id, regionCode: '510104', action: 'resumption', amount: '6001.50', months: 3, offset: '4001.00', net: '2000.50' },
    ]);
    const csv = (await get('/v1/payroll/2026-08/export?format=csv')).body.split('\r\n');
    expect(csv).toContain(`2026-08,${id},510104,resumption,6001.50,,,3,,,,4001.00,2000.50`);
  });

  it('a freeze asked again, by the route or the job, offsets nothing more', async () => {
    const again = await post('/v1/payroll/2026-08/freeze', admin);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_frozen');
    expect(await t.deps.payrollFreeze.freezeDue(t.clock.now())).toEqual({ month: '2026-08', frozen: false });
    expect(await offsetEvents()).toBe(1);
    expect(await claimsOf(id)).toMatchObject([{ outstanding: '0.00', status: 'recovered' }]);
  });
});

describe('two freezes of one month at once', () => {
  it('one freezes, the other is refused as already frozen; the claim is offset once', async () => {
    const id = syntheticId('510104', '1951-12-12');
    // September paid before the sentence (2 September) was known: a claim of 1000.00.
    t.clock.set('2026-09-15T04:00:00Z');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-08-25', monthlyBenefit: '1000.00' });
    await storeSentenceServed(t, id, {
      start: '2026-09-02T10:00:00+08:00',
      startReceived: '2026-09-10T10:00:00+08:00',
      release: '2026-09-12T10:00:00+08:00',
      releaseReceived: '2026-09-12T11:00:00+08:00',
    });
    expect(await claimsOf(id)).toMatchObject([{ reason: 'custody', amount: '1000.00' }]);
    t.clock.set('2026-11-05T04:00:00Z');
    expect((await post(`/v1/pensioners/${id}/resumptions`, staff)).statusCode).toBe(201);
    t.clock.set('2026-11-20T04:00:00Z');
    const before = await offsetEvents();
    const results = await Promise.allSettled([
      t.deps.payrollFreeze.freeze('2026-12', t.clock.now(), 'test:a'),
      t.deps.payrollFreeze.freeze('2026-12', t.clock.now(), 'test:b'),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'already_frozen' });
    expect((await offsetEvents()) - before).toBe(1);
    // October and November back-paid (2000.00); 1000.00 of it set against the September claim.
    const run = (await get('/v1/payroll/2026-12')).json();
    expect(run.resumptions).toContainEqual({ nationalId: id, backPayMonths: 2, backPayAmount: '2000.00', offsetAmount: '1000.00', netAmount: '1000.00' });
  });
});

describe("the estate's back pay is set against the person's outstanding claim", () => {
  it('a sentence learned late (January paid: a claim), a release, a death before any resumption: the stop pays February and March less the claim', async () => {
    const id = syntheticId('510104', '1946-03-03');
    t.clock.set('2026-11-21T04:00:00Z');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-10-25', monthlyBenefit: '1500.25' });
    t.clock.set('2027-01-21T04:00:00Z');
    await storeSentenceServed(t, id, {
      start: '2027-01-04T10:00:00+08:00',
      startReceived: '2027-01-21T10:00:00+08:00',
      release: '2027-01-12T10:00:00+08:00',
      releaseReceived: '2027-01-21T11:00:00+08:00',
    });
    expect(await claimsOf(id)).toMatchObject([{ reason: 'custody', amount: '1500.25', status: 'open' }]);
    // Held in February and March (released, no resumption applied for); died on 5 March.
    t.clock.set('2027-03-20T04:00:00Z');
    await storeVerifiedDeath(t, id, { deathDate: '2027-03-05', cremation: '2027-03-06T12:00:00+08:00', deregistration: '2027-03-08T10:00:00+08:00' });
    const stop = {
      nationalId: id,
      deathDate: '2027-03-05',
      overpaidMonths: 0,
      overpaymentAmount: '0.00',
      estateBackPayMonths: 2,
      estateBackPayAmount: '3000.50',
    };
    expect((await get('/v1/payroll/2027-04')).json().stops).toContainEqual(stop);
    expect((await post('/v1/payroll/2027-04/freeze', admin)).statusCode).toBe(201);
    expect((await get('/v1/payroll/2027-04')).json().stops).toContainEqual({ ...stop, offsetAmount: '1500.25', netAmount: '1500.25' });
    const [claim] = await claimsOf(id);
    expect(claim).toMatchObject({ outstanding: '0.00', status: 'recovered' });
    expect(claim!.history.map((h) => [h.event, h.amount])).toEqual([
      ['opened', '1500.25'],
      ['offset', '1500.25'],
      ['recovered', null],
    ]);
  });
});
