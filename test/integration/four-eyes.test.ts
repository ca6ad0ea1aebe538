// The four-eyes step on real PostgreSQL: a proposal changes nothing else, a second key completes
// it, the proposer repeating is refused, both steps are audited in the same transaction, and two
// keys asking at the same instant make one proposal and one completion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import type { Principal } from '../../src/domain/principal.ts';
import type { FourEyesRequest } from '../../src/modules/four-eyes/service.ts';

let ctx: TestContext;
let alice: Principal;
let bob: Principal;

async function principal(name: string): Promise<Principal> {
  const { id } = await ctx.deps.auth.createKey({ role: 'bureau', name, region: '5101' });
  return { keyId: id, name, role: 'bureau', regionPrefix: '5101', sources: null };
}

const req = (p: Principal, subject = 'claim-1', payload: Record<string, unknown> = { reason: 'estate has nothing' }): FourEyesRequest => ({
  action: 'claim_write_off',
  subject,
  regionCode: '510104',
  pensionerId: null,
  payload,
  principal: p,
});
const request = (r: FourEyesRequest) => ctx.deps.transaction((trx) => ctx.deps.fourEyes.request(trx, r));
const audits = async (subject: string) =>
  (await sql<{ action: string; key_id: string }>`SELECT action, key_id FROM audit_log WHERE detail->>'subject' = ${subject} ORDER BY id`.execute(ctx.deps.db))
    .rows;

beforeAll(async () => {
  ctx = await createTestContext();
  alice = await principal('alice');
  bob = await principal('bob');
});
afterAll(async () => ctx?.close());

describe('four eyes', () => {
  it('proposes, refuses the proposer, completes for another key; each step audited with its key', async () => {
    const first = await request(req(alice));
    expect(first).toMatchObject({ pending: true });
    await expect(request(req(alice))).rejects.toMatchObject({ kind: 'conflict', code: 'same_actor' });
    const done = await request(req(bob, 'claim-1', { reason: 'agreed' }));
    expect(done).toEqual({
      pending: false,
      proposalId: (first as { proposalId: string }).proposalId,
      proposedBy: alice.keyId,
      proposal: { reason: 'estate has nothing' },
    });
    expect(await audits('claim-1')).toEqual([
      { action: 'four_eyes.proposed', key_id: alice.keyId },
      { action: 'four_eyes.completed', key_id: bob.keyId },
    ]);
    // Completed: the next request on the same subject starts a new proposal.
    expect(await request(req(bob))).toMatchObject({ pending: true });
  });

  it('leaves no proposal and no audit row when the caller’s transaction fails', async () => {
    await expect(
      ctx.deps.transaction(async (trx) => {
        await ctx.deps.fourEyes.request(trx, req(alice, 'claim-2'));
        throw new Error('the action failed');
      }),
    ).rejects.toThrow('the action failed');
    expect(await audits('claim-2')).toEqual([]);
    expect(await request(req(alice, 'claim-2'))).toMatchObject({ pending: true });
  });

  it('two keys asking at the same instant: one proposal, one completion, never two proposals', async () => {
    const outcomes = await Promise.all([request(req(alice, 'claim-3')), request(req(bob, 'claim-3'))]);
    expect(outcomes.map((o) => o.pending).sort()).toEqual([false, true]);
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM proposals WHERE subject = 'claim-3'`.execute(ctx.deps.db);
    expect(Number(rows[0]!.n)).toBe(1);
  });

  it('the database refuses a proposal checked by its own proposer', async () => {
    await expect(sql`UPDATE proposals SET checked_by = proposed_by, checked_at = now() WHERE subject = 'claim-2'`.execute(ctx.deps.db)).rejects.toThrow(
      /check constraint/,
    );
  });
});
