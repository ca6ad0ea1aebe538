// Bad input gets a 4xx in the error shape and leaves nothing half-written, never a 500. Each
// case here answered 500 before (issue 15's list), most of them after writing part of the request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, pensionerBody, registerPensioner, syntheticId } from '../helpers/people.ts';

let t: TestContext;
let bureau: string;
let staff: string;
let feed: string;
let nid: string;

const count = async (table: 'pensioners' | 'manual_checks' | 'audit_log' | 'events') =>
  Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(t.deps.db)).rows[0]!.n);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function expect4xx(res: { statusCode: number; body: string; json(): any }, status = 400) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json().error.code).toEqual(expect.any(String));
}

beforeAll(async () => {
  t = await createTestContext();
  bureau = await t.key('bureau');
  staff = await t.key('staff');
  feed = await t.key('feed');
  nid = syntheticId();
  await registerPensioner(t.app, bureau, nid);
});
afterAll(async () => {
  await t?.close();
});

describe('text PostgreSQL cannot store', () => {
  it.each([
    ['a NUL in a name', { name: '张\u0000三' }],
    ['a lone surrogate in a name', { name: '张\ud800三' }],
  ])('refuses %s at registration', async (_what, over) => {
    const before = await count('pensioners');
    expect4xx(await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${syntheticId()}`, headers: auth(bureau), payload: pensionerBody(over) }));
    expect(await count('pensioners')).toBe(before);
  });

  it('refuses a flag whose note holds a NUL, writing no check and no audit row', async () => {
    const [checks, audit] = [await count('manual_checks'), await count('audit_log')];
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/pensioners/${nid}/flags`,
      headers: auth(staff),
      payload: { reason: 'reported_death', note: 'x\u0000y' },
    });
    expect4xx(res);
    expect([await count('manual_checks'), await count('audit_log')]).toEqual([checks, audit]);
  });

  it('rejects the bulk line with a NUL alone, and stores the others', async () => {
    const good = syntheticId();
    const lines = [
      JSON.stringify({ nationalId: good, ...pensionerBody() }),
      JSON.stringify({ nationalId: syntheticId(), ...pensionerBody({ name: 'a\u0000b' }) }),
    ];
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/pensioners/bulk',
      headers: { ...auth(bureau), 'content-type': 'application/x-ndjson' },
      payload: lines.join('\n'),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ created: 1, rejected: [{ line: 2 }] });
  });

  it('refuses a push whose event holds a NUL, storing none of its events', async () => {
    const before = await count('events');
    const event = { nationalId: nid, source: 'hospital', kind: 'admission', occurredAt: '2026-05-01T08:00:00+08:00', identityCheck: 'id_document' };
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth(feed),
      payload: [
        { ...event, sourceRef: 'fine-1' },
        { ...event, sourceRef: 'ok-1', location: '510104\u0000' },
      ],
    });
    expect4xx(res);
    expect(res.json().error.code).toBe('invalid_text');
    expect(await count('events')).toBe(before);
  });

  it('rejects a batch line with a NUL alone, and the batch completes', async () => {
    const header = 'national_id,kind,occurred_at,source_ref,identity_check,location';
    const csv = [
      header,
      `${nid},admission,2026-05-02T08:00:00+08:00,csv-1,id_document,510104`,
      `${nid},admission,2026-05-03T08:00:00+08:00,csv-2,id_document,51\u00000104`,
    ].join('\n');
    const up = await t.app.inject({ method: 'POST', url: '/v1/feeds/hospital/batches', headers: { ...auth(feed), 'content-type': 'text/csv' }, payload: csv });
    expect(up.statusCode, up.body).toBe(202);
    const { batchId } = up.json();
    await t.deps.evidence.processBatch(batchId);
    const status = await t.app.inject({ method: 'GET', url: `/v1/feeds/batches/${batchId}`, headers: auth(feed) });
    expect(status.json()).toMatchObject({ status: 'completed', accepted: 1, rejected: 1, rejects: [{ line: 3, code: 'invalid_text' }] });
  });
});

