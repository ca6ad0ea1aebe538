import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/infra/database.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, pensionerBody, syntheticId } from '../helpers/people.ts';
import { makeNationalId } from '../../src/domain/national-id.ts';

let t: TestContext;
let admin: string;
let bureau: string;
let bureauChengdu: string;
let bureauMianyang: string;
let staff: string;
let feed: string;

beforeAll(async () => {
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  admin = await t.key('admin');
  bureau = await t.key('bureau');
  bureauChengdu = await t.key('bureau', { region: '5101' });
  bureauMianyang = await t.key('bureau', { region: '5107' });
  staff = await t.key('staff', { region: '5101' });
  feed = await t.key('feed', { sources: ['hospital'] });
});
afterAll(async () => t?.close());

describe('registering pensioners', () => {
  it('creates then updates, and reads back whole for the bureau', async () => {
    const id = syntheticId();
    const put = await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${id}`, headers: auth(bureau), payload: pensionerBody() });
    expect(put.statusCode).toBe(201);
    const again = await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${id}`, headers: auth(bureau), payload: pensionerBody({ monthlyBenefit: '3200' }) });
    expect(again.statusCode).toBe(200);
    const get = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}`, headers: auth(bureau) });
    expect(get.statusCode).toBe(200);
    expect(get.json()).toMatchObject({ nationalId: id, name: '测试甲', monthlyBenefit: '3200.00', phone: '13800138000' });
  });

  it('accepts a lower-case x and stores it upper case', async () => {
    let id = '';
    for (let s = 0; s < 1000 && !id.endsWith('X'); s++) id = makeNationalId('510104', '1948-11-30', s);
    const res = await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${id.toLowerCase()}`, headers: auth(bureau), payload: pensionerBody() });
    expect(res.statusCode).toBe(201);
    const get = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}`, headers: auth(bureau) });
    expect(get.json().nationalId).toBe(id);
  });

  it('rejects invalid national IDs, unknown fields, bad amounts and future certification dates', async () => {
    const id = syntheticId();
    const bad = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
    const cases: [string, unknown, string][] = [
      [bad, pensionerBody(), 'invalid_national_id'],
      ['510104195013401234', pensionerBody(), 'invalid_national_id'],
      [id, { ...pensionerBody(), hobby: 'chess' }, 'invalid_request'],
      [id, pensionerBody({ monthlyBenefit: '31.205' }), 'invalid_request'],
      [id, pensionerBody({ lastCertifiedAt: '2027-01-01' }), 'future_date'],
      [id, pensionerBody({ benefitStartDate: '2023-02-29' }), 'invalid_date'],
    ];
    for (const [nid, body, code] of cases) {
      const res = await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${nid}`, headers: auth(bureau), payload: body as object });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
    const get = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}`, headers: auth(bureau) });
    expect(get.statusCode).toBe(404);
  });

  it('masks ID, name and phone for staff', async () => {
    const id = syntheticId('510105');
    await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${id}`, headers: auth(bureau), payload: pensionerBody({ regionCode: '510105', name: '欧阳明' }) });
    const res = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}`, headers: auth(staff) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.nationalId).toBe(`${id.slice(0, 6)}********${id.slice(-4)}`);
    expect(body.name).toBe('欧阳*');
    expect(body.phone).toBe('138****8000');
    expect(JSON.stringify(body)).not.toContain(id);
  });
});

describe('a stored address', () => {
  const HOME = { village: '锦江区春熙路街道红星社区', street: '红星路二段12号3单元' };
  const put = (id: string, over: Record<string, unknown>, key = bureau) =>
    t.app.inject({ method: 'PUT', url: `/v1/pensioners/${id}`, headers: auth(key), payload: pensionerBody(over) });
  const read = async (id: string, key = bureau) => (await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}`, headers: auth(key) })).json();

  it('is stored on PUT, whole for the bureau, village shown and street masked for staff; audited as a write and a read', async () => {
    const id = syntheticId();
    expect((await put(id, { name: '王秀英', address: HOME })).statusCode).toBe(201);
    expect((await read(id)).address).toEqual(HOME);
    const seen = await read(id, staff);
    expect(seen.address).toEqual({ village: HOME.village, street: '红星******' });
    expect(JSON.stringify(seen)).not.toContain('12号');
    const actions = await t.deps.db
      .selectFrom('audit_log')
      .innerJoin('pensioners', 'pensioners.id', 'audit_log.pensioner_id')
      .select(['action', 'role'])
      .where('pensioners.national_id', '=', id)
      .orderBy('audit_log.id')
      .execute();
    expect(actions).toEqual([
      { action: 'pensioner.create', role: 'bureau' },
      { action: 'pensioner.read', role: 'bureau' },
      { action: 'pensioner.read', role: 'staff' },
    ]);
  });

  it('stays when a record is sent again without one, is removed by null, and is none for people registered without one', async () => {
    const id = syntheticId();
    await put(id, { address: { village: '双流区永安镇白果村', street: '  ' } });
    expect((await read(id)).address).toEqual({ village: '双流区永安镇白果村', street: null });
    await put(id, { monthlyBenefit: '3300' });
    expect((await read(id)).address).toEqual({ village: '双流区永安镇白果村', street: null });
    await put(id, { address: null });
    expect((await read(id)).address).toBeNull();
  });

  it('refuses a blank village, an unknown address field or an over-long street, writing nothing', async () => {
    const id = syntheticId();
    const cases: [unknown, string][] = [
      [{ village: '   ' }, 'invalid_address'],
      [{ village: '白果村', house: '3' }, 'invalid_request'],
      [{ village: '白果村', street: 'x'.repeat(201) }, 'invalid_request'],
      [{ street: '红星路' }, 'invalid_request'],
      ['白果村', 'invalid_request'],
    ];
    for (const [address, code] of cases) {
      const res = await put(id, { address });
      expect(res.statusCode, JSON.stringify(address)).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
    expect((await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}`, headers: auth(bureau) })).statusCode).toBe(404);
  });

  it('comes with bulk lines too, a bad one rejected by line', async () => {
    const [a, b] = [syntheticId(), syntheticId()];
    const lines = [
      { nationalId: a, ...pensionerBody({ address: HOME }) },
      { nationalId: b, ...pensionerBody({ address: { village: '' } }) },
    ];
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/pensioners/bulk',
      headers: { ...auth(bureau), 'content-type': 'application/x-ndjson' },
      payload: lines.map((l) => JSON.stringify(l)).join('\n'),
    });
    expect(res.json()).toMatchObject({ created: 1, rejected: [{ line: 2, code: 'invalid_field' }] });
    expect((await read(a)).address).toEqual(HOME);
  });
});

describe('keys, roles and regions', () => {
  it('401 without or with an unknown key, 403 for a wrong role', async () => {
    const id = syntheticId();
    expect((await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}` })).statusCode).toBe(401);
    const unknown = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}`, headers: auth('pk_nope') });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error.code).toBe('unauthorized');
    const wrong = await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${id}`, headers: auth(staff), payload: pensionerBody() });
    expect(wrong.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}`, headers: auth(feed) })).statusCode).toBe(403);
  });

  it('answers 404 for a person outside the key region, and refuses registering outside it', async () => {
    const id = syntheticId('510107');
    expect(
      (await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${id}`, headers: auth(bureauChengdu), payload: pensionerBody({ regionCode: '510107' }) }))
        .statusCode,
    ).toBe(201);
    expect((await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}`, headers: auth(bureauMianyang) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}/certification`, headers: auth(bureauMianyang) })).statusCode).toBe(404);
    const outside = await t.app.inject({
      method: 'PUT',
      url: `/v1/pensioners/${syntheticId('510703')}`,
      headers: auth(bureauChengdu),
      payload: pensionerBody({ regionCode: '510703' }),
    });
    expect(outside.statusCode).toBe(403);
    // Moving someone registered elsewhere is not possible from a region that cannot see them.
    const moved = await t.app.inject({
      method: 'PUT',
      url: `/v1/pensioners/${id}`,
      headers: auth(bureauMianyang),
      payload: pensionerBody({ regionCode: '510703' }),
    });
    expect(moved.statusCode).toBe(404);
  });

  it('audits every read and write of a person', async () => {
    const id = syntheticId();
    await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${id}`, headers: auth(admin), payload: pensionerBody() });
    await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}`, headers: auth(staff) });
    await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}/certification`, headers: auth(bureau) });
    const rows = await t.deps.db
      .selectFrom('audit_log')
      .innerJoin('pensioners', 'pensioners.id', 'audit_log.pensioner_id')
      .select(['action', 'role'])
      .where('pensioners.national_id', '=', id)
      .orderBy('audit_log.id')
      .execute();
    expect(rows).toEqual([
      { action: 'pensioner.create', role: 'admin' },
      { action: 'pensioner.read', role: 'staff' },
      { action: 'certification.read', role: 'bureau' },
    ]);
    // The service's role may not (service-role.test.ts); the owner is stopped by the triggers.
    await expect(t.deps.db.deleteFrom('audit_log').execute()).rejects.toThrow(/permission denied/);
    const owner = createDatabase(t.ownerUrl, { max: 1 });
    try {
      await expect(owner.db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
      // Regression: TRUNCATE fires no row trigger and used to empty the log.
      await expect(sql`TRUNCATE audit_log`.execute(owner.db)).rejects.toThrow(/append-only/);
    } finally {
      await owner.close();
    }
    expect(await t.deps.db.selectFrom('audit_log').select('id').limit(1).execute()).toHaveLength(1);
  });
});

describe('bulk registration', () => {
  it('keeps valid lines and reports bad ones by line number', async () => {
    const ids = [syntheticId(), syntheticId(), syntheticId()];
    const lines = [
      JSON.stringify({ nationalId: ids[0], ...pensionerBody() }),
      '{not json',
      JSON.stringify({ nationalId: ids[1], ...pensionerBody({ regionCode: '5101' }) }),
      JSON.stringify({ nationalId: ids[1]!.slice(0, 17) + (ids[1]![17] === '1' ? '2' : '1'), ...pensionerBody() }),
      '',
      JSON.stringify({ nationalId: ids[2], ...pensionerBody(), extra: 1 }),
      JSON.stringify({ nationalId: ids[1], ...pensionerBody() }),
      JSON.stringify({ nationalId: ids[0], ...pensionerBody({ name: '测试乙' }) }),
    ];
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/pensioners/bulk',
      headers: { ...auth(bureau), 'content-type': 'application/x-ndjson' },
      payload: '\ufeff' + lines.join('\r\n') + '\n',
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.created).toBe(2);
    expect(body.updated).toBe(1);
    expect(body.rejected.map((r: { line: number; code: string }) => [r.line, r.code])).toEqual([
      [2, 'malformed_line'],
      [3, 'invalid_field'],
      [4, 'invalid_national_id'],
      [6, 'invalid_field'],
    ]);
    const get = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${ids[0]}`, headers: auth(bureau) });
    expect(get.json().name).toBe('测试乙');
  });

  it('rejects a body over the limit', async () => {
    const small = await createTestContext({ config: { batchLimitBytes: 1000 } });
    try {
      const key = await small.key('bureau');
      const line = JSON.stringify({ nationalId: syntheticId(), ...pensionerBody() });
      const res = await small.app.inject({
        method: 'POST',
        url: '/v1/pensioners/bulk',
        headers: { ...auth(key), 'content-type': 'application/x-ndjson' },
        payload: Array(20).fill(line).join('\n'),
      });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('body_too_large');
    } finally {
      await small.close();
    }
  });
});

