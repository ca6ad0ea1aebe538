// POST /v1/events: per-element validation, duplicates, unmatched, sources and regions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth } from '../helpers/people.ts';
import { ids, register } from '../helpers/ingest.ts';
import { makeNationalId } from '../../src/domain/national-id.ts';

let t: TestContext;
let admin: string;
let hospitalFeed: string;
let chengduFeed: string;
const people = ids(5, '510104', '1944-05-01');
const mianyang = ids(2, '510703', '1946-02-01');

const ev = (over: Record<string, unknown> = {}) => ({
  nationalId: people[0],
  source: 'hospital',
  kind: 'admission',
  occurredAt: '2026-06-01T09:30:00+08:00',
  sourceRef: `H-${Math.random().toString(36).slice(2)}`,
  identityCheck: 'id_document',
  ...over,
});

const push = (key: string, payload: unknown) => t.app.inject({ method: 'POST', url: '/v1/events', headers: auth(key), payload: payload as object });

beforeAll(async () => {
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  admin = await t.key('admin');
  hospitalFeed = await t.key('feed', { sources: ['hospital'] });
  chengduFeed = await t.key('feed', { sources: ['hospital', 'bank'], region: '5101' });
  await register(t, admin, people);
  await register(t, admin, mianyang, '510703');
});
afterAll(async () => t?.close());

