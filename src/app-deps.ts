// The composition root: the one place services are built. Routes and jobs receive what they
// use from here; tests build it with their own database, queue prefix and clock.
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Config } from './config.ts';
import type { DB } from './infra/db-types.ts';
import type { Clock } from './infra/clock.ts';
import type { Queues } from './infra/queue.ts';
import type { Database, Transact } from './infra/database.ts';
import { createLogger, type Logger } from './infra/logger.ts';
import { createReadReplica, type ReadReplica } from './infra/read-replica.ts';
import { listen } from './infra/notifications.ts';
import { loadDefaultPolicy, type Policy } from './domain/policy.ts';
import { createAuditWriter, type AuditWriter } from './modules/audit/repository.ts';
import { createAuditIndexService, type AuditIndexService } from './modules/audit/reads-index.ts';
import { createAuditIndexRepository } from './modules/audit/reads-index-repository.ts';
import { createKeyRepository } from './modules/auth/repository.ts';
import { createAuthService, type AuthService } from './modules/auth/service.ts';
import { createCertificationRepository, type CertificationRepository } from './modules/certification/repository.ts';
import { createCertificationService, type CertificationService } from './modules/certification/service.ts';
import { createSweepService, type SweepService } from './modules/certification/sweep.ts';
import { createFactsRepository } from './modules/certification/facts-repository.ts';
import { createDecisionHistoryService, type DecisionHistoryService } from './modules/certification/decision-history.ts';
import { answerReminders, createReminderService, queueSweepReminders, type ReminderService } from './modules/reminders/service.ts';
import { createSelfServiceResults } from './modules/self-service/service.ts';
import { createPensionerRepository } from './modules/pensioners/repository.ts';
import { createPensionerService, type PensionerService } from './modules/pensioners/service.ts';
import { createEvidenceRepository } from './modules/evidence/repository.ts';
import { createEvidenceService, type EvidenceService } from './modules/evidence/service.ts';
import { loadMappings, type Mapping } from './modules/evidence/mapping-config.ts';
import { createEvidencePartitionRepository } from './modules/evidence/partitions-repository.ts';
import { createEvidencePartitionService, type EvidencePartitionService } from './modules/evidence/partitions.ts';
import { isKnownIdentityCheck } from './domain/evidence.ts';
import { kindSpec, type Catalogue } from './domain/catalogue.ts';
import { createFeedService, type FeedService } from './modules/feeds/service.ts';
import { createFeedCursorRepository } from './modules/feeds/repository.ts';
import { loadFeeds, type DepartmentInterface } from './modules/feeds/config.ts';
import { createMatchService, type MatchService } from './modules/feeds/match.ts';
import { createMatchRepository } from './modules/feeds/match-repository.ts';
import { createManualCheckRepository } from './modules/manual-checks/repository.ts';
import { createManualCheckService, type ManualCheckService } from './modules/manual-checks/service.ts';
import { createStaffEventRepository } from './modules/service-point/repository.ts';
import { createServicePointService, type ServicePointService } from './modules/service-point/service.ts';
import { createPayrollRepository } from './modules/payroll/repository.ts';
import { createPayrollService, type PayrollService } from './modules/payroll/service.ts';
import { createPayrollRunsRepository } from './modules/payroll/runs-repository.ts';
import { createPayrollFreezeService, type PayrollFreezeService } from './modules/payroll/freeze.ts';
import { createPayrollExportService, type PayrollExportService } from './modules/payroll/export.ts';
import { createDueProcessRepository } from './modules/due-process/repository.ts';
import { createDueProcessService, type DueProcessService } from './modules/due-process/service.ts';
import { createReportsRepository } from './modules/reports/repository.ts';
import { createReportsService, type ReportsService } from './modules/reports/service.ts';
import { createDashboardService, type DashboardService } from './modules/reports/dashboard.ts';
import { createProposalRepository } from './modules/four-eyes/repository.ts';
import { createFourEyesService, type FourEyesService } from './modules/four-eyes/service.ts';
import { createBenefitRepository } from './modules/pensioners/benefit-repository.ts';
import { createBenefitAdjustments, type BenefitAdjustments } from './modules/pensioners/adjustments.ts';
import { createClaimRepository } from './modules/claims/repository.ts';
import { createClaimService, type ClaimService } from './modules/claims/service.ts';
import { createRescorePendingRepository } from './modules/rescoring/repository.ts';
import { createRescoringService, type RescoringService } from './modules/rescoring/service.ts';

