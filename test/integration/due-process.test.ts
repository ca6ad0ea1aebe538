// Due process over HTTP and in the payroll (policy 2026.3; 2026.4 where said): death held, verified, reversed;
// four eyes on confirming a death; custody and resumption; appeals. Evidence rows are stored
// with the instant they were received and rescored with the clock at that instant, as the
// service would have done then.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';

let t: TestContext;
let bureau: string;
let ref = 0;

interface Ev {
  nationalId: string;
  source: string;
  kind: string;
  at: string;
  identityCheck?: string;
  deathDate?: string;
}

/** Stores events as received at `at` and rescores with the clock then (as the rescore job would have). */
async function receive(e: Ev) {
  t.clock.set(e.at);
  const res = await t.deps.pool.query<{ id: string }>(
    `INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, death_date, received_at, received_via)
     SELECT p.id, $2, $3, $4, $5, $6, $7, $5, 'import:due-process-test' FROM pensioners p WHERE p.national_id = $1
     RETURNING pensioner_id::text AS id`,
    [e.nationalId, e.source, e.kind, `dp-test-${++ref}`, e.at, e.identityCheck ?? 'id_document', e.deathDate ?? null],
  );
  expect(res.rowCount).toBe(1);
  await t.deps.certification.rescore(t.deps.db, [res.rows[0]!.id], t.clock.now(), 'test');
}

const get = (url: string, key = bureau) => t.app.inject({ method: 'GET', url, headers: auth(key) });
const post = (url: string, key: string, payload: unknown = {}) => t.app.inject({ method: 'POST', url, headers: auth(key), payload: payload as object });
const statusOf = async (id: string) => (await get(`/v1/pensioners/${id}/certification`)).json().status as string;
/** A staff (or admin) key records a home visit that found the person dead. */
const findDead = (id: string, key: string, deathDate: string) =>
  post(`/v1/pensioners/${id}/in-person-checks`, key, { outcome: 'deceased', method: 'home_visit', deathDate, servicePointId: 'SP-1' });

beforeAll(async () => {
  t = await createTestContext({ now: '2026-01-05T04:00:00Z' });
  bureau = await t.key('bureau');
});
afterAll(async () => t?.close());

describe('payroll after a reversed stop (regression)', () => {
  it('pays back the months stopped by a death that no longer stands, though the death was recorded months before', async () => {
    const id = syntheticId('510104', '1944-04-04');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-01-02', monthlyBenefit: '2000.00' });
    // Two records of different kinds: verified at once, stopped from March.
    await receive({ nationalId: id, source: 'death', kind: 'cremation', at: '2026-02-10T04:00:00Z', deathDate: '2026-02-01' });
    await receive({ nationalId: id, source: 'death', kind: 'household_deregistration', at: '2026-02-10T05:00:00Z', deathDate: '2026-02-01' });
    expect(await statusOf(id)).toBe('deceased');
    await receive({ nationalId: id, source: 'due_process', kind: 'death_reversal', at: '2026-04-20T04:00:00Z' });
    expect(await statusOf(id)).toBe('certified');
    t.clock.set('2026-05-10T04:00:00Z');
    const may = (await get('/v1/payroll/2026-05')).json();
    // March and April were stopped: both owed.
    expect(may.resumptions).toContainEqual({ nationalId: id, backPayMonths: 2, backPayAmount: '4000.00' });
  });
});

const checksOf = async (nationalId: string) =>
  (
    await t.deps.pool.query<{ reason: string; status: string; outcome: string | null }>(
      `SELECT m.reason, m.status, m.outcome FROM manual_checks m JOIN pensioners p ON p.id = m.pensioner_id WHERE p.national_id = $1 ORDER BY m.opened_at`,
      [nationalId],
    )
  ).rows;

