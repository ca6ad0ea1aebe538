import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import pg from 'pg';
import { auth, pensionerBody, registerPensioner, syntheticId } from '../helpers/people.ts';
import { LOOKUP_SQL, STATUSES_SQL } from '../../src/modules/certification/repository.ts';

let t: TestContext;
let bureau: string;
let chengdu: string;
let staff: string;
const ids: Record<string, string> = {};

const register = (id: string, over: Record<string, unknown>) => registerPensioner(t.app, bureau, id, over);

beforeAll(async () => {
  // 2026-06-15 12:00 in Shanghai.
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  bureau = await t.key('bureau');
  chengdu = await t.key('bureau', { region: '5101' });
  staff = await t.key('staff');
  ids.three = syntheticId('510104', '1951-01-01');
  ids.eleven = syntheticId('510104', '1952-01-01');
  ids.thirteen = syntheticId('510703', '1953-01-01');
  ids.fresh = syntheticId('510105', '1960-01-01');
  await register(ids.three, { lastCertifiedAt: '2026-03-15' });
  await register(ids.eleven, { lastCertifiedAt: '2025-07-15' });
  await register(ids.thirteen, { lastCertifiedAt: '2025-05-15', regionCode: '510703' });
  // A new recipient is certified in the first payment month.
  await register(ids.fresh, { benefitStartDate: '2026-06-01', regionCode: '510105' });
});
afterAll(async () => t?.close());

