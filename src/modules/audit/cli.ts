// `audit index`: files the settled many-person audit rows under each person they name now, as
// the nightly audit-index job does, run after run until caught up (a first run over a large
// log, or after the job was stopped). Prints counts only, no personal data.
import type { Command } from 'commander';
import type { AuditIndexService, IndexRunOptions } from './reads-index.ts';

/** Runs `fn` with the index service on a connection of its own, released afterwards. */
export type WithAuditIndex = <T>(fn: (index: Pick<AuditIndexService, 'run'>) => Promise<T>) => Promise<T>;

/** The job's runs one after the other until caught up (each stops starting steps after its budget). */
export async function indexUntilCaughtUp(index: Pick<AuditIndexService, 'run'>, o?: IndexRunOptions): Promise<{ rows: number; names: number; people: number }> {
  const total = { rows: 0, names: 0, people: 0 };
  for (;;) {
    const r = await index.run(o);
    total.rows += r.rows;
    total.names += r.names;
    total.people += r.people;
    if (r.caughtUp) return total;
  }
}

export function auditCommands(program: Command, withIndex: WithAuditIndex): void {
  program
    .command('audit')
    .description('the audit log')
    .command('index')
    .description('file the settled many-person audit rows under each person they name, now and until caught up (otherwise nightly at 04:15)')
    .action(async () => {
      const started = Date.now();
      const r = await withIndex((index) => indexUntilCaughtUp(index));
      const s = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`filed ${r.rows} many-person audit rows: ${r.names} reads in ${r.people} index rows (${s} s); caught up\n`);
    });
}
