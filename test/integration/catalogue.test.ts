// A source added by a policy file alone: the service started with POLICY_FILE naming a policy
// that adds a post office accepts its pushes, batch files (plain, and GBK in the post office's
// own columns through an interface mapping), pulls from its interface (msw plays the platform)
// and feed keys, certifies from it, reports it and shows it to staff; what the policy does not
// name is refused as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { Worker } from 'bullmq';
import iconv from 'iconv-lite';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import defaultJson from '../../policy/default.json' with { type: 'json' };
import { loadConfig } from '../../src/config.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { buildApp } from '../../src/app.ts';
import { fixedClock } from '../../src/infra/clock.ts';
import { createIngestBatchWorker } from '../../jobs/ingest-batch.ts';
import { createRescoreWorker } from '../../jobs/rescore.ts';
import { createTestDatabase, dropRedisKeys } from '../helpers/context.ts';
import { REDIS_URL } from '../helpers/env.ts';
import { auth } from '../helpers/people.ts';
import { ids, register, waitForBatch } from '../helpers/ingest.ts';
import { until } from '../helpers/until.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

const dir = mkdtempSync(path.join(tmpdir(), 'policy-catalogue-'));
const policyFile = path.join(dir, 'policy.json');
const policy = structuredClone(defaultJson) as Record<string, any>;
policy.version = '2099.1';
policy.sources.post_office = {
  department: '邮政 pension counters',
  kinds: { counter_collection: { weight: 0.92, tier: 'strong' }, parcel_pickup: { weight: 0.6, tier: 'reference' } },
};
writeFileSync(policyFile, JSON.stringify(policy));
// Start-up checks these against the policy in force: under the default policy they would stop the start.
const mappingsFile = path.join(dir, 'mappings.json');
writeFileSync(
  mappingsFile,
  JSON.stringify([
    {
      name: 'post-counter',
      source: 'post_office',
      columns: { nationalId: '身份证号', kind: '业务类型', occurredAt: '办理时间', sourceRef: '流水号' },
      dates: { occurredAt: ['yyyy/MM/dd HH:mm'] },
      constants: { identityCheck: 'id_document' },
      codes: { kind: { 柜台领取: 'counter_collection', 包裹领取: 'parcel_pickup' } },
    },
  ]),
);
const feedsFile = path.join(dir, 'feeds.json');
const POST_PLATFORM = 'http://platform.test/post/events';
writeFileSync(
  feedsFile,
  JSON.stringify([
    { name: 'post-platform', source: 'post_office', baseUrl: POST_PLATFORM, token: 'secret-token', pageSize: 10, ratePerSecond: 100, timeoutMs: 2000 },
  ]),
);
const platform = setupServer();

const prefix = `t${randomBytes(4).toString('hex')}`;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let runtime: Runtime;
let app: FastifyInstance;
let workers: Worker[] = [];
let admin: string;
let postFeed: string;
const [pushed, filed, parcels, mapped, pulled] = ids(5, '510104', '1946-04-01');

const line = (nationalId: string, kind: string, sourceRef: string, over: Record<string, unknown> = {}) => ({
  nationalId,
  source: 'post_office',
  kind,
  occurredAt: '2026-06-10T09:00:00+08:00',
  sourceRef,
  identityCheck: 'biometric',
  ...over,
});
const push = (key: string, payload: unknown) => app.inject({ method: 'POST', url: '/v1/events', headers: auth(key), payload: payload as object });
const certification = async (id: string) => (await app.inject({ method: 'GET', url: `/v1/pensioners/${id}/certification`, headers: auth(admin) })).json();

