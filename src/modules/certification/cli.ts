// `decisions replay NATIONAL_ID [--archive DIR]`: replays every stored decision of one
// pensioner under the policy version it records; prints one line per decision (ids,
// instants, versions and field names, no personal data) and exits 1 if any differs.
// The command is given what it uses (src/cli-extensions.ts wires it to a database).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { Executor } from '../../infra/database.ts';
import { parseNationalId } from '../../domain/national-id.ts';
import { loadPolicyArchive } from '../../domain/policy-file.ts';
import type { AuditWriter } from '../audit/repository.ts';
import type { PensionerRepository } from '../pensioners/repository.ts';
import type { ReplayResult, ReplayService } from './replay.ts';

export const DEFAULT_POLICY_ARCHIVE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../policy/archive');

export class ReplayInputError extends Error {}

export interface ReplayCommandDeps {
  db: Executor;
  pensioners: Pick<PensionerRepository, 'idsByNationalIds'>;
  audit: Pick<AuditWriter, 'record'>;
  replay: ReplayService;
}

/** Runs `fn` with the command's dependencies, released afterwards. */
export type WithReplayDeps = <T>(fn: (deps: ReplayCommandDeps) => Promise<T>) => Promise<T>;

export async function replayCommand(
  deps: ReplayCommandDeps,
  nationalId: string,
  o: { archive?: string },
  out: NodeJS.WritableStream = process.stdout,
): Promise<ReplayResult[]> {
  const id = parseNationalId(nationalId);
  if (!id.ok) throw new ReplayInputError('not a valid national ID');
  const archive = await loadPolicyArchive(o.archive ?? DEFAULT_POLICY_ARCHIVE);
  const [found] = await deps.pensioners.idsByNationalIds(deps.db, [id.value.nationalId], null);
  const pensionerId = found && String(found.id);
  if (!pensionerId) throw new ReplayInputError('no pensioner with that national ID');
  await deps.audit.record({ keyId: null, role: 'operator', action: 'decisions.replay', pensionerId });
  const results = await deps.replay.replayPensioner(pensionerId, archive);
  for (const r of results) {
    const diff = r.differences.map((x) => x.field).join(',');
    out.write(`decision ${r.decisionId} ${r.decidedAt} policy ${r.policyVersion} ${r.outcome}${diff ? ` ${diff}` : ''}\n`);
  }
  return results;
}

export function decisionCommands(program: Command, withDeps: WithReplayDeps) {
  program
    .command('decisions')
    .description('stored certification decisions')
    .command('replay <nationalId>')
    .description('replay each stored decision of a pensioner under its archived policy version')
    .option('--archive <dir>', 'the archive of policy versions', DEFAULT_POLICY_ARCHIVE)
    .action(async (nationalId: string, o: { archive?: string }) => {
      const results = await withDeps((deps) => replayCommand(deps, nationalId, o));
      if (results.some((r) => r.outcome !== 'identical')) process.exitCode = 1;
    });
}
