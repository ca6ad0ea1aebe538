// Back pay set against outstanding claims (allocateOffset, src/domain/claims.ts): oldest first,
// never more than a claim's outstanding amount nor than the back pay, to the fen.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateOffset, CLAIM_STATUSES, type StoredClaim } from '../../src/domain/claims.ts';

const claim = (id: string, amountFen: bigint, settledFen = 0n, status: StoredClaim['status'] = 'open', notified = false): StoredClaim => ({
  id,
  reason: 'custody',
  key: id,
  status,
  amountFen,
  settledFen,
  notified,
  basis: { since: '2026-01-01', months: [] },
});

describe('allocateOffset', () => {
  it('settles the oldest claim first, then the next; what is left of the back pay is paid', () => {
    const takes = allocateOffset([claim('12', 5000n), claim('9', 3000n, 1000n, 'notified', true)], 6000n);
    expect(takes).toEqual([
      { claimId: '9', takeFen: 2000n, status: 'recovered' },
      { claimId: '12', takeFen: 4000n, status: 'open' },
    ]);
  });
  it('takes nothing from a claim written off, cancelled or recovered, nor from no back pay', () => {
    expect(allocateOffset([claim('1', 5000n, 0n, 'written_off'), claim('2', 5000n, 0n, 'cancelled'), claim('3', 5000n, 5000n, 'recovered')], 100n)).toEqual([]);
    expect(allocateOffset([claim('1', 5000n)], 0n)).toEqual([]);
  });

  const claimArb = fc
    .record({
      id: fc.integer({ min: 1, max: 1_000_000 }),
      amount: fc.bigInt({ min: 1n, max: 10_000_000n }),
      settledShare: fc.integer({ min: 0, max: 100 }),
      status: fc.constantFrom(...CLAIM_STATUSES),
      notified: fc.boolean(),
    })
    .map((c) => claim(String(c.id), c.amount, (c.amount * BigInt(c.settledShare)) / 100n, c.status, c.notified));

  it('offsets min(back pay, Σ outstanding of open and notified claims), each take within its claim, oldest first', () => {
    fc.assert(
      fc.property(fc.uniqueArray(claimArb, { selector: (c) => c.id, maxLength: 6 }), fc.bigInt({ min: 0n, max: 50_000_000n }), (claims, backPay) => {
        const takes = allocateOffset(claims, backPay);
        const outstanding = claims.filter((c) => c.status === 'open' || c.status === 'notified').reduce((s, c) => s + (c.amountFen - c.settledFen), 0n);
        const total = takes.reduce((s, t) => s + t.takeFen, 0n);
        expect(total).toBe(backPay < outstanding ? backPay : outstanding);
        const byId = new Map(claims.map((c) => [c.id, c]));
        for (const t of takes) {
          const c = byId.get(t.claimId)!;
          expect(t.takeFen).toBeGreaterThan(0n);
          expect(t.takeFen).toBeLessThanOrEqual(c.amountFen - c.settledFen);
          expect(t.status).toBe(c.settledFen + t.takeFen === c.amountFen ? 'recovered' : c.notified ? 'notified' : 'open');
        }
        // Oldest first: only the last claim taken from may be left partly outstanding.
        const ids = takes.map((t) => BigInt(t.claimId));
        expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
        for (const t of takes.slice(0, -1)) expect(t.status).toBe('recovered');
      }),
      { numRuns: 300 },
    );
  });
});
