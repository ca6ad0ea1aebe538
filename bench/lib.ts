// Shared pieces of the benchmark scripts: a scratch database, synthetic pensioners loaded
// with COPY, child processes for the servers under test, and load from autocannon.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import autocannon from 'autocannon';
import iconv from 'iconv-lite';
import { loadDefaultPolicy, type Policy } from '../src/domain/policy.ts';
import type { QueueName, Queues } from '../src/infra/queue.ts';
import { makeNationalId } from '../src/domain/national-id.ts';
import { sql, type Kysely } from 'kysely';
import { createDatabase, migrateToLatest } from '../src/infra/database.ts';
import type { DB } from '../src/infra/db-types.ts';
import { SERVICE_ROLE, loginAs } from '../src/infra/service-role.ts';
import { createAuthService } from '../src/modules/auth/service.ts';
import { createKeyRepository } from '../src/modules/auth/repository.ts';

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REGIONS = ['510104', '510105', '510106', '510107', '510108', '510112', '510113', '510114', '510115', '510116'];

/** Progress goes to stderr, so that stdout carries the report alone. */
export const log = (s: string) => process.stderr.write(`${s}\n`);

/** A bench database's name as given (`--database`): it goes into CREATE/DROP DATABASE as an identifier. */
export function benchDatabaseName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`--database: ${JSON.stringify(name)} is not a plain database name (a-z, 0-9, _; at most 63)`);
  return name;
}

