// Targeted comparison (match interfaces): who needs evidence, read page by page in pensioner
// id order, and the run records (rows of `batches` with `interface` set, so that a run reads
// like a batch). Counts and completion of a run go through the evidence repository's batch
// methods; only what is particular to runs is here.
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import { inRegionSql } from '../../infra/region-sql.ts';
import type { IsoDate } from '../../domain/calendar.ts';

export interface AskedPerson {
  pensionerId: string;
  nationalId: string;
  /** Already needed evidence (and so was asked) when the interface's previous clean run began. */
  askedBefore: boolean;
}

/** The interface's previous run that asked everyone it meant to: its start, and that day's cut-off. */
export interface PreviousRun {
  startedAt: Date;
  /** The same instant on the database's clock, which dates registrations (pensioners.created_at). */
  startedInDb: Date;
  day: IsoDate;
  cutoff: IsoDate;
}

export interface OpenRun {
  id: string;
  startedAt: Date;
}

/** Within any of the region prefixes; every region when there are none. */
function inAnyRegion(column: string, regions: readonly string[]) {
  if (regions.length === 0) return sql<boolean>`true`;
  return sql<boolean>`(${sql.join(
    regions.map((r) => sql`(${inRegionSql(column, r)})`),
    sql` OR `,
  )})`;
}

export function createMatchRepository() {
  return {
    /**
     * The next `limit` people after pensioner id `after` who need evidence: alive and eligible
     * (state active: never deceased, ineligible or under review), and due, suspended, or with no
     * certification since `cutoff`. A certification is always dated by strong evidence (a strong
     * event, a staff or face check, or the legacy system's own certification), so people certified
     * since `cutoff` are left out. Keyset on the certifications' primary key: a run over millions
     * of pensioners reads one page at a time.
     *
     * `askedBefore`: the same rule held at the previous run (certification dates only move
     * forward, so today's dates tell), and the person was registered by then.
     */
    async needingEvidence(
      q: Executor,
      o: { after: string; limit: number; today: IsoDate; cutoff: IsoDate; regions: readonly string[]; previous: PreviousRun | null },
    ): Promise<AskedPerson[]> {
      const needs = (day: IsoDate, cutoff: IsoDate) =>
        sql<boolean>`(c.due_from <= ${day}::date OR c.certified_until < ${day}::date OR c.certified_at IS NULL OR c.certified_at < ${cutoff}::date)`;
      const prev = o.previous;
      const { rows } = await sql<{ pensioner_id: string; national_id: string; asked_before: boolean }>`
        SELECT c.pensioner_id::text AS pensioner_id, c.national_id,
          ${prev ? sql`(p.created_at < ${prev.startedInDb} AND ${needs(prev.day, prev.cutoff)})` : sql`false`} AS asked_before
        FROM certifications c JOIN pensioners p ON p.id = c.pensioner_id
        WHERE c.pensioner_id > ${o.after}::bigint
          AND c.state = 'active'
          AND ${needs(o.today, o.cutoff)}
          AND ${inAnyRegion('c.region_code', o.regions)}
        ORDER BY c.pensioner_id
        LIMIT ${o.limit}`.execute(q);
      return rows.map((r) => ({ pensionerId: r.pensioner_id, nationalId: r.national_id, askedBefore: r.asked_before }));
    },

    /** When the interface's last run that completed without a failed page began (by the service's clock, and by the database's). */
    async lastCleanRun(q: Executor, iface: string): Promise<{ startedAt: Date; startedInDb: Date } | undefined> {
      const row = await q
        .selectFrom('batches')
        .select(['received_at', 'processing_started_at'])
        .where('interface', '=', iface)
        .where('status', '=', 'completed')
        .where('error', 'is', null)
        .orderBy('received_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && { startedAt: row.received_at, startedInDb: row.processing_started_at ?? row.received_at };
    },

    /** The interface's run still in progress, if any. */
    async openRun(q: Executor, iface: string): Promise<OpenRun | undefined> {
      const row = await q
        .selectFrom('batches')
        .select(['id', 'received_at'])
        .where('interface', '=', iface)
        .where('status', '=', 'processing')
        .executeTakeFirst();
      return row && { id: row.id, startedAt: row.received_at };
    },

    /**
     * Opens a run; false when another run of the interface is open (one at a time, by a unique
     * index). `processing_started_at` is the database's now(), the clock registrations are dated by.
     */
    async startRun(q: Executor, r: { id: string; iface: string; source: string; at: Date }): Promise<boolean> {
      const res = await sql`
        INSERT INTO batches (id, source, content_type, charset, status, interface, received_at, processing_started_at)
        VALUES (${r.id}, ${r.source}, 'application/json', 'utf-8', 'processing', ${r.iface}, ${r.at}, now())
        ON CONFLICT DO NOTHING`.execute(q);
      return Number(res.numAffectedRows ?? 0) === 1;
    },

    /** Notes a failed page on the run (its reason, never a person's data); the run goes on. */
    async noteFailedPage(q: Executor, runId: string, reason: string): Promise<void> {
      await sql`UPDATE batches SET error = left(coalesce(error || '; ', '') || ${reason}, 2000) WHERE id = ${runId}`.execute(q);
    },
  };
}
export type MatchRepository = ReturnType<typeof createMatchRepository>;
