// The recovery ledger over HTTP: claims opened by reconciliation when a death or a sentence is
// decided, amended with a reason (an earlier death date, a benefit correction), cancelled when
// the death no longer stands; repayments in instalments; write-off with four eyes; the report;
// benefit history through registration and the adjustments import. Clock: 2026-06-15 Shanghai.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';
import { storeEvents } from '../helpers/stored-events.ts';
import { claimsOf as claimsOfKey, type Claim } from '../helpers/claims.ts';

let t: TestContext;
let bureau: string;
let second: string;
let mianyang: string;

const claimsOf = (nationalId: string, key = bureau, status?: string) => claimsOfKey(t.app, key, nationalId, status);
const post = (url: string, payload: unknown, key = bureau) => t.app.inject({ method: 'POST', url, headers: auth(key), payload: payload as object });
const adjust = (lines: string) =>
  t.app.inject({ method: 'POST', url: '/v1/benefit-adjustments', headers: { ...auth(bureau), 'content-type': 'application/x-ndjson' }, payload: lines });

// Two kinds agree: a verified death (policy 2026.3); one record alone only holds payment.
const death = (nationalId: string, deathDate: string, receivedAt: string, kind = 'cremation') => ({
  nationalId,
  source: 'death',
  kind,
  occurredAt: `${deathDate}T12:00:00+08:00`,
  receivedAt,
  deathDate,
});

beforeAll(async () => {
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  bureau = await t.key('bureau');
  second = await t.key('bureau', { name: 'checker' });
  mianyang = await t.key('bureau', { region: '5107' });
});
afterAll(() => t?.close());

describe('a death makes a claim of the months paid after it, summed from the benefit history', () => {
  const id = syntheticId('510104', '1950-04-04');
  it('opens, is amended by a benefit correction and by an earlier death date, and cancelled when the death no longer stands', async () => {
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2025-10-10', monthlyBenefit: '3000.00' });
    // Died 2026-01-28, known 2026-04-15: February, March and April were paid.
    await storeEvents(t, [death(id, '2026-01-28', '2026-04-15T09:00:00+08:00')]);
    let [claim] = await claimsOf(id);
    expect(claim).toMatchObject({ reason: 'death', amount: '9000.00', outstanding: '9000.00', status: 'open' });

    // The annual increase from March: the claim is amended with the reason.
    const res = await adjust(`{"nationalId":"${id}","monthlyBenefit":"3100.00","effectiveMonth":"2026-03"}\n`);
    expect(res.json()).toMatchObject({ recorded: 1, rejectedCount: 0 });
    [claim] = await claimsOf(id);
    expect(claim!.amount).toBe('9200.00');
    expect(claim!.history.at(-1)).toMatchObject({ event: 'amended', amount: '9200.00', reason: 'benefit amount corrected' });

    // The health commission's earlier date: January too.
    await storeEvents(t, [death(id, '2025-12-20', '2026-06-01T09:00:00+08:00', 'death_certificate')]);
    [claim] = await claimsOf(id);
    expect(claim!.amount).toBe('12200.00');
    expect(claim!.history.at(-1)).toMatchObject({ event: 'amended', reason: 'death date corrected from 2026-01-28 to 2025-12-20' });

    // Staff saw the person alive: the death no longer stands and the claim is cancelled.
    await storeEvents(t, [
      { nationalId: id, source: 'service_point', kind: 'in_person', occurredAt: '2026-06-10T10:00:00+08:00', receivedAt: '2026-06-10T10:00:00+08:00' },
    ]);
    // `cancelled` is not among the contract's statuses: listed only when asked for.
    expect(await claimsOf(id)).toEqual([]);
    [claim] = await claimsOf(id, bureau, 'cancelled');
    expect(claim).toMatchObject({ status: 'cancelled' });
    expect(claim!.history.map((h) => h.event)).toEqual(['opened', 'amended', 'amended', 'cancelled']);
    expect(claim!.history.at(-1)!.reason).toBe('the death no longer stands');
  });
});

describe('a custodial sentence makes a claim of the months paid from its start month', () => {
  it('counts the months paid before the sentence was known', async () => {
    const id = syntheticId('510105', '1960-05-05');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-01-10', regionCode: '510105', monthlyBenefit: '2000.00' });
    await storeEvents(t, [
      {
        nationalId: id,
        source: 'judicial',
        kind: 'custodial_sentence_start',
        occurredAt: '2026-02-10T09:00:00+08:00',
        receivedAt: '2026-05-03T09:00:00+08:00',
      },
    ]);
    const [claim] = await claimsOf(id);
    // February to May were paid (the sentence was known after the May run).
    expect(claim).toMatchObject({ reason: 'custody', amount: '8000.00', status: 'open' });
  });
});

