// npm run demo [-- --pensioners 3000 --seed 1]: the service (`npm start`, same environment) with a
// small synthetic province loaded into its database, so that a newcomer sees a full manual-check
// queue, reports and a payroll within a minute or two. The province is simulated for the year up
// to yesterday, registered through POST /v1/pensioners/bulk, its department files uploaded
// through POST /v1/feeds/{source}/batches (the real ingestion, a month of a source per upload),
// then one daily sweep runs; a key of each role is printed last. A database that already holds
// pensioners is not loaded again (new keys are still printed).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config.ts';
import { runningServiceUrl } from '../infra/service-address.ts';
import { addDays, shanghaiDate } from '../domain/calendar.ts';
import { startRuntime, withDatabase, keyServiceFor } from '../runtime.ts';
import { directorySink, simulateProvince, type Manifest, type ManifestFile } from './simulate.ts';

const say = (line: string) => process.stderr.write(`demo: ${line}\n`);

function startService(): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=64', '--import', 'tsx', path.join(import.meta.dirname, '..', `main${path.extname(import.meta.filename)}`)],
    {
      stdio: 'inherit',
      env: process.env,
    },
  );
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => child.kill(s));
  child.on('exit', (code) => process.exit(code ?? 1));
  return child;
}

/** The service's URL once it listens (it writes it under DATA_DIR). */
async function serviceUrl(dataDir: string): Promise<string> {
  for (let i = 0; i < 1200; i++) {
    const url = runningServiceUrl(dataDir);
    if (
      url &&
      (await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      return url;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the service did not start within 5 minutes');
}

async function call<T>(url: string, key: string, init: RequestInit = {}): Promise<T> {
  const r = await fetch(url, {
    ...init,
    headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) },
    ...({ duplex: 'half' } as object),
  });
  const body = (await r.json()) as T;
  if (r.status >= 300) throw new Error(`${init.method ?? 'GET'} ${url}: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

/** One upload per source, month and encoding: the files' lines joined, a CSV's header once. */
function monthlyUploads(dir: string, files: ManifestFile[]): { f: ManifestFile; body: Buffer }[] {
  const groups = new Map<string, ManifestFile[]>();
  for (const f of files) {
    const k = `${f.source}|${f.contentType}|${f.charset}|${f.arrivesOn.slice(0, 7)}`;
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  return [...groups.values()].map((group) => {
    const parts = group.map((f, i) => {
      const bytes = readFileSync(path.join(dir, f.path));
      const withoutHeader = f.contentType === 'text/csv' && i > 0 ? bytes.subarray(bytes.indexOf(0x0a) + 1) : bytes;
      return withoutHeader.length && withoutHeader.at(-1) !== 0x0a ? Buffer.concat([withoutHeader, Buffer.from('\n')]) : withoutHeader;
    });
    return { f: group[0]!, body: Buffer.concat(parts) };
  });
}

async function load(base: string, admin: string, o: { pensioners: number; seed: number }): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pension-demo-'));
  try {
    const today = shanghaiDate(new Date());
    say(`simulating ${o.pensioners} pensioners and a year of department files (to ${addDays(today, -1)})…`);
    const { manifest } = await simulateProvince({ pensioners: o.pensioners, seed: o.seed, start: addDays(today, -366), days: 365 }, directorySink(dir));
    await register(base, admin, dir, manifest);
    // Files in a department's own columns need the simulation's interface mappings
    // (mappings.json) in the service's MAPPINGS_FILE, which a running demo service does not have.
    const uploads = monthlyUploads(
      dir,
      manifest.files.filter((f) => f.mapping === undefined),
    );
    say(`uploading ${manifest.files.length} department files as ${uploads.length} monthly batches…`);
    const ids: string[] = [];
    for (const { f, body } of uploads) {
      const a = await call<{ batchId: string }>(`${base}/v1/feeds/${f.source}/batches`, admin, {
        method: 'POST',
        headers: { 'content-type': `${f.contentType}; charset=${f.charset}` },
        body: new Uint8Array(body),
      });
      ids.push(a.batchId);
    }
    let accepted = 0;
    for (const id of ids) {
      for (;;) {
        const b = await call<{ status: string; accepted: number }>(`${base}/v1/feeds/batches/${id}`, admin);
        if (b.status === 'completed' || b.status === 'failed') {
          accepted += b.accepted;
          break;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    say(`ingested ${accepted} events`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function register(base: string, admin: string, dir: string, m: Manifest): Promise<void> {
  const lines = readFileSync(path.join(dir, m.registry.path), 'utf8');
  const a = await call<{ created: number; updated: number }>(`${base}/v1/pensioners/bulk`, admin, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: lines,
  });
  say(`registered ${a.created + a.updated} pensioners`);
}

/** Rescoring queued by the batches has drained, then one daily sweep, in this process. */
async function sweep(): Promise<void> {
  const runtime = await startRuntime(loadConfig(), { migrate: false });
  try {
    for (;;) {
      const d = (await runtime.queues.depths()) as Record<string, Record<string, number>>;
      // ingest-batch always holds its delayed schedule; rescoring may be delayed (BATCH_RESCORE_DELAY_MS).
      const count = (q: string, states: string[]) => states.reduce((k, st) => k + (d[q]?.[st] ?? 0), 0);
      const left = count('ingest-batch', ['waiting', 'active']) + count('rescore', ['waiting', 'active', 'delayed', 'prioritized']);
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const r = await runtime.deps.sweep.runAll(runtime.deps.clock.now());
    say(`daily sweep: ${r.pensioners} pensioners, ${r.checks} manual checks open`);
  } finally {
    await runtime.close();
  }
}

const KEYS = [
  { role: 'admin', name: 'demo admin', region: null, sources: null },
  { role: 'bureau', name: 'demo bureau (province)', region: null, sources: null },
  { role: 'staff', name: 'demo staff', region: null as string | null, sources: null },
  { role: 'feed', name: 'demo feed', region: null, sources: ['hospital', 'travel', 'bank', 'death', 'judicial'] },
];

async function keys(staffRegion: string | null) {
  return withDatabase(async (d) => {
    const service = await keyServiceFor(d.db);
    const out: { role: string; secret: string; region: string | null }[] = [];
    for (const k of KEYS) {
      const region = k.role === 'staff' ? staffRegion : k.region;
      const { secret } = await service.createKey({ role: k.role, name: k.name, region, sources: k.sources });
      out.push({ role: k.role, secret, region });
    }
    return out;
  });
}

function integer(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 10 || Number(v) > 200_000) throw new InvalidArgumentError('a whole number from 10 to 200000');
  return Number(v);
}

async function main() {
  const o = new Command('demo')
    .option('--pensioners <n>', 'pensioners in the synthetic province', integer, 3000)
    .option('--seed <n>', 'random seed', integer, 1)
    .parse(process.argv)
    .opts<{ pensioners: number; seed: number }>();
  const config = loadConfig();
  const t = Date.now();
  startService();
  const base = await serviceUrl(config.dataDir);
  const [admin] = await keys(null);
  const some = await call<{ items: unknown[] }>(`${base}/v1/certifications?limit=1`, admin!.secret);
  if (some.items.length) say('the database already holds pensioners: not loaded again');
  else {
    await load(base, admin!.secret, o);
    await sweep();
  }
  const checks = await call<{ items: { regionCode: string }[] }>(`${base}/v1/manual-checks?limit=1`, admin!.secret);
  const made = await keys(checks.items[0]?.regionCode ?? null);
  process.stdout.write(
    [
      '',
      `Demo province ready in ${((Date.now() - t) / 1000).toFixed(0)} s at ${base} (docs ${base}/docs, staff page ${base}/staff, dashboard ${base}/dashboard). Keys:`,
      ...made.map((k) => `  ${k.role.padEnd(7)} ${k.secret}${k.region ? `  (region ${k.region})` : ''}`),
      `Try: curl -s ${base}/v1/manual-checks?limit=5 -H "Authorization: Bearer ${made[0]!.secret}"`,
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
