// Failed authentications counted per client address (req.ip: behind a proxy, the address
// X-Forwarded-For names when TRUST_PROXY is set), so keys and the metrics token cannot be
// guessed at speed: after `limit` failures within `windowMs` of the first, the address is
// refused (429) until the window passes. Kept in this process's memory: with P API
// processes an address gets up to P × limit tries per window, still far from guessing a
// 256-bit key, and no Redis round trip is added to every request.

export interface AuthFailureLimiter {
  /** Whole seconds until the address may try again; 0 when it may try now. */
  retryAfter(address: string): number;
  /** Counts one failed authentication of the address. */
  fail(address: string): void;
}

export function createAuthFailureLimiter(opts: {
  limit: number;
  windowMs: number;
  now?: () => number;
  /** Addresses remembered at most; the oldest window is forgotten first (bounded memory under many addresses). */
  maxAddresses?: number;
}): AuthFailureLimiter {
  const { limit, windowMs, now = Date.now, maxAddresses = 100_000 } = opts;
  // Insertion order is window-start order (a new window re-inserts), so the oldest are first.
  const windows = new Map<string, { failures: number; endsAt: number }>();

  const current = (address: string, t: number) => {
    const w = windows.get(address);
    if (w && w.endsAt <= t) {
      windows.delete(address);
      return undefined;
    }
    return w;
  };

  return {
    retryAfter(address) {
      const t = now();
      const w = current(address, t);
      return w && w.failures >= limit ? Math.max(1, Math.ceil((w.endsAt - t) / 1000)) : 0;
    },
    fail(address) {
      const t = now();
      const w = current(address, t);
      if (w) {
        w.failures++;
        return;
      }
      for (const [a, old] of windows) {
        if (windows.size < maxAddresses && old.endsAt > t) break;
        windows.delete(a);
      }
      windows.set(address, { failures: 1, endsAt: t + windowMs });
    },
  };
}
