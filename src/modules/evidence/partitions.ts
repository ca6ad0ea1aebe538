// Roll-over and retention of the evidence's monthly partitions, run by the scheduled job
// (jobs/evidence-partitions.ts): months ahead are made before their evidence arrives, months
// past the policy's retention are dropped whole once their decisions keep what they need.
import type { Clock } from '../../infra/clock.ts';
import type { Transact } from '../../infra/database.ts';
import type { YearMonth } from '../../domain/calendar.ts';
import { monthsToPrepare, monthsToRetire } from '../../domain/evidence-months.ts';
import type { EvidencePartitionRepository } from './partitions-repository.ts';

export interface EvidencePartitionDeps {
  transaction: Transact;
  clock: Clock;
  /** The policy in force: its evidenceRetentionMonths (none: evidence is kept). */
  policy: { evidenceRetentionMonths?: number };
  repo: EvidencePartitionRepository;
}

export function createEvidencePartitionService(deps: EvidencePartitionDeps) {
  const { transaction, clock, repo } = deps;
  return {
    /** Makes this month's partition and those of the months ahead; the months made. */
    async prepare(): Promise<{ made: YearMonth[] }> {
      const made: YearMonth[] = [];
      for (const month of monthsToPrepare(clock.now())) if (await transaction((trx) => repo.prepare(trx, month))) made.push(month);
      return { made };
    },

    /** Drops the months past the retention, one transaction each; how many events each left in decisions' keeping. */
    async retire(): Promise<{ retired: { month: YearMonth; copied: number }[]; outliers: number }> {
      const existing = await transaction((trx) => repo.months(trx));
      const retired: { month: YearMonth; copied: number }[] = [];
      for (const month of monthsToRetire(existing, clock.now(), deps.policy.evidenceRetentionMonths)) {
        const copied = await transaction((trx) => repo.retire(trx, month));
        if (copied !== null) retired.push({ month, copied });
      }
      return { retired, outliers: await transaction((trx) => repo.outliers(trx)) };
    },
  };
}
export type EvidencePartitionService = ReturnType<typeof createEvidencePartitionService>;