describe('a death is held, verified, then stopped', () => {
  it('a department record holds as death_reported and opens a verification; a second key confirms it (201)', async () => {
    t.clock.set('2026-03-01T04:00:00Z');
    const id = syntheticId('510104', '1940-05-05');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-01-10' });
    await receive({ nationalId: id, source: 'death', kind: 'death_certificate', at: '2026-03-02T04:00:00Z', deathDate: '2026-02-27' });
    expect(await statusOf(id)).toBe('death_reported');
    expect(await checksOf(id)).toEqual([{ reason: 'death_verification', status: 'open', outcome: null }]);
    const res = await post(`/v1/pensioners/${id}/death-confirmations`, bureau, { note: 'hospital confirmed by phone' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ nationalId: id, status: 'deceased', previousStatus: 'death_reported' });
    expect(await statusOf(id)).toBe('deceased');
    expect(await checksOf(id)).toEqual([{ reason: 'death_verification', status: 'resolved', outcome: 'deceased' }]);
    // Nothing left to confirm.
    expect((await post(`/v1/pensioners/${id}/death-confirmations`, bureau)).json().error.code).toBe('not_death_reported');
  });

  it('a death found by staff waits for a second key; the key that recorded it may not confirm it (409 same_actor)', async () => {
    t.clock.set('2026-03-05T04:00:00Z');
    const admin = await t.key('admin', { name: 'recorder' });
    const id = syntheticId('510104', '1941-06-06');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-01-10' });
    const found = await findDead(id, admin, '2026-03-01');
    expect(found.statusCode).toBe(201);
    expect(found.json().certification.status).toBe('death_reported');
    const same = await post(`/v1/pensioners/${id}/death-confirmations`, admin);
    expect(same.statusCode).toBe(409);
    expect(same.json().error.code).toBe('same_actor');
    expect(await statusOf(id)).toBe('death_reported');
    expect((await post(`/v1/pensioners/${id}/death-confirmations`, bureau)).statusCode).toBe(201);
    expect(await statusOf(id)).toBe('deceased');
    const audit = await t.deps.pool.query(`SELECT action FROM audit_log WHERE action = 'death.confirm'`);
    expect(audit.rowCount).toBeGreaterThanOrEqual(1);
  });

  it('a release by an ID document alone pays again and sends someone to look at the contradicted death; staff who then find the person dead agree with the department record: deceased (regression)', async () => {
    // The 100k province: fabricated family-doctor follow-ups released the hold on three dead
    // people and nobody was sent, so they stayed certified and paid all year.
    t.clock.set('2026-03-01T04:00:00Z');
    const staff = await t.key('staff', { name: 'visitor' });
    const id = syntheticId('510104', '1939-08-08');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-01-10' });
    await receive({ nationalId: id, source: 'death', kind: 'cremation', at: '2026-03-02T04:00:00Z', deathDate: '2026-02-27' });
    await receive({ nationalId: id, source: 'health', kind: 'family_doctor_visit', at: '2026-03-09T04:00:00Z' });
    const released = (await get(`/v1/pensioners/${id}/certification`)).json();
    expect(released).toMatchObject({ status: 'certified', certifiedAt: '2026-03-09', openCheck: { reason: 'conflicting_death_record', priority: 85 } });
    expect(await checksOf(id)).toEqual([
      { reason: 'death_verification', status: 'resolved', outcome: 'alive' },
      { reason: 'conflicting_death_record', status: 'open', outcome: null },
    ]);
    // Rescoring again (a sweep) keeps the one check.
    await receive({ nationalId: id, source: 'transit', kind: 'bus_card', at: '2026-03-10T04:00:00Z', identityCheck: 'card_pin' });
    expect((await checksOf(id)).filter((c) => c.status === 'open')).toHaveLength(1);
    const check = released.openCheck.id as string;
    expect((await post(`/v1/manual-checks/${check}/claim`, staff)).statusCode).toBe(200);
    const found = await post(`/v1/manual-checks/${check}/resolve`, staff, {
      outcome: 'deceased',
      method: 'home_visit',
      deathDate: '2026-02-27',
      servicePointId: 'SP-1',
    });
    expect(found.statusCode).toBe(200);
    const after = (await get(`/v1/pensioners/${id}/certification`)).json();
    // The cremation record and the staff finding are two records of different kinds agreeing.
    expect(after.status).toBe('deceased');
    expect(after.certifiedAt <= '2026-02-27').toBe(true);
    expect((await checksOf(id)).filter((c) => c.reason === 'conflicting_death_record')).toEqual([
      { reason: 'conflicting_death_record', status: 'resolved', outcome: 'deceased' },
    ]);
  });

  it('staff who find the person dead after a cremation record verify it, and a relative using the card after sends nobody back (regression, policy 2026.4)', async () => {
    // The 100k province: each use of a dead person's card after the staff finding reopened a
    // suspected_card_misuse check, and staff went back to the same house up to three times.
    t.clock.set('2026-03-01T04:00:00Z');
    const staff = await t.key('staff', { name: 'visitor-2' });
    const id = syntheticId('510104', '1938-03-03');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-01-10' });
    await receive({ nationalId: id, source: 'death', kind: 'cremation', at: '2026-03-02T04:00:00Z', deathDate: '2026-02-27' });
    t.clock.set('2026-03-05T04:00:00Z');
    const found = await findDead(id, staff, '2026-02-27');
    expect(found.statusCode).toBe(201);
    expect(await statusOf(id)).toBe('deceased');
    await receive({ nationalId: id, source: 'bank', kind: 'atm', at: '2026-03-20T04:00:00Z', identityCheck: 'card_pin' });
    expect(await statusOf(id)).toBe('deceased');
    expect((await checksOf(id)).filter((c) => c.status !== 'resolved')).toEqual([]);
  });

  it('a death only staff found waits for the bureau, not for another visit: no check sends staff back; the bureau confirms it (regression)', async () => {
    // The 100k province: staff who found a person dead with no department record were sent
    // back every month (the death_verification check reopened), though only the bureau's
    // second key could verify it.
    t.clock.set('2026-03-01T04:00:00Z');
    const staff = await t.key('staff', { name: 'visitor-3' });
    const id = syntheticId('510104', '1937-04-04');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-01-10' });
    const found = await findDead(id, staff, '2026-02-27');
    expect(found.statusCode).toBe(201);
    expect(await statusOf(id)).toBe('death_reported');
    expect((await checksOf(id)).filter((c) => c.status !== 'resolved')).toEqual([]);
    // Rescored again (a record comes, a sweep): still nothing for staff.
    await receive({ nationalId: id, source: 'transit', kind: 'bus_card', at: '2026-03-10T04:00:00Z', identityCheck: 'card_pin' });
    expect(await statusOf(id)).toBe('death_reported');
    expect((await checksOf(id)).filter((c) => c.status !== 'resolved')).toEqual([]);
    const confirmed = await post(`/v1/pensioners/${id}/death-confirmations`, bureau, { note: 'staff finding checked' });
    expect(confirmed.statusCode).toBe(201);
    expect(await statusOf(id)).toBe('deceased');
  });

  it("a release by the person's own face check opens nothing", async () => {
    t.clock.set('2026-03-01T04:00:00Z');
    const id = syntheticId('510104', '1939-09-09');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-01-10' });
    await receive({ nationalId: id, source: 'death', kind: 'cremation', at: '2026-03-02T04:00:00Z', deathDate: '2026-02-27' });
    await receive({ nationalId: id, source: 'self_service', kind: 'face', at: '2026-03-09T04:00:00Z', identityCheck: 'biometric' });
    expect(await statusOf(id)).toBe('certified');
    expect(await checksOf(id)).toEqual([{ reason: 'death_verification', status: 'resolved', outcome: 'alive' }]);
  });

  it('a reversal releases the hold with back pay; a verified death needs a re-instatement (409)', async () => {
    const id = syntheticId('510104', '1942-07-07');
    t.clock.set('2026-03-05T04:00:00Z');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-01-10', monthlyBenefit: '1500.00' });
    await receive({ nationalId: id, source: 'death', kind: 'cremation', at: '2026-03-06T04:00:00Z', deathDate: '2026-03-01' });
    t.clock.set('2026-05-12T04:00:00Z');
    // The quiet period has not passed by a sweep in April... the reversal comes first.
    t.clock.set('2026-04-20T04:00:00Z');
    const res = await post(`/v1/pensioners/${id}/death-reversals`, bureau, { note: 'registry error' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ status: 'certified', previousStatus: 'death_reported' });
    expect(await checksOf(id)).toEqual([{ reason: 'death_verification', status: 'resolved', outcome: 'alive' }]);
    t.clock.set('2026-05-10T04:00:00Z');
    const may = (await get('/v1/payroll/2026-05')).json();
    expect(may.resumptions).toContainEqual({ nationalId: id, backPayMonths: 1, backPayAmount: '1500.00' });
    expect((await post(`/v1/pensioners/${id}/death-reversals`, bureau)).json().error.code).toBe('no_death');
  });

  it('after the quiet period with nothing contrary, the daily sweep makes it deceased', async () => {
    const id = syntheticId('510104', '1943-08-08');
    t.clock.set('2026-06-01T04:00:00Z');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-05-10' });
    await receive({ nationalId: id, source: 'death', kind: 'household_deregistration', at: '2026-06-02T04:00:00Z', deathDate: '2026-05-30' });
    t.clock.set('2026-07-31T04:00:00Z');
    await t.deps.sweep.runAll(t.clock.now());
    expect(await statusOf(id)).toBe('death_reported');
    t.clock.set('2026-08-01T04:00:00Z');
    await t.deps.sweep.runAll(t.clock.now());
    expect(await statusOf(id)).toBe('deceased');
    const reversal = await post(`/v1/pensioners/${id}/death-reversals`, bureau);
    expect(reversal.statusCode).toBe(409);
    expect(reversal.json().error.code).toBe('reinstatement_required');
  });

  it('re-instating a deceased person takes two keys: 202 pending and nothing changed, 409 for the proposer again, 200 by another', async () => {
    const id = syntheticId('510104', '1943-09-09');
    t.clock.set('2026-06-01T04:00:00Z');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-05-10', monthlyBenefit: '1200.00' });
    await receive({ nationalId: id, source: 'death', kind: 'household_deregistration', at: '2026-06-02T04:00:00Z', deathDate: '2026-05-30' });
    await receive({ nationalId: id, source: 'death', kind: 'cremation', at: '2026-06-03T04:00:00Z', deathDate: '2026-05-30' });
    expect(await statusOf(id)).toBe('deceased');
    t.clock.set('2026-08-10T04:00:00Z');
    const first = await post(`/v1/pensioners/${id}/reinstatements`, bureau, { note: 'the registry merged two people' });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ pending: true });
    expect(await statusOf(id)).toBe('deceased');
    const again = await post(`/v1/pensioners/${id}/reinstatements`, bureau);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('same_actor');
    const admin = await t.key('admin', { name: 'checker' });
    const done = await post(`/v1/pensioners/${id}/reinstatements`, admin);
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ pending: false, status: 'certified', previousStatus: 'deceased' });
    // July and August were stopped: both paid back in September.
    t.clock.set('2026-08-20T04:00:00Z');
    expect((await get('/v1/payroll/2026-09')).json().resumptions).toContainEqual({ nationalId: id, backPayMonths: 2, backPayAmount: '2400.00' });
    const notStopped = await post(`/v1/pensioners/${id}/reinstatements`, admin);
    expect(notStopped.statusCode).toBe(409);
    expect(notStopped.json().error.code).toBe('not_stopped');
  });
});

