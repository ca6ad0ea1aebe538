// The README's quick start as written, against a fresh `npm start` on embedded defaults with a
// non-default PORT: the "A first request" block runs in bash in a second process, as a newcomer
// pastes it (key, registration, status, `feed upload`, `sweep run`), finding the service and its
// PostgreSQL through DATA_DIR.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'pc-quick-'));
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(path.join(ROOT, 'hospital-20260301.csv'), { force: true });
});

/** The first ```sh block after a heading of the README. */
function block(heading: string): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const after = readme.slice(readme.indexOf(heading));
  return after.slice(after.indexOf('```sh\n') + 6, after.indexOf('\n```', after.indexOf('```sh\n')));
}

it('runs the quick start as written on a non-default PORT', { timeout: 240_000 }, async () => {
  expect(block('## Quick start')).toMatch(/^npm ci && npm start /);
  const port = await freePort();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !['DATABASE_URL', 'REDIS_URL', 'API_KEY', 'PENSION_URL'].includes(k)) env[k] = v;
  Object.assign(env, { PORT: String(port), DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) });
  const service = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  service.stdout.on('data', (d) => (out += d));
  service.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((res) => service.on('exit', (code) => res(code)));
  try {
    const until = Date.now() + 120_000;
    while (!out.includes('a key:')) {
      if (service.exitCode !== null || Date.now() > until) throw new Error(`npm start did not come up: ${out}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    // The start-up lines name the port it was given.
    for (const page of ['/v1', '/docs', '/staff', '/dashboard']) expect(out).toContain(`http://127.0.0.1:${port}${page}`);
    const { stdout, stderr } = await run('bash', ['-euo', 'pipefail', '-c', block('### A first request')], { cwd: ROOT, env, timeout: 180_000 });
    expect(stdout, stderr).toMatch(/"status":"(certified|due)"/);
    expect(stdout).toMatch(/status completed: lines 1, accepted 1/);
    expect(stdout).toMatch(/^swept 1 pensioners/m);
    // The CLI finds the service's PostgreSQL from DATA_DIR even when told another port.
    const cli = (args: string[], extra: Record<string, string> = {}) =>
      run('npm', ['run', '-s', 'cli', '--', ...args], { cwd: ROOT, env: { ...env, ...extra }, timeout: 60_000 });
    const listed = await cli(['keys', 'list'], { EMBEDDED_PG_PORT: '1' });
    expect(listed.stdout).toMatch(/\tadmin\t/);
    // An unreachable API: one line naming the URL and what to do.
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const refused = await cli(['feed', 'upload', 'package.json', '--source', 'hospital', '--key', 'pk_x', '--url', nobody]).catch((e: { stderr: string }) => e);
    expect((refused as { stderr: string }).stderr.trim()).toBe(
      `error: cannot reach the API at ${nobody} (ECONNREFUSED): start it with \`npm start\`, or give its address with --url or PENSION_URL`,
    );
  } finally {
    process.kill(-service.pid!, 'SIGTERM');
    await exited;
  }
});