export function dbUrl(name: string): string {
  benchDatabaseName(name);
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function freshDatabase(name: string): Promise<string> {
  const url = dbUrl(name); // refuses a name that is not plain before it reaches the SQL below
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const d = createDatabase(url, { max: 1 });
  await migrateToLatest(d.db);
  await prepareEvidenceMonths(d.db);
  await d.close();
  return url;
}

/** An existing bench database brought to this code's schema (a kept one may predate a migration). */
export async function existingDatabase(name: string): Promise<string> {
  const url = dbUrl(name);
  const d = createDatabase(url, { max: 1 });
  try {
    await migrateToLatest(d.db);
  } finally {
    await d.close();
  }
  return url;
}

/**
 * The monthly partitions of the evidence for the two years before now, as a database in
 * service has them from its roll-over job (migrations/20261204T040000): without them a bench's
 * back-dated events would all land in the default partition.
 */
export async function prepareEvidenceMonths(db: Kysely<DB>, monthsBack = 24): Promise<void> {
  await sql`SELECT evidence_ensure_month(m::date) FROM generate_series(date_trunc('month', now()) - make_interval(months => ${monthsBack}),
    date_trunc('month', now()), interval '1 month') m`.execute(db);
}

/**
 * A bench database as the service connects to it: as its own role, which the migrations
 * created and which the server must let in as it lets in ADMIN_URL's user (trust locally).
 */
export const serviceUrl = (url: string): string => loginAs(url, SERVICE_ROLE);

/** Drops a bench database; a failure only leaves it behind, so it does not fail the bench. */
export async function dropDatabase(name: string): Promise<void> {
  benchDatabaseName(name);
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c
    .connect()
    .then(() => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    .catch(() => {});
  await c.end().catch(() => {});
}

/**
 * API keys made straight in the database, as an operator's CLI does: the service's key API
 * needs an admin key to begin with. One after the other, in order; returns their secrets.
 */
export async function createKeys(url: string, keys: { role: string; name: string; region?: string }[]): Promise<string[]> {
  const d = createDatabase(url, { max: 1 });
  try {
    const auth = createAuthService(createKeyRepository(d.db), { catalogue: loadDefaultPolicy().catalogue });
    const secrets: string[] = [];
    for (const k of keys) secrets.push((await auth.createKey(k)).secret);
    return secrets;
  } finally {
    await d.close();
  }
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
    const stream = client.query(
      copyFrom('COPY pensioners (national_id, name, region_code, birth_date, benefit_start_date, monthly_benefit_fen, legacy_certified_at) FROM STDIN'),
    );
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
      INSERT INTO certifications (pensioner_id, national_id, region_code, state, status, certified_at, certified_until, due_from, method, score, policy_version)
      SELECT id, national_id, region_code, 'active', 'certified', legacy_certified_at, legacy_certified_at + interval '12 months', legacy_certified_at + interval '10 months', 'legacy', 0, 'legacy'
      FROM pensioners ON CONFLICT DO NOTHING`);
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

/** Node flags the service runs with (Dockerfile, npm start): benches start it the same way. */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=64'];
/**
 * An API-only process (compose.yaml) keeps the 64 MB young generation and gets an old
 * generation of at most 192 MB (about 45 MB live when idle): streaming a 1M-line export a page
 * at a time, it otherwise let promoted garbage pile up to 170 MB of heap before collecting it
 * and passed 300 MB of RSS. V8's default 16 MB young generation would keep it smaller still
 * (221 MB) but cost status lookups about a tenth of their throughput (README, "Payroll runs").
 * BENCH_API_NODE_FLAGS replaces them (to compare settings).
 */
export const API_NODE_FLAGS = (process.env.BENCH_API_NODE_FLAGS ?? '--max-semi-space-size=64 --max-old-space-size=192').split(' ').filter(Boolean);

/** Runs a TypeScript entry point in its own Node process; an env value of `undefined` removes that variable. */
export function startProcess(script: string, env: Record<string, string | undefined>): { child: ChildProcess; exited: Promise<number | null> } {
  const merged: Record<string, string | undefined> = { ...process.env, ...env };
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  const flags = merged.ROLE === 'api' ? API_NODE_FLAGS : SERVICE_NODE_FLAGS;
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', script], { env: merged, stdio: ['ignore', 'inherit', 'inherit'] });
  return { child, exited: new Promise((r) => child.on('exit', r)) };
}

/** Resolves once `url` answers: with a 2xx, or with anything at all when `anyStatus`. */
export async function waitFor(url: string, ms = 60_000, o: { anyStatus?: boolean } = {}): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      if (r.ok || o.anyStatus) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Requests answered in the run. */
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export async function load(opts: autocannon.Options): Promise<LoadResult> {
  const r = await autocannon({ ...opts });
  return {
    requestsPerSecond: Math.round(r.requests.average),
    requests: r.requests.total,
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

/** One round: the bare peer and the service measured one after the other. */
export interface LookupRound {
  bare: LoadResult;
  service: LoadResult;
  /** service req/s ÷ bare req/s */
  ratio: number;
  /** CPU each side spent per lookup; absent when the service's process id was not given. */
  cpu?: { bare: CpuPerRequest; service: CpuPerRequest; ratio: number };
}

/** The round with the median ratio (the figure), and every round when there were several. */
export interface LookupComparison extends LookupRound {
  rounds?: LookupRound[];
}

/** CPU time a server spent per request: its own Node process, and its PostgreSQL backends. */
export interface CpuPerRequest {
  serverMs: number;
  databaseMs: number;
  totalMs: number;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used since it started, from /proc; 0 once it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/**
 * CPU a server and the PostgreSQL backends of its database use over a stretch of load: where a
 * request's cost goes (Node or PostgreSQL), and how the two sides of one run compare. It is not
 * immune to what else runs: on 2026-12-02 the bare peer's lookup cost 0.46 ms of CPU at a load
 * of 8 and 0.90 ms half an hour later under other benches (no steal time: contention for the two
 * cores and their caches), so compare figures from one run, as for requests per second.
 */
export async function cpuOver<T extends { requests: number }>(
  databaseUrl: string,
  serverPid: number,
  run: () => Promise<T>,
): Promise<{ result: T; cpu: CpuPerRequest }> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const backends = async () =>
      (await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows.map(
        (r) => r.pid,
      );
    const before = new Map((await backends()).map((pid) => [pid, cpuSecondsOf(pid)]));
    const server0 = cpuSecondsOf(serverPid);
    const result = await run();
    const server = cpuSecondsOf(serverPid) - server0;
    // A backend that started during the run counts whole; one that ended during it is lost (pools keep theirs).
    const database = (await backends()).reduce((sum, pid) => sum + cpuSecondsOf(pid) - (before.get(pid) ?? 0), 0);
    const per = (s: number) => Number(((s * 1000) / Math.max(1, result.requests)).toFixed(3));
    return { result, cpu: { serverMs: per(server), databaseMs: per(database), totalMs: per(server + database) } };
  } finally {
    await c.end();
  }
}

type Measured = { result: LoadResult; cpu: CpuPerRequest | undefined };

function roundOf(bare: Measured, service: Measured): LookupRound {
  const ratio = Number((service.result.requestsPerSecond / bare.result.requestsPerSecond).toFixed(3));
  const cpu =
    bare.cpu && service.cpu ? { bare: bare.cpu, service: service.cpu, ratio: Number((bare.cpu.totalMs / service.cpu.totalMs).toFixed(3)) } : undefined;
  return { bare: bare.result, service: service.result, ratio, ...(cpu ? { cpu } : {}) };
}

/**
 * Status lookups through the service (GET /v1/pensioners/{id}/certification, auth and audit
 * on) against the bare Fastify + pg primary-key lookup of bench/bare-server.ts on the same
 * database, one after the other, after a warm-up of both. `pick` draws a national ID. With
 * `rounds` above 1 the pair is measured that many times, the order swapped each round, and the
 * round with the median ratio is the figure: one round's ratio moved 0.49–0.66 between runs of
 * the same code on 2026-12-03, a process sometimes running slower throughout.
 */
export async function compareLookups(o: {
  databaseUrl: string;
  serviceBase: string;
  secret: string;
  pick: () => string;
  seconds: number;
  connections: number;
  barePort?: number;
  /** The service's process: given, the CPU each side spends per lookup is measured too. */
  servicePid?: number;
  /** How many times the pair is measured (default 1). */
  rounds?: number;
  log?: (s: string) => void;
}): Promise<LookupComparison> {
  const log = o.log ?? (() => {});
  const barePort = o.barePort ?? 3102;
  const bareBase = `http://127.0.0.1:${barePort}`;
  const bare = startProcess('bench/bare-server.ts', { DATABASE_URL: o.databaseUrl, PORT: String(barePort) });
  const lookup = (base: string, path: (id: string) => string, headers: Record<string, string> = {}, seconds = o.seconds) =>
    load({
      url: base,
      connections: o.connections,
      duration: seconds,
      headers,
      requests: [{ setupRequest: (req: any) => ({ ...req, path: path(o.pick()) }) }],
    });
  try {
    await waitFor(`${bareBase}/p/x`, 60_000, { anyStatus: true });
    // Both warmed alike, so that neither side's figure carries its warm-up (JIT, the young
    // generation growing to its size): 5 s was not enough for the service, whose first
    // measured round ran 0.49 of bare against 0.58–0.61 in the next two (2026-12-03).
    const warmUp = o.servicePid === undefined ? Math.min(5, o.seconds) : o.seconds;
    log(`lookups: warming up, ${warmUp} s each…`);
    await lookup(bareBase, (id) => `/p/${id}`, {}, warmUp).catch(() => {});
    const servicePath = (id: string) => `/v1/pensioners/${id}/certification`;
    const serviceAuth = { authorization: `Bearer ${o.secret}` };
    if (o.servicePid !== undefined) await lookup(o.serviceBase, servicePath, serviceAuth, warmUp).catch(() => {});
    const measure = (pid: number | undefined, run: () => Promise<LoadResult>) =>
      o.servicePid === undefined || pid === undefined ? run().then((result) => ({ result, cpu: undefined })) : cpuOver(o.databaseUrl, pid, run);
    const measureBare = () => {
      log(`lookups: bare Fastify + pg, ${o.seconds} s…`);
      return measure(bare.child.pid, () => lookup(bareBase, (id) => `/p/${id}`));
    };
    const measureService = () => {
      log(`lookups: service GET /v1/pensioners/{id}/certification, ${o.seconds} s…`);
      return measure(o.servicePid, () => lookup(o.serviceBase, servicePath, serviceAuth));
    };
    const roundCount = o.rounds ?? 1;
    const rounds: LookupRound[] = [];
    for (let r = 0; r < roundCount; r++) {
      // Swapped each round, so that neither side always runs first.
      const bareFirst = r % 2 === 0 ? await measureBare() : undefined;
      const serviceRun = await measureService();
      rounds.push(roundOf(bareFirst ?? (await measureBare()), serviceRun));
      if (roundCount > 1) log(`  round ${r + 1}: ${rounds[r]!.ratio} of bare`);
    }
    const median = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor((rounds.length - 1) / 2)]!;
    return rounds.length > 1 ? { ...median, rounds } : median;
  } finally {
    bare.child.kill('SIGTERM');
    await bare.exited;
  }
}

export interface CeilingFile {
  /** Path of the file (absolute, or relative to the process's directory). */
  path: string;
  source: string;
  contentType: string;
  charset: string;
}

export interface CeilingResult {
  lines: number;
  stored: number;
  copySeconds: number;
  mergeSeconds: number;
  seconds: number;
  eventsPerSecond: number;
}

const CAMEL: Record<string, string> = {
  national_id: 'nationalId',
  kind: 'kind',
  occurred_at: 'occurredAt',
  source_ref: 'sourceRef',
  identity_check: 'identityCheck',
  location: 'location',
  death_date: 'deathDate',
};

function csvHeader(path: string, charset: string): string[] {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = iconv.decode(buf.subarray(0, n), charset);
    return text
      .split(/\r?\n/, 1)[0]!
      .split(',')
      .map((h) => h.trim());
  } finally {
    closeSync(fd);
  }
}