describe('custody', () => {
  it('detention holds; acquittal pays back', async () => {
    const id = syntheticId('510104', '1955-09-09');
    t.clock.set('2026-03-01T04:00:00Z');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-02-10', monthlyBenefit: '1000.00' });
    await receive({ nationalId: id, source: 'judicial', kind: 'pretrial_detention', at: '2026-03-03T04:00:00Z' });
    expect(await statusOf(id)).toBe('detained');
    await receive({ nationalId: id, source: 'judicial', kind: 'acquittal', at: '2026-05-15T04:00:00Z' });
    expect(await statusOf(id)).toBe('certified');
    t.clock.set('2026-05-20T04:00:00Z');
    const june = (await get('/v1/payroll/2026-06')).json();
    expect(june.resumptions).toContainEqual({ nationalId: id, backPayMonths: 2, backPayAmount: '2000.00' });
  });

  it('a sentence is ineligible; release alone is not a resumption; staff file one (201), from the month after release', async () => {
    const staff = await t.key('staff', { region: '5101' });
    const id = syntheticId('510104', '1956-10-10');
    t.clock.set('2026-03-01T04:00:00Z');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-02-10', monthlyBenefit: '1000.00' });
    await receive({ nationalId: id, source: 'judicial', kind: 'custodial_sentence_start', at: '2026-03-03T04:00:00Z' });
    expect(await statusOf(id)).toBe('ineligible');
    const early = await post(`/v1/pensioners/${id}/resumptions`, staff);
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('not_released');
    await receive({ nationalId: id, source: 'judicial', kind: 'release', at: '2026-05-15T04:00:00Z' });
    expect(await statusOf(id)).toBe('ineligible');
    t.clock.set('2026-07-08T04:00:00Z');
    const res = await post(`/v1/pensioners/${id}/resumptions`, staff, { note: 'applied at the counter' });
    expect(res.statusCode).toBe(201);
    expect(res.json().nationalId).toMatch(/^510104\*+\d{3}[\dX]$/);
    expect(res.json().status).toBe('certified');
    // June and July (after the release month May) are paid back; March to May are not.
    const aug = (await get('/v1/payroll/2026-08')).json();
    expect(aug.resumptions).toContainEqual({ nationalId: id, backPayMonths: 2, backPayAmount: '2000.00' });
  });
});

