// Keyset paging: rows are fetched with `limit + 1`; the extra row only says there is a next page,
// which starts after the key of the page's last row.

export function keysetPage<T, K>(rows: T[], limit: number, keyOf: (row: T) => K): { items: T[]; next: K | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > limit && last !== undefined ? keyOf(last) : null };
}
