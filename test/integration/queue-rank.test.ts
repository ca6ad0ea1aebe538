// The manual-check queue across a region comes out in need order (issue 13 part 5): the daily
// sweep ranks every check of someone due or lapsed by src/domain/priority.ts needRank, a staff
// key of a city sees its counties' checks most needy first, with why (urgency), and the rank
// follows the facts: a reference record lowers it the next day.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, pensionerBody, syntheticId } from '../helpers/people.ts';

let t: TestContext;
let bureau: string;
let staff: string;
let feed: string;
const people: Record<string, string> = {};

async function register(name: string, region: string, birth: string, lastCertifiedAt: string) {
  const nid = syntheticId(region, birth);
  const res = await t.app.inject({
    method: 'PUT',
    url: `/v1/pensioners/${nid}`,
    headers: auth(bureau),
    payload: pensionerBody({ regionCode: region, lastCertifiedAt }),
  });
  expect(res.statusCode, res.body).toBe(201);
  people[name] = nid;
}

async function push(name: string, source: string, kind: string, ref: string, occurredAt: string, identityCheck = 'id_document') {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: auth(feed),
    payload: [{ nationalId: people[name], source, kind, occurredAt, sourceRef: ref, identityCheck }],
  });
  expect(res.statusCode, res.body).toBe(202);
}

async function queue(qs = '') {
  const res = await t.app.inject({ method: 'GET', url: `/v1/manual-checks${qs}`, headers: auth(staff) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    items: { nationalId: string; reason: string; priority: number; urgency: { level: string; reasons: string[] } }[];
    nextCursor: string | null;
  };
}
/** Who each item is, by the masked ID's last four characters. */
const nameOf = (masked: string) => Object.keys(people).find((n) => people[n]!.slice(-4) === masked.slice(-4))!;
const sweep = async () => {
  await t.deps.rescoring.rescorePending([]);
  await t.deps.sweep.sweepPage('1', '1000000', t.clock.now());
};

beforeAll(async () => {
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  bureau = await t.key('bureau');
  staff = await t.key('staff', { region: '5101' });
  feed = await t.key('feed', { sources: ['self_service', 'community', 'transit'] });
  await register('lapsedOld', '510104', '1930-01-11', '2025-03-01'); // suspended since 2026-03-02, aged 96
  await register('due', '510105', '1950-01-12', '2025-07-10'); // due, certified until 2026-07-10
  await register('dueTraces', '510104', '1950-01-13', '2025-07-10'); // as `due`, with a village ledger's confirmation
  await register('dueFailed', '510105', '1950-01-14', '2025-07-10'); // as `due`, after two failed face checks
  await register('elsewhere', '510703', '1925-01-15', '2025-01-01'); // the neediest, in another city
  await register('certified', '510104', '1930-01-16', '2026-03-01'); // not due: no check
  await push('dueTraces', 'community', 'ledger_confirmation', 'LEDGER-1', '2026-05-20T10:00:00+08:00', 'none');
  await push('dueFailed', 'self_service', 'face_failed', 'NCP-F-1', '2026-06-10T10:00:00+08:00', 'biometric');
  await push('dueFailed', 'self_service', 'face_failed', 'NCP-F-2', '2026-06-11T10:00:00+08:00', 'biometric');
  await sweep();
});
afterAll(async () => t?.close());

describe('the queue ranked by need', () => {
  it('across the caller’s region, most needy first, each with its urgency and why', async () => {
    const { items } = await queue();
    // The two checks of the person who failed twice rank by the same need (their order between them is the open order).
    expect(items.map((i) => nameOf(i.nationalId))).toEqual(['lapsedOld', 'dueFailed', 'dueFailed', 'due', 'dueTraces']);
    expect(
      items
        .filter((i) => nameOf(i.nationalId) === 'dueFailed')
        .map((i) => i.reason)
        .sort(),
    ).toEqual(['certification_due', 'self_service_failed']);
    const by = (n: string) => items.find((i) => nameOf(i.nationalId) === n)!;
    expect(by('lapsedOld')).toMatchObject({
      priority: 95,
      urgency: { level: 'urgent', reasons: ['low_score', 'lapsed', 'advanced_age', 'no_strong_evidence'] },
    });
    expect(by('dueFailed')).toMatchObject({
      priority: 81,
      urgency: { level: 'urgent', reasons: ['low_score', 'failed_attempts', 'no_strong_evidence', 'advanced_age', 'lapse_near'] },
    });
    expect(by('due')).toMatchObject({ priority: 61, urgency: { level: 'soon', reasons: ['low_score', 'no_strong_evidence', 'advanced_age', 'lapse_near'] } });
    expect(by('dueTraces').urgency.level).toBe('soon'); // 47: the ledger's word (no identity check) weighs 0.3
    expect(by('dueTraces').urgency.reasons.at(-1)).toBe('reference_evidence');
    expect(by('dueTraces').priority).toBeLessThan(by('due').priority);
    // Pages keep the order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await queue(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((i) => nameOf(i.nationalId)));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(items.map((i) => nameOf(i.nationalId)));
  });

  it('follows the facts: a reference record lowers a rank the next day, a certification takes the person off the queue', async () => {
    const before = (await queue()).items.find((i) => nameOf(i.nationalId) === 'due')!.priority;
    t.clock.set('2026-06-16T04:00:00Z');
    await push('due', 'transit', 'bus_card', 'BUS-1', '2026-06-15T18:00:00+08:00', 'none');
    await push('dueFailed', 'self_service', 'face', 'NCP-P-1', '2026-06-16T09:00:00+08:00', 'biometric');
    await sweep();
    const { items } = await queue();
    expect(items.map((i) => nameOf(i.nationalId))).toEqual(['lapsedOld', 'due', 'dueTraces']);
    const after = items.find((i) => nameOf(i.nationalId) === 'due')!;
    expect(after.priority).toBeLessThan(before);
    expect(after.urgency.reasons).toContain('reference_evidence');
  });
});