describe('appeals', () => {
  it('staff file (201, masked, deadline after the review days); bureau decide; overturned takes effect at once; listed by status and region', async () => {
    const staff = await t.key('staff', { region: '5101' });
    const id = syntheticId('510104', '1945-11-11');
    t.clock.set('2026-09-01T04:00:00Z');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-08-10' });
    await receive({ nationalId: id, source: 'death', kind: 'cremation', at: '2026-09-02T04:00:00Z', deathDate: '2026-09-01' });
    const filed = await post(`/v1/pensioners/${id}/appeals`, staff, { filedBy: 'pensioner', grounds: 'I am alive, see my ID' });
    expect(filed.statusCode).toBe(201);
    const appeal = filed.json();
    expect(appeal).toMatchObject({ status: 'open', deadline: '2026-11-01', contestedStatus: 'death_reported', filedBy: 'pensioner' });
    expect(appeal.nationalId).not.toBe(id);
    const open = (await get('/v1/appeals?status=open&region=5101')).json();
    expect(open.items.map((a: { id: string }) => a.id)).toContain(appeal.id);
    expect((await get('/v1/appeals?status=open&region=5107')).json().items).toEqual([]);
    const decided = await post(`/v1/appeals/${appeal.id}/decide`, bureau, { outcome: 'overturned', reason: 'seen at the bureau with ID' });
    expect(decided.statusCode).toBe(200);
    expect(decided.json()).toMatchObject({ status: 'decided', outcome: 'overturned', pensionerStatus: 'certified' });
    expect(await statusOf(id)).toBe('certified');
    expect((await post(`/v1/appeals/${appeal.id}/decide`, bureau, { outcome: 'upheld', reason: 'again' })).json().error.code).toBe('appeal_decided');
    expect((await get('/v1/appeals?status=decided')).json().items.map((a: { id: string }) => a.id)).toContain(appeal.id);
  });

  it('an upheld appeal changes nothing; the filing key may not overturn its own appeal', async () => {
    const id = syntheticId('510104', '1946-12-12');
    t.clock.set('2026-09-01T04:00:00Z');
    await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-08-10' });
    await receive({ nationalId: id, source: 'judicial', kind: 'custodial_sentence_start', at: '2026-09-02T04:00:00Z' });
    const a = (
      await post(`/v1/pensioners/${id}/appeals`, bureau, { filedBy: 'agent', grounds: 'wrong person', decisionAt: '2026-09-02T12:00:00+08:00' })
    ).json();
    const own = await post(`/v1/appeals/${a.id}/decide`, bureau, { outcome: 'overturned', reason: 'x' });
    expect(own.statusCode).toBe(409);
    expect(own.json().error.code).toBe('same_actor');
    const admin = await t.key('admin');
    expect((await post(`/v1/appeals/${a.id}/decide`, admin, { outcome: 'upheld', reason: 'the court record is right' })).json()).toMatchObject({
      outcome: 'upheld',
      pensionerStatus: 'ineligible',
    });
  });
});

