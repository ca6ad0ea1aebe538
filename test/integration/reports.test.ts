// GET /v1/reports/summary: counts by status (the same rule as the certification lists),
// the silent-certification rate, the evidence mix of the month and manual-check workload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';

let t: TestContext;
let bureau: string;
let chengdu: string;
const ids: Record<string, string> = {};

const register = (id: string, over: Record<string, unknown>) => registerPensioner(t.app, bureau, id, over);

let ref = 0;
async function addEvents(events: [nationalId: string, source: string, kind: string, occurredAt: string, identityCheck: string, deathDate?: string][]) {
  const res = await t.deps.pool.query<{ id: string }>(
    `INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, death_date, received_at, received_via)
     SELECT p.id, e.source, e.kind, e.source_ref, e.occurred_at, e.identity_check, e.death_date, e.occurred_at + interval '1 day', 'import:reports-test'
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::date[])
       AS e(national_id, source, kind, source_ref, occurred_at, identity_check, death_date)
     JOIN pensioners p ON p.national_id = e.national_id
     RETURNING pensioner_id::text AS id`,
    [0, 1, 2, -1, 3, 4, 5].map((i) => events.map((e) => (i === -1 ? `reports-test-${++ref}` : (e[i] ?? null)))),
  );
  expect(res.rowCount).toBe(events.length);
  await t.deps.certification.rescore(t.deps.db, [...new Set(res.rows.map((r) => r.id))], t.clock.now(), 'test');
}

async function summary(query = '', key = bureau) {
  return t.app.inject({ method: 'GET', url: `/v1/reports/summary${query}`, headers: auth(key) });
}

beforeAll(async () => {
  // 2026-06-15 12:00 in Shanghai.
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  bureau = await t.key('bureau');
  chengdu = await t.key('bureau', { region: '5101' });
  for (const [name, birth] of Object.entries({
    legacy: '1950-01-01',
    hospital: '1950-02-02',
    travel: '1950-03-03',
    due: '1950-04-04',
    lapsed: '1950-05-05',
    dead: '1950-06-06',
  })) {
    ids[name] = syntheticId('510104', birth);
  }
  ids.mianyang = syntheticId('510703', '1950-07-07');
  await register(ids.legacy!, { lastCertifiedAt: '2026-03-15' });
  await register(ids.hospital!, { lastCertifiedAt: '2025-09-01' });
  await register(ids.travel!, { lastCertifiedAt: '2025-09-01' });
  await register(ids.due!, { lastCertifiedAt: '2025-07-15' });
  await register(ids.lapsed!, { lastCertifiedAt: '2025-05-10' });
  await register(ids.dead!, { lastCertifiedAt: '2026-01-10' });
  await register(ids.mianyang!, { lastCertifiedAt: '2025-05-01', regionCode: '510703' });
  await addEvents([
    [ids.hospital!, 'hospital', 'discharge', '2026-06-05T10:00:00+08:00', 'id_document'],
    [ids.travel!, 'travel', 'rail_boarding', '2026-05-20T10:00:00+08:00', 'biometric'],
    // Card-only use certifies nobody, but is evidence of the month all the same.
    [ids.legacy!, 'bank', 'atm', '2026-06-07T10:00:00+08:00', 'card_pin'],
    [ids.mianyang!, 'bank', 'atm', '2026-06-08T10:00:00+08:00', 'card_pin'],
    [ids.dead!, 'death', 'cremation', '2026-06-01T00:30:00+08:00', 'id_document', '2026-05-30'],
  ]);
  // Manual checks: opened in June (Chengdu, Mianyang), opened in May and resolved in June.
  await t.deps.pool.query(
    `INSERT INTO manual_checks (pensioner_id, region_code, reason, priority, status, opened_at, opened_by, resolved_at, outcome)
     SELECT p.id, p.region_code, c.reason, 50, c.status, c.opened_at, 'test', c.resolved_at, c.outcome
     FROM (VALUES ($1::text, 'due', 'open', '2026-06-02T09:00:00+08:00'::timestamptz, NULL::timestamptz, NULL),
                  ($2::text, 'suspended', 'resolved', '2026-05-10T09:00:00+08:00', '2026-06-03T09:00:00+08:00', 'alive'),
                  ($3::text, 'suspended', 'open', '2026-06-04T09:00:00+08:00', NULL, NULL)) AS c(nid, reason, status, opened_at, resolved_at, outcome)
     JOIN pensioners p ON p.national_id = c.nid`,
    [ids.due, ids.lapsed, ids.mianyang],
  );
});
afterAll(async () => t?.close());

