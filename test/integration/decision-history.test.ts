// GET /v1/pensioners/{id}/decisions in pages: every decision exactly once, newest first,
// whatever the number of digits of the decision ids.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';
import type { CertificationState } from '../../src/modules/certification/decide.ts';

let t: TestContext;
let bureau: string;
const id = syntheticId('510104', '1948-08-08');
const DECIDED = 14; // with the registration's decision: ids 1 to 15, across the step from 9 to 10

beforeAll(async () => {
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  bureau = await t.key('bureau');
  await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2026-03-15' });
  const { id: pensionerId } = await t.deps.db.selectFrom('pensioners').select('id').where('national_id', '=', id).executeTakeFirstOrThrow();
  for (let i = 1; i <= DECIDED; i++) {
    const state: CertificationState = {
      state: 'active',
      certifiedAt: '2026-03-15',
      certifiedUntil: '2027-03-15',
      dueFrom: '2027-02-15',
      method: i % 2 ? 'auto' : 'legacy',
      score: i / 100,
      scoreAt: null,
      policyVersion: '2026.3',
      evidence: [],
      deathDate: null,
      since: null,
    };
    const at = new Date(Date.parse('2026-06-16T04:00:00Z') + i * 86_400_000);
    await t.deps.certificationRepo.save(
      t.deps.db,
      [{ pensionerId: String(pensionerId), nationalId: id, regionCode: '510104', status: 'certified', state, history: { knownEventIds: [] } }],
      at,
      'test',
    );
  }
});
afterAll(async () => t?.close());

it('pages through every decision exactly once, newest first, one at a time', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 40; pages++) {
    const res: { statusCode: number; body: string; json(): any } = await t.app.inject({
      method: 'GET',
      url: `/v1/pensioners/${id}/decisions?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      headers: auth(bureau),
    });
    expect(res.statusCode, res.body).toBe(200);
    const body: { items: { decidedAt: string }[]; nextCursor: string | null } = res.json();
    seen.push(...body.items.map((i) => i.decidedAt));
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  expect(seen).toHaveLength(DECIDED + 1);
  expect(new Set(seen).size).toBe(DECIDED + 1);
  expect([...seen].sort().reverse()).toEqual(seen);
});

it('rejects a cursor that is not a decision id', async () => {
  for (const parts of [['x'], ['1', '2'], ['-1']]) {
    const cursor = Buffer.from(JSON.stringify(parts)).toString('base64url');
    const res = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}/decisions?cursor=${cursor}`, headers: auth(bureau) });
    expect(res.statusCode, parts.join()).toBe(400);
    expect(res.json().error.code).toBe('invalid_cursor');
  }
});
