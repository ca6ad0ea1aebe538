// A feed learns from its counts only how many of its events were taken, never which concerned
// pensioners; keys that may read the registry see the breakdown.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countsSeenBy } from '../../src/domain/submission-counts.ts';
import { ROLES } from '../../src/domain/principal.ts';

const counts = fc.record({ accepted: fc.nat(), duplicates: fc.nat(), unmatched: fc.nat(), rejected: fc.nat() });

describe('countsSeenBy', () => {
  it('folds duplicates and unmatched into accepted for a feed key, keeping the total and the rest', () => {
    fc.assert(
      fc.property(counts, (c) => {
        const seen = countsSeenBy('feed', c);
        expect(seen).toEqual({ accepted: c.accepted + c.duplicates + c.unmatched, duplicates: 0, unmatched: 0, rejected: c.rejected });
      }),
    );
  });

  it('tells a feed the same whether its people are pensioners or not', () => {
    // One valid event: stored (a pensioner), already stored (a pensioner), or about no pensioner.
    const answers = [
      { accepted: 1, duplicates: 0, unmatched: 0 },
      { accepted: 0, duplicates: 1, unmatched: 0 },
      { accepted: 0, duplicates: 0, unmatched: 1 },
    ].map((c) => countsSeenBy('feed', c));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  });

  it('shows every other role the counts as they are', () => {
    fc.assert(
      fc.property(counts, fc.constantFrom(...ROLES.filter((r) => r !== 'feed')), (c, role) => {
        expect(countsSeenBy(role, c)).toEqual(c);
      }),
    );
  });
});
