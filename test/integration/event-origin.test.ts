// Every event stores which key or interface brought it (events.received_via), on every path
// that stores events: a push, a batch file (COPY + merge), a pull, an in-person check and a
// resolved manual check. Kept for the audit and replay; callers are never shown it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner } from '../helpers/people.ts';
import { ids } from '../helpers/ingest.ts';
import { parseFeeds } from '../../src/modules/feeds/config.ts';

let t: TestContext;
const server = setupServer();
const people = ids(6, '510104', '1946-02-01');
const keys: Record<string, { secret: string; id: string }> = {};

async function keyOf(name: string, role: 'admin' | 'feed' | 'staff') {
  const secret = await t.key(role, { name, ...(role === 'feed' ? { sources: ['hospital'] } : {}) });
  const id = (await t.deps.pool.query(`SELECT id::text AS id FROM api_keys WHERE name = $1`, [name])).rows[0].id as string;
  keys[name] = { secret, id };
}
const originOf = async (source: string, sourceRef: string) =>
  (await t.deps.pool.query(`SELECT received_via FROM events WHERE source = $1 AND source_ref = $2`, [source, sourceRef])).rows[0]?.received_via;
const originsOf = async (nationalId: string, source: string) =>
  (
    await t.deps.pool.query(
      `SELECT DISTINCT e.received_via FROM events e JOIN pensioners p ON p.id = e.pensioner_id WHERE p.national_id = $1 AND e.source = $2`,
      [nationalId, source],
    )
  ).rows.map((r) => r.received_via);
const hospital = (nationalId: string, sourceRef: string) => ({
  nationalId,
  source: 'hospital',
  kind: 'admission',
  occurredAt: '2026-06-01T09:30:00+08:00',
  sourceRef,
  identityCheck: 'id_document',
});

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  await keyOf('origin-admin', 'admin');
  await keyOf('origin-feed', 'feed');
  await keyOf('origin-staff', 'staff');
  for (const id of people) await registerPensioner(t.app, keys['origin-admin']!.secret, id, { lastCertifiedAt: '2025-03-01' });
});
afterAll(async () => {
  server.close();
  await t?.close();
});

describe('each path stores the origin of its events', () => {
  it('a push: the key that sent it, feed or admin', async () => {
    for (const [name, ref] of [
      ['origin-feed', 'P-1'],
      ['origin-admin', 'P-2'],
    ] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: auth(keys[name]!.secret), payload: [hospital(people[0]!, ref)] });
      expect(res.statusCode, res.body).toBe(202);
      expect(await originOf('hospital', ref)).toBe(`key:${keys[name]!.id}`);
    }
  });

  it('a batch file: the key that uploaded it, one constant for the whole file; its merge is audited with that key', async () => {
    const csv = `national_id,kind,occurred_at,source_ref,identity_check\n${people[1]},admission,2026-06-02T08:00:00+08:00,B-1,id_document\n${people[2]},discharge,2026-06-03T08:00:00+08:00,B-2,id_document\n`;
    const up = await t.app.inject({
      method: 'POST',
      url: '/v1/feeds/hospital/batches',
      headers: { ...auth(keys['origin-feed']!.secret), 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(up.statusCode, up.body).toBe(202);
    const { batchId } = up.json();
    expect(await t.deps.evidence.processBatch(batchId)).toMatchObject({ status: 'completed' });
    expect(await originOf('hospital', 'B-1')).toBe(`key:${keys['origin-feed']!.id}`);
    expect(await originOf('hospital', 'B-2')).toBe(`key:${keys['origin-feed']!.id}`);
    const audited = await t.deps.pool.query(`SELECT key_id::text AS key_id, detail FROM audit_log WHERE action = 'batch.ingest'`);
    expect(audited.rows).toEqual([
      {
        key_id: keys['origin-feed']!.id,
        detail: { batchId, source: 'hospital', lines: 2, accepted: 2, duplicates: 0, unmatched: 0, rejected: 0 },
      },
    ]);
  });

  it('a pull: the interface', async () => {
    const [f] = parseFeeds(
      [{ name: 'rail', source: 'travel', baseUrl: 'http://platform.test/rail/events', pageSize: 10, ratePerSecond: 100 }],
      t.deps.policy.catalogue,
    );
    server.use(
      http.get('http://platform.test/rail/events', () =>
        HttpResponse.json({
          events: [{ nationalId: people[3], kind: 'rail_boarding', occurredAt: '2026-06-10T08:00:00+08:00', sourceRef: 'R-1', identityCheck: 'biometric' }],
          nextCursor: '1',
          hasMore: false,
        }),
      ),
    );
    expect(await t.deps.feeds.pull(f!)).toMatchObject({ accepted: 1 });
    expect(await originOf('travel', 'R-1')).toBe('pull:rail');
  });

  it('an in-person check and a resolved manual check: the key that recorded it', async () => {
    const staff = keys['origin-staff']!;
    const check = await t.app.inject({
      method: 'POST',
      url: `/v1/pensioners/${people[4]}/in-person-checks`,
      headers: auth(staff.secret),
      payload: { servicePointId: 'SP-510104-01', outcome: 'alive', method: 'id_document' },
    });
    expect(check.statusCode, check.body).toBe(201);
    expect(await originsOf(people[4]!, 'service_point')).toEqual([`key:${staff.id}`]);

    const flag = await t.app.inject({
      method: 'POST',
      url: `/v1/pensioners/${people[5]}/flags`,
      headers: auth(staff.secret),
      payload: { reason: 'reported_death' },
    });
    expect(flag.statusCode, flag.body).toBe(201);
    const id = flag.json().id as string;
    expect((await t.app.inject({ method: 'POST', url: `/v1/manual-checks/${id}/claim`, headers: auth(staff.secret) })).statusCode).toBe(200);
    const resolved = await t.app.inject({ method: 'POST', url: `/v1/manual-checks/${id}/resolve`, headers: auth(staff.secret), payload: { outcome: 'alive' } });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(await originsOf(people[5]!, 'service_point')).toEqual([`key:${staff.id}`]);
  });

  it('on every event stored, and the database refuses an event without one', async () => {
    const { rows } = await t.deps.pool.query(`SELECT count(*)::int AS n FROM events WHERE received_via IS NULL`);
    expect(rows[0].n).toBe(0);
    await expect(
      t.deps.pool.query(
        `INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check) SELECT id, 'hospital', 'admission', 'X-1', now(), 'none' FROM pensioners LIMIT 1`,
      ),
    ).rejects.toThrow(/events_received_via/);
  });
});
