// The facts of pensioners read two ways (facts-repository.ts): by list, each id looked up, and
// by range, the ids' span scanned and the list a filter (the sweep's pages). Both must give
// the same facts for the same people, whatever their ids and evidence: people with no
// evidence, people at either end of the range, a gap in the ids, neighbours in the span who
// were not asked for, evidence in several months, the default partition and decision_events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, withClient, type TestContext } from '../helpers/context.ts';
import { registerPensioner } from '../helpers/people.ts';
import { ids as nationalIds } from '../helpers/ingest.ts';
import { storeEvents } from '../helpers/stored-events.ts';
import { decideFor } from '../../src/modules/certification/decide.ts';
import { createFactsRepository, evidenceQuery, type StoredFacts } from '../../src/modules/certification/facts-repository.ts';
import { factsReadFor, type FactsRead } from '../../src/infra/id-set-sql.ts';

let t: TestContext;
const facts = createFactsRepository();
const people = nationalIds(10, '510104', '1946-02-01');
/** Pensioner ids in registration order: the first five, a gap of 7, the other five. */
let pid: string[] = [];

/** Facts in one order (people by id, each one's evidence by id): how rows come back is not what is compared. */
const sorted = (fs: StoredFacts[]) =>
  [...fs]
    .sort((a, b) => Number(BigInt(a.pensionerId) - BigInt(b.pensionerId)))
    .map((f) => ({ ...f, events: [...f.events].sort((a, b) => Number(BigInt(a.id) - BigInt(b.id))) }));
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}
/** The index scans of a plan: which table, which index, on what condition. */
const indexScans = (node: PlanNode): { relation: string; index: string; cond: string }[] => [
  ...(node['Index Name'] ? [{ relation: node['Relation Name'] ?? '', index: node['Index Name'], cond: node['Index Cond'] ?? '' }] : []),
  ...(node.Plans ?? []).flatMap(indexScans),
];
const read = async (ids: string[], how: FactsRead) => sorted(await facts.facts(t.deps.db, ids, how));

beforeAll(async () => {
  t = await createTestContext({ now: '2026-12-20T04:00:00Z' });
  const bureau = await t.key('bureau');
  await withClient(t.ownerUrl, async (c) => {
    // Months with a partition each; older dates go to the default partition.
    await c.query(`SELECT evidence_ensure_month(m::date) FROM unnest(array['2026-10-01', '2026-11-01']) m`);
  });
  for (const [i, nid] of people.entries()) {
    if (i === 5) {
      // A gap in the ids, as deletions or a failed registration leave one.
      await withClient(t.ownerUrl, (c) =>
        c.query(`SELECT setval(pg_get_serial_sequence('pensioners', 'id'), nextval(pg_get_serial_sequence('pensioners', 'id')) + 6)`),
      );
    }
    await registerPensioner(t.app, bureau, nid);
  }
  const res = await t.deps.pool.query<{ id: string }>(`SELECT id::text AS id FROM pensioners WHERE national_id = any($1) ORDER BY pensioners.id`, [people]);
  pid = res.rows.map((r) => r.id);
  const bank = (n: number, occurredAt: string, kind = 'counter') => ({
    nationalId: people[n]!,
    source: 'bank',
    kind,
    occurredAt,
    receivedAt: '2026-12-19T02:00:00Z',
  });
  await storeEvents(t, [
    // The first and the last of the range: evidence in every month and the default partition.
    bank(0, '2026-10-03T01:00:00Z'),
    bank(0, '2026-11-03T01:00:00Z', 'atm'),
    bank(0, '2026-12-03T01:00:00Z'),
    bank(0, '1990-01-02T01:00:00Z'),
    bank(9, '2026-10-09T01:00:00Z'),
    bank(9, '2026-12-09T01:00:00Z', 'atm'),
    // Either side of the gap.
    bank(4, '2026-11-14T01:00:00Z'),
    bank(5, '2026-11-15T01:00:00Z'),
    bank(5, '2026-11-15T01:00:00Z', 'atm'),
    // Neighbours left out of some lists below.
    bank(2, '2026-12-12T01:00:00Z'),
    bank(7, '2026-10-17T01:00:00Z'),
    // 1, 3, 6 and 8 have no live evidence.
  ]);
  // Evidence of a retired month lives on in decision_events: person 6 has only that, person 9 both.
  await withClient(t.ownerUrl, (c) =>
    c.query(
      `INSERT INTO decision_events (id, pensioner_id, source, kind, source_ref, occurred_at, identity_check, received_at)
       VALUES (900000001, $1, 'hospital', 'outpatient', 'retired-1', '2023-05-05T01:00:00Z', 'id_document', '2023-05-06T01:00:00Z'),
              (900000002, $2, 'travel', 'rail_boarding', 'retired-2', '2023-06-06T01:00:00Z', 'id_document', '2023-06-07T01:00:00Z')`,
      [pid[6], pid[9]],
    ),
  );
});
afterAll(async () => t?.close());