describe('bad input and access', () => {
  it('answers 4xx in the error shape, never 500, and writes nothing', async () => {
    const staff = await t.key('staff');
    const id = syntheticId('510104', '1947-01-13');
    await registerPensioner(t.app, bureau, id, {});
    const cases: [string, string, unknown, number, string][] = [
      [`/v1/pensioners/${id}/death-confirmations`, bureau, { nope: 1 }, 400, 'invalid_request'],
      [`/v1/pensioners/123/death-confirmations`, bureau, {}, 400, 'invalid_national_id'],
      [`/v1/pensioners/${syntheticId('510104', '1930-01-01')}/death-reversals`, bureau, {}, 404, 'not_found'],
      [`/v1/pensioners/${id}/death-confirmations`, staff, {}, 403, 'forbidden'],
      [`/v1/pensioners/${id}/appeals`, bureau, { filedBy: 'neighbour', grounds: 'x' }, 400, 'invalid_request'],
      [`/v1/pensioners/${id}/appeals`, bureau, { filedBy: 'heir', grounds: 'x', decisionAt: '2099-01-01T00:00:00+08:00' }, 400, 'invalid_decision_at'],
      [`/v1/pensioners/${id}/appeals`, bureau, { filedBy: 'heir', grounds: 'x', decisionAt: 'yesterday' }, 400, 'invalid_decision_at'],
      [`/v1/appeals/not-a-uuid/decide`, bureau, { outcome: 'upheld', reason: 'x' }, 400, 'invalid_request'],
      [`/v1/appeals/00000000-0000-4000-8000-000000000000/decide`, bureau, { outcome: 'upheld', reason: 'x' }, 404, 'not_found'],
      [`/v1/appeals/00000000-0000-4000-8000-000000000000/decide`, bureau, { outcome: 'maybe', reason: 'x' }, 400, 'invalid_request'],
    ];
    for (const [url, key, body, status, code] of cases) {
      const res = await post(url, key, body);
      expect(res.statusCode, url).toBe(status);
      expect(res.json().error.code, url).toBe(code);
    }
    expect((await get('/v1/appeals?status=closed')).statusCode).toBe(400);
    const n = await t.deps.pool.query(`SELECT count(*)::int AS n FROM appeals a JOIN pensioners p ON p.id = a.pensioner_id WHERE p.national_id = $1`, [id]);
    expect(n.rows[0].n).toBe(0);
  });

  it('refuses the bureau decisions as evidence from a feed', async () => {
    const admin = await t.key('admin');
    const id = syntheticId('510104', '1947-01-14');
    await registerPensioner(t.app, bureau, id, {});
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth(admin),
      payload: [
        { nationalId: id, source: 'due_process', kind: 'death_reversal', occurredAt: '2026-09-01T10:00:00+08:00', sourceRef: 'x1', identityCheck: 'none' },
      ],
    });
    expect(res.json().rejected).toEqual([expect.objectContaining({ index: 0, code: 'not_a_feed_kind' })]);
  });
});
