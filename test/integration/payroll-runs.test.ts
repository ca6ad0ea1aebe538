// Frozen payroll runs: POST /v1/payroll/{month}/freeze and the scheduled freeze job, a run that
// never changes (triggers refuse it even to the tables' owner), what happens after the freeze
// going into the next month's run, state/frozenAt on GET, and the export (NDJSON, CSV in UTF-8
// and GBK), region-scoped and audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { createTestContext, withClient, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner, syntheticId } from '../helpers/people.ts';
import { storeEvents } from '../helpers/stored-events.ts';
import { createPayrollFreezeWorker } from '../../jobs/payroll-freeze.ts';
import { until } from '../helpers/until.ts';
import { createPayrollFreezeService } from '../../src/modules/payroll/freeze.ts';
import { createPayrollExportService } from '../../src/modules/payroll/export.ts';
import { createPayrollRepository } from '../../src/modules/payroll/repository.ts';
import { createPayrollRunsRepository } from '../../src/modules/payroll/runs-repository.ts';

let t: TestContext;
let bureau: string;
let admin: string;
let chengdu: string;
const ids = {
  paid: syntheticId('510104', '1950-01-01'),
  suspended: syntheticId('510104', '1950-02-02'),
  resumed: syntheticId('510104', '1950-03-03'),
  late: syntheticId('510104', '1950-04-04'),
  mianyang: syntheticId('510703', '1950-06-06'),
};

const get = (url: string, key = bureau) => t.app.inject({ method: 'GET', url, headers: auth(key) });
const freeze = (month: string, key = admin) => t.app.inject({ method: 'POST', url: `/v1/payroll/${month}/freeze`, headers: auth(key) });
const ndjson = (body: string) =>
  body
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  // 2026-06-15 12:00 in Shanghai.
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  bureau = await t.key('bureau');
  admin = await t.key('admin');
  chengdu = await t.key('bureau', { region: '5101' });
  await registerPensioner(t.app, bureau, ids.paid, { lastCertifiedAt: '2026-03-15', monthlyBenefit: '1000.00' });
  await registerPensioner(t.app, bureau, ids.suspended, { lastCertifiedAt: '2025-05-10' });
  await registerPensioner(t.app, bureau, ids.resumed, { lastCertifiedAt: '2025-03-01', monthlyBenefit: '2000.00' });
  await registerPensioner(t.app, bureau, ids.late, { lastCertifiedAt: '2026-01-10', monthlyBenefit: '1500.00' });
  await registerPensioner(t.app, bureau, ids.mianyang, { lastCertifiedAt: '2026-04-01', regionCode: '510703', monthlyBenefit: '1234.56' });
  await storeEvents(t, [
    {
      nationalId: ids.resumed,
      source: 'hospital',
      kind: 'discharge',
      occurredAt: '2026-06-12T10:00:00+08:00',
      receivedAt: '2026-06-14T02:00:00+08:00',
      identityCheck: 'id_document',
    },
  ]);
});
afterAll(async () => t?.close());