describe('GET /v1/reports/summary', () => {
  it('summarises all regions for the current month by default', async () => {
    const res = await summary();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      region: null,
      month: '2026-06',
      asOf: '2026-06-15',
      total: 7,
      // One cremation record holds payment until verified (policy 2026.3): death_reported, with a verification check.
      statusCounts: { certified: 3, due: 1, suspended: 2, death_reported: 1, deceased: 0, detained: 0, ineligible: 0, under_review: 0 },
      silentCertification: { living: 7, auto: 2, rate: 0.2857 },
      evidenceMix: [
        { source: 'bank', events: 2, share: 0.5 },
        { source: 'death', events: 1, share: 0.25 },
        { source: 'hospital', events: 1, share: 0.25 },
      ],
      manualChecks: {
        opened: 3,
        closed: 1,
        byReason: [
          { reason: 'death_verification', opened: 1, closed: 0 },
          { reason: 'due', opened: 1, closed: 0 },
          { reason: 'suspended', opened: 1, closed: 1 },
        ],
      },
      reminders: { sent: 0, answeredBySelfService: 0, answeredWithCode: 0, certified: 0, daysToCertification: { mean: null, median: null } },
    });
  });

  it('counts statuses by the same rule as the certification lists', async () => {
    const body = (await summary()).json();
    for (const status of ['certified', 'due', 'suspended', 'deceased']) {
      const list = (await t.app.inject({ method: 'GET', url: `/v1/certifications?status=${status}&limit=1000`, headers: auth(bureau) })).json();
      expect(body.statusCounts[status], status).toBe(list.items.length);
    }
  });

  it('takes a month: evidence that occurred in it, checks opened and closed in it', async () => {
    const body = (await summary('?month=2026-05')).json();
    expect(body.month).toBe('2026-05');
    expect(body.evidenceMix).toEqual([{ source: 'travel', events: 1, share: 1 }]);
    expect(body.manualChecks).toEqual({ opened: 1, closed: 0, byReason: [{ reason: 'suspended', opened: 1, closed: 0 }] });
  });

  it("scopes by the key's region and narrows by ?region", async () => {
    const chengduBody = (await summary('', chengdu)).json();
    expect(chengduBody.region).toBe('5101');
    expect(chengduBody.total).toBe(6);
    expect(chengduBody.statusCounts.suspended).toBe(1);
    expect(chengduBody.evidenceMix.find((e: { source: string }) => e.source === 'bank').events).toBe(1);
    expect(chengduBody.manualChecks).toMatchObject({ opened: 2, closed: 1 });

    const mianyang = (await summary('?region=5107')).json();
    expect(mianyang).toMatchObject({ region: '5107', total: 1, statusCounts: { suspended: 1 }, silentCertification: { living: 1, auto: 0, rate: 0 } });

    const outside = (await summary('?region=5107', chengdu)).json();
    expect(outside).toMatchObject({ total: 0, evidenceMix: [], silentCertification: { rate: null }, manualChecks: { opened: 0, closed: 0 } });
  });

  // Every month the parameter accepts reaches SQL as instants: the last (9999-12) and the first
  // (1900-01) must answer, with nothing in them, or be refused, never a 500.
  it('answers or refuses the extreme months, never 500', async () => {
    for (const m of ['9999-12', '1900-01', '0001-01', '10000-01']) {
      const res = await summary(`?month=${m}`);
      expect([200, 400], `${m}: ${res.body}`).toContain(res.statusCode);
      if (res.statusCode === 200) expect(res.json()).toMatchObject({ month: m, evidenceMix: [], manualChecks: { opened: 0, closed: 0 } });
      else expect(res.json().error.code).toBe('invalid_month');
    }
  });

  it('rejects a bad month and keys without the right', async () => {
    const res = await summary('?month=2026-6');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_month');
    expect((await summary('?bogus=1')).statusCode).toBe(400);
    expect((await summary('', await t.key('staff'))).statusCode).toBe(403);
  });
});
