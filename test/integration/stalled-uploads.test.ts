// Issue 15, "no client can starve others": stalled or slow batch uploads on a real server must
// not hold database connections, must end in 408 when too slow, are limited per key (429 at
// once), and leave nothing stored. Clients are raw node:http requests that send their headers
// and a first chunk and then read the answer without finishing the body (undici's fetch does
// not even send its headers before the body stream's first chunk).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { freePort } from '../helpers/free-port.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Milliseconds from the request's start to the end of its answer. */
  ms: number;
}

interface OpenUpload {
  answer: Promise<Answer>;
  /** Whether the answer has arrived. */
  answered(): boolean;
  write(data: string): void;
  end(data?: string): void;
  abort(): void;
}

const HEADER = 'national_id,kind,occurred_at,source_ref,identity_check\n';
const line = (ref: string) => `110101195001010011,admission,2026-06-01T09:00:00+08:00,${ref},id_document\n`;

/** Every upload a test opened: aborted before the server closes, so a failed test does not hang the close. */
const opened = new Set<http.ClientRequest>();
const abortAll = () => opened.forEach((r) => r.destroy());

/** A chunked upload whose headers (and `first`, if given) are on the wire at once; the rest comes when the test says. */
function openUpload(port: number, key: string, first?: string, source = 'hospital'): OpenUpload {
  const started = performance.now();
  let done = false;
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: `/v1/feeds/${source}/batches`,
    agent: false,
    headers: { ...auth(key), 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
  });
  opened.add(req);
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        done = true;
        resolve({ status: res.statusCode!, headers: res.headers, body, ms: performance.now() - started });
      });
      res.on('error', () => {}); // the server may close after the answer while the body is unfinished
    });
    // After an answer, a reset of the unfinished body is expected; before one, it is the failure.
    req.on('error', (e) => {
      if (!done) reject(new Error(`no answer, the connection failed after ${Math.round(performance.now() - started)} ms: ${e.message}`));
    });
  });
  answer.catch(() => {});
  req.flushHeaders();
  if (first) req.write(first);
  return {
    answer,
    answered: () => done,
    write: (d) => void req.write(d),
    end: (d) => void req.end(d),
    abort: () => void req.destroy(),
  };
}

function errorCode(a: Answer): string {
  const parsed = JSON.parse(a.body) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof parsed.error?.message).toBe('string');
  return String(parsed.error?.code);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The answer, or a failure once `ms` have passed without one (instead of the test hanging). */
function within(answer: Promise<Answer>, ms: number): Promise<Answer> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

/** Log lines at warn level or above (pino: 40 warn, 50 error). */
const warnings = (t: TestContext) => t.logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 40);

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(50);
  }
}

async function storedBatches(t: TestContext): Promise<{ batches: number; chunks: number }> {
  const r = await t.deps.pool.query('SELECT (SELECT count(*)::int FROM batches) AS batches, (SELECT count(*)::int FROM batch_chunks) AS chunks');
  return r.rows[0] as { batches: number; chunks: number };
}

