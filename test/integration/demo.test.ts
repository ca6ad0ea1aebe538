// `npm run demo` as a newcomer runs it, against a test database (DATABASE_URL): a small synthetic
// province through the real ingestion and one sweep, after which the manual-check queue, the
// reports and the month's payroll have something in them, and a key of each role is printed.
// `npm start -- --demo` does the same (here with a smaller province).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/context.ts';
import { freePort } from '../helpers/free-port.ts';
import { shanghaiDate } from '../../src/domain/calendar.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** Runs `command args` as a newcomer would, on a database and data folder of its own; checks what it loaded for `pensioners`. */
async function demo(command: string, args: string[], pensioners: number, payroll: boolean) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pc-demo-'));
  const db = await createTestDatabase();
  cleanups.push(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await db.drop();
  });
  const port = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    REDIS_URL: '',
    QUEUE_PREFIX: `d${randomBytes(3).toString('hex')}`,
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  // Its own process group: npm's children (the demo, the service) are signalled with it.
  const child = spawn(command, [...args, '--pensioners', String(pensioners)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const started = Date.now();
  try {
    while (!/Demo province ready/.test(out) || !/Try: curl/.test(out)) {
      if (child.exitCode !== null) throw new Error(`demo exited: ${out}`);
      if (Date.now() - started > 240_000) throw new Error(`demo not ready in 4 min: ${out}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const keys = Object.fromEntries([...out.matchAll(/^ {2}(admin|bureau|staff|feed) +(pk_\S+)/gm)].map((m) => [m[1], m[2]]));
    expect(Object.keys(keys).sort()).toEqual(['admin', 'bureau', 'feed', 'staff']);
    const get = async (p: string, key = keys.admin!) => {
      const r = await fetch(`http://127.0.0.1:${port}${p}`, { headers: { authorization: `Bearer ${key}` } });
      expect(r.status, p).toBe(200);
      return r.json();
    };
    expect((await get('/v1/manual-checks?limit=5', keys.staff)).items.length).toBeGreaterThan(0);
    const report = await get('/v1/reports/summary', keys.bureau);
    expect(report.total).toBe(pensioners);
    expect(report.manualChecks.opened).toBeGreaterThan(0);
    const month = await get(`/v1/payroll/${shanghaiDate(new Date()).slice(0, 7)}`, keys.bureau);
    if (payroll) expect(month.holds.length + month.stops.length).toBeGreaterThan(0);
    console.log(`${command} ${args.join(' ')}: ${pensioners} pensioners ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

it('loads a province whose queue, reports and payroll are not empty, and prints a key of each role', { timeout: 300_000 }, async () => {
  await demo(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/simulate/demo.ts'], 800, true);
});

it('npm start -- --demo does the same', { timeout: 300_000 }, async () => {
  await demo('npm', ['start', '--', '--demo'], 200, false);
});