describe('repayments, notice, write-off', () => {
  const id = syntheticId('510104', '1951-01-01');
  let claimId: string;
  beforeAll(async () => {
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-01-10', monthlyBenefit: '1000.00' });
    await storeEvents(t, [
      death(id, '2026-02-05', '2026-05-10T09:00:00+08:00'),
      death(id, '2026-02-05', '2026-05-10T10:00:00+08:00', 'household_deregistration'),
    ]);
    claimId = (await claimsOf(id))[0]!.id;
  });

  it('bad input is a 4xx and changes nothing', async () => {
    const bad = [
      [{ amount: 'abc', paidOn: '2026-06-01', method: 'cash' }, 400],
      [{ amount: '0', paidOn: '2026-06-01', method: 'cash' }, 400],
      [{ amount: '10.00', paidOn: '2026-02-30', method: 'cash' }, 400],
      [{ amount: '10.00', paidOn: '2026-07-01', method: 'cash' }, 400],
      [{ amount: '10.00', paidOn: '2026-06-01', method: 'cheque' }, 400],
      [{ amount: '3000.01', paidOn: '2026-06-01', method: 'cash' }, 409],
    ] as const;
    for (const [body, status] of bad) expect((await post(`/v1/claims/${claimId}/repayments`, body)).statusCode, JSON.stringify(body)).toBe(status);
    expect((await post(`/v1/claims/99999999/repayments`, { amount: '1', paidOn: '2026-06-01', method: 'cash' })).statusCode).toBe(404);
    expect((await post(`/v1/claims/x'1/repayments`, { amount: '1', paidOn: '2026-06-01', method: 'cash' })).statusCode).toBe(404);
    // Another region's key does not see it.
    expect((await post(`/v1/claims/${claimId}/repayments`, { amount: '1', paidOn: '2026-06-01', method: 'cash' }, mianyang)).statusCode).toBe(404);
    const [claim] = await claimsOf(id);
    expect(claim).toMatchObject({ amount: '3000.00', outstanding: '3000.00', status: 'open' });
    expect(claim!.history.map((h) => h.event)).toEqual(['opened']);
  });

  it('is notified, repaid in instalments, then recovered', async () => {
    const n = await post(`/v1/claims/${claimId}/notify`, { note: '已送达继承人' });
    expect(n.statusCode).toBe(200);
    expect(n.json().status).toBe('notified');
    expect((await post(`/v1/claims/${claimId}/notify`, {})).statusCode).toBe(409);
    const first = await post(`/v1/claims/${claimId}/repayments`, { amount: '1000', paidOn: '2026-06-10', method: 'bank_transfer' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ outstanding: '2000.00', status: 'notified' });
    const rest = await post(`/v1/claims/${claimId}/repayments`, { amount: '2000.00', paidOn: '2026-06-14', method: 'cash' });
    expect(rest.json()).toMatchObject({ outstanding: '0.00', status: 'recovered' });
    expect(rest.json().history.map((h: { event: string }) => h.event)).toEqual(['opened', 'notified', 'repayment', 'repayment', 'recovered']);
    expect((await post(`/v1/claims/${claimId}/repayments`, { amount: '1', paidOn: '2026-06-14', method: 'cash' })).statusCode).toBe(409);
  });

  it('write-off needs a second key: 202 and nothing changed, the maker again 409, the checker 200', async () => {
    const other = syntheticId('510104', '1951-02-02');
    await registerPensioner(t.app, bureau, other, { lastCertifiedAt: '2026-01-10', monthlyBenefit: '1500.00' });
    await storeEvents(t, [
      death(other, '2026-03-05', '2026-05-10T09:00:00+08:00'),
      death(other, '2026-03-05', '2026-05-10T10:00:00+08:00', 'household_deregistration'),
    ]);
    const [claim] = await claimsOf(other);
    await post(`/v1/claims/${claim!.id}/repayments`, { amount: '500', paidOn: '2026-06-10', method: 'cash' });
    const proposed = await post(`/v1/claims/${claim!.id}/write-off`, { reason: '继承人无力偿还' });
    expect(proposed.statusCode).toBe(202);
    expect(proposed.json()).toEqual({ pending: true });
    expect((await claimsOf(other))[0]).toMatchObject({ status: 'open', outstanding: '2500.00' });
    const again = await post(`/v1/claims/${claim!.id}/write-off`, { reason: '继承人无力偿还' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('same_actor');
    const done = await post(`/v1/claims/${claim!.id}/write-off`, { reason: '核实无力偿还' }, second);
    expect(done.statusCode).toBe(200);
    expect(done.json().claim).toMatchObject({ status: 'written_off', outstanding: '0.00' });
    expect((await post(`/v1/claims/${claim!.id}/write-off`, { reason: 'x' })).statusCode).toBe(409);
    expect((await post(`/v1/claims/${claim!.id}/write-off`, { reason: '' })).statusCode).toBe(400);
  });

  it('lists by status and region, and reports outstanding amounts by region and age', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/claims?status=recovered', headers: auth(bureau) });
    expect(res.json().items.map((c: Claim) => c.status)).toEqual(['recovered']);
    expect((await t.app.inject({ method: 'GET', url: '/v1/claims?region=5107', headers: auth(bureau) })).json().items).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: '/v1/claims?status=lost', headers: auth(bureau) })).statusCode).toBe(400);
    // Without a status, the contract's statuses only; a cancelled claim (its reason gone) when asked for.
    const all = (await t.app.inject({ method: 'GET', url: '/v1/claims?limit=1000', headers: auth(bureau) })).json().items.map((c: Claim) => c.status);
    expect([...new Set(all)].sort()).toEqual(['open', 'recovered', 'written_off']);
    const cancelled = (await t.app.inject({ method: 'GET', url: '/v1/claims?status=cancelled', headers: auth(bureau) })).json().items;
    expect(cancelled.map((c: Claim) => c.status)).toEqual(['cancelled']);
    const report = await t.app.inject({ method: 'GET', url: '/v1/reports/claims', headers: auth(bureau) });
    expect(report.statusCode).toBe(200);
    expect(report.json().rows).toEqual([{ regionCode: '510105', age: 'under_90_days', claims: 1, outstanding: '8000.00' }]);
    const dashboard = await t.app.inject({ method: 'GET', url: '/v1/reports/dashboard', headers: auth(bureau) });
    expect(dashboard.json().claims).toEqual({
      open: 1,
      outstanding: '8000.00',
      byAge: [
        { age: 'under_90_days', claims: 1, outstanding: '8000.00' },
        { age: '90_to_364_days', claims: 0, outstanding: '0.00' },
        { age: '1_to_2_years', claims: 0, outstanding: '0.00' },
        { age: '2_years_and_over', claims: 0, outstanding: '0.00' },
      ],
    });
  });
});

