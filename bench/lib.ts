// Shared pieces of the benchmark scripts: a scratch database, synthetic pensioners loaded
// with COPY, child processes for the servers under test, and load from autocannon.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import autocannon from 'autocannon';
import { makeNationalId } from '../src/domain/national-id.ts';
import { createDatabase, migrateToLatest } from '../src/infra/database.ts';

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REGIONS = ['510104', '510105', '510106', '510107', '510108', '510112', '510113', '510114', '510115', '510116'];

export function dbUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function freshDatabase(name: string): Promise<string> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = dbUrl(name);
  const d = createDatabase(url, { max: 1 });
  await migrateToLatest(d.db);
  await d.close();
  return url;
}

/** The i-th synthetic pensioner's national ID: deterministic, valid check digit, unique for i < 10M. */
export function benchNationalId(i: number): string {
  const region = REGIONS[i % REGIONS.length]!;
  const k = Math.floor(i / REGIONS.length);
  const day = k % 28;
  const month = Math.floor(k / 28) % 12;
  const year = 1921 + (Math.floor(k / 336) % 45);
  const seq = Math.floor(k / (336 * 45));
  return makeNationalId(region, `${year}-${String(month + 1).padStart(2, '0')}-${String(day + 1).padStart(2, '0')}`, seq);
}

/** Loads N pensioners with COPY and their legacy certifications with one statement. */
export async function loadPensioners(url: string, n: number, onProgress?: (done: number) => void): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('ALTER TABLE pensioners SET UNLOGGED').catch(() => {});
    const stream = client.query(copyFrom('COPY pensioners (national_id, name, region_code, birth_date, benefit_start_date, monthly_benefit_fen, legacy_certified_at) FROM STDIN'));
    let i = 0;
    const rows = new Readable({
      read() {
        let chunk = '';
        for (let j = 0; j < 5000 && i < n; j++, i++) {
          const id = benchNationalId(i);
          const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
          const legacy = `2025-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
          chunk += `${id}\t测试${i % 1000}\t${id.slice(0, 6)}\t${birth}\t2015-01-01\t${200000 + (i % 5000)}\t${legacy}\n`;
        }
        if (onProgress && i % 100_000 === 0) onProgress(i);
        this.push(chunk.length ? chunk : null);
      },
    });
    await pipeline(rows, stream);
    await client.query('ALTER TABLE pensioners SET LOGGED').catch(() => {});
    await client.query(`
      INSERT INTO certifications (pensioner_id, region_code, state, status, certified_at, certified_until, due_from, method, score, policy_version)
      SELECT id, region_code, 'active', 'certified', legacy_certified_at, legacy_certified_at + interval '12 months', legacy_certified_at + interval '10 months', 'legacy', 0, 'legacy'
      FROM pensioners ON CONFLICT DO NOTHING`);
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

export function startProcess(script: string, env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  return { child, exited: new Promise((r) => child.on('exit', r)) };
}

export async function waitFor(url: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export async function load(opts: autocannon.Options): Promise<LoadResult> {
  const r = await autocannon({ ...opts });
  return {
    requestsPerSecond: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
