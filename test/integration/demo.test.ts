// `npm run demo` as a newcomer runs it, against a test database (DATABASE_URL): a small synthetic
// province through the real ingestion and one sweep, after which the manual-check queue, the
// reports and the month's payroll have something in them, and a key of each role is printed.
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
const dataDir = mkdtempSync(path.join(tmpdir(), 'pc-demo-'));
const db = await createTestDatabase();
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await db.drop();
});

it('loads a province whose queue, reports and payroll are not empty, and prints a key of each role', { timeout: 300_000 }, async () => {
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
  const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/simulate/demo.ts', '--pensioners', '800'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    expect(report.total).toBe(800);
    expect(report.manualChecks.opened).toBeGreaterThan(0);
    const payroll = await get(`/v1/payroll/${shanghaiDate(new Date()).slice(0, 7)}`, keys.bureau);
    expect(payroll.holds.length + payroll.stops.length).toBeGreaterThan(0);
    console.log(`demo ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});
