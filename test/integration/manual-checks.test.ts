// Service-point staff: in-person checks, flags and the manual-check queue, against the real
// database. Certification effects are asserted as the lifecycle rules intend them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, pensionerBody, syntheticId } from '../helpers/people.ts';
import type { Executor } from '../../src/infra/database.ts';
import { createManualCheckRepository, type OpenCheck } from '../../src/modules/manual-checks/repository.ts';

/** Opens checks as the daily sweep does (the repository's set-based open), counting the new ones. */
async function openChecks(q: Executor, rows: OpenCheck[]) {
  const checks = await createManualCheckRepository().open(q, rows, new Date(NOW), 'system:sweep');
  return { opened: checks.filter((c) => c.inserted).length, checks };
}

let t: TestContext;
let bureau: string;
let staffA: string;
let staffMianyang: string;
let feed: string;

const NOW = '2026-06-15T04:00:00Z'; // 2026-06-15 12:00 in Shanghai

beforeAll(async () => {
  t = await createTestContext({ now: NOW, config: { claimTtlMinutes: 30 } });
  bureau = await t.key('bureau');
  staffA = await t.key('staff', { region: '5101', name: 'jinjiang-counter-1' });
  staffMianyang = await t.key('staff', { region: '5107' });
  feed = await t.key('feed');
});
afterAll(async () => t?.close());

async function register(region = '510104', over: Record<string, unknown> = {}) {
  const id = syntheticId(region);
  const res = await t.app.inject({
    method: 'PUT',
    url: `/v1/pensioners/${id}`,
    headers: auth(bureau),
    payload: pensionerBody({ regionCode: region, lastCertifiedAt: '2025-01-10', ...over }),
  });
  expect(res.statusCode).toBe(201);
  return id;
}

async function pensionerId(nid: string): Promise<string> {
  const r = await t.deps.db.selectFrom('pensioners').select('id').where('national_id', '=', nid).executeTakeFirstOrThrow();
  return String(r.id);
}

async function auditRows(action: string, pid: string) {
  return t.deps.db.selectFrom('audit_log').selectAll().where('action', '=', action).where('pensioner_id', '=', pid).execute();
}

// The context the helpers below talk to: `t`, or the queue block's own database.
let cur: () => TestContext = () => t;
const flag = (nid: string, key: string, payload: object = { reason: 'reported_death' }) =>
  cur().app.inject({ method: 'POST', url: `/v1/pensioners/${nid}/flags`, headers: auth(key), payload });
const claim = (id: string, key: string, payload?: object) =>
  cur().app.inject({ method: 'POST', url: `/v1/manual-checks/${id}/claim`, headers: auth(key), ...(payload ? { payload } : {}) });
const resolve = (id: string, key: string, payload: object) =>
  cur().app.inject({ method: 'POST', url: `/v1/manual-checks/${id}/resolve`, headers: auth(key), payload });

