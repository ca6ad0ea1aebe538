// Due process over HTTP and in the payroll (policy 2026.3): death held, verified, reversed;
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
