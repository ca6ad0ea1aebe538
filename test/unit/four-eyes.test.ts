// The four-eyes rule (src/domain/four-eyes.ts): one key never completes what it proposed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextStep } from '../../src/domain/four-eyes.ts';

/** Plays a sequence of requests by keys against one subject; returns who completed it, if anyone. */
function play(keys: string[]): { proposer: string; checker: string } | null {
  let open: string | null = null;
  for (const k of keys) {
    const step = nextStep(open, k);
    if (step === 'propose') open = k;
    if (step === 'complete') return { proposer: open!, checker: k };
  }
  return null;
}

describe('nextStep', () => {
  it('proposes when nothing is open, completes for another key, refuses the proposer', () => {
    expect(nextStep(null, 'a')).toBe('propose');
    expect(nextStep('a', 'b')).toBe('complete');
    expect(nextStep('a', 'a')).toBe('same_actor');
  });

  it('whatever the order of requests, a completion always has two different keys, and one key alone never completes', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 20 }), (keys) => {
        const done = play(keys);
        if (done) expect(done.proposer).not.toBe(done.checker);
        if (new Set(keys).size <= 1) expect(done).toBeNull();
        if (new Set(keys).size > 1) expect(done).not.toBeNull();
      }),
    );
  });
});