describe('reading facts by range and by list', () => {
  it('gives the same facts for the whole range, gap included', async () => {
    expect(pid).toHaveLength(10);
    expect(BigInt(pid[5]!) - BigInt(pid[4]!)).toBeGreaterThan(1n);
    const byList = await read(pid, 'list');
    expect(await read(pid, 'range')).toEqual(byList);
    // What is compared is not empty: every kind of evidence came back.
    expect(byList.map((f) => f.events.length)).toEqual([4, 0, 1, 0, 1, 2, 1, 1, 0, 3]);
    expect(byList[9]!.events.map((e) => e.source).sort()).toEqual(['bank', 'bank', 'travel']);
  });

  it('gives the same facts when the list leaves out people inside its span', async () => {
    for (const ids of [
      [pid[0]!, pid[1]!, pid[3]!, pid[9]!], // 2 with evidence left out
      [pid[1]!, pid[4]!, pid[5]!, pid[6]!, pid[8]!], // 7 left out, across the gap
      [pid[9]!], // the last alone
      [pid[0]!], // the first alone
      [pid[3]!], // no evidence at all
    ]) {
      const byList = await read(ids, 'list');
      expect(byList.map((f) => f.pensionerId)).toEqual(ids);
      expect(await read(ids, 'range')).toEqual(byList);
    }
  });

  it('reads no evidence of the people in the span that were not asked for', async () => {
    const ids = [pid[0]!, pid[3]!, pid[9]!];
    const { rows } = await evidenceQuery(ids, 'range').execute(t.deps.db);
    expect(new Set(rows.map((r) => r.pensioner_id))).toEqual(new Set([pid[0], pid[9]]));
    expect(rows).toHaveLength(4 + 3);
  });

  it('a rescore decides the same either way', async () => {
    const now = t.clock.now();
    const decide = async (how: FactsRead) => (await facts.facts(t.deps.db, pid, how)).map((f) => decideFor(t.deps.policy, f, now));
    expect(await decide('range')).toEqual(await decide('list'));
  });

  // Tables this small are read whole by the planner; the plan's shape is what is checked.
  const conds = (ids: string[], how: FactsRead) =>
    t.deps.transaction(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
      const res = await sql<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>`EXPLAIN (FORMAT JSON) ${evidenceQuery(ids, how)}`.execute(trx);
      return indexScans(res.rows[0]!['QUERY PLAN'][0].Plan).filter((n) => n.relation.startsWith('events_'));
    });

  it('by range descends each month’s covering index once, on the span, not once per id', async () => {
    const byRange = await conds(pid, 'range');
    expect(byRange.length).toBeGreaterThanOrEqual(3); // the two months, this one, the default partition
    for (const n of byRange) {
      expect(n.index).toMatch(/pensioner_id_occurred_at/);
      expect(n.cond).toMatch(/pensioner_id >= .*pensioner_id <= /);
      expect(n.cond).not.toMatch(/ANY/);
    }
  });

  it('by list descends each month’s covering index once per id, never with the whole list as one condition', async () => {
    // Given the list as one condition (= ANY), the planner read every month whole for 2,000
    // scattered ids; each id as its own lateral subquery can only be looked up.
    const byList = await conds([pid[0]!, pid[4]!, pid[9]!], 'list');
    expect(byList.length).toBeGreaterThanOrEqual(3);
    for (const n of byList) {
      expect(n.index).toMatch(/pensioner_id_occurred_at/);
      // One id a loop (the plan names the value by the expression it comes from), never the list.
      expect(n.cond).toMatch(/^\(pensioner_id = \(unnest\(/);
      expect(n.cond).not.toMatch(/ANY/);
    }
  });

  it('by list reads each person once, however often the list names them', async () => {
    const twice = await read([pid[0]!, pid[9]!, pid[0]!], 'list');
    expect(twice.map((f) => f.events.length)).toEqual([4, 3]);
  });

  it('chooses the range for neighbouring ids and the list for scattered ones', () => {
    expect(factsReadFor(['1', '2', '3', '4'])).toBe('range');
    expect(factsReadFor(['10', '12', '14', '16', '18', '19'])).toBe('range'); // span 10 of 6 ids
    expect(factsReadFor(['5'])).toBe('range');
    expect(factsReadFor(['1', '500', '90000'])).toBe('list');
    expect(factsReadFor(['9', '1', '2'])).toBe('range'); // span 9 of 3 ids, in any order
    // The people a large file touched, one in 16 of the registry, as a rescore job names them.
    const oneIn16 = Array.from({ length: 2000 }, (_, i) => String(100_001 + 16 * i));
    expect(factsReadFor(oneIn16)).toBe('range');
    expect(factsReadFor(['1', '49', '97'])).toBe('list'); // span 97 of 3 ids, over 16 each
  });
});