async function certification(id: string, key = bureau) {
  const res = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}/certification`, headers: auth(key) });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('status from the rolling 12-month rule', () => {
  it('certified 3 months after, due at 11, suspended at 13', async () => {
    expect(await certification(ids.three!)).toMatchObject({ status: 'certified', certifiedAt: '2026-03-15', certifiedUntil: '2027-03-15', method: 'legacy' });
    expect(await certification(ids.eleven!)).toMatchObject({ status: 'due', certifiedUntil: '2026-07-15' });
    expect(await certification(ids.thirteen!)).toMatchObject({ status: 'suspended', certifiedUntil: '2026-05-15' });
    expect(await certification(ids.fresh!)).toMatchObject({ status: 'certified', certifiedAt: '2026-06-01', certifiedUntil: '2027-06-01' });
  });

  it('suspends from the day after certifiedUntil, at midnight in Shanghai', async () => {
    const id = syntheticId('510104', '1949-02-02');
    await register(id, { lastCertifiedAt: '2025-06-20' });
    t.clock.set('2026-06-20T15:59:59Z'); // 23:59:59 on 2026-06-20 in Shanghai
    expect((await certification(id)).status).toBe('due');
    t.clock.set('2026-06-20T16:00:00Z'); // 00:00 on 2026-06-21
    expect((await certification(id)).status).toBe('suspended');
    t.clock.set('2026-06-15T04:00:00Z');
  });

  it('clamps to the month end: 2024-02-29 holds until 2025-02-28', async () => {
    const id = syntheticId('510104', '1947-07-07');
    await register(id, { lastCertifiedAt: '2024-02-29' });
    expect((await certification(id)).certifiedUntil).toBe('2025-02-28');
  });

  it('masks the national ID for staff', async () => {
    const c = await certification(ids.three!, staff);
    expect(c.nationalId).toBe(`${ids.three!.slice(0, 6)}********${ids.three!.slice(-4)}`);
  });
});

describe('the lookup plan', () => {
  // A lookup must not read the registry at all: its rows would compete with the
  // certifications for shared buffers (README, "Performance and accuracy").
  it('reads the certification by its national ID index and never the registry', async () => {
    const c = new pg.Client({ connectionString: t.ownerUrl }); // VACUUM: the owner's
    await c.connect();
    try {
      await c.query('VACUUM ANALYZE certifications');
      await c.query('SET enable_seqscan = off'); // a handful of rows would otherwise be scanned whole
      const nodes: { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string }[] = [];
      const walk = (n: any) => {
        nodes.push(n);
        for (const k of n.Plans ?? []) walk(k);
      };
      for (const scope of [null, '5101']) {
        nodes.length = 0;
        const res = await c.query(`EXPLAIN (FORMAT JSON) ${LOOKUP_SQL}`, [ids.three, scope]);
        walk(res.rows[0]['QUERY PLAN'][0].Plan);
        expect(nodes.filter((n) => n['Relation Name'] === 'pensioners')).toEqual([]);
        const onCertifications = nodes.filter((n) => n['Relation Name'] === 'certifications');
        expect(onCertifications.map((n) => n['Index Name'])).toEqual(['certifications_national_id']);
      }
    } finally {
      await c.end();
    }
  });

  // A batch of 1000 read 1000 certification rows, scattered over a table whose pages are half
  // free: half the query's database time (README, "Performance and accuracy").
  it('answers a batch query from the national ID index alone once the table is vacuumed', async () => {
    const c = new pg.Client({ connectionString: t.ownerUrl });
    await c.connect();
    try {
      await c.query('VACUUM ANALYZE certifications');
      await c.query('SET enable_seqscan = off');
      for (const scope of [null, '5101']) {
        const res = await c.query(`EXPLAIN (FORMAT JSON) ${STATUSES_SQL}`, [JSON.stringify([ids.three, ids.eleven]), scope]);
        const plan = JSON.stringify(res.rows[0]['QUERY PLAN']);
        expect(plan).toContain('"Node Type":"Index Only Scan"');
        expect(plan).toContain('"Index Name":"certifications_national_id"');
      }
    } finally {
      await c.end();
    }
  });
});

describe('a pensioner who moves region', () => {
  it('is found under the new region and no longer under the old one', async () => {
    const id = syntheticId('510104', '1954-02-02');
    await register(id, { lastCertifiedAt: '2026-03-15' });
    expect((await t.app.inject({ url: `/v1/pensioners/${id}/certification`, headers: auth(chengdu) })).statusCode).toBe(200);
    const move = await t.app.inject({
      method: 'PUT',
      url: `/v1/pensioners/${id}`,
      headers: auth(bureau),
      payload: pensionerBody({ lastCertifiedAt: '2026-03-15', regionCode: '510703' }),
    });
    expect(move.statusCode).toBe(200);
    expect((await t.app.inject({ url: `/v1/pensioners/${id}/certification`, headers: auth(chengdu) })).statusCode).toBe(404);
    const batch = await t.app.inject({ method: 'POST', url: '/v1/certifications/query', headers: auth(chengdu), payload: { nationalIds: [id] } });
    expect(batch.json().notFound).toEqual([id]);
    const all = await t.app.inject({ url: `/v1/pensioners/${id}/certification`, headers: auth(bureau) });
    expect(all.statusCode).toBe(200);
  });
});

describe('batch query', () => {
  it('answers 1000 IDs in one call, with the unknown ones in notFound', async () => {
    const unknown = Array.from({ length: 996 }, (_, i) => syntheticId('510106', `19${40 + (i % 20)}-05-0${1 + (i % 9)}`));
    const nationalIds = [ids.three!, ids.eleven!, ids.thirteen!, ids.fresh!.toLowerCase(), ...unknown];
    const res = await t.app.inject({ method: 'POST', url: '/v1/certifications/query', headers: auth(bureau), payload: { nationalIds } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.results).toHaveLength(4);
    expect(body.results.map((r: { status: string }) => r.status)).toEqual(['certified', 'due', 'suspended', 'certified']);
    expect(body.notFound.length).toBe(new Set(unknown).size);
  });

  it('audits the read of each person it found, in one row naming them all, and of no one it did not find', async () => {
    const key = await t.key('bureau', { name: 'batch-audit' });
    const keyId = (await t.deps.pool.query(`SELECT id::text AS id FROM api_keys WHERE name = 'batch-audit'`)).rows[0].id;
    const unknown = syntheticId('510106', '1944-02-03');
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/certifications/query',
      headers: auth(key),
      payload: { nationalIds: [ids.three, unknown, ids.eleven, ids.three] },
    });
    expect(res.statusCode).toBe(200);
    const pid = async (nid: string) => (await t.deps.pool.query(`SELECT id::text AS id FROM pensioners WHERE national_id = $1`, [nid])).rows[0].id as string;
    const expected = [await pid(ids.three!), await pid(ids.eleven!)].sort();
    // One row for the request: a query of 1000 IDs wrote 1000 rows before, half its time (README, "Audit").
    const rows = await t.deps.pool.query(`SELECT pensioner_id, pensioner_ids::text[] AS ids, role FROM audit_log WHERE key_id = $1::uuid`, [keyId]);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0].pensioner_id).toBeNull();
    expect([...rows.rows[0].ids].sort()).toEqual(expected);
    // Who read a person is answered by one view, whether the read named one person or many.
    const byPerson = await t.deps.pool.query(
      `SELECT pensioner_id::text AS pensioner_id, action, role FROM audit_by_pensioner WHERE key_id = $1::uuid ORDER BY pensioner_id`,
      [keyId],
    );
    expect(byPerson.rows).toEqual(expected.map((p) => ({ pensioner_id: p, action: 'certification.query', role: 'bureau' })));
    const none = await t.app.inject({ method: 'POST', url: '/v1/certifications/query', headers: auth(key), payload: { nationalIds: [unknown] } });
    expect(none.json().notFound).toEqual([unknown]);
    expect((await t.deps.pool.query(`SELECT count(*)::int AS n FROM audit_log WHERE key_id = $1::uuid`, [keyId])).rows[0].n).toBe(1);
  });

  it('audits each of many lookups at once by one key, however the writer groups them into rows', async () => {
    const key = await t.key('bureau', { name: 'lookup-audit' });
    const keyId = (await t.deps.pool.query(`SELECT id::text AS id FROM api_keys WHERE name = 'lookup-audit'`)).rows[0].id;
    const reads = [ids.three, ids.eleven, ids.three, ids.fresh, ids.eleven, ids.three];
    const answers = await Promise.all(reads.map((id) => t.app.inject({ url: `/v1/pensioners/${id}/certification`, headers: auth(key) })));
    expect(answers.map((a) => a.statusCode)).toEqual(reads.map(() => 200));
    const seen = await t.deps.pool.query(
      `SELECT p.national_id, count(*)::int AS n FROM audit_by_pensioner a JOIN pensioners p ON p.id = a.pensioner_id
       WHERE a.key_id = $1::uuid AND a.action = 'certification.read' GROUP BY 1 ORDER BY 1`,
      [keyId],
    );
    const expected = [...new Set(reads)].map((id) => ({ national_id: id, n: reads.filter((r) => r === id).length }));
    expect(seen.rows).toEqual(expected.sort((a, b) => a.national_id!.localeCompare(b.national_id!)));
    // The function for one person answers as the view does.
    const three = (await t.deps.pool.query(`SELECT id FROM pensioners WHERE national_id = $1`, [ids.three])).rows[0].id;
    const ofThree = await t.deps.pool.query(`SELECT action FROM audit_reads_of($1, now() - interval '1 hour') WHERE key_id = $2::uuid`, [three, keyId]);
    expect(ofThree.rows).toEqual([{ action: 'certification.read' }, { action: 'certification.read' }, { action: 'certification.read' }]);
  });

  it('scopes to the key region and refuses over 1000 or invalid IDs', async () => {
    const scoped = await t.app.inject({
      method: 'POST',
      url: '/v1/certifications/query',
      headers: auth(chengdu),
      payload: { nationalIds: [ids.three, ids.thirteen] },
    });
    expect(scoped.json().notFound).toEqual([ids.thirteen]);
    const tooMany = await t.app.inject({
      method: 'POST',
      url: '/v1/certifications/query',
      headers: auth(bureau),
      payload: { nationalIds: Array(1001).fill(ids.three) },
    });
    expect(tooMany.statusCode).toBe(400);
    const invalid = await t.app.inject({
      method: 'POST',
      url: '/v1/certifications/query',
      headers: auth(bureau),
      payload: { nationalIds: [ids.three, '123'] },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error).toMatchObject({ code: 'invalid_national_id', details: [{ index: 1 }] });
    const staffTry = await t.app.inject({ method: 'POST', url: '/v1/certifications/query', headers: auth(staff), payload: { nationalIds: [ids.three] } });
    expect(staffTry.statusCode).toBe(403);
  });
});

describe('lists', () => {
  it('filters by status and region, oldest certifiedUntil first, in cursor pages', async () => {
    const due = await t.app.inject({ method: 'GET', url: '/v1/certifications?status=due', headers: auth(bureau) });
    const dueItems = due.json().items as { nationalId: string; status: string }[];
    expect(dueItems.map((i) => i.nationalId)).toContain(ids.eleven);
    expect(dueItems.map((i) => i.nationalId)).not.toContain(ids.three);
    expect(new Set(dueItems.map((i) => i.status))).toEqual(new Set(['due']));
    const suspended = await t.app.inject({ method: 'GET', url: '/v1/certifications?status=suspended&region=5101', headers: auth(bureau) });
    expect(suspended.json().items.map((i: { nationalId: string }) => i.nationalId)).not.toContain(ids.thirteen);
    const disjoint = await t.app.inject({ method: 'GET', url: '/v1/certifications?region=5107', headers: auth(chengdu) });
    expect(disjoint.json()).toEqual({ items: [], nextCursor: null });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { statusCode: number; json(): any } = await t.app.inject({
        method: 'GET',
        url: `/v1/certifications?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        headers: auth(bureau),
      });
      expect(res.statusCode).toBe(200);
      const body: { items: { certifiedUntil: string }[]; nextCursor: string | null } = res.json();
      seen.push(...body.items.map((i: { certifiedUntil: string }) => i.certifiedUntil));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen.length).toBeGreaterThanOrEqual(6);
    expect([...seen].sort()).toEqual(seen);
  });

  it('rejects bad parameters', async () => {
    for (const q of ['status=alive', 'limit=1001', 'limit=0', 'region=51a', 'cursor=zzz', 'colour=red']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/certifications?${q}`, headers: auth(bureau) });
      expect(res.statusCode, q).toBe(400);
    }
  });

  // Regression: a cursor of two strings that are not a date and an id reached SQL (500).
  it('rejects a cursor whose parts are not a date and an id', async () => {
    for (const parts of [
      ['notadate', 'x'],
      ['2026-01-01', 'x'],
      ['2026-02-30', '1'],
    ]) {
      const cursor = Buffer.from(JSON.stringify(parts)).toString('base64url');
      const res = await t.app.inject({ method: 'GET', url: `/v1/certifications?cursor=${cursor}`, headers: auth(bureau) });
      expect(res.statusCode, parts.join()).toBe(400);
      expect(res.json().error.code).toBe('invalid_cursor');
    }
  });
});
