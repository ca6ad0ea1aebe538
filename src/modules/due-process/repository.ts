// The SQL of due process: the bureau's decisions, stored as events of source `due_process`
// (so that the lifecycle, a pure function of events, applies them and replays them), who
// reported a death, and appeals.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import { inRegionSql } from '../../infra/region-sql.ts';
import type { DueProcessRole } from '../../domain/catalogue.ts';

export interface AppealRow {
  id: string;
  pensioner_id: string;
  national_id: string;
  region_code: string;
  filed_by: string;
  grounds: string;
  decision_at: Date;
  contested_status: string;
  status: 'open' | 'decided';
  filed_at: Date;
  filed_key: string;
  deadline: string;
  outcome: 'upheld' | 'overturned' | null;
  reason: string | null;
  decided_at: Date | null;
  decided_key: string | null;
}

const APPEAL_COLUMNS = sql`a.id::text AS id, a.pensioner_id::text AS pensioner_id, p.national_id, a.region_code, a.filed_by, a.grounds,
  a.decision_at, a.contested_status, a.status, a.filed_at, a.filed_key::text AS filed_key, a.deadline::text AS deadline, a.outcome, a.reason,
  a.decided_at, a.decided_key::text AS decided_key`;

export function createDueProcessRepository() {
  return {
    /** Serialises the bureau's decisions on one person (two confirmations at once are one). */
    async lockPerson(q: Executor, pensionerId: string): Promise<void> {
      await sql`SELECT 1 FROM pensioners WHERE id = ${pensionerId}::bigint FOR UPDATE`.execute(q);
    },

    /** One decision of the bureau's as an event; `receivedVia` is the deciding key (src/domain/origin.ts). */
    async insertDecision(q: Executor, e: { pensionerId: string; kind: DueProcessRole; at: Date; location: string; receivedVia: string }): Promise<string> {
      const sourceRef = randomUUID();
      await sql`
        INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, location, batch_id, received_at, received_via)
        VALUES (${e.pensionerId}::bigint, 'due_process', ${e.kind}, ${sourceRef}, ${e.at}, 'none', ${e.location}, NULL, ${e.at}, ${e.receivedVia})`.execute(q);
      return sourceRef;
    },

    /** Which keys or interfaces brought these events (the reporters of a death). */
    async receivedVia(q: Executor, eventIds: string[]): Promise<string[]> {
      if (eventIds.length === 0) return [];
      const res = await sql<{ received_via: string }>`SELECT DISTINCT received_via FROM events WHERE id = any(${eventIds}::bigint[])`.execute(q);
      return res.rows.map((r) => r.received_via);
    },

    async insertAppeal(
      q: Executor,
      a: {
        pensionerId: string;
        regionCode: string;
        filedBy: string;
        grounds: string;
        decisionAt: Date;
        contestedStatus: string;
        filedAt: Date;
        keyId: string;
        deadline: string;
      },
    ): Promise<string> {
      const res = await sql<{ id: string }>`
        INSERT INTO appeals (pensioner_id, region_code, filed_by, grounds, decision_at, contested_status, status, filed_at, filed_key, deadline)
        VALUES (${a.pensionerId}::bigint, ${a.regionCode}, ${a.filedBy}, ${a.grounds}, ${a.decisionAt}, ${a.contestedStatus}, 'open', ${a.filedAt},
          ${a.keyId}::uuid, ${a.deadline}::date)
        RETURNING id::text AS id`.execute(q);
      return res.rows[0]!.id;
    },

    /** One appeal within the region; `forUpdate` locks it for its decision. */
    async appeal(q: Executor, id: string, scope: string | null, forUpdate = false): Promise<AppealRow | undefined> {
      const res = await sql<AppealRow>`SELECT ${APPEAL_COLUMNS} FROM appeals a JOIN pensioners p ON p.id = a.pensioner_id
        WHERE a.id = ${id}::uuid AND ${inRegionSql('a.region_code', scope)} ${forUpdate ? sql`FOR UPDATE OF a` : sql``}`.execute(q);
      return res.rows[0];
    },

    async decideAppeal(q: Executor, d: { id: string; outcome: string; reason: string; at: Date; keyId: string }): Promise<void> {
      await sql`UPDATE appeals SET status = 'decided', outcome = ${d.outcome}, reason = ${d.reason}, decided_at = ${d.at}, decided_key = ${d.keyId}::uuid
        WHERE id = ${d.id}::uuid`.execute(q);
    },

    /** Appeals by deadline, then id; `after` is the last row's (deadline, id). */
    async appeals(q: Executor, f: { scope: string | null; status?: string; limit: number; after?: readonly [string, string] }): Promise<AppealRow[]> {
      const res = await sql<AppealRow>`SELECT ${APPEAL_COLUMNS} FROM appeals a JOIN pensioners p ON p.id = a.pensioner_id
        WHERE ${inRegionSql('a.region_code', f.scope)} ${f.status ? sql`AND a.status = ${f.status}` : sql``}
          ${f.after ? sql`AND (a.deadline, a.id) > (${f.after[0]}::date, ${f.after[1]}::uuid)` : sql``}
        ORDER BY a.deadline, a.id LIMIT ${f.limit}`.execute(q);
      return res.rows;
    },
  };
}
export type DueProcessRepository = ReturnType<typeof createDueProcessRepository>;
