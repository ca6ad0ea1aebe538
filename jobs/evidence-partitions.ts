// The evidence's monthly partitions (src/modules/evidence/partitions.ts): `prepare` makes this
// month's and the next months' partitions, `retire` drops those past the policy's retention.
import type { Worker } from 'bullmq';
import type { Queues } from '../src/infra/queue.ts';
import type { EvidencePartitionService } from '../src/modules/evidence/partitions.ts';

export interface EvidencePartitionsDeps {
  queues: Queues;
  evidencePartitions: Pick<EvidencePartitionService, 'prepare' | 'retire'>;
}

export function createEvidencePartitionsWorker(deps: EvidencePartitionsDeps): Worker {
  return deps.queues.worker('evidence-partitions', async (job) =>
    job.name === 'retire' ? deps.evidencePartitions.retire() : deps.evidencePartitions.prepare(),
  ) as Worker;
}
