// Regression: an appeal overturned for a person whose payment was suspended for lack of
// certification ("I was in hospital / abroad, here is the proof") only recorded the outcome: the
// person stayed suspended and the held months were never paid. Overturned, it certifies them
// at once (decided by the bureau's key, dated the decision), answers their open checks, and the
// next payroll resumes them with back pay for the held months.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';

let t: TestContext;
let registrar: string;
let staff: string;
let bureau: string;
const overturned = syntheticId('510104', '1951-07-07');
const upheld = syntheticId('510104', '1952-08-08');

const get = (url: string, key = bureau) => t.app.inject({ method: 'GET', url, headers: auth(key) });
const post = (url: string, key: string, payload: unknown = {}) => t.app.inject({ method: 'POST', url, headers: auth(key), payload: payload as object });
const certification = async (id: string) => (await get(`/v1/pensioners/${id}/certification`)).json();
const checksOf = async (nationalId: string) =>
  (
    await t.deps.pool.query<{ reason: string; status: string; outcome: string | null; resolved_by: string | null }>(
      `SELECT m.reason, m.status, m.outcome, m.resolved_by::text AS resolved_by FROM manual_checks m JOIN pensioners p ON p.id = m.pensioner_id
        WHERE p.national_id = $1 ORDER BY m.opened_at`,
      [nationalId],
    )
  ).rows;
const keyIdOf = async (name: string) => (await t.deps.pool.query<{ id: string }>(`SELECT id::text AS id FROM api_keys WHERE name = $1`, [name])).rows[0]!.id;

async function fileAppeal(nationalId: string) {
  const res = await post(`/v1/pensioners/${nationalId}/appeals`, staff, { filedBy: 'pensioner', grounds: '住院三个月，附出院小结' });
  expect(res.statusCode).toBe(201);
  expect(res.json()).toMatchObject({ status: 'open', contestedStatus: 'suspended' });
  return res.json().id as string;
}

beforeAll(async () => {
  // Registered on 2026-02-15, certified until 2026-03-01: suspended from March, the April to
  // June runs hold them.
  t = await createTestContext({ now: '2026-02-15T04:00:00Z' });
  registrar = await t.key('bureau');
  staff = await t.key('staff', { region: '5101' });
  bureau = await t.key('bureau', { region: '5101', name: 'appeals-bureau' });
  for (const id of [overturned, upheld]) await registerPensioner(t.app, registrar, id, { lastCertifiedAt: '2025-03-01', monthlyBenefit: '2500.00' });
  t.clock.set('2026-06-15T04:00:00Z');
  await t.deps.sweep.runAll(t.clock.now());
});
afterAll(async () => t?.close());

describe('an appeal against a suspension', () => {
  it('is the state the bug needs: suspended, with a check open because they need certifying', async () => {
    for (const id of [overturned, upheld]) {
      expect((await certification(id)).status).toBe('suspended');
      expect(await checksOf(id)).toEqual([expect.objectContaining({ status: 'open' })]);
    }
  });

  it('is not found by a bureau key of another region, and changes nothing there', async () => {
    const appealId = await fileAppeal(overturned);
    const elsewhere = await t.key('bureau', { region: '5107' });
    const res = await post(`/v1/appeals/${appealId}/decide`, elsewhere, { outcome: 'overturned', reason: '出院小结属实' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect((await certification(overturned)).status).toBe('suspended');
  });

  it('overturned by a bureau key: certified at once from the decision, by that key, with the appeal as the reason', async () => {
    const appealId = (await get(`/v1/appeals?status=open`)).json().items[0].id as string;
    const res = await post(`/v1/appeals/${appealId}/decide`, bureau, { outcome: 'overturned', reason: '出院小结属实，住院期间未能认证' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'decided', outcome: 'overturned', pensionerStatus: 'certified' });
    expect(await certification(overturned)).toMatchObject({
      status: 'certified',
      certifiedAt: '2026-06-15',
      certifiedUntil: '2027-06-15',
      method: 'in_person',
    });

    const keyId = await keyIdOf('appeals-bureau');
    const history = (await get(`/v1/pensioners/${overturned}/decisions`)).json().items;
    expect(history[0]).toMatchObject({
      status: 'certified',
      certifiedAt: '2026-06-15',
      decidedBy: `key:${keyId}`,
      detail: { appeal: { id: appealId, outcome: 'overturned', reason: '出院小结属实，住院期间未能认证' } },
    });
    // The check opened because they needed certifying is answered by the deciding key.
    expect(await checksOf(overturned)).toEqual([expect.objectContaining({ status: 'resolved', outcome: 'certified', resolved_by: keyId })]);
    const audit = await t.deps.pool.query(`SELECT detail FROM audit_log WHERE action = 'appeal.decide' AND key_id = $1::uuid AND detail->>'appealId' = $2`, [
      keyId,
      appealId,
    ]);
    expect(audit.rows).toEqual([
      {
        detail: expect.objectContaining({
          outcome: 'overturned',
          before: 'suspended',
          after: 'certified',
          certifiedAt: '2026-06-15',
          eventRef: expect.any(String),
        }),
      },
    ]);
  });

  it('resumes them in the next payroll with back pay for April, May and June, which the runs held', async () => {
    const july = (await get('/v1/payroll/2026-07')).json();
    expect(july.resumptions).toEqual([{ nationalId: overturned, backPayMonths: 3, backPayAmount: '7500.00' }]);
    expect(july.holds.map((h: { nationalId: string }) => h.nationalId)).toEqual([upheld]);
  });

  it('decided twice: 409, and nothing more happens', async () => {
    const appealId = (await get(`/v1/appeals?status=decided`)).json().items[0].id as string;
    const again = await post(`/v1/appeals/${appealId}/decide`, bureau, { outcome: 'overturned', reason: 'again' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('appeal_decided');
    const events = await t.deps.pool.query(
      `SELECT count(*)::int AS n FROM events e JOIN pensioners p ON p.id = e.pensioner_id WHERE p.national_id = $1 AND e.source = 'due_process'`,
      [overturned],
    );
    expect(events.rows[0].n).toBe(1);
  });

  it('upheld: the person stays suspended, their check open, their payment held', async () => {
    const appealId = await fileAppeal(upheld);
    const res = await post(`/v1/appeals/${appealId}/decide`, bureau, { outcome: 'upheld', reason: '证明不足' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ outcome: 'upheld', pensionerStatus: 'suspended' });
    expect((await certification(upheld)).status).toBe('suspended');
    expect(await checksOf(upheld)).toEqual([expect.objectContaining({ status: 'open' })]);
    const july = (await get('/v1/payroll/2026-07')).json();
    expect(july.resumptions.map((r: { nationalId: string }) => r.nationalId)).not.toContain(upheld);
  });
});
