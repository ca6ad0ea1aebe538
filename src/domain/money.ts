// Money is exact: amounts travel as decimal strings in yuan and are computed in integer fen.
const YUAN = /^(\d{1,12})(?:\.(\d{1,2}))?$/;

export function parseYuan(s: string): bigint | null {
  const m = YUAN.exec(s);
  if (!m) return null;
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0') || '0');
}

export function formatYuan(fen: bigint | number | string): string {
  const v = BigInt(fen);
  const neg = v < 0n;
  const a = neg ? -v : v;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}