/** A test context with `config` and its own spool directory, listening on a free port for the describe block it is called in. */
function listening(config: Record<string, unknown>) {
  const server = { t: undefined as unknown as TestContext, port: 0, spool: mkdtempSync(path.join(tmpdir(), 'pc-spool-')) };
  beforeAll(async () => {
    server.t = await createTestContext({ config: { uploadDir: server.spool, ...config } });
    server.port = await freePort();
    await server.t.app.listen({ port: server.port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    abortAll();
    await server.t?.close();
    rmSync(server.spool, { recursive: true, force: true });
  });
  return server;
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe('stalled uploads on a real server (long timeouts, 2 uploads per key)', () => {
  const server = listening({ uploadsPerKey: 2, bodyIdleTimeoutMs: 60_000, requestTimeoutMs: 120_000 });
  const { spool } = server;
  let t: TestContext;
  let port: number;
  let bureau: string;
  let person: string;

  beforeAll(async () => {
    ({ t, port } = server);
    bureau = await t.key('admin');
    person = syntheticId();
    await registerPensioner(t.app, bureau, person);
  });

  async function lookup(): Promise<{ status: number; ms: number }> {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/v1/pensioners/${person}/certification`, { headers: auth(bureau) });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - t0 };
  }

  // Regression: each stalled upload held a pooled connection in an open transaction for its
  // whole body; with the pool (10 here, 30 in production) taken, lookups and /readyz waited
  // for a connection and answered 503 after 5 s.
  it('32 stalled uploads (more than the pool) leave status lookups and /readyz answering fast, and still finish afterwards', async () => {
    const keys = await Promise.all(Array.from({ length: 16 }, (_, i) => t.key('feed', { name: `stall-${i}` })));
    const uploads = keys.flatMap((k, i) => [0, 1].map((j) => openUpload(port, k, HEADER + line(`S-${i}-${j}-a`))));
    await sleep(1000); // every upload is in, its first chunk read, nothing more coming

    const lookups: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await lookup();
      expect(r.status).toBe(200);
      lookups.push(r.ms);
    }
    const ready = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      ready.push({ status: res.status, ms: performance.now() - t0 });
      await res.arrayBuffer();
    }
    const sorted = [...lookups].sort((a, b) => a - b);
    console.log(
      `lookups while 32 uploads stall: p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms; /readyz ${ready.map((r) => `${r.status} in ${r.ms.toFixed(1)} ms`).join(', ')}`,
    );
    expect(ready.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(sorted.at(-1)!).toBeLessThan(1000);
    expect(uploads.filter((u) => u.answered())).toEqual([]); // stalled, not refused

    // Nothing of them is in PostgreSQL while they stall.
    expect(await storedBatches(t)).toEqual({ batches: 0, chunks: 0 });

    uploads.forEach((u, n) => u.end(line(`S-${n}-b`)));
    const answers = await Promise.all(uploads.map((u) => u.answer));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
    expect(new Set(answers.map((a) => (JSON.parse(a.body) as { batchId: string }).batchId)).size).toBe(32);
    expect((await storedBatches(t)).batches).toBe(32);
    await eventually(() => readdirSync(spool).length === 0);
  });

  it('the third concurrent upload of one key gets 429 at once, with Retry-After, while another key still uploads', async () => {
    const [a, b] = [await t.key('feed', { name: 'limit-a' }), await t.key('feed', { name: 'limit-b' })];
    const before = await storedBatches(t);
    const held = [openUpload(port, a, HEADER + line('L-1')), openUpload(port, a, HEADER + line('L-2'))];
    await sleep(300);
    const third = openUpload(port, a, HEADER + line('L-3')); // it never finishes its body
    const refused = await within(third.answer, 3000);
    expect(refused.status).toBe(429);
    expect(errorCode(refused)).toBe('too_many_uploads');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers.connection).toBe('close');
    expect(refused.ms).toBeLessThan(1000);

    const other = openUpload(port, b);
    other.end(HEADER + line('L-other'));
    expect((await other.answer).status).toBe(202);

    // The held uploads are abandoned by their client: nothing of them is stored, and the key's slots come back.
    held.forEach((u) => u.abort());
    await eventually(async () => {
      const again = openUpload(port, a);
      again.end(HEADER + line(`L-again-${Math.random()}`));
      return (await again.answer).status === 202;
    });
    expect((await storedBatches(t)).batches).toBe(before.batches + 2);
    await eventually(() => readdirSync(spool).length === 0);
  });

  it('logged no warning or error for any of it', () => {
    expect(warnings(t)).toEqual([]);
  });
});

describe('too slow bodies (request timeout 2 s, body idle timeout 0.8 s)', () => {
  const server = listening({ requestTimeoutMs: 2000, bodyIdleTimeoutMs: 800 });
  const { spool } = server;
  let t: TestContext;
  let port: number;
  let feed: string;

  beforeAll(async () => {
    ({ t, port } = server);
    feed = await t.key('feed');
  });

  it('a body sent 1 byte every 100 ms gets 408 request_timeout within the request timeout, and nothing is stored', async () => {
    const u = openUpload(port, feed, HEADER);
    const body = line('T-1').repeat(100);
    let i = 0;
    const drip = setInterval(() => u.write(body[i++ % body.length]!), 100);
    try {
      const a = await within(u.answer, 6000);
      expect(a.status).toBe(408);
      expect(errorCode(a)).toBe('request_timeout');
      expect(a.ms).toBeGreaterThan(1800);
      expect(a.ms).toBeLessThan(4000);
    } finally {
      clearInterval(drip);
      u.abort();
    }
    await eventually(() => readdirSync(spool).length === 0);
    expect(await storedBatches(t)).toEqual({ batches: 0, chunks: 0 });
  });

  it('a body that stops gets 408 request_timeout after the idle timeout, and nothing is stored', async () => {
    const u = openUpload(port, feed, HEADER + line('T-2'));
    const a = await within(u.answer, 5000);
    u.abort();
    expect(a.status).toBe(408);
    expect(errorCode(a)).toBe('request_timeout');
    expect(a.ms).toBeGreaterThan(700);
    expect(a.ms).toBeLessThan(1800);
    await eventually(() => readdirSync(spool).length === 0);
    expect(await storedBatches(t)).toEqual({ batches: 0, chunks: 0 });
  });

  it('an upload abandoned by its client mid-body leaves nothing stored', async () => {
    const u = openUpload(port, feed, HEADER + line('T-3'));
    await sleep(200);
    u.abort();
    await sleep(300);
    await eventually(() => readdirSync(spool).length === 0);
    expect(await storedBatches(t)).toEqual({ batches: 0, chunks: 0 });
  });

  it('a whole upload within the timeouts still answers 202', async () => {
    const u = openUpload(port, feed, HEADER);
    u.end(line('T-4'));
    const a = await u.answer;
    expect(a.status).toBe(202);
    expect(await storedBatches(t)).toMatchObject({ batches: 1 });
  });

  it('logged no warning or error for any of it', () => {
    expect(warnings(t)).toEqual([]);
  });
});
