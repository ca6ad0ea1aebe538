// Existence oracles (issue 15): a key must not learn that a national ID is registered where it
// may not see it. A bureau or staff key gets, for a person registered in another region, what
// it gets for an ID registered nowhere (same status, code and message); a feed key's counts are
// the same whether the people it names are pensioners or not. README, "Audit".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, pensionerBody, registerPensioner } from '../helpers/people.ts';
import { makeNationalId } from '../../src/domain/national-id.ts';

let t: TestContext;
let admin: string;
let chengdu: string;
let chengduStaff: string;
let feed: string;
// Registered in Mianyang; and a valid ID registered nowhere. Both outside what Chengdu keys see.
const elsewhere = makeNationalId('510703', '1948-04-02', 11);
const nowhere = makeNationalId('510104', '1948-04-02', 12);
const mine = makeNationalId('510104', '1948-04-02', 13);

type Request = { method: 'GET' | 'POST' | 'PUT'; url: string; payload?: unknown };
/** Status and body, with the asked ID replaced, so two answers about different IDs compare. */
async function answer(key: string, nid: string, make: (nid: string) => Request) {
  const res = await t.app.inject({ ...make(nid), headers: auth(key) } as never);
  return { status: res.statusCode, body: res.body.split(nid).join('<id>') };
}

beforeAll(async () => {
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  admin = await t.key('admin');
  chengdu = await t.key('bureau', { region: '5101', name: 'chengdu-bureau' });
  chengduStaff = await t.key('staff', { region: '5101' });
  feed = await t.key('feed', { sources: ['hospital'] });
  await registerPensioner(t.app, admin, elsewhere, { regionCode: '510703', name: '绵阳人' });
  await registerPensioner(t.app, admin, mine);
});
afterAll(async () => t?.close());