/**
 * The raw ceiling of ingestion on a set of department files: every line COPYed as it is into
 * an unlogged staging table per (source, layout) — PostgreSQL does the decoding, GBK included
 * — then one set-based INSERT … SELECT … ON CONFLICT DO NOTHING per table that parses the
 * fields in SQL, keeps well-formed lines of known kinds and registered pensioners, and drops
 * future-dated ones. No rescoring, no progress, no per-line rejects: the floor of the work an
 * ingestion path must do. Rows go into `events`; the caller truncates it afterwards if needed.
 */
export async function rawCopyMergeCeiling(
  url: string,
  files: CeilingFile[],
  o: { now: Date; kinds: Record<string, string[]>; identityChecks: string[]; lines?: number; onFile?: (done: number) => void },
): Promise<CeilingResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const groups = new Map<string, { table: string; source: string; header: string[] | null }>();
  const tGroups: string[] = [];
  try {
    const t0 = Date.now();
    let done = 0;
    for (const f of files) {
      const csv = !/ndjson/.test(f.contentType);
      const header = csv ? csvHeader(f.path, f.charset) : null;
      const key = `${f.source}|${header ? header.join(',') : 'ndjson'}`;
      let g = groups.get(key);
      if (!g) {
        g = { table: `ceiling_stage_${groups.size}`, source: f.source, header };
        groups.set(key, g);
        tGroups.push(g.table);
        await client.query(`DROP TABLE IF EXISTS ${g.table}; CREATE UNLOGGED TABLE ${g.table} (line text)`);
      }
      const encoding = /gbk/i.test(f.charset) ? 'GBK' : 'UTF8';
      await pipeline(
        createReadStream(f.path),
        client.query(
          copyFrom(`COPY ${g.table} (line) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e', HEADER ${csv}, ENCODING '${encoding}')`),
        ),
      );
      o.onFile?.(++done);
    }
    const tCopy = Date.now();
    let stored = 0;
    const TS = `'^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?([+-]\\d\\d:\\d\\d|Z)$'`;
    for (const g of groups.values()) {
      const field = (name: string) => {
        if (!g.header) return `(j ->> '${CAMEL[name]}')`;
        const pos = g.header.indexOf(name);
        return pos < 0 ? 'NULL::text' : `nullif(split_part(line, ',', ${pos + 1}), '')`;
      };
      const from = g.header ? g.table : `(SELECT CASE WHEN line LIKE '%}' THEN line::jsonb END AS j FROM ${g.table}) js`;
      const r = await client.query(
        `WITH m AS (
         SELECT p.id AS pensioner_id, s.kind, s.source_ref, s.occurred_at, s.identity_check, s.location, s.death_date
         FROM (SELECT ${field('national_id')} AS national_id, ${field('kind')} AS kind, ${field('source_ref')} AS source_ref,
                      CASE WHEN ${field('occurred_at')} ~ ${TS} THEN (${field('occurred_at')})::timestamptz END AS occurred_at,
                      ${field('identity_check')} AS identity_check,
                      CASE WHEN ${field('location')} ~ '^\\d{6}$' THEN ${field('location')} END AS location,
                      CASE WHEN ${field('death_date')} ~ '^\\d{4}-\\d\\d-\\d\\d$' THEN (${field('death_date')})::date END AS death_date
               FROM ${from}) s
         JOIN pensioners p ON p.national_id = upper(s.national_id)
         WHERE s.kind = ANY($2) AND s.identity_check = ANY($3) AND s.source_ref IS NOT NULL AND s.occurred_at <= $4),
         -- Exactly once as the service stores it (migrations/20261204T040000).
         fresh AS (INSERT INTO event_identities (source, source_ref) SELECT DISTINCT $1::text, source_ref FROM m ORDER BY 2 ON CONFLICT DO NOTHING RETURNING source_ref)
         INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, location, death_date, received_at, received_via)
         SELECT DISTINCT ON (source_ref) m.pensioner_id, $1::text, m.kind, source_ref, m.occurred_at, m.identity_check, m.location, m.death_date, now(), 'import:bench'
         FROM m JOIN fresh USING (source_ref) ORDER BY source_ref`,
        [g.source, o.kinds[g.source] ?? [], o.identityChecks, o.now],
      );
      stored += r.rowCount ?? 0;
    }
    const tEnd = Date.now();
    const lines = o.lines ?? stored;
    return {
      lines,
      stored,
      copySeconds: (tCopy - t0) / 1000,
      mergeSeconds: (tEnd - tCopy) / 1000,
      seconds: (tEnd - t0) / 1000,
      eventsPerSecond: Math.round(stored / ((tEnd - t0) / 1000)),
    };
  } finally {
    for (const t of tGroups) await client.query(`DROP TABLE IF EXISTS ${t}`).catch(() => {});
    await client.end();
  }
}