export interface AppDeps {
  config: Config;
  policy: Policy;
  db: Kysely<DB>;
  pool: pg.Pool;
  transaction: Transact;
  /** What lists read: the standby's (DATABASE_READ_URL) while it may be read, else `db`. */
  readDb: Kysely<DB>;
  /** The standby and its routing, when DATABASE_READ_URL is set (the app routes each request's reads through it). */
  readReplica?: ReadReplica;
  /** The database's readiness (/readyz). */
  database: Pick<Database, 'ping'>;
  queues: Queues;
  clock: Clock;
  logger: Logger;
  audit: AuditWriter;
  /** The audit's index of whom many-person rows named (the audit-index job). */
  auditIndex: AuditIndexService;
  auth: AuthService;
  pensioners: PensionerService;
  /** The routes' certification reads: lookups on the standby when there is one. */
  certificationRepo: CertificationRepository;
  certification: CertificationService;
  decisionHistory: DecisionHistoryService;
  rescoring: RescoringService;
  sweep: SweepService;
  evidence: EvidenceService;
  /** The evidence's monthly partitions: roll-over and the policy's retention. */
  evidencePartitions: EvidencePartitionService;
  feeds: FeedService;
  /** Targeted comparison with FEEDS_FILE's match interfaces. */
  matches: MatchService;
  /** The department interfaces of FEEDS_FILE, read and checked at start. */
  feedInterfaces: DepartmentInterface[];
  servicePoint: ServicePointService;
  manualChecks: ManualCheckService;
  reminders: ReminderService;
  payroll: PayrollService;
  payrollFreeze: PayrollFreezeService;
  payrollExport: PayrollExportService;
  dueProcess: DueProcessService;
  reports: ReportsService;
  /** The bureau dashboard's figures (/dashboard). */
  dashboard: DashboardService;
  /** The second key on irreversible steps (write-offs, re-instatements). */
  fourEyes: FourEyesService;
  /** The recovery ledger (overpayment claims). */
  claims: ClaimService;
  /** Annual increases and corrections of benefit amounts (NDJSON import). */
  benefitAdjustments: BenefitAdjustments;
}

export interface DepsBase {
  config: Config;
  database: Pick<Database, 'db' | 'pool' | 'transaction' | 'uploadTransaction' | 'ping'>;
  queues: Queues;
  clock: Clock;
  logger?: Logger;
  policy?: Policy;
  /** The interface mappings, when read before (the runtime reads them before it starts anything). */
  mappings?: ReadonlyMap<string, Mapping>;
}

/** MAPPINGS_FILE, checked against the evidence catalogue: a mapping naming a source, kind or identity check it does not know stops the start. */
export function loadConfiguredMappings(file: string | undefined, catalogue: Catalogue): Map<string, Mapping> {
  return loadMappings(file, {
    isSource: (s) => catalogue.has(s),
    isKind: (s, k) => kindSpec(catalogue, s, k) !== undefined,
    isIdentityCheck: isKnownIdentityCheck,
  });
}

