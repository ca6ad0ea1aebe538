// `decisions replay`: a pensioner's stored decisions, taken under two policy versions as
// evidence arrived, each replay identically under the version it records.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';
import policyJson from '../../policy/default.json' with { type: 'json' };
import { parsePolicy } from '../../src/domain/policy.ts';
import { createCertificationRepository } from '../../src/modules/certification/repository.ts';
import { createCertificationService } from '../../src/modules/certification/service.ts';
import { createFactsRepository } from '../../src/modules/certification/facts-repository.ts';
import { createReplayService } from '../../src/modules/certification/replay.ts';
import { createPensionerRepository } from '../../src/modules/pensioners/repository.ts';
import { DEFAULT_POLICY_ARCHIVE, replayCommand as runReplay, type ReplayCommandDeps } from '../../src/modules/certification/cli.ts';

let t: TestContext;
const id = syntheticId('510104', '1949-11-30');
const earlierJson = { ...policyJson, version: '2025.1', threshold: 0.93 };
let archiveDir: string;
let replayDeps: ReplayCommandDeps;
const replayCommand = (...args: Parameters<typeof runReplay> extends [unknown, ...infer R] ? R : never) => runReplay(replayDeps, ...args);
const savedUrl = process.env.DATABASE_URL;

beforeAll(async () => {
  t = await createTestContext({ now: '2026-02-10T04:00:00Z' });
  process.env.DATABASE_URL = t.dbUrl; // the CLI reads its configuration from the environment
  archiveDir = mkdtempSync(path.join(tmpdir(), 'policy-archive-'));
  writeFileSync(path.join(archiveDir, '2025.1.json'), JSON.stringify(earlierJson));
  writeFileSync(path.join(archiveDir, `${policyJson.version}.json`), JSON.stringify(policyJson));

  const bureau = await t.key('bureau');
  const feed = await t.key('feed', { sources: ['bank', 'travel'] });
  await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2025-03-01' });
  const push = async (events: Record<string, unknown>[]) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: auth(feed), payload: events });
    expect(res.statusCode, res.body).toBe(202);
  };
  const pensionerId = (await t.deps.pool.query('SELECT id::text AS id FROM pensioners WHERE national_id = $1', [id])).rows[0].id as string;

  // February, under 2025.1: a bank counter visit (0.92) is below its 0.93 threshold.
  await push([{ nationalId: id, source: 'bank', kind: 'counter', occurredAt: '2026-02-03T10:00:00+08:00', identityCheck: 'id_document', sourceRef: 'b-1' }]);
  replayDeps = {
    db: t.deps.db,
    pensioners: createPensionerRepository(),
    audit: t.deps.audit,
    replay: createReplayService({ db: t.deps.db, repo: t.deps.certificationRepo, facts: createFactsRepository() }),
  };
  const earlier = createCertificationService({
    repo: createCertificationRepository(t.deps.pool),
    facts: createFactsRepository(),
    policy: parsePolicy(earlierJson),
    openChecks: async () => {},
    resolveCertifiedChecks: async () => {},
  });
  await t.deps.db.transaction().execute((trx) => earlier.rescore(trx, [pensionerId], t.clock.now(), 'test'));

  // April, under the policy in force (0.9): the same counter visit now certifies, then a train boarding arrives.
  t.clock.set('2026-04-01T04:00:00Z');
  await t.deps.db.transaction().execute((trx) => t.deps.certification.rescore(trx, [pensionerId], t.clock.now(), 'test'));
  t.clock.set('2026-05-20T04:00:00Z');
  await push([
    { nationalId: id, source: 'travel', kind: 'rail_boarding', occurredAt: '2026-05-18T08:00:00+08:00', identityCheck: 'id_document', sourceRef: 't-1' },
  ]);
  await t.deps.db.transaction().execute((trx) => t.deps.certification.rescore(trx, [pensionerId], t.clock.now(), 'test'));
});
afterAll(async () => {
  if (archiveDir) rmSync(archiveDir, { recursive: true, force: true });
  if (savedUrl === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = savedUrl;
  await t?.close();
});

function sink() {
  const lines: string[] = [];
  return { lines, out: { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream };
}

it('replays every decision identically under the version it records, and prints no personal data', async () => {
  const { lines, out } = sink();
  const results = await replayCommand(id, { archive: archiveDir }, out);
  expect(results.map((r) => [r.policyVersion, r.outcome])).toEqual([
    [policyJson.version, 'identical'], // at registration, in the same millisecond as the first event: not taken from it
    ['2025.1', 'identical'],
    [policyJson.version, 'identical'],
    [policyJson.version, 'identical'],
  ]);
  expect(lines).toHaveLength(4);
  expect(lines.join('')).not.toContain(id);
  expect(lines.join('')).not.toContain(id.slice(0, 6) + id.slice(6, 14));
  const audited = await t.deps.pool.query(`SELECT role FROM audit_log WHERE action = 'decisions.replay'`);
  expect(audited.rows).toEqual([{ role: 'operator' }]);
});

it('says which decisions it cannot replay when their version is not archived', async () => {
  const results = await replayCommand(id, { archive: DEFAULT_POLICY_ARCHIVE }, sink().out);
  expect(results.map((r) => r.outcome)).toEqual(['identical', 'policy_not_archived', 'identical', 'identical']);
});

it('rejects an invalid or unknown national ID with a clear error', async () => {
  await expect(replayCommand('51010419491130ABCD', {}, sink().out)).rejects.toThrow('not a valid national ID');
  await expect(replayCommand(syntheticId('510104', '1930-01-01'), {}, sink().out)).rejects.toThrow('no pensioner with that national ID');
});