describe('a bureau or staff key, about a person registered in another region', () => {
  const reads: [string, string, (nid: string) => Request][] = [
    ['bureau', 'GET the pensioner', (nid) => ({ method: 'GET', url: `/v1/pensioners/${nid}` })],
    ['bureau', 'GET the certification', (nid) => ({ method: 'GET', url: `/v1/pensioners/${nid}/certification` })],
    ['bureau', 'GET the decisions', (nid) => ({ method: 'GET', url: `/v1/pensioners/${nid}/decisions` })],
    ['bureau', 'GET the evidence', (nid) => ({ method: 'GET', url: `/v1/pensioners/${nid}/evidence` })],
    ['bureau', 'flag', (nid) => ({ method: 'POST', url: `/v1/pensioners/${nid}/flags`, payload: { reason: 'reported_death' } })],
    ['bureau', 'query certifications', (nid) => ({ method: 'POST', url: '/v1/certifications/query', payload: { nationalIds: [nid] } })],
    ['staff', 'GET the pensioner', (nid) => ({ method: 'GET', url: `/v1/pensioners/${nid}` })],
    [
      'staff',
      'record an in-person check',
      (nid) => ({
        method: 'POST',
        url: `/v1/pensioners/${nid}/in-person-checks`,
        payload: { servicePointId: 'SP-1', outcome: 'alive', method: 'id_document' },
      }),
    ],
  ];
  it.each(reads)('%s key: %s answers as for an ID registered nowhere', async (role, _what, make) => {
    const key = role === 'staff' ? chengduStaff : chengdu;
    const there = await answer(key, elsewhere, make);
    expect(there).toEqual(await answer(key, nowhere, make));
    expect(there.body).not.toMatch(/region/);
  });

  it('PUT answers as a lookup of an ID registered nowhere, changes nothing, and is audited', async () => {
    const put = await answer(chengdu, elsewhere, (nid) => ({ method: 'PUT', url: `/v1/pensioners/${nid}`, payload: pensionerBody({ name: '冒名' }) }));
    expect(put).toEqual(await answer(chengdu, nowhere, (nid) => ({ method: 'GET', url: `/v1/pensioners/${nid}` })));
    expect(put).toEqual({ status: 404, body: JSON.stringify({ error: { code: 'not_found', message: 'pensioner not found' } }) });
    const person = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${elsewhere}`, headers: auth(admin) });
    expect(person.json()).toMatchObject({ name: '绵阳人', regionCode: '510703' });
    const audited = await t.deps.pool.query(
      `SELECT k.name, p.national_id FROM audit_log a JOIN api_keys k ON k.id = a.key_id JOIN pensioners p ON p.id = a.pensioner_id
       WHERE a.action = 'pensioner.register_refused'`,
    );
    expect(audited.rows).toEqual([{ name: 'chengdu-bureau', national_id: elsewhere }]);
  });

  it('a bulk line is rejected in the words of that 404, naming no region', async () => {
    const line = (nid: string) => JSON.stringify({ nationalId: nid, ...pensionerBody() });
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/pensioners/bulk',
      headers: { ...auth(chengdu), 'content-type': 'application/x-ndjson' },
      payload: `${line(mine)}\n${line(elsewhere)}\n`,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ created: 0, updated: 1, rejected: [{ line: 2, code: 'not_found', message: 'pensioner not found' }], rejectedCount: 1 });
  });
});

describe('a feed key, about the people its events name', () => {
  const event = (nid: string, sourceRef: string) => ({
    nationalId: nid,
    source: 'hospital',
    kind: 'admission',
    occurredAt: '2026-06-01T09:30:00+08:00',
    sourceRef,
    identityCheck: 'id_document',
  });
  const push = async (key: string, events: unknown[]) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: auth(key), payload: events });
    expect(res.statusCode, res.body).toBe(202);
    return res.json();
  };

  it('a one-event push answers the same for a pensioner and for anyone else, sent once or twice', async () => {
    const pensioner = [await push(feed, [event(mine, 'O-1')]), await push(feed, [event(mine, 'O-1')])];
    const stranger = [await push(feed, [event(nowhere, 'O-2')]), await push(feed, [event(nowhere, 'O-2')])];
    expect(pensioner).toEqual(stranger);
    expect(pensioner[0]).toEqual({ accepted: 1, duplicates: 0, unmatched: 0, rejected: [] });
    // Only the pensioner's event is stored, and the audit keeps what happened.
    const stored = await t.deps.pool.query(`SELECT source_ref FROM events WHERE source_ref IN ('O-1', 'O-2')`);
    expect(stored.rows).toEqual([{ source_ref: 'O-1' }]);
    const audited = await t.deps.pool.query(`SELECT detail FROM audit_log WHERE action = 'events.push' ORDER BY id`);
    expect(audited.rows.map((r) => r.detail)).toEqual([
      { accepted: 1, duplicates: 0, unmatched: 0, rejected: 0 },
      { accepted: 0, duplicates: 1, unmatched: 0, rejected: 0 },
      { accepted: 0, duplicates: 0, unmatched: 1, rejected: 0 },
      { accepted: 0, duplicates: 0, unmatched: 1, rejected: 0 },
    ]);
  });

  it('an admin key still sees duplicates and unmatched (the contract counts)', async () => {
    expect(await push(admin, [event(mine, 'O-1'), event(nowhere, 'O-3')])).toEqual({ accepted: 0, duplicates: 1, unmatched: 1, rejected: [] });
  });

  it("a one-line batch's status answers the same for a pensioner and for anyone else; the admin sees which", async () => {
    const counts = async (nid: string, ref: string) => {
      const csv = `national_id,kind,occurred_at,source_ref,identity_check\n${nid},admission,2026-06-02T08:00:00+08:00,${ref},id_document\n`;
      const up = await t.app.inject({
        method: 'POST',
        url: '/v1/feeds/hospital/batches',
        headers: { ...auth(feed), 'content-type': 'text/csv' },
        payload: csv,
      });
      const { batchId } = up.json();
      await t.deps.evidence.processBatch(batchId);
      const status = async (key: string) => {
        const { lines, accepted, duplicates, unmatched, rejected, rejects, status } = (
          await t.app.inject({ method: 'GET', url: `/v1/feeds/batches/${batchId}`, headers: auth(key) })
        ).json();
        return { status, lines, accepted, duplicates, unmatched, rejected, rejects };
      };
      return { feed: await status(feed), admin: await status(admin) };
    };
    const pensioner = await counts(mine, 'BO-1');
    const stranger = await counts(nowhere, 'BO-2');
    expect(pensioner.feed).toEqual(stranger.feed);
    expect(pensioner.feed).toEqual({ status: 'completed', lines: 1, accepted: 1, duplicates: 0, unmatched: 0, rejected: 0, rejects: [] });
    expect(pensioner.admin).toMatchObject({ accepted: 1, unmatched: 0 });
    expect(stranger.admin).toMatchObject({ accepted: 0, unmatched: 1 });
  });
});