describe('dates PostgreSQL cannot store', () => {
  it('refuses year 0000 in a registration date', async () => {
    expect4xx(
      await t.app.inject({
        method: 'PUT',
        url: `/v1/pensioners/${syntheticId()}`,
        headers: auth(bureau),
        payload: pensionerBody({ lastCertifiedAt: '0000-01-01' }),
      }),
    );
  });

  it('rejects year 0000 in an event, line by line', async () => {
    const event = { nationalId: nid, source: 'death', kind: 'death_certificate', sourceRef: 'd-0', identityCheck: 'id_document' };
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth(feed),
      payload: [
        { ...event, occurredAt: '0000-01-01T00:00:00Z' },
        { ...event, sourceRef: 'd-1', occurredAt: '2026-05-01T08:00:00+08:00', deathDate: '0000-01-01' },
      ],
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().rejected).toHaveLength(2);
  });
});

describe('values looked up by name', () => {
  it.each(['__proto__', 'constructor', 'toString'])('a flag with reason %s opens a check at the default priority', async (reason) => {
    const res = await t.app.inject({ method: 'POST', url: `/v1/pensioners/${nid}/flags`, headers: auth(staff), payload: { reason } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().priority).toBe(70);
  });
});

describe('paging and limits', () => {
  it.each(['/v1/certifications', '/v1/manual-checks', `/v1/pensioners/${'$nid'}/decisions`, `/v1/pensioners/${'$nid'}/evidence`])(
    '%s answers 400 to tampered cursors and absurd limits',
    async (path) => {
      const url = path.replace('$nid', nid);
      for (const cursor of [b64(['notadate', 'x']), b64(['2026-02-30', '1']), b64(['2026-02-30 10:00:00+00', '1']), 'x'.repeat(150), '%%%']) {
        expect4xx(await t.app.inject({ method: 'GET', url: `${url}?cursor=${encodeURIComponent(cursor)}`, headers: auth(bureau) }));
      }
      for (const limit of ['1e309', '-1', '0', '1.5', 'NaN', '99999999999999999999']) {
        expect4xx(await t.app.inject({ method: 'GET', url: `${url}?limit=${limit}`, headers: auth(bureau) }));
      }
    },
  );

  it.each([
    ['/v1/manual-checks', ['1', '2026-06-15 04:00:00+99:99', '00000000-0000-0000-0000-000000000000']],
    ['/v1/manual-checks', ['1', '2026-06-15 04:00:00-16', '00000000-0000-0000-0000-000000000000']],
    [`/v1/pensioners/${'$nid'}/evidence`, ['2026-06-15 04:00:00+15:60', '1']],
  ])('%s answers 400 to a cursor whose timestamp has a UTC offset PostgreSQL refuses (%j)', async (path, key) => {
    // Found by the fuzz: the offset passed the cursor check and PostgreSQL's "time zone displacement out of range" was a 500.
    const url = path.replace('$nid', nid);
    expect4xx(await t.app.inject({ method: 'GET', url: `${url}?cursor=${b64(key)}`, headers: auth(bureau) }));
  });

  it.each(['9999-12', '0000-01', '2026-13', '10000-01'])('reports and payroll answer 400 for month %s', async (month) => {
    expect4xx(await t.app.inject({ method: 'GET', url: `/v1/reports/summary?month=${month}`, headers: auth(bureau) }));
    expect4xx(await t.app.inject({ method: 'GET', url: `/v1/payroll/${month}`, headers: auth(bureau) }));
  });
});

describe('bodies of the wrong kind', () => {
  it('bulk registration sent as application/json is 415, nothing stored', async () => {
    const before = await count('pensioners');
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/pensioners/bulk',
      headers: auth(bureau),
      payload: [{ nationalId: syntheticId(), ...pensionerBody() }],
    });
    expect4xx(res, 415);
    expect(await count('pensioners')).toBe(before);
  });

  it.each(['/v1/payroll/%', '/v1/pensioners/%ZZ', '/v1/manual-checks/%E0%A4%A'])(
    'a path that is not percent-encoded right (%s) is a 400 in the error shape',
    async (url) => {
      // Found by the fuzz: the router's own 400 went out as Fastify's {"error":"Bad Request","code":"FST_ERR_BAD_URL"}.
      expect4xx(await t.app.inject({ method: 'GET', url, headers: auth(bureau) }));
    },
  );

  it("a path segment over the router's length limit is a 414 in the error shape", async () => {
    // Found by the fuzz: went out as Fastify's own body, not {"error": {"code", "message"}}.
    expect4xx(await t.app.inject({ method: 'GET', url: `/v1/pensioners/${'a'.repeat(1001)}`, headers: auth(bureau) }), 414);
  });

  it('a malformed batch id is a 4xx', async () => {
    for (const id of ['-'.repeat(36), 'not-an-id', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/feeds/batches/${id}`, headers: auth(feed) });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    }
  });
});