describe('in-person checks', () => {
  it('alive certifies at once with method in_person, dated today, stored as a service_point event and audited', async () => {
    const nid = await register();
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/pensioners/${nid}/in-person-checks`,
      headers: auth(staffA),
      payload: { servicePointId: 'SP-510104-01', outcome: 'alive', method: 'id_document' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.nationalId).toBe(`${nid.slice(0, 6)}********${nid.slice(-4)}`);
    expect(JSON.stringify(body)).not.toContain(nid);
    const pid = await pensionerId(nid);
    const events = await t.deps.db.selectFrom('events').selectAll().where('pensioner_id', '=', pid).execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: 'service_point', kind: 'in_person', identity_check: 'id_document', batch_id: null, location: '510104' });
    expect(events[0]!.source_ref).toMatch(/^[0-9a-f-]{36}$/);
    expect(events[0]!.occurred_at.toISOString()).toBe(new Date(NOW).toISOString());

    const [audit] = await auditRows('in_person_check.record', pid);
    expect(audit).toBeDefined();
    expect(audit!.detail).toMatchObject({ servicePointId: 'SP-510104-01', outcome: 'alive', method: 'id_document', at: new Date(NOW).toISOString() });

    const cert = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${nid}/certification`, headers: auth(bureau) });
    expect(cert.json()).toMatchObject({ status: 'certified', method: 'in_person', certifiedAt: '2026-06-15', certifiedUntil: '2027-06-15' });
    expect(body.certification).toMatchObject({ status: 'certified', method: 'in_person', certifiedAt: '2026-06-15' });
  });

  it('a home visit certifies with method home_visit', async () => {
    const nid = await register();
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/pensioners/${nid}/in-person-checks`,
      headers: auth(staffA),
      payload: { servicePointId: 'SP-510104-01', outcome: 'alive', method: 'home_visit', note: '老人在家，精神很好' },
    });
    expect(res.statusCode).toBe(201);
    const ev = await t.deps.db
      .selectFrom('events')
      .selectAll()
      .where('pensioner_id', '=', await pensionerId(nid))
      .executeTakeFirstOrThrow();
    expect(ev).toMatchObject({ kind: 'home_visit', identity_check: 'id_document' });
    expect(res.json().certification).toMatchObject({ status: 'certified', method: 'home_visit', certifiedAt: '2026-06-15' });
  });

  it('deceased needs a plausible date of death and then holds payments until a second key confirms it', async () => {
    const nid = await register();
    const url = `/v1/pensioners/${nid}/in-person-checks`;
    const base = { servicePointId: 'SP-510104-01', outcome: 'deceased', method: 'home_visit' };
    const missing = await t.app.inject({ method: 'POST', url, headers: auth(staffA), payload: base });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('missing_death_date');
    const future = await t.app.inject({ method: 'POST', url, headers: auth(staffA), payload: { ...base, deathDate: '2026-06-16' } });
    expect(future.json().error.code).toBe('invalid_death_date');
    const aliveWithDate = await t.app.inject({ method: 'POST', url, headers: auth(staffA), payload: { ...base, outcome: 'alive', deathDate: '2026-06-01' } });
    expect(aliveWithDate.statusCode).toBe(400);
    expect(
      await t.deps.db
        .selectFrom('events')
        .select('id')
        .where('pensioner_id', '=', await pensionerId(nid))
        .execute(),
    ).toHaveLength(0);

    const ok = await t.app.inject({ method: 'POST', url, headers: auth(staffA), payload: { ...base, deathDate: '2026-05-20' } });
    expect(ok.statusCode, ok.body).toBe(201);
    const ev = await t.deps.db
      .selectFrom('events')
      .selectAll()
      .where('pensioner_id', '=', await pensionerId(nid))
      .executeTakeFirstOrThrow();
    expect(ev).toMatchObject({ source: 'service_point', kind: 'deceased', death_date: '2026-05-20', identity_check: 'id_document' });
    const cert = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${nid}/certification`, headers: auth(bureau) });
    expect(cert.json()).toMatchObject({ status: 'death_reported', deathDate: '2026-05-20' });
    const confirmed = await t.app.inject({ method: 'POST', url: `/v1/pensioners/${nid}/death-confirmations`, headers: auth(bureau), payload: {} });
    expect(confirmed.json()).toMatchObject({ status: 'deceased' });
  });

  it('is refused outside the key region (404), to bureau and feed keys (403), and with unknown fields (400)', async () => {
    const nid = await register('510703');
    const payload = { servicePointId: 'SP-1', outcome: 'alive', method: 'id_document' };
    const url = `/v1/pensioners/${nid}/in-person-checks`;
    expect((await t.app.inject({ method: 'POST', url, headers: auth(staffA), payload })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url, headers: auth(bureau), payload })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url, headers: auth(feed), payload })).statusCode).toBe(403);
    const extra = await t.app.inject({ method: 'POST', url, headers: auth(staffMianyang), payload: { ...payload, name: 'x' } });
    expect(extra.statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url, headers: auth(staffMianyang), payload })).statusCode).toBe(201);
  });
});

