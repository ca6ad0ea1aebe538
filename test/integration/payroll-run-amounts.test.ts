// The amounts a frozen run pays the people paid as usual (one set-based statement): the amount
// in force in the run's month from each person's benefit history — not a later adjustment, not
// an earlier amount — and the registry's amount for a person with no history (a legacy import).
// And the freeze leaves the planner knowing the lines it wrote (the export reads them next).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, withClient, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';

let t: TestContext;
let bureau: string;
let admin: string;
const ids = {
  increased: syntheticId('510104', '1951-01-01'),
  later: syntheticId('510104', '1951-02-02'),
  noHistory: syntheticId('510104', '1951-03-03'),
};

const adjust = (lines: object[]) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/benefit-adjustments',
    headers: { ...auth(bureau), 'content-type': 'application/x-ndjson' },
    payload: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
  });

beforeAll(async () => {
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  bureau = await t.key('bureau');
  admin = await t.key('admin');
  for (const id of Object.values(ids)) await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-03-15', monthlyBenefit: '1000.00' });
  const res = await adjust([
    { nationalId: ids.increased, monthlyBenefit: '1100.00', effectiveMonth: '2026-07' },
    { nationalId: ids.later, monthlyBenefit: '1300.00', effectiveMonth: '2026-08' },
  ]);
  expect(res.statusCode).toBeLessThan(300);
  // A person imported before the history existed: the registry's amount is all there is.
  await withClient(t.ownerUrl, (c) =>
    c.query(`DELETE FROM benefit_history WHERE pensioner_id = (SELECT id FROM pensioners WHERE national_id = $1)`, [ids.noHistory]),
  );
  await withClient(t.ownerUrl, (c) => c.query(`UPDATE pensioners SET monthly_benefit_fen = 123456 WHERE national_id = $1`, [ids.noHistory]));
});
afterAll(async () => t?.close());

describe('the pay lines of a frozen run', () => {
  it('pay the amount in force in the month, or the registry amount without a history', async () => {
    const frozen = await t.app.inject({ method: 'POST', url: '/v1/payroll/2026-07/freeze', headers: auth(admin) });
    expect(frozen.statusCode).toBe(201);
    const res = await t.app.inject({ method: 'GET', url: '/v1/payroll/2026-07/export?format=ndjson', headers: auth(bureau) });
    expect(res.statusCode).toBe(200);
    const pay = new Map(
      res.body
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .filter((l) => l.action === 'pay')
        .map((l) => [l.nationalId, l.amount]),
    );
    expect(Object.fromEntries(pay)).toEqual({ [ids.increased]: '1100.00', [ids.later]: '1000.00', [ids.noHistory]: '1234.56' });
  });

  it('leaves the statistics knowing the lines it wrote, for the export to read them in index order', async () => {
    const { reltuples, lines } = await withClient(t.ownerUrl, async (c) => ({
      reltuples: Number((await c.query(`SELECT reltuples FROM pg_class WHERE relname = 'payroll_run_lines'`)).rows[0].reltuples),
      lines: Number((await c.query(`SELECT count(*) FROM payroll_run_lines`)).rows[0].count),
    }));
    expect(lines).toBe(3);
    expect(reltuples).toBe(lines);
  });
});
