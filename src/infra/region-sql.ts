// The one region filter: a key's region prefix as a range on the 6-digit code, so that an
// index on the code serves it (LIKE 'prefix%' does not under a non-C collation).
import { sql, type RawBuilder } from 'kysely';
import { regionBounds } from '../domain/region.ts';

/** `column` within the region `prefix`; true for a province-wide (null) scope. */
export function inRegionSql(column: string, prefix: string | null | undefined): RawBuilder<boolean> {
  if (!prefix) return sql<boolean>`true`;
  const { lo, hi } = regionBounds(prefix);
  return hi ? sql<boolean>`${sql.ref(column)} >= ${lo} AND ${sql.ref(column)} < ${hi}` : sql<boolean>`${sql.ref(column)} >= ${lo}`;
}
