// Recomputes and stores the certification of a set of pensioners, recording a decision
// whenever the outcome changes. Called by registration, ingestion and the daily sweep.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../infra/db-types.ts';
import type { CertificationRepository } from './repository.ts';
import { decideFromRegistry, type CertificationState, type PensionerFacts } from './decide.ts';
import { shanghaiDate } from '../../domain/calendar.ts';
import { calendarStatus } from '../../domain/cycle.ts';

type Q = Kysely<DB> | Transaction<DB>;

function statusOf(s: CertificationState, now: Date) {
  return s.state === 'active' ? calendarStatus(s, shanghaiDate(now)) : s.state;
}

function sameOutcome(a: { state: string; certified_at: string | null; method: string | null; death_date: string | null } | undefined, b: CertificationState) {
  return !!a && a.state === b.state && a.certified_at === b.certifiedAt && a.method === b.method && a.death_date === b.deathDate;
}

export function createCertificationService(repo: CertificationRepository) {
  async function loadFacts(q: Q, ids: string[]): Promise<PensionerFacts[]> {
    const rows = await q
      .selectFrom('pensioners')
      .select(['id', 'region_code', 'birth_date', 'benefit_start_date', 'legacy_certified_at'])
      .where(sql<boolean>`id = any(${ids}::bigint[])`)
      .execute();
    return rows.map((r) => ({
      pensionerId: String(r.id),
      regionCode: r.region_code,
      birthDate: r.birth_date,
      benefitStartDate: r.benefit_start_date,
      legacyCertifiedAt: r.legacy_certified_at,
    }));
  }

  return {
    async rescore(q: Q, pensionerIds: string[], now: Date, actor: string) {
      if (pensionerIds.length === 0) return { changed: 0 };
      const [facts, current] = await Promise.all([loadFacts(q, pensionerIds), repo.current(q, pensionerIds)]);
      const before = new Map(current.map((c) => [String(c.pensioner_id), c]));
      const decided = facts.map((f) => ({ pensionerId: f.pensionerId, regionCode: f.regionCode, state: decideFromRegistry(f) }));
      const changed = decided.filter((d) => !sameOutcome(before.get(d.pensionerId), d.state));
      await repo.save(q, decided);
      await repo.recordDecisions(
        q,
        changed.map((d) => ({ pensionerId: d.pensionerId, at: now, status: statusOf(d.state, now), state: d.state, actor })),
      );
      return { changed: changed.length };
    },
  };
}
export type CertificationService = ReturnType<typeof createCertificationService>;
