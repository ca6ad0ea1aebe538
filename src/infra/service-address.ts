// Where the running service answers, written under DATA_DIR when it starts listening, so that
// the CLI (`feed upload`, `sweep run`) finds it on whatever PORT/HOST it was given instead of
// assuming 3000.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const FILE = 'service.json';

interface ServiceAddress {
  url: string;
  pid: number;
}

/** The base URL a client on this machine uses for a listener on host:port (a wildcard host means this machine). */
export function localUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/** False when DATA_DIR is not writable (an external database without a data volume): the CLI then needs --url. */
export function writeServiceAddress(dataDir: string, url: string): boolean {
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path.join(dataDir, FILE), `${JSON.stringify({ url, pid: process.pid } satisfies ServiceAddress)}\n`);
    return true;
  } catch {
    return false;
  }
}

/** Removes the file if this process wrote it (another process may have started since). */
export function removeServiceAddress(dataDir: string): void {
  if (readAddress(dataDir)?.pid === process.pid) rmSync(path.join(dataDir, FILE), { force: true });
}

function readAddress(dataDir: string): ServiceAddress | null {
  try {
    const a = JSON.parse(readFileSync(path.join(dataDir, FILE), 'utf8')) as ServiceAddress;
    return typeof a.url === 'string' && Number.isInteger(a.pid) ? a : null;
  } catch {
    return null;
  }
}

/** Whether a process with this id runs (EPERM: it does, as another user). */
export const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
};

/** The URL of the service running on this DATA_DIR, or null when none runs (or it died without cleaning up). */
export function runningServiceUrl(dataDir: string): string | null {
  const a = readAddress(dataDir);
  return a && processAlive(a.pid) ? a.url : null;
}

/**
 * The API a CLI command talks to: --url, else PENSION_URL, else the service running on this
 * DATA_DIR, else where PORT/HOST say it listens.
 */
export function clientServiceUrl(o: { url?: string; env: NodeJS.ProcessEnv; dataDir: string; host: string; port: number }): string {
  const url = o.url || o.env.PENSION_URL || runningServiceUrl(o.dataDir) || localUrl(o.host, o.port);
  return url.replace(/\/+$/, '');
}
