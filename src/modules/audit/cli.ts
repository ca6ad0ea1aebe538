// `audit index`: files the settled many-person audit rows under each person they name now, as
// the nightly audit-index job does, but step after step until caught up (a first run over a large
// log, or after the job was stopped). Prints counts only, no personal data.
import type { Command } from 'commander';
import type { AuditIndexService } from './reads-index.ts';

/** Runs `fn` with the index service on a connection of its own, released afterwards. */
export type WithAuditIndex = <T>(fn: (index: Pick<AuditIndexService, 'run'>) => Promise<T>) => Promise<T>;

export function auditCommands(program: Command, withIndex: WithAuditIndex): void {
  program
    .command('audit')
    .description('the audit log')
    .command('index')
    .description('file the settled many-person audit rows under each person they name, now and until caught up (otherwise nightly at 04:15)')
    .action(async () => {
      const started = Date.now();
      // No time budget: steps until caught up (the nightly job stops starting steps after 5 min).
      const r = await withIndex((index) => index.run({ budgetMs: Infinity }));
      const s = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`filed ${r.rows} many-person audit rows: ${r.names} reads in ${r.people} index rows (${s} s); caught up\n`);
    });
}