describe('freezing the July run on 2026-06-20', () => {
  let preview: Record<string, unknown>;

  it('previews it before the freeze, with state preview', async () => {
    t.clock.set('2026-06-20T04:00:00Z');
    const res = await get('/v1/payroll/2026-07');
    expect(res.statusCode).toBe(200);
    preview = res.json();
    expect(preview).toMatchObject({ month: '2026-07', state: 'preview', frozenAt: null });
  });

  it('refuses keys other than admin, past runs and bad months', async () => {
    expect((await freeze('2026-07', bureau)).statusCode).toBe(403);
    const past = await freeze('2026-06');
    expect(past.statusCode).toBe(409);
    expect(past.json().error.code).toBe('run_date_passed');
    for (const m of ['2026-13', 'july', '2026-09']) {
      const res = await freeze(m);
      expect(res.statusCode, m).toBe(400);
      expect(res.json().error.code).toBe('invalid_month');
    }
    expect((await get('/v1/payroll/2026-07')).json().state).toBe('preview');
  });

  it('freezes it (201 with its counts), then answers 409 already_frozen', async () => {
    const res = await freeze('2026-07');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      month: '2026-07',
      state: 'frozen',
      frozenAt: '2026-06-20T04:00:00.000Z',
      counts: { paid: 4, holds: 1, resumptions: 1, stops: 0 },
    });
    const again = await freeze('2026-07');
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_frozen');
  });

  it('serves the stored run: the same lists as the preview, state frozen and frozenAt', async () => {
    const body = (await get('/v1/payroll/2026-07')).json();
    // …plus, frozen, what was set against claims (nothing: no claim) and what is paid.
    const settled = (x: { backPayAmount?: string; estateBackPayAmount?: string }) => ({
      ...x,
      offsetAmount: '0.00',
      netAmount: x.backPayAmount ?? x.estateBackPayAmount,
    });
    expect(body).toEqual({
      ...preview,
      resumptions: (preview.resumptions as object[]).map(settled),
      stops: (preview.stops as object[]).map(settled),
      state: 'frozen',
      frozenAt: '2026-06-20T04:00:00.000Z',
    });
    expect(body.resumptions).toEqual([{ nationalId: ids.resumed, backPayMonths: 3, backPayAmount: '6000.00', offsetAmount: '0.00', netAmount: '6000.00' }]);
    expect(body.holds).toEqual([{ nationalId: ids.suspended, status: 'suspended', since: '2026-05-11' }]);
    const mianyang = (await get('/v1/payroll/2026-07?region=5107', chengdu)).json();
    expect(mianyang).toEqual({ month: '2026-07', holds: [], resumptions: [], stops: [], state: 'frozen', frozenAt: '2026-06-20T04:00:00.000Z' });
  });

  it('never changes: UPDATE and DELETE of its lines or of the run are refused, even to the tables owner', async () => {
    for (const url of [t.dbUrl, t.ownerUrl]) {
      await withClient(url, async (c) => {
        for (const stmt of [
          `UPDATE payroll_run_lines SET amount_fen = 0 WHERE month = '2026-07'`,
          `DELETE FROM payroll_run_lines WHERE month = '2026-07'`,
          `UPDATE payroll_runs SET holds = 0 WHERE month = '2026-07'`,
          `DELETE FROM payroll_runs WHERE month = '2026-07'`,
          `TRUNCATE payroll_run_lines`,
        ]) {
          await expect(c.query(stmt), stmt).rejects.toThrow(/payroll run is frozen|permission denied/);
        }
      });
    }
    await withClient(t.ownerUrl, async (c) => {
      await expect(c.query(`UPDATE payroll_run_lines SET amount_fen = 0 WHERE month = '2026-07'`)).rejects.toThrow(/payroll run is frozen/);
    });
    expect((await t.deps.pool.query(`SELECT count(*)::int AS n FROM payroll_run_lines WHERE month = '2026-07'`)).rows[0].n).toBe(6);
  });

  it('is not changed by a death received after the freeze; the August run carries the stop, July counted as overpaid', async () => {
    t.clock.set('2026-06-25T04:00:00Z');
    const before = (await get('/v1/payroll/2026-07')).json();
    await storeEvents(t, [
      {
        nationalId: ids.late,
        source: 'death',
        kind: 'cremation',
        occurredAt: '2026-06-23T09:00:00+08:00',
        receivedAt: '2026-06-25T09:00:00+08:00',
        identityCheck: 'id_document',
        deathDate: '2026-06-22',
      },
      // A second department agrees: the death is verified (policy 2026.3), not only reported.
      {
        nationalId: ids.late,
        source: 'death',
        kind: 'household_deregistration',
        occurredAt: '2026-06-24T10:00:00+08:00',
        receivedAt: '2026-06-25T09:30:00+08:00',
        identityCheck: 'id_document',
        deathDate: '2026-06-22',
      },
    ]);
    expect((await get('/v1/payroll/2026-07')).json()).toEqual(before);
    t.clock.set('2026-07-15T04:00:00Z');
    const august = (await get('/v1/payroll/2026-08')).json();
    expect(august.state).toBe('preview');
    expect(august.stops).toEqual([
      { nationalId: ids.late, deathDate: '2026-06-22', overpaidMonths: 1, overpaymentAmount: '1500.00', estateBackPayMonths: 0, estateBackPayAmount: '0.00' },
    ]);
  });

  it('is frozen for August by the scheduled job once the freeze day has come', async () => {
    const worker = createPayrollFreezeWorker(t.deps);
    try {
      t.clock.set('2026-07-19T20:00:00Z'); // 2026-07-20 04:00 in Shanghai
      const job = await t.deps.queues.get('payroll-freeze').add('freeze', {});
      const done = await until(
        () => job.getState(),
        (s) => s === 'completed' || s === 'failed',
      );
      expect(done).toBe('completed');
      const august = (await get('/v1/payroll/2026-08')).json();
      expect(august).toMatchObject({ state: 'frozen', frozenAt: '2026-07-19T20:00:00.000Z' });
      expect(august.stops).toEqual([
        {
          nationalId: ids.late,
          deathDate: '2026-06-22',
          overpaidMonths: 1,
          overpaymentAmount: '1500.00',
          estateBackPayMonths: 0,
          estateBackPayAmount: '0.00',
          offsetAmount: '0.00',
          netAmount: '0.00',
        },
      ]);
      // The frozen July run paid July after the death: the recovery ledger claims what the stop
      // states (the replay alone would say July was stopped, the death being known by July's run).
      const claims = (await get('/v1/claims?status=open')).json().items.filter((c: { nationalId: string }) => c.nationalId === ids.late);
      expect(claims).toMatchObject([{ reason: 'death', amount: '1500.00', outstanding: '1500.00', status: 'open' }]);
      // A second run of the job the same month changes nothing.
      const again = await t.deps.queues.get('payroll-freeze').add('freeze', {});
      expect(
        await until(
          () => again.getState(),
          (s) => s === 'completed' || s === 'failed',
        ),
      ).toBe('completed');
      expect((await t.deps.queues.get('payroll-freeze').getJob(again.id!))?.returnvalue).toEqual({
        month: '2026-08',
        frozen: false,
      });
    } finally {
      await worker.close();
    }
  });
});

