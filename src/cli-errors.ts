// How the CLI reports a failure: one line, saying what to do.
import { ConfigError } from './config.ts';
import { DomainError } from './domain/errors.ts';
import { ReplayInputError } from './modules/certification/cli.ts';
import { PolicyError } from './domain/policy.ts';

/** Every failure as one line saying what to do: never a stack trace, whatever was thrown. */
export function cliErrorLine(e: unknown): string {
  const known = e instanceof ConfigError || e instanceof DomainError || e instanceof ReplayInputError || e instanceof PolicyError;
  const message = e instanceof Error ? e.message : e === undefined || e === null ? 'failed for an unknown reason' : String(e);
  const line = message.split('\n')[0]!.trim();
  const code = (e as { code?: unknown } | null)?.code;
  // A database refusing a connection: the embedded server, or DATABASE_URL, is not there.
  if (code === 'ECONNREFUSED' || code === '57P03')
    return `cannot reach the database (${line}): start the service (\`npm start\`) on the same DATA_DIR, or set DATABASE_URL`;
  return known ? line : `error: ${line}`;
}