/**
 * The set-based SQL peer of a full rescoring (from bench/score.ts): the same noisy-OR score
 * (best decayed weight per source group, identity caps, mortality decay by age band) and the
 * latest auto-certification date, for every pensioner with events, in one statement; none of
 * the lifecycle (deaths, reviews, custody), tiers, checks or reminders. The floor, not a rival.
 */
export async function sqlRecompute(client: pg.ClientBase, policy: Policy, now: Date): Promise<{ seconds: number; pensioners: number }> {
  const weights = [...policy.catalogue].flatMap(([s, spec]) => [...spec.kinds].map(([k, { weight }]) => `('${s}','${k}',${weight})`)).join(',');
  const caps = Object.entries(policy.identityCaps)
    .map(([k, w]) => `('${k}',${w})`)
    .join(',');
  const t0 = Date.now();
  await client.query('DROP TABLE IF EXISTS sql_scores');
  await client.query(
    `CREATE UNLOGGED TABLE sql_scores AS
  WITH w(source, kind, weight) AS (VALUES ${weights}),
       cap(identity_check, cap) AS (VALUES ${caps}),
       ev AS (
         SELECT e.pensioner_id,
                CASE WHEN e.identity_check IN ('card_pin','none') THEN 'card' ELSE e.source END AS grp,
                e.occurred_at, e.identity_check,
                least(w.weight, cap.cap) * exp(-(CASE WHEN date_part('year', age(p.birth_date)) < 70 THEN 0.015
                       WHEN date_part('year', age(p.birth_date)) < 80 THEN 0.045 WHEN date_part('year', age(p.birth_date)) < 90 THEN 0.11 ELSE 0.25 END)
                       * extract(epoch FROM ($1::timestamptz - e.occurred_at)) / 31557600) AS decayed
         FROM events e JOIN pensioners p ON p.id = e.pensioner_id
         JOIN w ON w.source = e.source AND w.kind = e.kind JOIN cap ON cap.identity_check = e.identity_check),
       best AS (SELECT pensioner_id, grp, max(decayed) AS d, max(occurred_at) FILTER (WHERE identity_check NOT IN ('card_pin','none')) AS dating
                FROM ev GROUP BY pensioner_id, grp)
  SELECT pensioner_id, 1 - exp(sum(ln(greatest(1e-12, 1 - d)))) AS score, max(dating) AS dated
  FROM best GROUP BY pensioner_id`,
    [now.toISOString()],
  );
  const seconds = (Date.now() - t0) / 1000;
  const n = await client.query('SELECT count(*)::int AS n FROM sql_scores');
  await client.query('DROP TABLE sql_scores');
  return { seconds, pensioners: n.rows[0].n };
}