describe('free text', () => {
  // Regression: a note written by the bureau reached staff whole.
  it("reaches staff with the person's name, phones and IDs masked, and the bureau whole", async () => {
    const nid = await register('510104', { name: '张三丰' });
    const note = `张三丰 家属来电 13800138000 代办人身份证 ${nid}`;
    const created = await flag(nid, bureau, { reason: 'reported_death', note });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    const staffView = (await t.app.inject({ method: 'GET', url: `/v1/manual-checks/${id}`, headers: auth(staffA) })).json();
    expect(staffView.note).toBe(`张* 家属来电 138****8000 代办人身份证 ${nid.slice(0, 6)}********${nid.slice(-4)}`);
    const bureauView = (await t.app.inject({ method: 'GET', url: `/v1/manual-checks/${id}`, headers: auth(bureau) })).json();
    expect(bureauView.note).toBe(note);
  });
});

describe('flags', () => {
  it('open a manual check (201), the same flag again returns it (200), masked for staff and whole for the bureau', async () => {
    const nid = await register('510105', { name: '李秀英' });
    const first = await flag(nid, staffA, { reason: 'reported_death', note: '邻居说老人上月去世', servicePointId: 'SP-510105-02' });
    expect(first.statusCode, first.body).toBe(201);
    const check = first.json();
    expect(check).toMatchObject({ reason: 'reported_death', status: 'open', priority: 90, name: '李*', regionCode: '510105' });
    expect(check.nationalId).toBe(`${nid.slice(0, 6)}********${nid.slice(-4)}`);
    expect(check.openedAt).toBe(new Date(NOW).toISOString());

    const again = await flag(nid, bureau);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: check.id, nationalId: nid, name: '李秀英' });

    const other = await flag(nid, bureau, { reason: 'suspected_misuse' });
    expect(other.statusCode).toBe(201);
    expect(other.json().id).not.toBe(check.id);

    expect((await flag(nid, feed)).statusCode).toBe(403);
    expect((await flag(nid, staffMianyang)).statusCode).toBe(404);
    expect((await flag(nid, staffA, { reason: '   ' })).statusCode).toBe(400);

    const [audit] = await auditRows('manual_check.flag', await pensionerId(nid));
    expect(audit!.key_id).toBeTruthy();
    expect(audit!.detail).toMatchObject({ checkId: check.id, servicePointId: 'SP-510105-02', reason: 'reported_death', at: new Date(NOW).toISOString() });

    const cert = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${nid}/certification`, headers: auth(staffA) });
    expect(cert.json().openCheck).toMatchObject({ id: check.id, reason: 'reported_death', priority: 90 });
  });

  it('a repeated flag returns the open check unchanged: the first note stays', async () => {
    const nid = await register('510104');
    const first = await flag(nid, staffA, { reason: 'reported_death', note: 'first note' });
    expect(first.statusCode, first.body).toBe(201);
    const again = await flag(nid, bureau, { reason: 'reported_death', note: 'second note' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: first.json().id, note: 'first note', priority: 90 });
    const rows = await t.deps.db.selectFrom('manual_checks').select(['note']).where('id', '=', first.json().id).execute();
    expect(rows.map((r) => r.note)).toEqual(['first note']);
  });
});

describe('the manual-check queue', () => {
  let queueT: TestContext;
  let qStaff: string;
  let qStaff2: string;
  let qBureau: string;
  let qMianyang: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // A fresh database, so the queue holds exactly what this block opens.
    queueT = await createTestContext({ now: NOW, config: { claimTtlMinutes: 30 } });
    cur = () => queueT;
    qStaff = await queueT.key('staff', { region: '5101' });
    qStaff2 = await queueT.key('staff', { region: '510104' });
    qBureau = await queueT.key('bureau');
    qMianyang = await queueT.key('staff', { region: '5107' });
    const reg = async (name: string, region: string) => {
      const nid = syntheticId(region);
      await queueT.app.inject({
        method: 'PUT',
        url: `/v1/pensioners/${nid}`,
        headers: auth(qBureau),
        payload: pensionerBody({ regionCode: region, lastCertifiedAt: '2025-06-01' }),
      });
      ids[name] = nid;
      return nid;
    };
    const low = await reg('low', '510104');
    const high = await reg('high', '510105');
    const mid = await reg('mid', '510104');
    const far = await reg('far', '510703');
    const pids = await queueT.deps.db.selectFrom('pensioners').select(['id', 'national_id', 'region_code']).execute();
    const pidOf = (nid: string) => pids.find((p) => p.national_id === nid)!;
    await queueT.deps.transaction(async (trx) => {
      const r = await openChecks(trx, [
        { pensionerId: String(pidOf(low).id), regionCode: '510104', reason: 'due', priority: 20 },
        { pensionerId: String(pidOf(high).id), regionCode: '510105', reason: 'due', priority: 60 },
        { pensionerId: String(pidOf(mid).id), regionCode: '510104', reason: 'due', priority: 40 },
        { pensionerId: String(pidOf(far).id), regionCode: '510703', reason: 'due', priority: 99 },
      ]);
      expect(r.opened).toBe(4);
    });
  });
  afterAll(async () => {
    cur = () => t;
    await queueT?.close();
  });

  const list = async (key: string, qs = '') => {
    const res = await queueT.app.inject({ method: 'GET', url: `/v1/manual-checks${qs}`, headers: auth(key) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: any[]; nextCursor: string | null };
  };

  it('opening checks is idempotent and only ever raises a priority', async () => {
    const p = await queueT.deps.db.selectFrom('pensioners').select(['id']).where('national_id', '=', ids.low!).executeTakeFirstOrThrow();
    const again = await queueT.deps.transaction((trx) =>
      openChecks(trx, [
        { pensionerId: String(p.id), regionCode: '510104', reason: 'due', priority: 10 },
        { pensionerId: String(p.id), regionCode: '510104', reason: 'due', priority: 20 },
      ]),
    );
    expect(again.opened).toBe(0);
    const rows = await queueT.deps.db.selectFrom('manual_checks').selectAll().where('pensioner_id', '=', String(p.id)).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.priority).toBe(20);
  });

  it('lists highest priority first, only within the key region, masked, in cursor pages', async () => {
    const all = await list(qStaff);
    expect(all.items.map((i) => i.priority)).toEqual([60, 40, 20]);
    for (const i of all.items) {
      expect(i.nationalId).toMatch(/^\d{6}\*{8}[\dX]{4}$/);
      expect(i.name).toBe('测*');
    }
    expect(JSON.stringify(all)).not.toContain(ids.high!);

    const narrowed = await list(qStaff, '?region=510104');
    expect(narrowed.items.map((i) => i.priority)).toEqual([40, 20]);
    expect((await list(qStaff, '?region=5107')).items).toEqual([]);
    expect((await list(qStaff2)).items.map((i) => i.priority)).toEqual([40, 20]);
    expect((await list(qMianyang)).items.map((i) => i.priority)).toEqual([99]);
    expect((await list(qBureau)).items.map((i) => i.nationalId)).toContain(ids.far);

    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(qStaff, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((i) => i.priority));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([60, 40, 20]);
    for (const cursor of ['abc', Buffer.from(JSON.stringify(['1', 'yesterday', 'x'])).toString('base64url')]) {
      const bad = await queueT.app.inject({ method: 'GET', url: `/v1/manual-checks?cursor=${cursor}`, headers: auth(qStaff) });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('invalid_cursor');
    }
  });

  it('a tampered cursor is a 400 invalid_cursor, never a database error', async () => {
    const uuid = '7d7c7f0e-2d7a-4f59-9d5b-2b1f0c1f6c11';
    const tampered = [
      ['notadate', 'x'],
      ['2026-02-30', '1'],
      ['1', '2026-02-30 10:00:00+00', uuid],
      ['1', '2026-06-01 25:00:00+00', uuid],
      ['-1', '2026-06-01 10:00:00+00', uuid],
      ['1', '2026-06-01 10:00:00+00', 'not-a-uuid'],
    ];
    for (const key of tampered) {
      const cursor = Buffer.from(JSON.stringify(key)).toString('base64url');
      const bad = await queueT.app.inject({ method: 'GET', url: `/v1/manual-checks?cursor=${cursor}`, headers: auth(qStaff) });
      expect(bad.statusCode, JSON.stringify(key)).toBe(400);
      expect(bad.json().error.code).toBe('invalid_cursor');
    }
  });

  it('staff never list pensioners beyond the queue', async () => {
    const res = await queueT.app.inject({ method: 'GET', url: '/v1/certifications', headers: auth(qStaff) });
    expect(res.statusCode).toBe(403);
  });

  it('of two concurrent claims exactly one wins; the other gets 409', async () => {
    const [top] = (await list(qStaff2)).items;
    const results = await Promise.all([claim(top.id, qStaff, { servicePointId: 'SP-A' }), claim(top.id, qStaff2, { servicePointId: 'SP-B' })]);
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 409]);
    const lost = results.find((r) => r.statusCode === 409)!;
    expect(lost.json().error.code).toBe('claimed_by_other');
    const won = results.find((r) => r.statusCode === 200)!.json();
    expect(won).toMatchObject({ id: top.id, status: 'claimed', claimedByYou: true });
    expect(won.claimExpiresAt).toBe(new Date(new Date(NOW).getTime() + 30 * 60_000).toISOString());

    const row = await queueT.deps.db.selectFrom('manual_checks').selectAll().where('id', '=', top.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('claimed');
    const audits = await queueT.deps.db.selectFrom('audit_log').selectAll().where('action', '=', 'manual_check.claim').execute();
    expect(audits).toHaveLength(1);
    expect(audits[0]!.detail).toMatchObject({ checkId: top.id, at: new Date(NOW).toISOString() });
    expect(['SP-A', 'SP-B']).toContain((audits[0]!.detail as any).servicePointId);

    // The holder sees it as theirs, the other as someone else's; the holder may renew.
    const holder = results[0]!.statusCode === 200 ? qStaff : qStaff2;
    const other = holder === qStaff ? qStaff2 : qStaff;
    const mine = (await list(holder, '?status=claimed')).items.find((i) => i.id === top.id);
    expect(mine).toMatchObject({ claimedByYou: true });
    const theirs = (await list(other, '?status=claimed')).items.find((i) => i.id === top.id);
    expect(theirs).toMatchObject({ claimedByYou: false });
    expect((await list(other, '?status=open')).items.map((i) => i.id)).not.toContain(top.id);
    expect((await claim(top.id, holder)).statusCode).toBe(200);

    // Only the holder may resolve.
    const stranger = await resolve(top.id, other, { outcome: 'unreachable' });
    expect(stranger.statusCode).toBe(409);
    const admin = await queueT.key('admin');
    expect((await resolve(top.id, admin, { outcome: 'unreachable' })).statusCode).toBe(409);

    // Unreachable puts it back, higher up, with the attempt counted.
    const back = await resolve(top.id, holder, { outcome: 'unreachable', note: '两次上门无人', servicePointId: 'SP-A' });
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json()).toMatchObject({ id: top.id, status: 'open', priority: 50, attempts: 1, outcome: 'unreachable' });
    expect((await list(qStaff2)).items[0]).toMatchObject({ id: top.id, priority: 50 });
    const resolveAudit = await queueT.deps.db.selectFrom('audit_log').selectAll().where('action', '=', 'manual_check.resolve').execute();
    expect(resolveAudit.at(-1)!.detail).toMatchObject({ checkId: top.id, outcome: 'unreachable', servicePointId: 'SP-A' });
  });

  it('a claim expires after CLAIM_TTL_MINUTES; then another may take it and the first may no longer resolve', async () => {
    const [top] = (await list(qStaff2)).items;
    expect((await claim(top.id, qStaff)).statusCode).toBe(200);
    queueT.clock.advance(29 * 60_000);
    expect((await claim(top.id, qStaff2)).statusCode).toBe(409);
    queueT.clock.advance(2 * 60_000);
    const open = (await list(qStaff2, '?status=open')).items.find((i) => i.id === top.id);
    expect(open).toMatchObject({ status: 'open' });
    expect(open.claimedBy).toBeUndefined();

    const expired = await resolve(top.id, qStaff, { outcome: 'alive', method: 'home_visit' });
    expect(expired.statusCode).toBe(409);
    expect(expired.json().error.code).toBe('claim_expired');

    expect((await claim(top.id, qStaff2)).statusCode).toBe(200);
    const late = await resolve(top.id, qStaff, { outcome: 'alive', method: 'home_visit' });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('claimed_by_other');
    queueT.clock.set(NOW);
  });

  it("resolving alive certifies at once and answers the person's other open checks", async () => {
    const nid = ids.mid!;
    const flagged = await queueT.app.inject({
      method: 'POST',
      url: `/v1/pensioners/${nid}/flags`,
      headers: auth(qStaff),
      payload: { reason: 'suspected_misuse' },
    });
    expect(flagged.statusCode).toBe(201);
    const check = (await list(qStaff)).items.find((i) => i.nationalId.endsWith(nid.slice(-4)) && i.reason === 'due')!;
    // Whoever holds it from the previous test (claimed at NOW + 31 min) lets it expire.
    queueT.clock.advance(62 * 60_000);
    expect((await claim(check.id, qStaff)).statusCode).toBe(200);
    const done = await resolve(check.id, qStaff, { outcome: 'alive', method: 'home_visit', servicePointId: 'SP-A', note: '本人在家' });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ id: check.id, status: 'resolved', outcome: 'alive' });
    expect((await resolve(check.id, qStaff, { outcome: 'alive' })).json().error.code).toBe('check_resolved');
    expect((await claim(check.id, qStaff2)).json().error.code).toBe('check_resolved');

    const person = await queueT.deps.db.selectFrom('pensioners').select('id').where('national_id', '=', nid).executeTakeFirstOrThrow();
    const rows = await queueT.deps.db
      .selectFrom('manual_checks')
      .select(['reason', 'status', 'outcome'])
      .where('pensioner_id', '=', String(person.id))
      .execute();
    expect(rows.every((r) => r.status === 'resolved' && r.outcome === 'alive')).toBe(true);
    const ev = await sql<{ kind: string; source: string }>`SELECT kind, source FROM events`.execute(queueT.deps.db);
    expect(ev.rows).toEqual([{ source: 'service_point', kind: 'home_visit' }]);
    const today = '2026-06-15';
    expect(done.json().certification).toMatchObject({ status: 'certified', method: 'home_visit', certifiedAt: today });
    expect((await list(qStaff, '?status=resolved')).items.map((i) => i.id)).toContain(check.id);
    queueT.clock.set(NOW);
  });

  it('resolving deceased needs a date and holds payments as death_reported; checks of other regions are 404', async () => {
    const far = (await list(qMianyang)).items[0];
    expect((await claim(far.id, qStaff)).statusCode).toBe(404);
    expect((await claim(far.id, qMianyang)).statusCode).toBe(200);
    const noDate = await resolve(far.id, qMianyang, { outcome: 'deceased' });
    expect(noDate.json().error.code).toBe('missing_death_date');
    const ok = await resolve(far.id, qMianyang, { outcome: 'deceased', deathDate: '2026-04-02', method: 'home_visit' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().certification).toMatchObject({ status: 'death_reported' });
    expect((await queueT.app.inject({ method: 'GET', url: '/v1/manual-checks/00000000-0000-0000-0000-000000000000', headers: auth(qStaff) })).statusCode).toBe(
      404,
    );
    expect((await queueT.app.inject({ method: 'GET', url: '/v1/manual-checks/nope', headers: auth(qStaff) })).statusCode).toBe(400);
    expect((await claim(far.id, qStaff, { servicePointId: 'SP', extra: 1 })).statusCode).toBe(400);
  });
});

describe('evidence and the page', () => {
  it('recent evidence names places and is audited', async () => {
    const nid = await register('510104');
    await t.app.inject({
      method: 'POST',
      url: `/v1/pensioners/${nid}/in-person-checks`,
      headers: auth(staffA),
      payload: { servicePointId: 'SP-1', outcome: 'alive', method: 'biometric' },
    });
    const res = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${nid}/evidence`, headers: auth(staffA) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      regionName: '成都市锦江区',
      items: [{ source: 'service_point', kind: 'in_person', identityCheck: 'biometric', location: '510104', locationName: '成都市锦江区' }],
    });
    expect(res.json().nationalId).not.toBe(nid);
    expect(await auditRows('evidence.read', await pensionerId(nid))).toHaveLength(1);
    await t.app.inject({
      method: 'POST',
      url: `/v1/pensioners/${nid}/in-person-checks`,
      headers: auth(staffA),
      payload: { servicePointId: 'SP-1', outcome: 'alive', method: 'home_visit' },
    });
    const first = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${nid}/evidence?limit=1`, headers: auth(staffA) });
    expect(first.json().items).toHaveLength(1);
    const second = await t.app.inject({
      method: 'GET',
      url: `/v1/pensioners/${nid}/evidence?limit=1&cursor=${first.json().nextCursor}`,
      headers: auth(staffA),
    });
    expect(second.json()).toMatchObject({ items: [{ kind: expect.any(String) }], nextCursor: null });
    expect(new Set([first.json().items[0].kind, second.json().items[0].kind])).toEqual(new Set(['in_person', 'home_visit']));
    expect((await t.app.inject({ method: 'GET', url: `/v1/pensioners/${nid}/evidence`, headers: auth(staffMianyang) })).statusCode).toBe(404);
  });

  it('a tampered evidence cursor is a 400 invalid_cursor, never a database error', async () => {
    const nid = await register('510104');
    const tampered = [
      ['notadate', 'x'],
      ['2026-02-30', '1'],
      ['2026-02-30 10:00:00+00', '1'],
      ['2026-06-01 24:00:00+00', '1'],
      ['2026-06-01 10:00:00+00', '9999999999999999999'],
    ];
    for (const key of tampered) {
      const cursor = Buffer.from(JSON.stringify(key)).toString('base64url');
      const bad = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${nid}/evidence?cursor=${cursor}`, headers: auth(staffA) });
      expect(bad.statusCode, JSON.stringify(key)).toBe(400);
      expect(bad.json().error.code).toBe('invalid_cursor');
    }
  });

  it('serves /staff and its assets without a key, under a strict CSP', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/staff' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('lang="zh-CN"');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    for (const f of ['app.js', 'national-id.js', 'words.js', 'app.css']) {
      const r = await t.app.inject({ method: 'GET', url: `/staff/${f}` });
      expect(r.statusCode, f).toBe(200);
    }
    expect((await t.app.inject({ method: 'GET', url: '/staff/../package.json' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/staff/index.ts' })).statusCode).toBe(404);
  });
});
