// Region scoping: a key's region is a prefix of the 6-digit region code ('51' Sichuan,
// '5101' Chengdu); a query's `region` parameter is a prefix narrowed by the key's own.

export const REGION_PREFIX = /^\d{1,6}$/;

export function inRegion(regionCode: string, prefix: string | null | undefined): boolean {
  return !prefix || regionCode.startsWith(prefix);
}

/**
 * The prefix that satisfies both the key's scope and the requested one, or `false`
 * when the two can never overlap (the answer is then empty, not an error).
 */
export function narrowRegion(keyPrefix: string | null | undefined, requested: string | null | undefined): string | null | false {
  const a = keyPrefix || null;
  const b = requested || null;
  if (!a) return b;
  if (!b) return a;
  if (b.startsWith(a)) return b;
  if (a.startsWith(b)) return a;
  return false;
}

/** [lo, hi) bounds on the 6-digit code for an index range scan; hi null when unbounded. */
export function regionBounds(prefix: string): { lo: string; hi: string | null } {
  const lo = prefix.padEnd(6, '0');
  const next = String(Number(prefix) + 1);
  const hi = next.length > prefix.length ? null : next.padStart(prefix.length, '0').padEnd(6, '0');
  return { lo, hi };
}