describe('POST /v1/events', () => {
  // As an admin key sees them; a feed key sees every valid event accepted (existence-oracles.test.ts).
  it('accepts valid events, counts duplicates and unmatched, stores only pensioners', async () => {
    const stranger = makeNationalId('110101', '1950-01-01', 7);
    const a = ev({ sourceRef: 'H-1' });
    const res = await push(admin, [
      a,
      ev({ sourceRef: 'H-2', nationalId: people[1], kind: 'discharge' }),
      ev({ sourceRef: 'H-3', nationalId: stranger }),
      { ...a },
    ]);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 2, duplicates: 1, unmatched: 1, rejected: [] });
    const again = await push(admin, [a]);
    expect(again.json()).toEqual({ accepted: 0, duplicates: 1, unmatched: 0, rejected: [] });
    expect((await push(hospitalFeed, [a, ev({ sourceRef: 'H-4', nationalId: stranger })])).json()).toEqual({
      accepted: 2,
      duplicates: 0,
      unmatched: 0,
      rejected: [],
    });
    const rows = await t.deps.pool.query(`SELECT source_ref FROM events WHERE source = 'hospital' AND source_ref IN ('H-1','H-2','H-3') ORDER BY 1`);
    expect(rows.rows.map((r) => r.source_ref)).toEqual(['H-1', 'H-2']);
    // nothing about the stranger is kept anywhere
    const any = await t.deps.pool.query(`SELECT count(*)::int AS n FROM events e JOIN pensioners p ON p.id = e.pensioner_id WHERE p.national_id = $1`, [
      stranger,
    ]);
    expect(any.rows[0].n).toBe(0);
  });

  it('queues the touched pensioners for rescoring by id', async () => {
    const res = await push(admin, [ev({ nationalId: people[2], sourceRef: 'R-1' }), ev({ nationalId: people[2], sourceRef: 'R-2' })]);
    expect(res.json().accepted).toBe(2);
    const jobs = await t.deps.queues.get('rescore').getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']);
    const p = await t.deps.pool.query('SELECT id::text FROM pensioners WHERE national_id = $1', [people[2]]);
    expect(jobs.some((j) => (j.data as { pensionerIds: string[] }).pensionerIds.includes(p.rows[0].id))).toBe(true);
    for (const j of jobs) expect(Object.keys(j.data as object)).toEqual(['pensionerIds']);
  });

  it('rejects each bad element with its code and keeps the good ones', async () => {
    const bad = people[0]!.slice(0, 17) + (people[0]![17] === '0' ? '1' : '0');
    const cases: [Record<string, unknown>, string][] = [
      [ev({ nationalId: bad }), 'invalid_national_id'],
      [ev({ source: 'astrology' }), 'unknown_source'],
      [ev({ kind: 'haircut' }), 'unknown_kind'],
      [ev({ occurredAt: '2026-07-01T00:00:00+08:00' }), 'future_timestamp'],
      [ev({ occurredAt: '2026-02-30T10:00:00+08:00' }), 'bad_timestamp'],
      [ev({ occurredAt: '2026-06-01T10:00:00' }), 'bad_timestamp'],
      [ev({ occurredAt: 'yesterday' }), 'bad_timestamp'],
      [ev({ sourceRef: undefined }), 'missing_field'],
      [ev({ identityCheck: 'vibes' }), 'invalid_field'],
      [ev({ location: '5101' }), 'invalid_field'],
      [ev({ occurredAt: 1717200000 }), 'invalid_field'],
      [ev({ deathDate: '2026-05-01' }), 'invalid_field'],
    ];
    const good = ev({ sourceRef: 'G-1' });
    const res = await push(admin, [good, ...cases.map(([e]) => e)]);
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r: { index: number; code: string }) => [r.index, r.code])).toEqual(cases.map(([, code], i) => [i + 1, code]));
    for (const r of body.rejected) expect(r.message).toBeTruthy();
  });

  it('accepts a future time up to the injected clock, not the wall clock', async () => {
    const res = await push(admin, [
      ev({ occurredAt: '2026-06-15T11:59:59+08:00', sourceRef: 'CLK-1' }),
      ev({ occurredAt: '2026-06-15T12:00:01+08:00', sourceRef: 'CLK-2' }),
    ]);
    expect(res.json().accepted).toBe(1);
    expect(res.json().rejected).toEqual([{ index: 1, code: 'future_timestamp', message: expect.any(String) }]);
  });

  it('refuses the whole request for unknown fields, non-arrays and over 1000 events', async () => {
    const unknown = await push(admin, [ev({ sourceRef: 'U-1' }), ev({ sourceRef: 'U-2', patientName: '张三' })]);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('invalid_request');
    expect(unknown.json().error.details[0].field).toBe('1.patientName');
    expect(JSON.stringify(unknown.json())).not.toContain('张三');
    const n = await t.deps.pool.query(`SELECT count(*)::int AS n FROM events WHERE source_ref IN ('U-1','U-2')`);
    expect(n.rows[0].n).toBe(0);
    expect((await push(admin, { events: [] })).statusCode).toBe(400);
    const many = await push(
      admin,
      Array.from({ length: 1001 }, (_, i) => ev({ sourceRef: `M-${i}` })),
    );
    expect(many.statusCode).toBe(400);
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...auth(admin), 'content-type': 'application/json' },
      payload: '[{"nationalId": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('malformed_json');
  });

  it('refuses a source the feed key was not created for, whole (403)', async () => {
    const res = await push(hospitalFeed, [ev({ sourceRef: 'S-1' }), ev({ source: 'bank', kind: 'counter', sourceRef: 'S-2' })]);
    expect(res.statusCode).toBe(403);
    const n = await t.deps.pool.query(`SELECT count(*)::int AS n FROM events WHERE source_ref IN ('S-1','S-2')`);
    expect(n.rows[0].n).toBe(0);
    const staff = await t.key('staff');
    expect((await push(staff, [ev()])).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', payload: [] })).statusCode).toBe(401);
  });

  it('a feed key limited to a region matches only pensioners in it', async () => {
    const res = await push(chengduFeed, [ev({ sourceRef: 'RG-1' }), ev({ nationalId: mianyang[0], sourceRef: 'RG-2' })]);
    expect(res.json()).toEqual({ accepted: 2, duplicates: 0, unmatched: 0, rejected: [] });
    const stored = await t.deps.pool.query(`SELECT source_ref FROM events WHERE source_ref IN ('RG-1', 'RG-2')`);
    expect(stored.rows).toEqual([{ source_ref: 'RG-1' }]);
  });
});

describe('concurrent pushes', () => {
  // Regression: overlapping pushes deadlocked on the unique index and answered 500.
  it('of the same events in opposite orders all succeed, each event stored once', async () => {
    const batch = Array.from({ length: 300 }, (_, i) => ev({ nationalId: people[i % people.length], sourceRef: `DL-${i}` }));
    for (let round = 0; round < 5; round++) {
      const refs = batch.map((e) => ({ ...e, sourceRef: `${e.sourceRef}-${round}` }));
      const answers = await Promise.all([
        push(admin, refs),
        push(admin, [...refs].reverse()),
        push(admin, refs.slice(100)),
        push(admin, refs.slice(0, 200).reverse()),
      ]);
      expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202, 202]);
      const accepted = answers.reduce((n, a) => n + a.json().accepted, 0);
      expect(accepted).toBe(300);
    }
  });
});
