// Money is exact: amounts travel as decimal strings in yuan and are computed in integer fen.

/** Fen to a yuan decimal string: 312050 → "3120.50". */
export function formatYuan(fen: bigint | number | string): string {
  if (typeof fen === 'number' && !Number.isSafeInteger(fen)) throw new RangeError(`not an integer amount of fen: ${fen}`);
  const f = BigInt(fen);
  const abs = f < 0n ? -f : f;
  return `${f < 0n ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

const YUAN_RE = /^(0|[1-9]\d{0,15})(?:\.(\d{1,2}))?$/;

/** A yuan decimal string to fen, exactly: "3120.5" → 312050n. No sign, at most 2 decimals. */
export function parseYuan(s: string): bigint {
  const m = YUAN_RE.exec(s);
  if (!m) throw new RangeError(`not an amount of yuan (digits, at most 2 decimals): ${JSON.stringify(s)}`);
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
}
