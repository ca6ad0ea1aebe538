// Staff are sent where they are needed (issue 13 parts 4-5): the daily sweep gives a due check
// of a person the reminders reach a `visitFrom` (src/domain/visit-readiness.ts), the queue shows
// it, and `?ready=true` leaves such checks out until that day, in the caller's region only;
// people the reminders cannot reach, a failed face check and a lapse are ready at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, pensionerBody, syntheticId } from '../helpers/people.ts';

interface Item {
  nationalId: string;
  reason: string;
  visitFrom: string | null;
  urgency: { reasons: string[] };
}

async function setUp(t: TestContext, people: Record<string, string>) {
  const bureau = await t.key('bureau');
  const feed = await t.key('feed', { sources: ['self_service'] });
  const register = async (name: string, region: string, birth: string, lastCertifiedAt: string, phone: string | null = '13800138000') => {
    const nid = syntheticId(region, birth);
    const res = await t.app.inject({
      method: 'PUT',
      url: `/v1/pensioners/${nid}`,
      headers: auth(bureau),
      payload: pensionerBody({ regionCode: region, lastCertifiedAt, phone }),
    });
    expect(res.statusCode, res.body).toBe(201);
    people[name] = nid;
  };
  const faceFailed = async (name: string, ref: string, occurredAt: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth(feed),
      payload: [{ nationalId: people[name], source: 'self_service', kind: 'face_failed', occurredAt, sourceRef: ref, identityCheck: 'biometric' }],
    });
    expect(res.statusCode, res.body).toBe(202);
  };
  return { register, faceFailed };
}

const sweep = async (t: TestContext) => {
  await t.deps.rescoring.rescorePending([]);
  await t.deps.sweep.sweepPage('1', '1000000', t.clock.now());
};

async function queue(t: TestContext, key: string, qs = '') {
  const res = await t.app.inject({ method: 'GET', url: `/v1/manual-checks${qs}`, headers: auth(key) });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { items: Item[] }).items;
}

describe('visitFrom and ?ready=true (default lead: 30 days before the lapse)', () => {
  let t: TestContext;
  let staff: string;
  let cityBureau: string;
  const people: Record<string, string> = {};
  /** Who each item is, by the last four characters of the (masked) ID. */
  const names = (items: Item[]) => items.map((i) => Object.keys(people).find((n) => people[n]!.slice(-4) === i.nationalId.slice(-4))!).sort();

  beforeAll(async () => {
    t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
    staff = await t.key('staff', { region: '5101' });
    cityBureau = await t.key('bureau', { region: '5107' });
    const { register, faceFailed } = await setUp(t, people);
    // All due since 2026-06-01, certified until 2026-08-01 (lapse 2026-08-02), but `lapsed`.
    await register('reminded', '510105', '1950-01-12', '2025-08-01');
    await register('noPhone', '510104', '1950-01-13', '2025-08-01', null);
    await register('failedFace', '510105', '1950-01-14', '2025-08-01');
    await register('lapsed', '510104', '1950-01-15', '2025-05-01'); // certified until 2026-05-01
    await register('elsewhere', '510703', '1950-01-16', '2025-08-01', null); // another city, no phone
    await faceFailed('failedFace', 'NCP-F-1', '2026-06-10T10:00:00+08:00');
    await sweep(t);
  });
  afterAll(async () => t?.close());

  it('the default list is unchanged: every check, each with its visitFrom (a date only for the one waiting for reminders)', async () => {
    const items = await queue(t, staff);
    expect(names(items)).toEqual(['failedFace', 'failedFace', 'lapsed', 'noPhone', 'reminded']);
    const reminded = items.find((i) => i.nationalId.endsWith(people.reminded!.slice(-4)))!;
    // The earlier of the reminders' end (2026-08-01) and 30 days before the lapse (2026-08-02).
    expect(reminded.visitFrom).toBe('2026-07-03');
    expect(items.filter((i) => i !== reminded).map((i) => i.visitFrom)).toEqual([null, null, null, null]);
    expect((await queue(t, staff, '?ready=false')).length).toBe(5);
  });

  it('ready=true leaves out the check waiting for reminders; no phone, a failed face check and a lapse are ready at once', async () => {
    const items = await queue(t, staff, '?ready=true&status=open');
    expect(names(items)).toEqual(['failedFace', 'failedFace', 'lapsed', 'noPhone']);
    expect(items.find((i) => i.reason === 'self_service_failed')).toBeDefined();
  });

  it('is scoped to the caller’s region, and so is the region filter', async () => {
    expect(names(await queue(t, cityBureau, '?ready=true'))).toEqual(['elsewhere']);
    expect(names(await queue(t, staff, '?ready=true&region=510104'))).toEqual(['lapsed', 'noPhone']);
    expect(await queue(t, staff, '?ready=true&region=5107')).toEqual([]);
  });

  it('from its visitFrom on, the waiting check is listed as ready (no sweep needed), visitFrom null', async () => {
    t.clock.set('2026-07-02T15:59:59Z'); // 2026-07-02 23:59:59 in Shanghai
    expect(names(await queue(t, staff, '?ready=true'))).not.toContain('reminded');
    t.clock.set('2026-07-02T16:00:00Z'); // 2026-07-03 00:00 in Shanghai
    const items = await queue(t, staff, '?ready=true');
    expect(names(items)).toContain('reminded');
    expect(items.every((i) => i.visitFrom === null)).toBe(true);
  });

  it('a ready value other than true or false is a 400 in the error shape', async () => {
    for (const bad of ['yes', '1', 'TRUE', '']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/manual-checks?ready=${bad}`, headers: auth(staff) });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.code).toBeTypeOf('string');
      expect(res.json().error.message).toMatch(/ready/);
    }
  });
});

describe('a lapse makes a waiting check ready (VISIT_LEAD_DAYS=0: wait for both reminders)', () => {
  let t: TestContext;
  let staff: string;
  const people: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestContext({ now: '2026-06-15T04:00:00Z', config: { visitLeadDays: 0 } });
    staff = await t.key('staff', { region: '5101' });
    await (await setUp(t, people)).register('reminded', '510105', '1950-01-12', '2025-08-01');
    await sweep(t);
  });
  afterAll(async () => t?.close());

  it('waits until the last certified day, then, lapsed, is ready and ranked up', async () => {
    const [waiting] = await queue(t, staff);
    expect(waiting!.visitFrom).toBe('2026-08-01');
    t.clock.set('2026-07-31T04:00:00Z');
    await sweep(t);
    expect(await queue(t, staff, '?ready=true')).toEqual([]);
    t.clock.set('2026-08-02T04:00:00Z');
    await sweep(t);
    const [lapsed] = await queue(t, staff, '?ready=true');
    expect(lapsed).toMatchObject({ visitFrom: null, certificationStatus: 'suspended' });
    expect(lapsed!.urgency.reasons).toContain('lapsed');
    const stored = await t.deps.db.selectFrom('manual_checks').select('visit_from').executeTakeFirstOrThrow();
    expect(stored.visit_from).toBeNull();
  });
});