describe('the dashboard', () => {
  it('reads the frozen run counts of the month', async () => {
    const d = (await get('/v1/reports/dashboard')).json();
    expect(d.payroll).toMatchObject({ month: '2026-07', holds: 1, resumptions: 1, stops: 0, state: 'frozen', frozenAt: '2026-06-20T04:00:00.000Z' });
  });
});

describe('GET /v1/payroll/{month}/export', () => {
  it('streams NDJSON, one line per person and action, with amounts in yuan', async () => {
    const res = await get('/v1/payroll/2026-07/export?format=ndjson');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = ndjson(res.body);
    expect(lines).toHaveLength(6);
    expect(lines).toContainEqual({ month: '2026-07', nationalId: ids.paid, regionCode: '510104', action: 'pay', amount: '1000.00', net: '1000.00' });
    expect(lines).toContainEqual({ month: '2026-07', nationalId: ids.resumed, regionCode: '510104', action: 'pay', amount: '2000.00', net: '2000.00' });
    expect(lines).toContainEqual({
      month: '2026-07',
      nationalId: ids.resumed,
      regionCode: '510104',
      action: 'resumption',
      amount: '6000.00',
      months: 3,
      offset: '0.00',
      net: '6000.00',
    });
    expect(lines).toContainEqual({
      month: '2026-07',
      nationalId: ids.suspended,
      regionCode: '510104',
      action: 'hold',
      amount: '0.00',
      status: 'suspended',
      since: '2026-05-11',
      net: '0.00',
    });
  });

  it('streams CSV in UTF-8 and in GBK, the same rows', async () => {
    const utf8 = await get('/v1/payroll/2026-07/export?format=csv&charset=utf-8');
    expect(utf8.statusCode).toBe(200);
    expect(utf8.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = utf8.body.trim().split('\r\n');
    expect(rows[0]).toBe('month,nationalId,regionCode,action,amount,status,since,months,deathDate,backPayMonths,backPay,offset,net');
    expect(rows).toHaveLength(7);
    expect(rows).toContain(`2026-07,${ids.mianyang},510703,pay,1234.56,,,,,,,,1234.56`);

    const gbk = await get('/v1/payroll/2026-07/export?format=csv&charset=gbk');
    expect(gbk.statusCode).toBe(200);
    expect(gbk.headers['content-type']).toBe('text/csv; charset=gbk');
    expect(iconv.decode(gbk.rawPayload, 'gbk')).toBe(utf8.body);
  });

  it('is scoped to the key and narrowed by ?region', async () => {
    const lines = ndjson((await get('/v1/payroll/2026-07/export', chengdu)).body);
    expect(lines.map((l) => l.nationalId)).not.toContain(ids.mianyang);
    expect(lines).toHaveLength(5);
    expect(ndjson((await get('/v1/payroll/2026-07/export?region=5107')).body).map((l) => l.nationalId)).toEqual([ids.mianyang]);
    const outside = await get('/v1/payroll/2026-07/export?region=5107', chengdu);
    expect(outside.statusCode).toBe(200);
    expect(outside.body).toBe('');
  });

  it('audits the read of each pensioner exported, once', async () => {
    const key = await t.key('bureau', { name: 'payroll-export-audit' });
    await get('/v1/payroll/2026-07/export?format=csv', key);
    const { rows } = await t.deps.pool.query(
      `SELECT a.pensioner_id, a.detail FROM audit_by_pensioner a JOIN api_keys k ON k.id = a.key_id WHERE k.name = 'payroll-export-audit' AND a.action = 'payroll.export'`,
    );
    expect(rows).toHaveLength(5);
    expect(rows[0].detail).toEqual({ month: '2026-07', format: 'csv' });
  });

  it('refuses a bad format or charset (400), a month not frozen (409), other keys (403)', async () => {
    for (const [q, code] of [
      ['format=xml', 'invalid_format'],
      ['format=csv&charset=latin1', 'invalid_charset'],
      ['charset=', 'invalid_charset'],
    ]) {
      const res = await get(`/v1/payroll/2026-07/export?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
    expect((await get('/v1/payroll/2026-07/export?extra=1')).statusCode).toBe(400);
    expect((await get('/v1/payroll/2026-13/export')).json().error.code).toBe('invalid_month');
    const open = await get('/v1/payroll/2026-06/export');
    expect(open.statusCode).toBe(409);
    expect(open.json().error.code).toBe('not_frozen');
    expect((await get('/v1/payroll/2026-07/export', await t.key('staff'))).statusCode).toBe(403);
  });
});

describe('chunks and pages past pensioner id 9', () => {
  // Regression: ids were ordered as text ('10' < '9'), so a chunk or page boundary repeated or skipped people.
  it('freezes in chunks and exports in pages without repeating or skipping a line', async () => {
    for (let i = 0; i < 7; i++)
      await registerPensioner(t.app, bureau, syntheticId('510104', `1949-0${i + 1}-11`), { lastCertifiedAt: i % 2 ? '2025-01-05' : '2026-05-05' });
    const { rows } = await t.deps.pool.query<{ n: number }>(`SELECT max(id)::int AS n FROM pensioners`);
    expect(rows[0]!.n).toBeGreaterThan(10);
    const runs = createPayrollRunsRepository();
    const small = createPayrollFreezeService({
      transaction: t.deps.transaction,
      repo: createPayrollRepository(),
      runs,
      payroll: t.deps.payroll,
      freezeDay: 20,
      chunk: 2,
    });
    const { run } = await small.freeze('2026-10', t.clock.now(), 'test');
    const stored = (await t.deps.pool.query(`SELECT pensioner_id::text || action AS k FROM payroll_run_lines WHERE month = '2026-10'`)).rows.map((r) => r.k);
    expect(stored.length).toBe(run.paid + run.holds + run.resumptions + run.stops);
    const { body } = await createPayrollExportService({ db: t.deps.db, runs, pageSize: 2 }).open('2026-10', null, {
      format: 'ndjson',
      charset: 'utf-8',
      beforePage: async () => {},
    });
    let text = '';
    for await (const chunk of body) text += String(chunk);
    const lines = ndjson(text).map((l) => `${l.nationalId}${l.action}`);
    expect(lines).toHaveLength(stored.length);
    expect(new Set(lines).size).toBe(stored.length);
  });
});
