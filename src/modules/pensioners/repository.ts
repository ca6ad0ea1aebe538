// Registry rows. Writes are set-based (unnest) so that a bulk file costs one statement
// per chunk; every query is bounded by the caller's region.
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import { inRegionSql } from '../../infra/region-sql.ts';
import type { PensionerRecord } from './validate.ts';

export interface UpsertResult {
  nationalId: string;
  id: string;
  inserted: boolean;
}

/** People just inserted without a last certification get the assumed one (domain/cycle.ts). */
async function assumeCertifications(q: Executor, rows: PensionerRecord[], result: UpsertResult[]): Promise<void> {
  const byId = new Map(rows.map((r) => [r.nationalId, r]));
  const fill = result.filter((r) => r.inserted && byId.get(r.nationalId)?.legacyCertifiedAt === null);
  if (fill.length === 0) return;
  await sql`
    UPDATE pensioners p SET legacy_certified_at = a.d
    FROM unnest(${fill.map((r) => r.id)}::bigint[], ${fill.map((r) => byId.get(r.nationalId)!.assumedCertifiedAt)}::date[]) AS a(id, d)
    WHERE p.id = a.id`.execute(q);
}

/** The addresses sent with the rows stored (null removes one); a row sent without one keeps what is stored. */
async function writeAddresses(q: Executor, rows: PensionerRecord[], result: UpsertResult[]): Promise<void> {
  const byId = new Map(rows.map((r) => [r.nationalId, r]));
  const sent = result.filter((r) => byId.get(r.nationalId)?.address !== undefined);
  if (sent.length === 0) return;
  const address = (r: UpsertResult) => byId.get(r.nationalId)!.address;
  await sql`
    UPDATE pensioners p SET address_village = a.village, address_street = a.street
    FROM unnest(${sent.map((r) => r.id)}::bigint[], ${sent.map((r) => address(r)?.village ?? null)}::text[],
      ${sent.map((r) => address(r)?.street ?? null)}::text[]) AS a(id, village, street)
    WHERE p.id = a.id`.execute(q);
}

export function createPensionerRepository() {
  return {
    /**
     * Inserts or updates; a row already registered outside `scope` is left untouched and
     * missing from the result, so the caller can report it as not found.
     */
    async upsert(q: Executor, rows: PensionerRecord[], scope: string | null): Promise<UpsertResult[]> {
      if (rows.length === 0) return [];
      const res = await sql<{ national_id: string; id: string; inserted: boolean }>`
        INSERT INTO pensioners AS p (national_id, name, region_code, birth_date, benefit_start_date,
          monthly_benefit_fen, pension_type, phone, legacy_certified_at)
        SELECT * FROM unnest(${rows.map((r) => r.nationalId)}::text[], ${rows.map((r) => r.name)}::text[],
          ${rows.map((r) => r.regionCode)}::text[], ${rows.map((r) => r.birthDate)}::date[],
          ${rows.map((r) => r.benefitStartDate)}::date[], ${rows.map((r) => r.monthlyBenefitFen.toString())}::bigint[],
          ${rows.map((r) => r.pensionType)}::text[], ${rows.map((r) => r.phone)}::text[],
          ${rows.map((r) => r.legacyCertifiedAt)}::date[])
        ON CONFLICT (national_id) DO UPDATE SET
          name = excluded.name, region_code = excluded.region_code, benefit_start_date = excluded.benefit_start_date,
          monthly_benefit_fen = excluded.monthly_benefit_fen, pension_type = excluded.pension_type,
          phone = excluded.phone, updated_at = now(),
          -- Sent without one, the stored last certification stays (a re-sent registry never renews it).
          legacy_certified_at = coalesce(excluded.legacy_certified_at, p.legacy_certified_at)
        WHERE ${inRegionSql('p.region_code', scope)}
        RETURNING national_id, id::text AS id, (xmax = 0) AS inserted`.execute(q);
      const result = res.rows.map((r) => ({ nationalId: r.national_id, id: r.id, inserted: r.inserted }));
      await assumeCertifications(q, rows, result);
      await writeAddresses(q, rows, result);
      return result;
    },

    async findByNationalId(q: Executor, nationalId: string, scope: string | null) {
      return q
        .selectFrom('pensioners')
        .selectAll()
        .where('national_id', '=', nationalId)
        .where(inRegionSql('region_code', scope) as any)
        .executeTakeFirst();
    },

    async idsByNationalIds(q: Executor, nationalIds: string[], scope: string | null) {
      if (nationalIds.length === 0) return [];
      return q
        .selectFrom('pensioners')
        .select(['id', 'national_id'])
        .where('national_id', '=', sql<string>`any(${nationalIds}::text[])`)
        .where(inRegionSql('region_code', scope) as any)
        .execute();
    },
  };
}
export type PensionerRepository = ReturnType<typeof createPensionerRepository>;