// Long only by its list: one line per service built, in dependency order.
export function createDeps(base: DepsBase): AppDeps {
  const { config, clock, queues } = base;
  const { db, pool, transaction } = base.database;
  const logger = base.logger ?? createLogger(config.logLevel);
  const policy = base.policy ?? loadDefaultPolicy();
  const manualCheckRepo = createManualCheckRepository();
  const openChecks = manualCheckRepo.open;
  const audit = createAuditWriter(pool);
  // Lookups, lists, reports and exports read `reads`; writes, audit and jobs stay on the primary.
  const readReplica = config.databaseReadUrl ? createReadReplica(pool, config.databaseReadUrl, { maxLagMs: config.databaseReadMaxLagMs }) : undefined;
  const reads = readReplica ?? { db, pool, transaction };
  const connectionString = (pool as unknown as { options: { connectionString?: string } }).options.connectionString;
  const auth = createAuthService(createKeyRepository(db), {
    watchRevocations: connectionString ? (on) => listen(connectionString, 'api_key_revoked', on) : undefined,
    catalogue: policy.catalogue,
  });
  const certificationRepo = createCertificationRepository(pool);
  const certificationReads = createCertificationRepository(reads.pool);
  const certificationFacts = createFactsRepository();
  const pensionerRepo = createPensionerRepository();
  const benefits = createBenefitRepository();
  const fourEyes = createFourEyesService({ proposals: createProposalRepository(), clock });
  const payrollRuns = createPayrollRunsRepository();
  const claims = createClaimService({
    transaction,
    repo: createClaimRepository(),
    benefits,
    // What frozen runs paid wins over the replay of the rules.
    frozenRunsPaid: (q, ids) => payrollRuns.paidByRuns(q, ids),
    // Late-bound: certification reconciles claims, and claims read decisions.
    decisions: (q, ids, now) => certification.decisions(q, ids, now),
    fourEyes,
    audit,
    clock,
  });
  const certification = createCertificationService({
    repo: certificationRepo,
    facts: certificationFacts,
    policy,
    openChecks,
    resolveCertifiedChecks: manualCheckRepo.resolveCertified,
    reconcileClaims: claims.reconcile,
  });
  const benefitAdjustments = createBenefitAdjustments({ transaction, pensioners: pensionerRepo, benefits, reconcileClaims: claims.reconcileFor, audit, clock });
  const decisionHistory = createDecisionHistoryService({ db: reads.db, repo: certificationRepo, pensioners: pensionerRepo });
  const rescoring = createRescoringService({ db, transaction, pending: createRescorePendingRepository(), queues, clock, rescore: certification.rescore });
  const pensioners = createPensionerService({
    transaction,
    repo: pensionerRepo,
    benefits,
    certification,
    certificationRepo: certificationReads,
    audit,
    clock,
    cycle: policy,
  });
  const servicePoint = createServicePointService({
    db,
    transaction,
    events: createStaffEventRepository(),
    resolveOtherChecks: manualCheckRepo.resolveOthers,
    pensionerRepo,
    certification,
    certificationRepo,
    audit,
    clock,
  });
  const manualChecks = createManualCheckService({
    db,
    transaction,
    repo: manualCheckRepo,
    servicePoint,
    audit,
    clock,
    claimTtlMinutes: config.claimTtlMinutes,
  });
  const evidenceRepo = createEvidenceRepository();
  const selfService = createSelfServiceResults({ openChecks, needingCertification: certificationRepo.needingCertification, answerReminders, audit });
  const mappings = base.mappings ?? loadConfiguredMappings(config.mappingsFile, policy.catalogue);
  const evidence = createEvidenceService({
    db,
    transaction,
    uploadTransaction: base.database.uploadTransaction,
    uploadDir: config.uploadDir,
    repo: evidenceRepo,
    queues,
    rescoring,
    audit,
    selfService,
    clock,
    catalogue: policy.catalogue,
    batchRescoreDelayMs: config.batchRescoreDelayMs,
    ingestTrace: config.ingestTrace,
    logger,
    mappings,
  });
  const feeds = createFeedService({
    db,
    transaction,
    cursors: createFeedCursorRepository(),
    events: evidenceRepo,
    rescoring,
    audit,
    selfService,
    clock,
    catalogue: policy.catalogue,
  });
  const matches = createMatchService({
    db,
    transaction,
    cursors: createFeedCursorRepository(),
    repo: createMatchRepository(),
    batches: evidenceRepo,
    rescoring,
    audit,
    selfService,
    clock,
    catalogue: policy.catalogue,
    logger,
  });
  const sweep = createSweepService({
    db,
    transaction,
    certification,
    certifications: certificationRepo,
    pensioners: certificationFacts,
    openChecks,
    checks: manualCheckRepo,
    queueReminders: (q, rows, today) => queueSweepReminders(q, rows, today, queues),
    visitLeadDays: config.visitLeadDays,
  });
  const evidencePartitions = createEvidencePartitionService({ transaction, clock, policy, repo: createEvidencePartitionRepository() });
  const auditIndex = createAuditIndexService({ db, transaction, repo: createAuditIndexRepository() });
  const reminders = createReminderService({ transaction, audit, clock, smsGatewayUrl: config.smsGatewayUrl });
  const payrollRepo = createPayrollRepository();
  // Previews and frozen runs are read where lookups are (the standby when there is one); the
  // freeze writes, so it runs on the primary.
  const payroll = createPayrollService({ transaction: reads.transaction, repo: payrollRepo, runs: payrollRuns, certification, benefits });
  const payrollFreeze = createPayrollFreezeService({
    transaction,
    repo: payrollRepo,
    runs: payrollRuns,
    payroll,
    freezeDay: config.payrollFreezeDay,
    reconcileClaims: claims.reconcileFor,
    offsetBackPay: claims.offsetBackPay,
  });
  const payrollExport = createPayrollExportService({ db: reads.db, runs: payrollRuns });
  const dueProcess = createDueProcessService({
    db,
    transaction,
    repo: createDueProcessRepository(),
    pensionerRepo,
    certification,
    fourEyes,
    resolveCertifiedChecks: manualCheckRepo.resolveCertified,
    audit,
    clock,
    policy,
  });
  const reportsRepo = createReportsRepository();
  const reports = createReportsService({ db: reads.db, repo: reportsRepo });
  const dashboard = createDashboardService({ db: reads.db, repo: reportsRepo, payroll, claims });
  return {
    config,
    db,
    pool,
    transaction,
    readDb: reads.db,
    readReplica,
    database: { ping: base.database.ping },
    queues,
    clock,
    logger,
    policy,
    audit,
    auditIndex,
    auth,
    pensioners,
    certificationRepo: certificationReads,
    certification,
    decisionHistory,
    rescoring,
    sweep,
    evidence,
    evidencePartitions,
    feeds,
    matches,
    feedInterfaces: loadFeeds(config.feedsFile, policy.catalogue),
    servicePoint,
    manualChecks,
    reminders,
    payroll,
    dueProcess,
    payrollFreeze,
    payrollExport,
    reports,
    dashboard,
    fourEyes,
    claims,
    benefitAdjustments,
  };
}
