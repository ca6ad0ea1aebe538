// The API (ROLE=api, a real process) SIGKILLed while a batch's body is arriving: the client sees
// its connection broken, nothing of the file is stored, the spooled half is removed by the next
// API process (it is older than any live upload could be), and a retry of the same file is
// accepted once — a second retry names the same batch — and ends stored exactly once.
// Then SIGTERM to that next API during an upload: it finishes the request in flight, tells its
// client to close (Connection: close), closes idle keep-alive connections and exits 0.
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestContext } from '../helpers/context.ts';
import { ids } from '../helpers/ingest.ts';
import { auth } from '../helpers/people.ts';
import { faultSize, openFaultWorld, report, waitUntil, type FaultWorld, type ServiceProcess } from '../helpers/service-process.ts';

const LINES = faultSize(20_000);
const people = ids(Math.max(100, Math.floor(LINES / 10)), '510104', '1945-03-01');
const when = new Date(Date.now() - 86_400_000).toISOString();
const body =
  [
    'national_id,kind,occurred_at,source_ref,identity_check',
    ...Array.from({ length: LINES }, (_, i) => `${people[i % people.length]},admission,${when},A-${i},id_document`),
  ].join('\n') + '\n';

let world: FaultWorld;
let t: TestContext;
let watch: pg.Client;
let api2: ServiceProcess;
const uploadDir = mkdtempSync(path.join(tmpdir(), 'pc-faults-spool-'));
const spooled = () => readdirSync(uploadDir).filter((f) => f.startsWith('upload-'));

beforeAll(async () => {
  world = await openFaultWorld(people, { UPLOAD_DIR: uploadDir });
  ({ t, watch } = world);
}, 60_000);
afterAll(async () => {
  await world?.close();
  rmSync(uploadDir, { recursive: true, force: true });
});

const start = (role: 'api' | 'worker') => world.start(role);
const upload = async (api: ServiceProcess, key: string) => {
  const r = await fetch(`${api.url}/v1/feeds/hospital/batches`, { method: 'POST', headers: { ...auth(key), 'content-type': 'text/csv' }, body });
  return { status: r.status, body: (await r.json()) as { batchId: string } };
};

it('SIGKILL of the API mid-upload: the client sees a broken connection, nothing stored, the spool swept, a retry accepted once', async () => {
  const key = await t.key('feed', { sources: ['hospital'] });
  const [api1, worker] = await Promise.all([start('api'), start('worker')]);

  // Half the body sent, then the API is killed while it spools it.
  const half = Buffer.from(body).subarray(0, Math.floor(body.length / 2));
  const failed = new Promise<Error>((resolve) => {
    const req = http.request(`${api1.url}/v1/feeds/hospital/batches`, {
      method: 'POST',
      headers: { ...auth(key), 'content-type': 'text/csv', 'content-length': Buffer.byteLength(body) },
    });
    req.on('error', resolve);
    req.on('response', (res) => resolve(new Error(`answered ${res.statusCode}`)));
    req.write(half);
  });
  // Its file is written in pieces of 1 MiB: it exists once the body is arriving.
  await waitUntil('the body spooling', async () => spooled().length === 1, 10_000);
  await new Promise((r) => setTimeout(r, 200));
  await api1.stop('SIGKILL');
  const err = await failed;
  expect(err.message).toMatch(/socket hang up|ECONNRESET|EPIPE/);

  const rows = await watch.query(`SELECT (SELECT count(*)::int FROM batches) AS batches, (SELECT count(*)::int FROM batch_chunks) AS chunks`);
  expect(rows.rows[0]).toEqual({ batches: 0, chunks: 0 });
  const left = spooled();
  expect(left).toHaveLength(1); // the dead process's half file; a live upload's is never this old:
  const old = new Date(Date.now() - 3 * 3600_000);
  utimesSync(path.join(uploadDir, left[0]!), old, old);

  // The API is back: the half file is swept, the retried file accepted once.
  const back = Date.now();
  api2 = await start('api');
  expect(spooled()).toEqual([]);
  const first = await upload(api2, key);
  const acceptedMs = Date.now() - back;
  expect(first.status, JSON.stringify(first.body)).toBe(202);
  const again = await upload(api2, key);
  expect(again.status).toBe(202);
  expect(again.body.batchId).toBe(first.body.batchId);
  await waitUntil(
    'the batch merged',
    async () => (await watch.query(`SELECT status FROM batches WHERE id = $1`, [first.body.batchId])).rows[0].status === 'completed',
    120_000,
    () => worker.output().slice(-3000),
  );
  const completedMs = Date.now() - back;
  const events = await watch.query(`SELECT count(*)::int AS n, count(DISTINCT source_ref)::int AS refs FROM events`);
  expect(events.rows[0]).toEqual({ n: LINES, refs: LINES });
  expect((await watch.query(`SELECT count(*)::int AS n FROM batches`)).rows[0].n).toBe(1);
  expect(spooled()).toEqual([]);
  report('api SIGKILL mid-upload', { lines: LINES, bytes: body.length, clientSaw: err.message, retryAcceptedMs: acceptedMs, batchCompletedMs: completedMs });
}, 180_000);

/** One request/answer on a raw keep-alive socket, which stays open afterwards. */
function rawGet(port: number, path: string): Promise<{ socket: net.Socket; head: string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf = '';
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now())));
    socket.on('error', () => {});
    socket.once('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`));
    socket.on('data', (d) => {
      buf += d;
      if (buf.includes('\r\n\r\n') && buf.includes('"ok"')) resolve({ socket, head: buf, closed });
    });
    socket.once('error', reject);
  });
}

it('the API on SIGTERM answers the upload in flight with Connection: close, closes idle keep-alive connections, and exits 0', async () => {
  const api = api2;
  expect(api.alive()).toBe(true);
  const key = await t.key('feed', { sources: ['hospital'] });
  const idle = await rawGet(api.port, '/healthz');
  expect(idle.head.toLowerCase()).toContain('connection: keep-alive');

  // An upload whose body is still arriving when SIGTERM comes.
  const agent = new http.Agent({ keepAlive: true });
  const text =
    'national_id,kind,occurred_at,source_ref,identity_check\n' + people.map((nid, i) => `${nid},discharge,${when},U-${i},id_document`).join('\n') + '\n';
  let inFlight: http.ClientRequest | undefined;
  const answer = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request(
      `${api.url}/v1/feeds/hospital/batches`,
      { method: 'POST', agent, headers: { ...auth(key), 'content-type': 'text/csv', 'content-length': Buffer.byteLength(text) } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.write(text.slice(0, 1000));
    inFlight = req;
  });
  await waitUntil('upload in flight', async () => inFlight !== undefined, 5000);
  await new Promise((r) => setTimeout(r, 200));
  const sent = Date.now();
  api.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  inFlight!.end(text.slice(1000));
  const a = await answer;
  expect(a.status, a.body).toBe(202);
  expect(a.headers.connection).toBe('close');
  const idleClosedMs = (await idle.closed) - sent;
  expect(await api.exited, api.output()).toBe(0);
  const exitMs = Date.now() - sent;
  agent.destroy();
  report('api SIGTERM', { inFlightAnswered: a.status, idleClosedMs, exitMs });
  expect(exitMs).toBeLessThan(10_000);
  const stored = await watch.query(`SELECT status FROM batches WHERE id = $1`, [JSON.parse(a.body).batchId]);
  expect(stored.rows).toHaveLength(1);
}, 60_000);
