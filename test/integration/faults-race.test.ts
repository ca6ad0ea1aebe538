// Two APIs and two workers (real processes) racing on overlapping writes: the same events pushed
// through both APIs in opposite orders by several clients at once, while files holding them
// (one of them uploaded through both APIs at once) are merged by both workers. No answer is a
// 5xx, no job fails (a deadlock would be retried inside the service, never surfaced), every
// event is stored exactly once and everyone touched is rescored.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestContext } from '../helpers/context.ts';
import { ids } from '../helpers/ingest.ts';
import { auth } from '../helpers/people.ts';
import { faultSize, openFaultWorld, report, waitUntil, type FaultWorld, type ServiceProcess } from '../helpers/service-process.ts';

const EVENTS = Math.floor(faultSize(20_000) / 5);
const people = ids(Math.max(100, Math.floor(EVENTS / 4)), '510104', '1946-04-01');
const when = new Date(Date.now() - 86_400_000).toISOString();
const events = Array.from({ length: EVENTS }, (_, i) => ({
  nationalId: people[(i * 7) % people.length]!,
  source: 'hospital',
  kind: 'admission',
  occurredAt: when,
  sourceRef: `R-${i}`,
  identityCheck: 'id_document',
}));
type Ev = (typeof events)[number];
const csv = (evs: Ev[]) =>
  'national_id,kind,occurred_at,source_ref,identity_check\n' +
  evs.map((e) => `${e.nationalId},${e.kind},${e.occurredAt},${e.sourceRef},${e.identityCheck}`).join('\n') +
  '\n';

let world: FaultWorld;
let t: TestContext;
let watch: pg.Client;

beforeAll(async () => {
  world = await openFaultWorld(people, { INGEST_CHUNK_LINES: '500', LOG_LEVEL: 'warn' });
  ({ t, watch } = world);
}, 60_000);
afterAll(() => world?.close());

/** Sends `pages` through `api`, `clients` requests at a time; the statuses answered. */
async function pushAll(api: ServiceProcess, key: string, pages: Ev[][], clients: number): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < pages.length) {
        const page = pages[next++]!;
        const r = await fetch(`${api.url}/v1/events`, {
          method: 'POST',
          headers: { ...auth(key), 'content-type': 'application/json' },
          body: JSON.stringify(page),
        });
        statuses.push(r.status);
        await r.arrayBuffer();
      }
    }),
  );
  return statuses;
}

function pages(evs: Ev[], size: number): Ev[][] {
  const out: Ev[][] = [];
  for (let i = 0; i < evs.length; i += size) out.push(evs.slice(i, i + size));
  return out;
}

it('two APIs and two workers on overlapping pushes and files: no 5xx, no failed job, each event once, everyone rescored', async () => {
  const [a1, a2, w1, w2] = await Promise.all([world.start('api'), world.start('api'), world.start('worker'), world.start('worker')]);
  const key = await t.key('feed', { sources: ['hospital'] });
  const deadlocksBefore = (await watch.query(`SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()`)).rows[0].n;

  const half = Math.floor(EVENTS / 2);
  const fileA = csv(events.slice(0, half + Math.floor(EVENTS / 4)));
  const fileB = csv(events.slice(Math.floor(EVENTS / 4)).reverse());
  const upload = (api: ServiceProcess, text: string) =>
    fetch(`${api.url}/v1/feeds/hospital/batches`, { method: 'POST', headers: { ...auth(key), 'content-type': 'text/csv' }, body: text }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as { batchId: string },
    }));
  const t0 = Date.now();
  const [p1, p2, p3, u1, u2, u3] = await Promise.all([
    pushAll(a1, key, pages(events, 250), 3),
    pushAll(a2, key, pages([...events].reverse(), 250), 3),
    pushAll(
      a2,
      key,
      pages(
        events.filter((_, i) => i % 3 === 0),
        100,
      ),
      2,
    ),
    upload(a1, fileA),
    upload(a2, fileA), // the same file through the other API at once: one batch
    upload(a1, fileB),
  ]);
  const answeredMs = Date.now() - t0;
  const statuses = [...p1, ...p2, ...p3, u1.status, u2.status, u3.status];
  expect(statuses.filter((s) => s !== 202)).toEqual([]);
  expect(u2.body.batchId).toBe(u1.body.batchId);

  const settledMs = await waitUntil(
    'everything merged and everyone rescored',
    async () => {
      const r = await watch.query(
        `SELECT (SELECT count(*)::int FROM batches WHERE status <> 'completed') AS open,
           (SELECT count(*)::int FROM rescore_pending) AS pending,
           (SELECT count(*)::int FROM certifications c JOIN pensioners p ON p.id = c.pensioner_id
             WHERE p.national_id = any($1::text[]) AND json_array_length(c.evidence) > 0) AS rescored`,
        [people],
      );
      const s = r.rows[0];
      return s.open === 0 && s.pending === 0 && s.rescored === people.length;
    },
    120_000,
    () => w1.output().slice(-2000) + w2.output().slice(-2000),
  );
  const stored = await watch.query(`SELECT count(*)::int AS n, count(DISTINCT source_ref)::int AS refs FROM events`);
  expect(stored.rows[0]).toEqual({ n: EVENTS, refs: EVENTS });
  expect((await watch.query(`SELECT count(*)::int AS n FROM batches`)).rows[0].n).toBe(2);
  for (const p of [a1, a2, w1, w2]) {
    expect(p.alive()).toBe(true);
    expect(p.output()).not.toMatch(/job failed|deadlock|"level":50/);
  }
  const deadlocks = (await watch.query(`SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()`)).rows[0].n - deadlocksBefore;
  report('two APIs, two workers racing', {
    events: EVENTS,
    pushes: p1.length + p2.length + p3.length,
    uploads: 3,
    answeredMs,
    storedAndRescoredAfterMs: settledMs,
    deadlocksRetriedInside: deadlocks,
  });
}, 180_000);
