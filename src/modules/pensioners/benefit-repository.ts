// The benefit history's SQL (table benefit_history): set-based writes of amounts with the
// month they take effect, and the histories of a set of pensioners.
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import type { YearMonth } from '../../domain/calendar.ts';
import { benefitHistory, type BenefitHistory } from '../../domain/benefit-history.ts';

export interface BenefitRow {
  pensionerId: string;
  effectiveMonth: YearMonth;
  amountFen: bigint;
}

export function createBenefitRepository() {
  return {
    /**
     * Records amounts from their months (a second amount for the same month corrects it). An
     * amount equal to the one already in force that month is not recorded again, so a re-sent
     * registry adds no rows. Returns the pensioners whose history changed.
     */
    async record(q: Executor, rows: BenefitRow[], actor: string): Promise<string[]> {
      if (rows.length === 0) return [];
      const res = await sql<{ id: string }>`
        INSERT INTO benefit_history AS h (pensioner_id, effective_month, amount_fen, recorded_by)
        SELECT u.id, u.m, u.a, ${actor}
        FROM unnest(${rows.map((r) => r.pensionerId)}::bigint[], ${rows.map((r) => r.effectiveMonth)}::text[],
          ${rows.map((r) => r.amountFen.toString())}::bigint[]) AS u(id, m, a)
        WHERE u.a IS DISTINCT FROM (SELECT b.amount_fen FROM benefit_history b
          WHERE b.pensioner_id = u.id AND b.effective_month <= u.m ORDER BY b.effective_month DESC LIMIT 1)
        ON CONFLICT (pensioner_id, effective_month) DO UPDATE SET amount_fen = excluded.amount_fen, recorded_at = now(), recorded_by = excluded.recorded_by
        RETURNING h.pensioner_id::text AS id`.execute(q);
      return [...new Set(res.rows.map((r) => r.id))];
    },

    /** Each pensioner's history; one written around the registry (no row) is its one registered amount. */
    async histories(q: Executor, pensionerIds: string[]): Promise<Map<string, BenefitHistory>> {
      const out = new Map<string, BenefitHistory>();
      if (pensionerIds.length === 0) return out;
      const res = await sql<{ id: string; m: string; a: string }>`
        SELECT p.id::text AS id, coalesce(h.effective_month, to_char(p.benefit_start_date, 'YYYY-MM')) AS m,
          coalesce(h.amount_fen, p.monthly_benefit_fen)::text AS a
        FROM pensioners p LEFT JOIN benefit_history h ON h.pensioner_id = p.id
        WHERE p.id = any(${pensionerIds}::bigint[]) ORDER BY 1, 2`.execute(q);
      const byId = new Map<string, { effectiveMonth: string; amountFen: bigint }[]>();
      for (const r of res.rows) {
        const list = byId.get(r.id) ?? [];
        list.push({ effectiveMonth: r.m, amountFen: BigInt(r.a) });
        byId.set(r.id, list);
      }
      for (const [id, list] of byId) out.set(id, benefitHistory(list));
      return out;
    },
  };
}
export type BenefitRepository = ReturnType<typeof createBenefitRepository>;