beforeAll(async () => {
  platform.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: db.url,
    REDIS_URL,
    POLICY_FILE: policyFile,
    MAPPINGS_FILE: mappingsFile,
    FEEDS_FILE: feedsFile,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    RESCORE_DEFER_MAX_MS: '0',
  });
  runtime = await startRuntime(config, { clock: fixedClock('2026-06-15T04:00:00Z'), migrate: false });
  app = await buildApp(runtime.deps);
  await app.ready();
  workers = [createIngestBatchWorker(runtime.deps), createRescoreWorker(runtime.deps)];
  admin = (await runtime.deps.auth.createKey({ role: 'admin', name: 'admin' })).secret;
  postFeed = (await runtime.deps.auth.createKey({ role: 'feed', name: 'post', sources: ['post_office'] })).secret;
  // Certified by the legacy system long ago: suspended now, until new evidence certifies them.
  await register(runtime, admin, [pushed!, filed!, parcels!, mapped!, pulled!]);
  await runtime.deps.pool.query(`UPDATE pensioners SET legacy_certified_at = '2025-01-10'`);
});
afterAll(async () => {
  platform.close();
  await Promise.all(workers.map((w) => w.close()));
  await app?.close();
  await runtime?.close();
  await db?.drop();
  await dropRedisKeys(prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('a source named only by the policy file', () => {
  it('is the policy in force', () => {
    expect(runtime.deps.policy.version).toBe('2099.1');
    expect(runtime.deps.policy.catalogue.has('post_office')).toBe(true);
  });

  it('is accepted in a push and certifies', async () => {
    const res = await push(postFeed, [line(pushed!, 'counter_collection', 'P-1')]);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ accepted: 1, duplicates: 0, unmatched: 0, rejected: [] });
    const c = await until(
      () => certification(pushed!),
      (c) => c.method === 'auto',
    );
    expect(c).toMatchObject({ status: 'certified', method: 'auto', certifiedAt: '2026-06-10', policyVersion: '2099.1' });
    expect(c.evidence).toEqual([expect.objectContaining({ source: 'post_office', kind: 'counter_collection', weight: 0.92 })]);
  });

  it('is accepted in a batch file and certifies; a kind it does not name is refused with unknown_kind', async () => {
    const csv = [
      'national_id,kind,occurred_at,source_ref,identity_check',
      `${filed},counter_collection,2026-06-11T10:00:00+08:00,F-1,id_document`,
      `${filed},telegram,2026-06-11T10:00:00+08:00,F-2,id_document`,
    ].join('\n');
    const res = await app.inject({
      method: 'POST',
      url: '/v1/feeds/post_office/batches',
      headers: { ...auth(postFeed), 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(202);
    const b = await waitForBatch({ app }, postFeed, res.json().batchId);
    expect(b).toMatchObject({ status: 'completed', source: 'post_office', lines: 2, accepted: 1, rejected: 1 });
    expect(b.rejects).toEqual([
      { line: 3, code: 'unknown_kind', message: 'unknown kind for post_office: telegram (one of counter_collection, parcel_pickup)' },
    ]);
    const c = await until(
      () => certification(filed!),
      (c) => c.method === 'auto',
    );
    expect(c).toMatchObject({ status: 'certified', certifiedAt: '2026-06-11' });
  });

  it('is accepted in a GBK file in its own columns, through its interface mapping, and certifies', async () => {
    const text = ['身份证号,业务类型,办理时间,流水号', `${mapped},柜台领取,2026/06/12 09:30,G-1`, `${mapped},包裹领取,2026/06/12 09:40,G-2`].join('\n');
    const res = await app.inject({
      method: 'POST',
      url: '/v1/feeds/post_office/batches?mapping=post-counter',
      headers: { ...auth(postFeed), 'content-type': 'text/csv; charset=gbk' },
      payload: iconv.encode(text, 'gbk'),
    });
    expect(res.statusCode, res.body).toBe(202);
    const b = await waitForBatch({ app }, postFeed, res.json().batchId);
    expect(b).toMatchObject({ status: 'completed', source: 'post_office', lines: 2, accepted: 2, rejected: 0 });
    const c = await until(
      () => certification(mapped!),
      (c) => c.method === 'auto',
    );
    expect(c).toMatchObject({ status: 'certified', certifiedAt: '2026-06-12' });
    expect(c.evidence).toEqual(expect.arrayContaining([expect.objectContaining({ source: 'post_office', kind: 'counter_collection' })]));
  });

  it('is pulled from its interface on the platform, and certifies', async () => {
    platform.use(
      http.get(POST_PLATFORM, ({ request }) => {
        if (request.headers.get('authorization') !== 'Bearer secret-token') return new HttpResponse(null, { status: 401 });
        const since = new URL(request.url).searchParams.get('since');
        const events = since ? [] : [line(pulled!, 'counter_collection', 'PL-1', { occurredAt: '2026-06-13T11:00:00+08:00' })];
        return HttpResponse.json({ events, nextCursor: since ?? '1', hasMore: false });
      }),
    );
    const post = runtime.deps.feedInterfaces.find((f) => f.name === 'post-platform');
    expect(post?.mode).toBe('pull');
    const r = await runtime.deps.feeds.pull(post as Parameters<typeof runtime.deps.feeds.pull>[0]);
    expect(r).toMatchObject({ pages: 1, accepted: 1, rejected: 0, cursor: '1' });
    const c = await until(
      () => certification(pulled!),
      (c) => c.method === 'auto',
    );
    expect(c).toMatchObject({ status: 'certified', certifiedAt: '2026-06-13' });
    expect(c.evidence).toEqual([expect.objectContaining({ source: 'post_office', kind: 'counter_collection' })]);
  });

  it('reference-tier kinds of it never certify alone, nor with other reference kinds', async () => {
    const res = await push(admin, [
      line(parcels!, 'parcel_pickup', 'R-1'),
      line(parcels!, 'outpatient', 'R-2', { source: 'hospital' }),
      line(parcels!, 'ledger_confirmation', 'R-3', { source: 'community' }),
    ]);
    expect(res.json()).toMatchObject({ accepted: 3, rejected: [] });
    const pid = (await runtime.deps.pool.query('SELECT id::text AS id FROM pensioners WHERE national_id = $1', [parcels])).rows[0].id as string;
    await runtime.deps.db.transaction().execute((trx) => runtime.deps.certification.rescore(trx, [pid], runtime.deps.clock.now(), 'test'));
    const c = await certification(parcels!);
    expect(c).toMatchObject({ status: 'suspended', method: 'legacy' });
    expect(c.score).toBeGreaterThan(0.9); // it orders the work, it does not certify
  });

  it('is shown in reports and to staff', async () => {
    const summary = await app.inject({ method: 'GET', url: '/v1/reports/summary?month=2026-06', headers: auth(admin) });
    expect(summary.json().evidenceMix).toEqual(expect.arrayContaining([expect.objectContaining({ source: 'post_office', events: 6 })]));
    const evidence = await app.inject({ method: 'GET', url: `/v1/pensioners/${pushed}/evidence`, headers: auth(admin) });
    expect(evidence.json().items).toEqual([expect.objectContaining({ source: 'post_office', kind: 'counter_collection' })]);
  });
});

describe('what the policy does not name', () => {
  it('is refused in a push with unknown_source / unknown_kind', async () => {
    const res = await push(admin, [
      line(pushed!, 'counter_collection', 'U-1', { source: 'carrier_pigeon' }),
      line(pushed!, 'telegram', 'U-2'),
      line(pushed!, 'counter_collection', 'U-3', { source: 'constructor' }),
    ]);
    expect(res.json().rejected.map((r: { code: string }) => r.code)).toEqual(['unknown_source', 'unknown_kind', 'unknown_source']);
  });

  it('has no batch endpoint, and a feed key of one source may not send another', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/feeds/carrier_pigeon/batches',
      headers: { ...auth(admin), 'content-type': 'text/csv' },
      payload: 'x',
    });
    expect(res.statusCode).toBe(404);
    expect((await push(postFeed, [line(pushed!, 'counter', 'B-1', { source: 'bank' })])).statusCode).toBe(403);
  });
});

describe('feed keys (`keys create --sources`)', () => {
  const env = (extra: Record<string, string>) => ({ PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', DATABASE_URL: db.url, ...extra });
  const create = (extra: Record<string, string>) =>
    run(TSX, ['src/cli.ts', 'keys', 'create', '--role', 'feed', '--name', 'post', '--sources', 'post_office'], { cwd: ROOT, env: env(extra) });

  it('may name a source of the policy in force, and no other', async () => {
    const { stdout } = await create({ POLICY_FILE: policyFile });
    expect(stdout).toMatch(/created feed key/);
    const refused = await create({}).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused?.code).not.toBe(0);
    expect(refused?.stderr).toMatch(/unknown source: post_office/);
  });
});
