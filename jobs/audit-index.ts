// The audit's index of whom many-person rows named (src/modules/audit/reads-index.ts): nightly,
// the rows settled since the last run.
import type { Worker } from 'bullmq';
import type { Queues } from '../src/infra/queue.ts';
import type { AuditIndexService } from '../src/modules/audit/reads-index.ts';

export interface AuditIndexJobDeps {
  queues: Queues;
  auditIndex: Pick<AuditIndexService, 'run'>;
}

export function createAuditIndexWorker(deps: AuditIndexJobDeps): Worker {
  return deps.queues.worker('audit-index', async () => deps.auditIndex.run()) as Worker;
}
