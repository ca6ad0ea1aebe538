// The BullMQ processors this process runs when its role includes workers, one file each,
// the schedules every worker process keeps, and its recovery from a queue that lost its state.
import type { Worker } from 'bullmq';
import { createIngestBatchWorker, type IngestBatchDeps } from './ingest-batch.ts';
import { createPullFeedWorker, type PullFeedDeps } from './pull-feed.ts';
import { createNotifyWorker, type NotifyDeps } from './notify.ts';
import { createRescoreWorker, type RescoreDeps } from './rescore.ts';
import { createDailySweepWorker, type DailySweepDeps } from './daily-sweep.ts';
import { createPayrollFreezeWorker, type PayrollFreezeDeps } from './payroll-freeze.ts';
import { createEvidencePartitionsWorker, type EvidencePartitionsDeps } from './evidence-partitions.ts';
import { createAuditIndexWorker, type AuditIndexJobDeps } from './audit-index.ts';
import type { RecoveryDeps } from './recovery.ts';

export { ensureSchedules } from './schedules.ts';
export { startRecovery } from './recovery.ts';

export type WorkerDeps = IngestBatchDeps &
  PullFeedDeps &
  NotifyDeps &
  RescoreDeps &
  DailySweepDeps &
  PayrollFreezeDeps &
  EvidencePartitionsDeps &
  AuditIndexJobDeps &
  RecoveryDeps;

export function startWorkers(deps: WorkerDeps): Worker[] {
  return [
    createIngestBatchWorker(deps),
    createPullFeedWorker(deps),
    createNotifyWorker(deps),
    createRescoreWorker(deps),
    createDailySweepWorker(deps),
    createPayrollFreezeWorker(deps),
    createEvidencePartitionsWorker(deps),
    createAuditIndexWorker(deps),
  ];
}
