// Commands contributed by features (feed upload, simulate, bench), each in its own file,
// wired here to what they use.
import type { Command } from 'commander';
import { withDatabase } from './runtime.ts';
import { feedCommands } from './modules/evidence/cli.ts';
import { createAuditWriter } from './modules/audit/repository.ts';
import { createPensionerRepository } from './modules/pensioners/repository.ts';
import { decisionCommands, type WithReplayDeps } from './modules/certification/cli.ts';
import { createCertificationRepository } from './modules/certification/repository.ts';
import { createFactsRepository } from './modules/certification/facts-repository.ts';
import { createReplayService } from './modules/certification/replay.ts';
import { auditCommands, type WithAuditIndex } from './modules/audit/cli.ts';
import { createAuditIndexService } from './modules/audit/reads-index.ts';
import { createAuditIndexRepository } from './modules/audit/reads-index-repository.ts';

/** `decisions replay` on a short-lived connection, with its own audit writer flushed before the connection ends. */
const withReplayDeps: WithReplayDeps = (fn) =>
  withDatabase(async (d) => {
    const audit = createAuditWriter(d.pool);
    try {
      const replay = createReplayService({ db: d.db, repo: createCertificationRepository(d.pool), facts: createFactsRepository() });
      return await fn({ db: d.db, pensioners: createPensionerRepository(), audit, replay });
    } finally {
      await audit.close();
    }
  });

/** `audit index` on a short-lived connection. */
const withAuditIndex: WithAuditIndex = (fn) =>
  withDatabase((d) => fn(createAuditIndexService({ db: d.db, transaction: d.transaction, repo: createAuditIndexRepository() })));

export const CLI_EXTENSIONS: ((program: Command) => void)[] = [
  feedCommands,
  (program) => decisionCommands(program, withReplayDeps),
  (program) => auditCommands(program, withAuditIndex),
];