describe('logs', () => {
  it('never contain a national ID', async () => {
    const id = syntheticId();
    await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${id}`, headers: auth(bureau), payload: pensionerBody() });
    await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}/certification`, headers: auth(bureau) });
    await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id.slice(0, 17)}0/certification`, headers: auth(bureau) });
    const all = t.logs.join('');
    expect(all.length).toBeGreaterThan(0);
    expect(all).toContain(id.slice(0, 6));
    expect(all).not.toMatch(/\d{17}[\dX]/);
  });
});

describe('registered without lastCertifiedAt', () => {
  const status = async (id: string) =>
    (await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}/certification`, headers: auth(admin) })).json() as {
      status: string;
      certifiedUntil: string;
    };

  it('is due on the day of registration, not suspended, when the benefit started long ago', async () => {
    const id = syntheticId();
    const put = await t.app.inject({
      method: 'PUT',
      url: `/v1/pensioners/${id}`,
      headers: auth(bureau),
      payload: pensionerBody({ benefitStartDate: '2010-04-01' }),
    });
    expect(put.statusCode).toBe(201);
    // 2026-06-15 is the test's today: due now, with the two months' reminder window to be certified in.
    expect(await status(id)).toMatchObject({ status: 'due', certifiedUntil: '2026-08-15' });
    const read = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}`, headers: auth(bureau) });
    expect(read.json()).toMatchObject({ lastCertifiedAt: '2025-08-15' });
  });

  it('is certified from the benefit start for a new pensioner', async () => {
    const id = syntheticId();
    await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${id}`, headers: auth(bureau), payload: pensionerBody({ benefitStartDate: '2026-03-01' }) });
    expect(await status(id)).toMatchObject({ status: 'certified', certifiedUntil: '2027-03-01' });
  });

  it('keeps the stored last certification when the registry is sent again without one', async () => {
    const id = syntheticId();
    await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${id}`, headers: auth(bureau), payload: pensionerBody({ lastCertifiedAt: '2025-07-01' }) });
    await t.app.inject({ method: 'PUT', url: `/v1/pensioners/${id}`, headers: auth(bureau), payload: pensionerBody({ monthlyBenefit: '3300' }) });
    expect(await status(id)).toMatchObject({ status: 'due', certifiedUntil: '2026-07-01' });
    const bulk = await t.app.inject({
      method: 'POST',
      url: '/v1/pensioners/bulk',
      headers: { ...auth(bureau), 'content-type': 'application/x-ndjson' },
      payload: `${JSON.stringify({ nationalId: id, ...pensionerBody() })}\n`,
    });
    expect(bulk.statusCode).toBe(200);
    expect(await status(id)).toMatchObject({ certifiedUntil: '2026-07-01' });
  });
});
