// A PostgreSQL cluster of a test's own (initdb, trust on 127.0.0.1), for what must not touch the
// shared server: stopping it, or roles that must not exist yet.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.ts';

const BIN = execFileSync('pg_config', ['--bindir']).toString().trim();

export interface PrivatePostgres {
  port: number;
  /** A database of the cluster as `user` (default: the superuser postgres). */
  url(database?: string, user?: string): string;
  start(): void;
  stop(mode?: 'fast' | 'immediate'): void;
  /** Stops the cluster if it runs and removes its files. */
  remove(): void;
}

/** A new cluster; with `standbyOf`, a streaming standby of the cluster on that port instead (pg_basebackup -R). */
export async function startPrivatePostgres(name: string, opts: { standbyOf?: number } = {}): Promise<PrivatePostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), `pc-${name}-`));
  const data = path.join(dir, 'data');
  // PostgreSQL refuses to run as root: the cluster belongs to the postgres system user.
  const root = process.getuid?.() === 0;
  const asPostgres = (cmd: string, args: string[]) =>
    execFileSync(root ? 'runuser' : cmd, root ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe' });
  const pgCtl = (...args: string[]) => asPostgres(path.join(BIN, 'pg_ctl'), ['-D', data, '-w', ...args]);
  if (root) execFileSync('chown', ['-R', 'postgres', dir]);
  if (opts.standbyOf === undefined) asPostgres(path.join(BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres']);
  else
    asPostgres(path.join(BIN, 'pg_basebackup'), [
      '-D',
      data,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '-h',
      '127.0.0.1',
      '-p',
      String(opts.standbyOf),
      '-U',
      'postgres',
    ]);
  const port = await freePort();
  const start = () => void pgCtl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, '-l', path.join(dir, 'log'), 'start');
  start();
  return {
    port,
    url: (database = 'postgres', user = 'postgres') => `postgres://${user}@127.0.0.1:${port}/${database}`,
    start,
    stop: (mode = 'fast') => void pgCtl('-m', mode, 'stop'),
    remove() {
      try {
        pgCtl('-m', 'immediate', 'stop');
      } catch {
        /* already stopped */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
