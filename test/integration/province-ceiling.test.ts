// The province benchmark measures its ingestion ceiling on the same database, then empties it
// (bench/province/ceiling.ts): the service must then find the files' events new, not duplicates
// of the ceiling's (regression: the identities stayed, and the year ingested no bank, travel,
// hospital or e-voucher record at all).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth } from '../helpers/people.ts';
import { ids, register } from '../helpers/ingest.ts';
import { emptyEvidence } from '../../bench/province/ceiling.ts';

let t: TestContext;
let admin: string;
const [person] = ids(1, '510104', '1944-05-01');

beforeAll(async () => {
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  admin = await t.key('admin');
  await register(t, admin, [person!]);
});
afterAll(async () => t?.close());

const push = async () =>
  (
    await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth(admin),
      payload: [
        { nationalId: person, source: 'hospital', kind: 'admission', occurredAt: '2026-06-03T10:00:00+08:00', sourceRef: 'C-1', identityCheck: 'id_document' },
      ],
    })
  ).json() as { accepted: number; duplicates: number };

it('after the ceiling is emptied, the same event is accepted again, not a duplicate', async () => {
  expect((await push()).accepted).toBe(1);
  await emptyEvidence(t.ownerUrl);
  const again = await push();
  expect(again.accepted).toBe(1);
  expect(again.duplicates).toBe(0);
});
