// The recovery ledger's SQL (tables claims and claim_events). Reconciliation writes are
// set-based (one statement per kind of change, JSON parameters); every read is bounded by the
// caller's region.
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import { inRegionSql } from '../../infra/region-sql.ts';
import type { IsoDate } from '../../domain/calendar.ts';
import type { ClaimReason, ClaimStatus, OwedClaim, StoredClaim } from '../../domain/claims.ts';

type Q = Executor;

export interface ClaimRow {
  id: string;
  pensioner_id: string;
  national_id: string;
  region_code: string;
  reason: ClaimReason;
  status: ClaimStatus;
  amount_fen: string;
  repaid_fen: string;
  offset_fen: string;
  written_off_fen: string;
  opened_at: Date;
  notified_at: Date | null;
}

export interface ClaimEventRow {
  claim_id: string;
  at: Date;
  kind: string;
  amount_fen: string | null;
  reason: string | null;
  actor: string;
  detail: Record<string, unknown> | null;
}

/** A claim's change as written: its event, and for opened claims what identifies it. */
export interface NewEvent {
  claimId: string;
  kind: string;
  amountFen: bigint | null;
  reason: string | null;
  detail?: Record<string, unknown> | null;
}

const basisOf = (o: OwedClaim) => ({ since: o.since, months: o.months.map((m) => ({ month: m.month, amountFen: m.amountFen.toString() })) });

const CLAIM_COLUMNS = sql`c.id::text AS id, c.pensioner_id::text AS pensioner_id, p.national_id, c.region_code, c.reason, c.status,
  c.amount_fen::text AS amount_fen, c.repaid_fen::text AS repaid_fen, c.offset_fen::text AS offset_fen,
  c.written_off_fen::text AS written_off_fen, c.opened_at, c.notified_at`;

