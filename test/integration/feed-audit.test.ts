// Every write by a feed key is audited with that key: a death feed that stops payments leaves
// a trace of who sent it (regression: pushes and uploads were not audited).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth } from '../helpers/people.ts';
import { ids, register } from '../helpers/ingest.ts';

let t: TestContext;
let feed: string;
let feedKeyId: string;
const people = ids(2, '510104', '1944-05-01');

const auditOf = async (action: string) =>
  (await t.deps.pool.query(`SELECT key_id::text AS key_id, role, detail FROM audit_log WHERE action = $1 ORDER BY id`, [action])).rows;

beforeAll(async () => {
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  const admin = await t.key('admin');
  feed = await t.key('feed', { sources: ['death', 'hospital'], name: 'civil-affairs-death-feed' });
  feedKeyId = (await t.deps.pool.query(`SELECT id::text AS id FROM api_keys WHERE name = 'civil-affairs-death-feed'`)).rows[0].id;
  await register(t, admin, people);
});
afterAll(async () => t?.close());

describe('feed writes are audited with their key', () => {
  it('a push', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth(feed),
      payload: [
        {
          nationalId: people[0],
          source: 'death',
          kind: 'death_certificate',
          occurredAt: '2026-06-01T09:30:00+08:00',
          sourceRef: 'D-1',
          identityCheck: 'id_document',
          deathDate: '2026-05-30',
        },
      ],
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(await auditOf('events.push')).toEqual([{ key_id: feedKeyId, role: 'feed', detail: { accepted: 1, duplicates: 0, unmatched: 0, rejected: 0 } }]);
  });

  it('an upload, and the same file again', async () => {
    const csv = `national_id,kind,occurred_at,source_ref,identity_check\n${people[1]},admission,2026-06-02T08:00:00+08:00,H-9,id_document\n`;
    const send = () =>
      t.app.inject({ method: 'POST', url: '/v1/feeds/hospital/batches', headers: { ...auth(feed), 'content-type': 'text/csv' }, payload: csv });
    const first = await send();
    expect(first.statusCode, first.body).toBe(202);
    await send();
    const rows = await auditOf('batch.upload');
    expect(rows).toEqual([
      { key_id: feedKeyId, role: 'feed', detail: { batchId: first.json().batchId, source: 'hospital', again: false } },
      { key_id: feedKeyId, role: 'feed', detail: { batchId: first.json().batchId, source: 'hospital', again: true } },
    ]);
  });
});
