// From evidence to status through the real queue (both backends): auto-certification,
// weak evidence that does not certify, death, evidence after death, and the daily sweep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from 'bullmq';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, pensionerBody, syntheticId } from '../helpers/people.ts';
import { createRescoreWorker } from '../../jobs/rescore.ts';
import { createDailySweepWorker } from '../../jobs/daily-sweep.ts';
import { until } from '../helpers/until.ts';

describe.each(['redis', 'postgres'] as const)('lifecycle through the %s queue', (queue) => {
  let t: TestContext;
  let bureau: string;
  let feed: string;
  let workers: Worker[];
  let seq = 0;

  beforeAll(async () => {
    // 2026-06-15 12:00 Shanghai.
    t = await createTestContext({ queue, now: '2026-06-15T04:00:00Z' });
    bureau = await t.key('bureau');
    feed = await t.key('feed', { sources: ['hospital', 'bank', 'death'] });
    workers = [createRescoreWorker(t.deps), createDailySweepWorker(t.deps)];
  });
  afterAll(async () => {
    await Promise.all((workers ?? []).map((w) => w.close()));
    await t?.close();
  });

  async function register(over: Record<string, unknown> = {}, birth = '1950-01-01') {
    const id = syntheticId('510104', birth);
    const res = await t.app.inject({
      method: 'PUT',
      url: `/v1/pensioners/${id}`,
      headers: auth(bureau),
      payload: pensionerBody({ lastCertifiedAt: '2025-10-01', ...over }),
    });
    expect(res.statusCode).toBe(201);
    return id;
  }
  async function push(events: Record<string, unknown>[]) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth(feed),
      payload: events.map((e) => ({ sourceRef: `${queue}-${++seq}`, ...e })),
    });
    expect(res.statusCode, res.body).toBe(202);
    return res.json();
  }
  const certification = async (id: string) => (await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}/certification`, headers: auth(bureau) })).json();

  it('a hospital discharge two months ago certifies until 12 months after it', async () => {
    const id = await register();
    await push([
      { nationalId: id, source: 'hospital', kind: 'discharge', occurredAt: '2026-04-15T10:30:00+08:00', identityCheck: 'id_document', location: '510104' },
    ]);
    const c = await until(
      () => certification(id),
      (c) => c.method === 'auto',
    );
    expect(c).toMatchObject({ status: 'certified', certifiedAt: '2026-04-15', certifiedUntil: '2027-04-15', method: 'auto', policyVersion: '2026.4' });
    expect(c.score).toBeGreaterThan(0.9);
    expect(c.evidence).toEqual([expect.objectContaining({ source: 'hospital', kind: 'discharge', occurredAt: '2026-04-15T10:30:00.000+08:00' })]);
    const history = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}/decisions`, headers: auth(bureau) });
    expect(history.statusCode).toBe(200);
    const [latest, first] = history.json().items;
    expect(latest).toMatchObject({ status: 'certified', method: 'auto', certifiedAt: '2026-04-15', policyVersion: '2026.4', decidedBy: 'system:rescore' });
    expect(latest.evidence[0]).toMatchObject({ source: 'hospital', kind: 'discharge' });
    expect(first).toMatchObject({ method: 'legacy', certifiedAt: '2025-10-01' });
  });

  it('rescores a person once when several pushes touched them before the queue got there', async () => {
    const id = await register();
    await t.deps.queues.get('rescore').pause();
    const first = await push([{ nationalId: id, source: 'bank', kind: 'counter', occurredAt: '2026-05-20T10:00:00+08:00', identityCheck: 'id_document' }]);
    const second = await push([
      { nationalId: id, source: 'hospital', kind: 'discharge', occurredAt: '2026-05-25T10:00:00+08:00', identityCheck: 'id_document' },
    ]);
    expect([first.accepted, second.accepted]).toEqual([1, 1]);
    await t.deps.queues.get('rescore').resume();
    const c = await until(
      () => certification(id),
      (c) => c.certifiedAt === '2026-05-25',
    );
    expect(c).toMatchObject({ method: 'auto', certifiedAt: '2026-05-25' });
    const { id: pid } = await t.deps.db.selectFrom('pensioners').select('id').where('national_id', '=', id).executeTakeFirstOrThrow();
    const jobs = await until(
      async () =>
        (await t.deps.queues.get('rescore').getJobs(['completed'], 0, 1000)).filter((j) => j.data.pensionerIds.join() === String(pid) && j.returnvalue),
      (js) => js.length >= 2,
    );
    expect(jobs).toHaveLength(2);
    const mine = jobs.map((j) => j.returnvalue);
    expect(mine.reduce((n, r) => n + r.rescored, 0)).toBe(1);
    expect(mine.reduce((n, r) => n + r.skipped, 0)).toBe(1);
  });

  it('queues carry ids only, never personal data', async () => {
    const id = await register();
    await push([{ nationalId: id, source: 'hospital', kind: 'outpatient', occurredAt: '2026-05-15T10:30:00+08:00', identityCheck: 'id_document' }]);
    const jobs = await t.deps.queues.get('rescore').getJobs(['completed', 'waiting', 'active', 'delayed'], 0, 1000);
    expect(jobs.length).toBeGreaterThan(0);
    const payloads = JSON.stringify(jobs.map((j) => j.data));
    expect(payloads).not.toMatch(/\d{17}[\dX]/);
    for (const j of jobs) expect(Object.keys(j.data)).toEqual(['pensionerIds']);
  });

  it('ATM and cash-point use alone leave the legacy status as it was', async () => {
    const id = await register({ lastCertifiedAt: '2025-07-01' });
    await push([
      { nationalId: id, source: 'bank', kind: 'atm', occurredAt: '2026-06-01T09:00:00+08:00', identityCheck: 'card_pin' },
      { nationalId: id, source: 'bank', kind: 'cash_point', occurredAt: '2026-06-10T09:00:00+08:00', identityCheck: 'card_pin' },
    ]);
    const c = await until(
      () => certification(id),
      (c) => c.evidence.length >= 1,
    );
    expect(c).toMatchObject({ status: 'due', certifiedAt: '2025-07-01', method: 'legacy' });
    expect(c.score).toBeLessThan(0.9);
  });

  it('a cremation record and a deregistration make the person deceased; card use after it opens a review', async () => {
    const id = await register();
    // Two records of different kinds verify the death (policy 2026.3); one alone is death_reported.
    await push([
      { nationalId: id, source: 'death', kind: 'cremation', occurredAt: '2026-05-03T09:00:00+08:00', deathDate: '2026-05-01', identityCheck: 'id_document' },
      {
        nationalId: id,
        source: 'death',
        kind: 'household_deregistration',
        occurredAt: '2026-05-04T09:00:00+08:00',
        deathDate: '2026-05-01',
        identityCheck: 'id_document',
      },
    ]);
    const dead = await until(
      () => certification(id),
      (c) => c.status === 'deceased',
    );
    expect(dead).toMatchObject({ status: 'deceased', deathDate: '2026-05-01' });

    await push([{ nationalId: id, source: 'bank', kind: 'cash_point', occurredAt: '2026-06-02T18:00:00+08:00', identityCheck: 'card_pin' }]);
    const review = await until(
      () => certification(id),
      (c) => c.status === 'under_review',
    );
    expect(review.status).toBe('under_review');
    expect(review.openCheck).toMatchObject({ reason: 'suspected_card_misuse' });
  });

  it('the daily sweep opens checks for those due and suspended, most urgent first', async () => {
    const due = await register({ lastCertifiedAt: '2025-07-20' }, '1940-02-02');
    const lapsed = await register({ lastCertifiedAt: '2025-01-10' }, '1930-03-03');
    await t.deps.queues.get('daily-sweep').add('sweep', {});
    const checks = await until(
      () =>
        t.deps.db
          .selectFrom('manual_checks')
          .innerJoin('pensioners', 'pensioners.id', 'manual_checks.pensioner_id')
          .select(['national_id', 'reason', 'priority'])
          .where('reason', '=', 'certification_due')
          .execute(),
      (rows) => rows.some((r) => r.national_id === lapsed) && rows.some((r) => r.national_id === due),
    );
    const p = (nid: string) => checks.find((c) => c.national_id === nid)!.priority;
    expect(p(lapsed)).toBeGreaterThan(p(due));
    const suspended = await t.deps.db
      .selectFrom('decisions')
      .innerJoin('pensioners', 'pensioners.id', 'decisions.pensioner_id')
      .select(['status'])
      .where('national_id', '=', lapsed)
      .execute();
    expect(suspended.map((d) => d.status)).toContain('suspended');
    // Sweeping twice the same day changes nothing.
    const before = await t.deps.db
      .selectFrom('manual_checks')
      .select((e) => e.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    await t.deps.sweep.sweepPage('1', '100000', t.clock.now());
    const after = await t.deps.db
      .selectFrom('manual_checks')
      .select((e) => e.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toEqual(before.n);
  });
});
