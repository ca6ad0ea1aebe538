// The decision history of one pensioner, a page at a time: the pensioner is looked up within
// the caller's region (someone outside it is not found), then their decisions newest first.
import type { Executor } from '../../infra/database.ts';
import { notFound } from '../../domain/errors.ts';
import type { PensionerRepository } from '../pensioners/repository.ts';
import type { CertificationRepository, DecisionRow } from './repository.ts';

export interface DecisionHistoryDeps {
  db: Executor;
  repo: Pick<CertificationRepository, 'decisionPage'>;
  pensioners: Pick<PensionerRepository, 'idsByNationalIds'>;
}

export function createDecisionHistoryService(deps: DecisionHistoryDeps) {
  const { db, repo, pensioners } = deps;
  return {
    /** Up to `limit` decisions after the decision `afterId`; the rows are fetched with `limit` as given (callers ask one more to know of a next page). */
    async page(nationalId: string, scope: string | null, limit: number, afterId?: string): Promise<{ pensionerId: string; rows: DecisionRow[] }> {
      const [person] = await pensioners.idsByNationalIds(db, [nationalId], scope);
      if (!person) throw notFound();
      const pensionerId = String(person.id);
      return { pensionerId, rows: await repo.decisionPage(db, pensionerId, limit, afterId) };
    },
  };
}
export type DecisionHistoryService = ReturnType<typeof createDecisionHistoryService>;
