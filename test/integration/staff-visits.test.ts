// The province benchmark's simulated staff (bench/staff-visits.ts) against the real service:
// they take checks in the queue's priority order, stop at their capacity, record what the
// world says they find, and give up on a person nobody answers for after MAX_ATTEMPTS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';
import { MAX_ATTEMPTS, countyCapacity, workManualChecks, type CountyStaff, type WorldPerson } from '../../bench/staff-visits.ts';

let t: TestContext;
let bureau: string;

beforeAll(async () => {
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  bureau = await t.key('bureau');
});
afterAll(async () => t?.close());

const viaInject = async (url: string, init: RequestInit) => {
  const u = new URL(url);
  const res = await t.app.inject({
    method: (init.method ?? 'GET') as 'GET' | 'POST',
    url: u.pathname + u.search,
    headers: init.headers as Record<string, string>,
    ...(init.body ? { payload: init.body as string } : {}),
  });
  return new Response(res.body, { status: res.statusCode, headers: { 'content-type': 'application/json' } });
};

async function county(region: string, pensioners: number): Promise<CountyStaff> {
  return { regionCode: region, pensioners, staffKey: await t.key('staff', { region }), bureauKey: await t.key('bureau', { region }) };
}

async function flagged(region: string, reason: string): Promise<string> {
  const id = syntheticId(region);
  await registerPensioner(t.app, bureau, id, { regionCode: region, lastCertifiedAt: '2025-03-01' });
  const res = await t.app.inject({ method: 'POST', url: `/v1/pensioners/${id}/flags`, headers: auth(bureau), payload: { reason } });
  expect(res.statusCode).toBe(201);
  return id;
}

async function certification(id: string) {
  const res = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}/certification`, headers: auth(bureau) });
  return res.json() as { status: string; method: string | null; openCheck?: unknown };
}

const run = (counties: CountyStaff[], world: Map<string, WorldPerson>, o: { perMonth: number; unreachable?: number; visitWhenDue?: boolean }) =>
  workManualChecks({
    base: 'http://service',
    counties,
    visitsPerThousandPerMonth: o.perMonth,
    months: 1,
    unreachable: o.unreachable ?? 0,
    seed: 1,
    today: '2026-06-15',
    world: (id) => world.get(id) ?? { deathDate: null, inCustody: false },
    visitWhenDue: o.visitWhenDue,
    fetch: viaInject,
  });

describe('simulated staff visits', () => {
  it('capacity is per 1000 pensioners a month, rounded to whole visits', () => {
    expect(countyCapacity(2000, 25, 12)).toBe(600);
    expect(countyCapacity(30, 25, 1)).toBe(1);
    expect(countyCapacity(10, 25, 1)).toBe(0);
  });

  it('work the queue in priority order up to capacity and record what they find', async () => {
    const region = '510106';
    const dead = await flagged(region, 'reported_death'); // priority 90: first
    const living = await flagged(region, 'suspected_misuse'); // 80
    const notReached = await flagged(region, 'doubt'); // 70: beyond the capacity
    const world = new Map([[dead, { deathDate: '2026-04-02', inCustody: false }]]);

    const r = await run([await county(region, 80)], world, { perMonth: 25 }); // 2 visits

    expect(r).toMatchObject({ capacity: 2, visits: 2, foundDeceased: 1, foundAlive: 1, unreachable: 0, errors: 0 });
    expect([...r.touched].sort()).toEqual([dead, living].sort());
    // A death found by staff holds payment until a second key confirms it (policy 2026.3).
    expect((await certification(dead)).status).toBe('death_reported');
    expect(await certification(living)).toMatchObject({ status: 'certified', method: 'home_visit' });
    expect((await certification(notReached)).status).toBe('suspended');
  });

  it('try a person nobody answers for at most MAX_ATTEMPTS times, then stop', async () => {
    const region = '510107';
    const id = await flagged(region, 'doubt');

    const r = await run([await county(region, 1000)], new Map(), { perMonth: 25, unreachable: 1 });

    expect(r).toMatchObject({ capacity: 25, visits: MAX_ATTEMPTS, unreachable: MAX_ATTEMPTS, foundAlive: 0, errors: 0 });
    expect((await certification(id)).status).toBe('suspended');
  });

  it('leave a due check to the reminders until its visitFrom (?ready=true); with visitWhenDue they take it at once', async () => {
    const region = '510108';
    const reminded = syntheticId(region, '1950-02-01');
    const noPhone = syntheticId(region, '1950-02-02');
    // Due since 2026-06-01, certified until 2026-08-01: the reminders reach only the first.
    await registerPensioner(t.app, bureau, reminded, { regionCode: region, lastCertifiedAt: '2025-08-01' });
    await registerPensioner(t.app, bureau, noPhone, { regionCode: region, lastCertifiedAt: '2025-08-01', phone: null });
    await t.deps.sweep.sweepPage('1', '1000000', t.clock.now());
    const staff = [await county(region, 1000)];

    const ready = await run(staff, new Map(), { perMonth: 25 });
    expect(ready).toMatchObject({ visits: 1, foundAlive: 1, errors: 0 });
    expect([...ready.touched]).toEqual([noPhone]);
    expect((await certification(reminded)).status).toBe('due');

    const whenDue = await run(staff, new Map(), { perMonth: 25, visitWhenDue: true });
    expect(whenDue).toMatchObject({ visits: 1, foundAlive: 1, errors: 0 });
    expect([...whenDue.touched]).toEqual([reminded]);
  });
});
