// Text PostgreSQL cannot store: a NUL character, or half of a UTF-16 surrogate pair (no
// UTF-8 encoding exists for it). Found anywhere in a value before it reaches SQL or COPY.

/** Whether PostgreSQL can store `s`: checked natively, since every field of every record passes here. */
export function isStorableText(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed() && !s.includes('\u0000');
}

/** The path of the first string in `value` that cannot be stored ('' for the value itself), or null. */
export function unstorableTextPath(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return isStorableText(value) ? null : path;
  if (value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    if (typeof k === 'string' && !isStorableText(k)) return path ? `${path}.${k}` : k;
    const found = unstorableTextPath(v, path ? `${path}.${k}` : k);
    if (found !== null) return found;
  }
  return null;
}