describe('benefit history', () => {
  it('back pay includes an increase made while held', async () => {
    const id = syntheticId('510104', '1952-03-03');
    // Lapsed on 2026-03-01: April, May and June held; an increase from May; certified again 2026-06-12.
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2025-03-01', monthlyBenefit: '2000.00' });
    await adjust(`{"nationalId":"${id}","monthlyBenefit":"2100.00","effectiveMonth":"2026-05"}\n`);
    await storeEvents(t, [
      { nationalId: id, source: 'hospital', kind: 'discharge', occurredAt: '2026-06-12T10:00:00+08:00', receivedAt: '2026-06-14T02:00:00+08:00' },
    ]);
    const july = await t.app.inject({ method: 'GET', url: '/v1/payroll/2026-07', headers: auth(bureau) });
    expect(july.json().resumptions).toContainEqual({ nationalId: id, backPayMonths: 3, backPayAmount: '6200.00' });
  });

  it('rejects bad lines one by one, and a registration with a month that is not one', async () => {
    const id = syntheticId('510104', '1952-04-04');
    await registerPensioner(t.app, bureau, id, { monthlyBenefit: '2000.00', benefitEffectiveMonth: '2010-04' });
    const res = await adjust(
      [
        'not json',
        `{"nationalId":"${id}","monthlyBenefit":"-1","effectiveMonth":"2026-01"}`,
        `{"nationalId":"${id}","monthlyBenefit":"2100","effectiveMonth":"2026-13"}`,
        `{"nationalId":"110105194912310020","monthlyBenefit":"2100","effectiveMonth":"2026-01"}`,
        `{"nationalId":"${syntheticId('510104', '1952-05-05')}","monthlyBenefit":"2100","effectiveMonth":"2026-01"}`,
        `{"nationalId":"${id}","monthlyBenefit":"2000","effectiveMonth":"2026-01"}`,
        `{"nationalId":"${id}","monthlyBenefit":"2100","effectiveMonth":"2026-01"}`,
      ].join('\n'),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ recorded: 1, unchanged: 1, rejectedCount: 5 });
    expect(res.json().rejected.map((r: { line: number; code: string }) => [r.line, r.code])).toEqual([
      [1, 'malformed_line'],
      [2, 'invalid_field'],
      [3, 'invalid_month'],
      [4, 'invalid_national_id'],
      [5, 'not_found'],
    ]);
    const bad = await t.app.inject({
      method: 'PUT',
      url: `/v1/pensioners/${id}`,
      headers: auth(bureau),
      payload: { name: '测试甲', regionCode: '510104', benefitStartDate: '2010-04-01', monthlyBenefit: '1.00', benefitEffectiveMonth: '2026-13' },
    });
    expect(bad.statusCode).toBe(400);
    const rows = await t.deps.pool.query(
      `SELECT effective_month, amount_fen::text AS a FROM benefit_history h JOIN pensioners p ON p.id = h.pensioner_id WHERE p.national_id = $1 ORDER BY 1`,
      [id],
    );
    expect(rows.rows).toEqual([
      { effective_month: '2010-04', a: '200000' },
      { effective_month: '2026-01', a: '210000' },
    ]);
    const json = await t.app.inject({ method: 'POST', url: '/v1/benefit-adjustments', headers: auth(bureau), payload: { a: 1 } });
    expect(json.statusCode).toBe(415);
  });
});