/**
 * Jobs still to run on a queue: waiting, active, prioritized, and delayed ones other than the
 * next occurrence a job scheduler keeps there (those are never "done").
 */
export async function pendingJobs(queues: Queues, name: QueueName): Promise<number> {
  const q = queues.get(name);
  const c = await q.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children', 'delayed');
  let n = (c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) + (c['waiting-children'] ?? 0);
  if (c.delayed) {
    const delayed = await q.getDelayed(0, 10_000);
    n += delayed.filter((j) => !j.repeatJobKey && !String(j.id).startsWith('repeat:')).length;
  }
  return n;
}

/** Waits until none of the named queues has a job left to run (see pendingJobs). */
export async function waitForQueuesIdle(queues: Queues, names: QueueName[], o: { pollMs?: number; onPoll?: (pending: number) => void } = {}): Promise<void> {
  for (;;) {
    let pending = 0;
    for (const n of names) pending += await pendingJobs(queues, n);
    o.onPoll?.(pending);
    if (pending === 0) return;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
  }
}

/**
 * The development server runs with autovacuum off; a production server does not, and an
 * index-only read of events (the covering index rescoring uses) depends on it. While a bench
 * loads data this stands in for autovacuum with PostgreSQL's defaults: a table is vacuumed
 * once rows inserted or dead since its last vacuum pass 1000 + 20% of its rows, analysed at
 * 50 + 10%, and vacuum is throttled as autovacuum's is (cost limit 200, delay 2 ms).
 */
