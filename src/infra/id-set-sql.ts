// How a set of pensioner ids is read: as a list (an index descent per id) or as the span of
// its ids (one descent and a scan of the leaves), whichever costs less for the ids given.
import { sql, type RawBuilder, type SqlBool } from 'kysely';

/**
 * How a list of pensioners' rows is read. `list`: each id looked up in the index (one btree
 * descent per id, and on the partitioned evidence per id and month; facts-repository.ts reads
 * the evidence id by id, since given 2,000 ids as one condition the planner read every month
 * whole). `range`: the ids' span as the index
 * condition, one descent per index (per month) and a scan of its leaves, the list only a
 * filter: a sweep page's evidence in 374 buffers instead of 15,761 (100k pensioners, 29
 * months; README "Evidence partitions and retention"). Both give the same rows.
 */
export type FactsRead = 'list' | 'range';

/**
 * Ids whose span is at most this many times their number are read as a range: the rows of
 * the ids in the span but not in the list are scanned and filtered out. Measured with
 * bench:facts-plan --every (100k pensioners, 1M events in 29 months, 2026-12-02): 2,000 ids,
 * one in 16 of their span (the people a large file touched, as one rescore job names them),
 * read by range 5,099 buffers, 123–146 ms, by list a sequential scan of every month, 15,761
 * buffers, 907 ms; one in 32, 8,542 buffers, 294 ms by range. For 200 ids one in 16 the list
 * is planned as a descent per id and month: 9,015 buffers, 12 ms, by range 560 buffers, 17 ms.
 */
const RANGE_SPAN_PER_ID = 16;

/** The read that costs least for these ids: by range when they are close together (a sweep page, a file's people). */
export function factsReadFor(ids: string[]): FactsRead {
  const { lo, hi } = span(ids);
  return hi - lo + 1n <= BigInt(RANGE_SPAN_PER_ID * ids.length) ? 'range' : 'list';
}

function span(ids: string[]): { lo: bigint; hi: bigint } {
  let lo = BigInt(ids[0]!);
  let hi = lo;
  for (const id of ids) {
    const n = BigInt(id);
    if (n < lo) lo = n;
    if (n > hi) hi = n;
  }
  return { lo, hi };
}

/**
 * `column` is one of `ids`. By range, the list is a filter on `column + 0`, which no index
 * matches, so that the planner cannot take it for the index condition and descend per id.
 */
export function among(column: string, ids: string[], read: FactsRead = factsReadFor(ids)): RawBuilder<SqlBool> {
  if (read === 'list') return sql<SqlBool>`${sql.ref(column)} = any(${ids}::bigint[])`;
  const { lo, hi } = span(ids);
  return sql<SqlBool>`${sql.ref(column)} BETWEEN ${String(lo)}::bigint AND ${String(hi)}::bigint AND ${sql.ref(column)} + 0 = any(${ids}::bigint[])`;
}
