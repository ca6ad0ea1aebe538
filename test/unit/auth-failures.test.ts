import { describe, expect, it } from 'vitest';
import { createAuthFailureLimiter } from '../../src/http/auth-failures.ts';

describe('failed authentications per address', () => {
  it('bars an address after `limit` failures until its window passes, others untouched', () => {
    let t = 0;
    const l = createAuthFailureLimiter({ limit: 3, windowMs: 10_000, now: () => t });
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfter('a')).toBe(0);
      l.fail('a');
    }
    expect(l.retryAfter('a')).toBe(10);
    expect(l.retryAfter('b')).toBe(0);
    t = 9_001;
    expect(l.retryAfter('a')).toBe(1);
    t = 10_000;
    expect(l.retryAfter('a')).toBe(0);
    l.fail('a'); // a new window
    expect(l.retryAfter('a')).toBe(0);
  });

  it('remembers at most maxAddresses, forgetting the oldest window first', () => {
    const l = createAuthFailureLimiter({ limit: 1, windowMs: 60_000, now: () => 0, maxAddresses: 100 });
    for (let i = 0; i < 1000; i++) l.fail(`10.0.${i >> 8}.${i & 255}`);
    expect(l.retryAfter('10.0.0.0')).toBe(0); // forgotten
    expect(l.retryAfter('10.0.3.231')).toBe(60); // the newest, still barred
  });
});
