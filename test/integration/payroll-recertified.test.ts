// Regression: a person whose certification lapsed and who certified again before any sweep
// recorded `suspended` was missed by the payroll's candidates, so the back pay for the months
// the runs held them was never paid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';
import { storeEvents } from '../helpers/stored-events.ts';

let t: TestContext;
let bureau: string;
const id = syntheticId('510104', '1951-07-07');

beforeAll(async () => {
  // Registered on 2026-02-15 while certified (until 2026-03-01); no sweep runs after that.
  t = await createTestContext({ now: '2026-02-15T04:00:00Z' });
  bureau = await t.key('bureau');
  await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2025-03-01', monthlyBenefit: '2500.00' });
  // 2026-06-15: a hospital discharge on 06-12 (received 06-14) certifies them again.
  t.clock.set('2026-06-15T04:00:00Z');
  await storeEvents(t, [
    {
      nationalId: id,
      source: 'hospital',
      kind: 'discharge',
      occurredAt: '2026-06-12T10:00:00+08:00',
      receivedAt: '2026-06-14T02:00:00+08:00',
      identityCheck: 'id_document',
    },
  ]);
});
afterAll(async () => t?.close());

describe('a lapse no sweep recorded, then a recertification', () => {
  it('is the decision history the bug needs: certified, then certified again, never suspended', async () => {
    const { rows } = await t.deps.pool.query(`SELECT d.status FROM decisions d JOIN pensioners p ON p.id = d.pensioner_id WHERE p.national_id = $1`, [id]);
    expect(rows.map((r) => r.status)).not.toContain('suspended');
  });

  it('resumes in July with back pay for April, May and June, which the runs held', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/payroll/2026-07', headers: auth(bureau) });
    expect(res.statusCode).toBe(200);
    expect(res.json().resumptions).toEqual([{ nationalId: id, backPayMonths: 3, backPayAmount: '7500.00' }]);
  });

  it('is in the frozen July run too', async () => {
    t.clock.set('2026-06-20T04:00:00Z');
    const admin = await t.key('admin');
    expect((await t.app.inject({ method: 'POST', url: '/v1/payroll/2026-07/freeze', headers: auth(admin) })).statusCode).toBe(201);
    const body = (await t.app.inject({ method: 'GET', url: '/v1/payroll/2026-07', headers: auth(bureau) })).json();
    expect(body.state).toBe('frozen');
    // No claim to set it against: all of it is paid.
    expect(body.resumptions).toEqual([{ nationalId: id, backPayMonths: 3, backPayAmount: '7500.00', offsetAmount: '0.00', netAmount: '7500.00' }]);
  });
});
