// Everything the HTTP app and the workers are built from; tests build it with their own
// database, queue prefix and clock.
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Config } from './config.ts';
import type { DB } from './infra/db-types.ts';
import type { Clock } from './infra/clock.ts';
import type { Queues } from './infra/queue.ts';
import { loadDefaultPolicy, type Policy } from './domain/policy.ts';
import { createAuditWriter, type AuditWriter } from './modules/audit/writer.ts';
import { createKeyRepository } from './modules/auth/repository.ts';
import { createAuthService, type AuthService } from './modules/auth/service.ts';
import { createCertificationRepository, type CertificationRepository } from './modules/certification/repository.ts';
import { createCertificationService, type CertificationService } from './modules/certification/service.ts';
import { queueReminders } from './modules/reminders/service.ts';
import { createSweepService, type SweepService } from './modules/certification/sweep.ts';
import { createPensionerRepository } from './modules/pensioners/repository.ts';
import { createPensionerService, type PensionerService } from './modules/pensioners/service.ts';
import { createEvidenceRepository } from './modules/evidence/repository.ts';
import { createEvidenceService, type EvidenceService } from './modules/evidence/service.ts';
import { createManualCheckRepository } from './modules/manual-checks/repository.ts';
import { createManualCheckService, type ManualCheckService } from './modules/manual-checks/service.ts';
import { createStaffEventRepository } from './modules/service-point/repository.ts';
import { createServicePointService, type ServicePointService } from './modules/service-point/service.ts';

export interface AppDeps {
  config: Config;
  policy: Policy;
  db: Kysely<DB>;
  pool: pg.Pool;
  queues: Queues;
  clock: Clock;
  audit: AuditWriter;
  auth: AuthService;
  pensioners: PensionerService;
  certificationRepo: CertificationRepository;
  certification: CertificationService;
  sweep: SweepService;
  evidence: EvidenceService;
  servicePoint: ServicePointService;
  manualChecks: ManualCheckService;
}

export function createDeps(base: { config: Config; db: Kysely<DB>; pool: pg.Pool; queues: Queues; clock: Clock; policy?: Policy }): AppDeps {
  const { db, pool, clock } = base;
  const policy = base.policy ?? loadDefaultPolicy();
  const manualCheckRepo = createManualCheckRepository();
  const audit = createAuditWriter(pool);
  const auth = createAuthService(createKeyRepository(db));
  const certificationRepo = createCertificationRepository(pool);
  const certification = createCertificationService({
    repo: certificationRepo,
    policy,
    openChecks: (q, rows, now, openedBy) => manualCheckRepo.open(q, rows, now, openedBy),
  });
  const pensioners = createPensionerService({ db, repo: createPensionerRepository(), certification, audit, clock });
  const servicePoint = createServicePointService({
    db,
    events: createStaffEventRepository(),
    checks: manualCheckRepo,
    pensionerRepo: createPensionerRepository(),
    certification,
    certificationRepo,
    audit,
    clock,
  });
  const manualChecks = createManualCheckService({ db, repo: manualCheckRepo, servicePoint, audit, clock, claimTtlMinutes: base.config.claimTtlMinutes });
  const evidence = createEvidenceService({
    pool,
    repo: createEvidenceRepository(),
    queues: base.queues,
    clock,
    batchRescoreDelayMs: base.config.batchRescoreDelayMs,
  });
  const sweep = createSweepService({
    db,
    certification,
    openChecks: (q, rows, now, openedBy) => manualCheckRepo.open(q, rows, now, openedBy),
    queueReminders: (q, rows) => queueReminders(q, rows, base.queues),
  });
  return { ...base, policy, sweep, audit, auth, pensioners, certificationRepo, certification, servicePoint, manualChecks, evidence };
}