export function autovacuumStandIn(url: string, o: { everyMs?: number } = {}) {
  const c = new pg.Client({ connectionString: url, application_name: 'bench-autovacuum' });
  let stopped = false;
  let vacuums = 0;
  const run = (async () => {
    await c.connect();
    await c.query('SET vacuum_cost_limit = 200; SET vacuum_cost_delay = 2');
    while (!stopped) {
      const { rows } = await c.query<{ relname: string; live: string; inserted: string; dead: string; modified: string }>(
        `SELECT relname, n_live_tup AS live, n_ins_since_vacuum AS inserted, n_dead_tup AS dead, n_mod_since_analyze AS modified
         FROM pg_stat_user_tables WHERE schemaname = 'public'`,
      );
      for (const r of rows) {
        if (stopped) break;
        const live = Number(r.live);
        const table = `"${r.relname.replaceAll('"', '""')}"`;
        if (Number(r.inserted) > 1000 + 0.2 * live || Number(r.dead) > 50 + 0.2 * live) {
          await c.query(`VACUUM ANALYZE ${table}`);
          vacuums++;
        } else if (Number(r.modified) > 50 + 0.1 * live) await c.query(`ANALYZE ${table}`);
      }
      await new Promise((r) => setTimeout(r, o.everyMs ?? 5000));
    }
  })();
  return {
    get vacuums() {
      return vacuums;
    },
    async stop() {
      stopped = true;
      await run.catch(() => {});
      await c.end().catch(() => {});
    },
  };
}