export function createClaimRepository() {
  return {
    /** Of these pensioners, those reconciliation concerns: a claim not cancelled, or a status that may make one. */
    async concerned(q: Q, pensionerIds: string[]): Promise<{ id: string; regionCode: string }[]> {
      if (pensionerIds.length === 0) return [];
      const res = await sql<{ id: string; region_code: string }>`
        SELECT p.id::text AS id, p.region_code FROM pensioners p WHERE p.id = any(${pensionerIds}::bigint[]) AND (
          EXISTS (SELECT FROM claims c WHERE c.pensioner_id = p.id AND c.status <> 'cancelled')
          OR EXISTS (SELECT FROM certifications c WHERE c.pensioner_id = p.id AND c.status IN ('deceased', 'ineligible')))`.execute(q);
      return res.rows.map((r) => ({ id: r.id, regionCode: r.region_code }));
    },

    /** The stored claims of these pensioners, locked for the reconciliation that reads them. */
    async forPensioners(q: Q, pensionerIds: string[]): Promise<Map<string, StoredClaim[]>> {
      const out = new Map<string, StoredClaim[]>();
      if (pensionerIds.length === 0) return out;
      const res = await sql<{
        id: string;
        pensioner_id: string;
        reason: ClaimReason;
        period_key: string;
        status: ClaimStatus;
        amount_fen: string;
        settled_fen: string;
        notified: boolean;
        basis: StoredClaim['basis'];
      }>`
        SELECT id::text AS id, pensioner_id::text AS pensioner_id, reason, period_key, status, amount_fen::text AS amount_fen,
          (repaid_fen + offset_fen + written_off_fen)::text AS settled_fen, notified_at IS NOT NULL AS notified, basis
        FROM claims WHERE pensioner_id = any(${pensionerIds}::bigint[]) ORDER BY id FOR UPDATE`.execute(q);
      for (const r of res.rows) {
        const list = out.get(r.pensioner_id) ?? [];
        list.push({
          id: r.id,
          reason: r.reason,
          key: r.period_key,
          status: r.status,
          amountFen: BigInt(r.amount_fen),
          settledFen: BigInt(r.settled_fen),
          notified: r.notified,
          basis: r.basis,
        });
        out.set(r.pensioner_id, list);
      }
      return out;
    },

    /** Opens claims; returns their ids in the order given. */
    async open(q: Q, rows: { pensionerId: string; regionCode: string; owed: OwedClaim }[], at: Date): Promise<string[]> {
      if (rows.length === 0) return [];
      const json = JSON.stringify(
        rows.map((r, i) => ({
          i,
          pensioner_id: r.pensionerId,
          region_code: r.regionCode,
          reason: r.owed.reason,
          period_key: r.owed.key,
          amount_fen: r.owed.amountFen.toString(),
          basis: basisOf(r.owed),
        })),
      );
      const res = await sql<{ i: number; id: string }>`
        WITH u AS (SELECT * FROM json_to_recordset(${json}::json) AS u(i int, pensioner_id bigint, region_code text, reason text,
          period_key text, amount_fen bigint, basis jsonb)),
        ins AS (
          INSERT INTO claims (pensioner_id, region_code, reason, period_key, amount_fen, status, basis, opened_at, updated_at)
          SELECT pensioner_id, region_code, reason, period_key, amount_fen, 'open', basis, ${at}::timestamptz, ${at}::timestamptz FROM u ORDER BY i
          RETURNING id, pensioner_id, reason, period_key)
        SELECT u.i, ins.id::text AS id FROM ins JOIN u USING (pensioner_id, reason, period_key) ORDER BY u.i`.execute(q);
      return res.rows.map((r) => r.id);
    },

    /** New amounts and statuses (amendments, reopenings, cancellations) of stored claims. */
    async update(q: Q, rows: { id: string; regionCode: string; status: ClaimStatus; owed: OwedClaim | null }[], at: Date): Promise<void> {
      if (rows.length === 0) return;
      const json = JSON.stringify(
        rows.map((r) => ({
          id: r.id,
          region_code: r.regionCode,
          status: r.status,
          amount_fen: r.owed?.amountFen.toString() ?? null,
          basis: r.owed ? basisOf(r.owed) : null,
        })),
      );
      await sql`
        UPDATE claims c SET region_code = u.region_code, status = u.status, amount_fen = coalesce(u.amount_fen, c.amount_fen),
          basis = coalesce(u.basis, c.basis), updated_at = ${at}::timestamptz,
          closed_at = CASE WHEN u.status IN ('open', 'notified') THEN NULL ELSE coalesce(c.closed_at, ${at}::timestamptz) END
        FROM json_to_recordset(${json}::json) AS u(id bigint, region_code text, status text, amount_fen bigint, basis jsonb)
        WHERE c.id = u.id`.execute(q);
    },

    async addEvents(q: Q, events: NewEvent[], at: Date, actor: string): Promise<void> {
      if (events.length === 0) return;
      const json = JSON.stringify(
        events.map((e) => ({ claim_id: e.claimId, kind: e.kind, amount_fen: e.amountFen?.toString() ?? null, reason: e.reason, detail: e.detail ?? null })),
      );
      await sql`
        INSERT INTO claim_events (claim_id, at, kind, amount_fen, reason, actor, detail)
        SELECT claim_id, ${at}::timestamptz, kind, amount_fen, reason, ${actor}, detail
        FROM json_to_recordset(${json}::json) AS u(claim_id bigint, kind text, amount_fen bigint, reason text, detail jsonb)`.execute(q);
    },

    /** One claim within `scope`, locked for a change. */
    async lock(q: Q, id: string, scope: string | null): Promise<ClaimRow | undefined> {
      const res = await sql<ClaimRow>`
        SELECT ${CLAIM_COLUMNS} FROM claims c JOIN pensioners p ON p.id = c.pensioner_id
        WHERE c.id = ${id}::bigint AND ${inRegionSql('c.region_code', scope)} FOR UPDATE OF c`.execute(q);
      return res.rows[0];
    },

    /** Adds a repayment, an offset or a write-off to a claim and sets its status. */
    async settle(q: Q, id: string, f: { repaidFen?: bigint; offsetFen?: bigint; writtenOffFen?: bigint; status: ClaimStatus; notified?: boolean }, at: Date) {
      await sql`
        UPDATE claims SET repaid_fen = repaid_fen + ${(f.repaidFen ?? 0n).toString()}::bigint,
          offset_fen = offset_fen + ${(f.offsetFen ?? 0n).toString()}::bigint,
          written_off_fen = written_off_fen + ${(f.writtenOffFen ?? 0n).toString()}::bigint,
          status = ${f.status}, updated_at = ${at}::timestamptz,
          notified_at = CASE WHEN ${f.notified ?? false} THEN coalesce(notified_at, ${at}::timestamptz) ELSE notified_at END,
          closed_at = CASE WHEN ${f.status} IN ('open', 'notified') THEN NULL ELSE coalesce(closed_at, ${at}::timestamptz) END
        WHERE id = ${id}::bigint`.execute(q);
    },

    /** Claims within `scope`, oldest first, a page at a time. */
    async list(q: Q, f: { statuses: readonly ClaimStatus[]; scope: string | null; limit: number; afterId?: string }): Promise<ClaimRow[]> {
      const res = await sql<ClaimRow>`
        SELECT ${CLAIM_COLUMNS} FROM claims c JOIN pensioners p ON p.id = c.pensioner_id
        WHERE ${inRegionSql('c.region_code', f.scope)} AND c.status = any(${[...f.statuses]}::text[])
          AND ${f.afterId ? sql`c.id > ${f.afterId}::bigint` : sql`true`}
        ORDER BY c.id LIMIT ${f.limit}`.execute(q);
      return res.rows;
    },

    async events(q: Q, claimIds: string[]): Promise<ClaimEventRow[]> {
      if (claimIds.length === 0) return [];
      const res = await sql<ClaimEventRow>`
        SELECT claim_id::text AS claim_id, at, kind, amount_fen::text AS amount_fen, reason, actor, detail
        FROM claim_events WHERE claim_id = any(${claimIds}::bigint[]) ORDER BY claim_id, id`.execute(q);
      return res.rows;
    },

    /** Outstanding amounts of open and notified claims by region and age of claim (days since opened). */
    async outstanding(q: Q, f: { scope: string | null; today: IsoDate }) {
      const res = await sql<{ region_code: string; age: string; claims: string; outstanding_fen: string }>`
        SELECT region_code, CASE WHEN d < 90 THEN 'under_90_days' WHEN d < 365 THEN '90_to_364_days' WHEN d < 730 THEN '1_to_2_years'
            ELSE '2_years_and_over' END AS age,
          count(*)::text AS claims, sum(outstanding)::text AS outstanding_fen
        FROM (SELECT region_code, ${f.today}::date - (opened_at AT TIME ZONE 'Asia/Shanghai')::date AS d,
                greatest(amount_fen - repaid_fen - offset_fen - written_off_fen, 0) AS outstanding
              FROM claims WHERE status IN ('open', 'notified') AND ${inRegionSql('region_code', f.scope)}) x
        GROUP BY 1, 2 ORDER BY 1, 2`.execute(q);
      return res.rows;
    },
  };
}
export type ClaimRepository = ReturnType<typeof createClaimRepository>;
