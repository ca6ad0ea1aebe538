// What a certification is decided from: the registry's dates of each pensioner and all their
// evidence, read set-based for many pensioners at once; and which pensioners there are, for
// the sweep's pages.
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import type { EvidenceEvent, IdentityCheck } from '../../domain/evidence.ts';
import type { PensionerFacts } from './decide.ts';
import { among, factsReadFor, type FactsRead } from '../../infra/id-set-sql.ts';

/** What a certification is decided from, with the national ID its row is looked up by. */
export type StoredFacts = PensionerFacts & { nationalId: string };

interface EventRow {
  id: string;
  pensioner_id: string;
  source: string;
  kind: string;
  occurred_ms: number;
  received_ms: number;
  identity_check: IdentityCheck;
  location: string | null;
  death_date: string | null;
}

function eventsByPerson(rows: EventRow[]): Map<string, EvidenceEvent[]> {
  const byPerson = new Map<string, EvidenceEvent[]>();
  for (const e of rows) {
    let list = byPerson.get(e.pensioner_id);
    if (!list) byPerson.set(e.pensioner_id, (list = []));
    list.push({
      id: e.id,
      source: e.source,
      kind: e.kind,
      occurredAt: new Date(e.occurred_ms),
      receivedAt: new Date(e.received_ms),
      identityCheck: e.identity_check,
      location: e.location,
      deathDate: e.death_date,
    });
  }
  return byPerson;
}

interface PersonRow {
  id: string;
  national_id: string;
  region_code: string;
  birth_date: string;
  benefit_start_date: string;
  legacy_certified_at: string | null;
}

/** The registry's rows of these pensioners. */
export function peopleQuery(ids: string[], read: FactsRead) {
  return sql<PersonRow>`
    SELECT id::text AS id, national_id, region_code, birth_date, benefit_start_date, legacy_certified_at
    FROM pensioners WHERE ${among('id', ids, read)}`;
}

const EVENT_COLUMNS = sql`id::text AS id, pensioner_id::text AS pensioner_id, source, kind,
  (extract(epoch FROM occurred_at) * 1000)::float8 AS occurred_ms, (extract(epoch FROM received_at) * 1000)::float8 AS received_ms,
  identity_check, location, death_date`;

/**
 * The live evidence of these pensioners. By list, each id is its own subquery (a lateral join
 * the planner may not flatten: OFFSET 0), so each is a descent of every month's covering index:
 * given the list as one condition, the planner read every month whole for a set of scattered
 * ids (a rescore job after small files), and that grows with the evidence, not with the set.
 */
function liveEvidence(ids: string[], read: FactsRead) {
  if (read === 'range') return sql`SELECT ${EVENT_COLUMNS} FROM events WHERE ${among('pensioner_id', ids, read)}`;
  return sql`SELECT e.* FROM (SELECT DISTINCT unnest(${ids}::bigint[]) AS pid) asked
    CROSS JOIN LATERAL (SELECT ${EVENT_COLUMNS} FROM events WHERE events.pensioner_id = asked.pid OFFSET 0) e`;
}

/**
 * All the evidence of these pensioners: the live months' and, of months past the retention,
 * the copies decisions keep (decision_events): a death or a sentence of long ago still decides
 * today. Instants as epoch milliseconds: parsing timestamp text was the largest cost of a sweep.
 */
export function evidenceQuery(ids: string[], read: FactsRead) {
  return sql<EventRow>`
    ${liveEvidence(ids, read)}
    UNION ALL
    SELECT ${EVENT_COLUMNS} FROM decision_events WHERE ${among('pensioner_id', ids, read)}`;
}

export function createFactsRepository() {
  return {
    /**
     * Everything known about pensioners that their certification is decided from. The two
     * reads run one after the other: `q` may be a transaction, whose one connection takes
     * one query at a time. `read` only chooses how (tests compare the two).
     */
    async facts(q: Executor, ids: string[], read: FactsRead = ids.length === 0 ? 'list' : factsReadFor(ids)): Promise<StoredFacts[]> {
      if (ids.length === 0) return [];
      const people = await peopleQuery(ids, read).execute(q);
      const events = await evidenceQuery(ids, read).execute(q);
      const byPerson = eventsByPerson(events.rows);
      return people.rows.map((p) => ({
        pensionerId: p.id,
        nationalId: p.national_id,
        regionCode: p.region_code,
        birthDate: p.birth_date,
        benefitStartDate: p.benefit_start_date,
        legacyCertifiedAt: p.legacy_certified_at,
        events: byPerson.get(p.id) ?? [],
      }));
    },

    /** The smallest and largest pensioner ids, or nulls when there is nobody. */
    async idRange(q: Executor): Promise<{ lo: string | null; hi: string | null }> {
      const res = await sql<{ lo: string | null; hi: string | null }>`SELECT min(id)::text AS lo, max(id)::text AS hi FROM pensioners`.execute(q);
      return res.rows[0] ?? { lo: null, hi: null };
    },

    /** The ids of the pensioners in [fromId, toId]. */
    async idsBetween(q: Executor, fromId: string, toId: string): Promise<string[]> {
      const res = await sql<{ id: string }>`SELECT id::text AS id FROM pensioners WHERE id BETWEEN ${fromId}::bigint AND ${toId}::bigint`.execute(q);
      return res.rows.map((r) => r.id);
    },
  };
}
export type FactsRepository = ReturnType<typeof createFactsRepository>;
