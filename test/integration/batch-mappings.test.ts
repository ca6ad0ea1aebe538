// Department files as they come: a GBK CSV with the department's own Chinese headers, dates
// like 2026/03/01 08:00 and coded values, read through an interface mapping (MAPPINGS_FILE)
// named by the upload; refused whole before anything is stored when the header lacks a column
// the mapping reads; the same bytes read another way are another batch.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import iconv from 'iconv-lite';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, registerPensioner } from '../helpers/people.ts';
import { ids, waitForBatch } from '../helpers/ingest.ts';
import { createIngestBatchWorker } from '../../jobs/ingest-batch.ts';
import { createRescoreWorker } from '../../jobs/rescore.ts';
import { uploadFile } from '../../src/modules/evidence/cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'pc-mappings-'));
const MAPPINGS = [
  {
    name: 'hospital-his',
    source: 'hospital',
    columns: { nationalId: '身份证号', kind: '就诊类型', occurredAt: '就诊日期', sourceRef: '结算单号', location: '医疗机构区划' },
    dates: { occurredAt: ['yyyy/MM/dd HH:mm', 'yyyy/M/d'] },
    constants: { identityCheck: 'id_document' },
    codes: { kind: { 入院: 'admission', 出院: 'discharge', 门诊: 'outpatient' } },
  },
  {
    // The same export read with outpatient visits taken as admissions: another interpretation.
    name: 'hospital-his-inpatient',
    source: 'hospital',
    columns: { nationalId: '身份证号', kind: '就诊类型', occurredAt: '就诊日期', sourceRef: '结算单号' },
    dates: { occurredAt: ['yyyy/MM/dd HH:mm'] },
    constants: { identityCheck: 'id_document' },
    codes: { kind: { 入院: 'admission', 出院: 'discharge', 门诊: 'admission' } },
  },
  {
    name: 'bank-counter',
    source: 'bank',
    columns: { nationalId: '证件号码', occurredAt: '交易时间', sourceRef: '交易流水号' },
    dates: { occurredAt: ['yyyyMMddHHmmss'] },
    constants: { kind: 'counter', identityCheck: 'id_document' },
  },
];

let t: TestContext;
let feed: string;
let bureau: string;
let workers: Worker[];
const people = ids(12, '510104', '1944-05-01');

const upload = (body: string | Buffer, o: { mapping?: string; source?: string; type?: string; key?: string } = {}) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/feeds/${o.source ?? 'hospital'}/batches${o.mapping ? `?mapping=${encodeURIComponent(o.mapping)}` : ''}`,
    headers: { ...auth(o.key ?? feed), 'content-type': o.type ?? 'text/csv; charset=gbk' },
    payload: body,
  });
let address: Promise<string> | undefined;
/** The app on a real port (once), for clients that need one. */
const listening = () => (address ??= t.app.listen({ port: 0, host: '127.0.0.1' }));

/** Sends `head` of a longer upload to a listening server and waits for an answer without ending the body. */
async function answerWhileSending(head: Buffer, mapping: string): Promise<{ status: number; code: string } | 'no answer'> {
  const base = await listening();
  return new Promise((resolve, reject) => {
    const req = request(`${base}/v1/feeds/hospital/batches?mapping=${mapping}`, {
      method: 'POST',
      agent: false, // its own socket, closed below: the body is never finished
      headers: { ...auth(feed), 'content-type': 'text/csv; charset=gbk', 'transfer-encoding': 'chunked' },
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve('no answer');
    }, 5000);
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        clearTimeout(timer);
        res.socket.destroy();
        resolve({ status: res.statusCode!, code: JSON.parse(text).error?.code });
      });
    });
    req.write(head);
  });
}
const counts = async () =>
  (await t.deps.pool.query('SELECT (SELECT count(*) FROM batches)::int AS batches, (SELECT count(*) FROM batch_chunks)::int AS chunks')).rows[0];

beforeAll(async () => {
  const file = path.join(dir, 'mappings.json');
  writeFileSync(file, JSON.stringify(MAPPINGS));
  // 2026-03-15 12:00 Shanghai.
  t = await createTestContext({ now: '2026-03-15T04:00:00Z', config: { mappingsFile: file } });
  feed = await t.key('feed', { sources: ['hospital', 'bank'] });
  bureau = await t.key('bureau');
  for (const id of people) await registerPensioner(t.app, bureau, id, { lastCertifiedAt: '2025-03-10' });
  workers = [createIngestBatchWorker(t.deps, { chunkLines: 3 }), createRescoreWorker(t.deps)];
});
afterAll(async () => {
  await Promise.all((workers ?? []).map((w) => w.close()));
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a GBK file with its own headers, through a mapping', () => {
  it('ingests and certifies; bad dates and unknown codes are line rejects with their line numbers', async () => {
    const text = [
      '身份证号,姓名,就诊类型,就诊日期,结算单号,医疗机构区划', // 1
      `${people[0]},张三,入院,2026/03/01 08:00,JS-1,510104`, // 2
      `${people[1]},"李四,先生",出院,2026/3/2,JS-2,`, // 3
      `${people[2]},王五,急诊,2026/03/01 09:00,JS-3,`, // 4 unknown code
      `${people[2]},王五,入院,2026-03-01T09:00,JS-4,`, // 5 not in the formats
      `${people[2]},王五,入院,2026/02/30 09:00,JS-5,`, // 6 no such day
      `${people[3]},赵六,入院,2027/01/01 08:00,JS-6,`, // 7 future
      `${people[3]},赵六,入院,2026/03/03 08:00,,`, // 8 no reference
    ].join('\r\n');
    const gbk = iconv.encode(text, 'gbk');
    expect(gbk.includes(Buffer.from('身份证号'))).toBe(false); // really not UTF-8
    const res = await upload(gbk, { mapping: 'hospital-his' });
    expect(res.statusCode, res.body).toBe(202);
    const { batchId } = res.json();
    const b = await waitForBatch(t, feed, batchId);
    expect(b).toMatchObject({ status: 'completed', mapping: 'hospital-his', lines: 7, accepted: 2, duplicates: 0, unmatched: 0, rejected: 5 });
    expect(b.rejects).toEqual([
      { line: 4, code: 'unmapped_code', message: '就诊类型: "急诊" has no code in mapping hospital-his (known: 入院, 出院, 门诊)' },
      { line: 5, code: 'bad_date_format', message: '就诊日期: "2026-03-01T09:00" does not match "yyyy/MM/dd HH:mm" or "yyyy/M/d"' },
      { line: 6, code: 'bad_date_format', message: '就诊日期: "2026/02/30 09:00" does not match "yyyy/MM/dd HH:mm" or "yyyy/M/d"' },
      { line: 7, code: 'future_timestamp', message: '就诊日期 is in the future' },
      { line: 8, code: 'missing_field', message: 'missing field: 结算单号' },
    ]);
    const stored = await t.deps.pool.query(
      `SELECT source, kind, source_ref, occurred_at, identity_check, location FROM events WHERE batch_id = $1 ORDER BY source_ref`,
      [batchId],
    );
    expect(stored.rows).toEqual([
      {
        source: 'hospital',
        kind: 'admission',
        source_ref: 'JS-1',
        occurred_at: new Date('2026-03-01T00:00:00Z'),
        identity_check: 'id_document',
        location: '510104',
      },
      {
        source: 'hospital',
        kind: 'discharge',
        source_ref: 'JS-2',
        occurred_at: new Date('2026-03-01T16:00:00Z'),
        identity_check: 'id_document',
        location: null,
      },
    ]);
    // The mapping used is in the upload's audit and on the batch row.
    const audit = await t.deps.pool.query(`SELECT detail FROM audit_log WHERE action = 'batch.upload' AND detail->>'batchId' = $1`, [batchId]);
    expect(audit.rows).toEqual([{ detail: { batchId, source: 'hospital', again: false, mapping: 'hospital-his' } }]);
    const row = await t.deps.pool.query(`SELECT mapping->>'name' AS name FROM batches WHERE id = $1`, [batchId]);
    expect(row.rows[0].name).toBe('hospital-his');

    // Certified from the mapped events, dated by them.
    const certification = async (id: string) =>
      (await t.app.inject({ method: 'GET', url: `/v1/pensioners/${id}/certification`, headers: auth(bureau) })).json();
    const until = Date.now() + 15_000;
    while ((await certification(people[1]!)).certifiedAt !== '2026-03-02' && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(await certification(people[0]!)).toMatchObject({ status: 'certified', method: 'auto', certifiedAt: '2026-03-01', certifiedUntil: '2027-03-01' });
    expect(await certification(people[1]!)).toMatchObject({ status: 'certified', method: 'auto', certifiedAt: '2026-03-02' });
  });

  it('refuses a header without a column the mapping reads, before anything is stored', async () => {
    const before = await counts();
    const small = iconv.encode(`身份证号,姓名,就诊类型,结算单号\n${people[4]},孙八,入院,JS-9\n`, 'gbk');
    const res = await upload(small, { mapping: 'hospital-his' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({
      code: 'unmapped_columns',
      message: 'the header lacks column(s) that mapping hospital-his reads: 就诊日期 (occurredAt), 医疗机构区划 (location)',
      details: [
        { field: 'occurredAt', column: '就诊日期', message: 'column 就诊日期 is not in the header' },
        { field: 'location', column: '医疗机构区划', message: 'column 医疗机构区划 is not in the header' },
      ],
    });
    // A file larger than the first stored chunk is refused on its header line too.
    const large = iconv.encode(`身份证号,姓名,就诊类型,结算单号\n` + `${people[4]},孙八,入院,JS-9\n`.repeat(60_000), 'gbk');
    expect(large.length).toBeGreaterThan(1024 * 1024);
    const big = await upload(large, { mapping: 'hospital-his' });
    expect(big.statusCode).toBe(400);
    expect(big.json().error.code).toBe('unmapped_columns');
    // Answered on the header line, while the rest of the file is still being sent.
    expect(await answerWhileSending(large.subarray(0, 128 * 1024), 'hospital-his')).toMatchObject({ status: 400, code: 'unmapped_columns' });
    expect(await counts()).toEqual(before);
  });

  it('refuses an unknown mapping, a mapping of another source, and a mapping on NDJSON, storing nothing', async () => {
    const before = await counts();
    const file = iconv.encode(`身份证号,就诊类型,就诊日期,结算单号,医疗机构区划\n${people[4]},入院,2026/03/01 08:00,JS-10,\n`, 'gbk');
    const unknown = await upload(file, { mapping: 'hospital-xyz' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toEqual({
      code: 'unknown_mapping',
      message: 'no mapping named hospital-xyz (mappings for hospital: hospital-his, hospital-his-inpatient)',
    });
    const other = await upload(file, { mapping: 'bank-counter' });
    expect(other.statusCode).toBe(400);
    expect(other.json().error.code).toBe('mapping_source_mismatch');
    const ndjson = await upload('{}\n', { mapping: 'hospital-his', type: 'application/x-ndjson' });
    expect(ndjson.statusCode).toBe(400);
    expect(ndjson.json().error.code).toBe('mapping_needs_csv');
    const tooLong = await upload(file, { mapping: 'x'.repeat(201) });
    expect(tooLong.statusCode).toBe(400);
    expect(await counts()).toEqual(before);
  });
});

describe('the same bytes read another way', () => {
  it('is the same batch only with the same mapping and charset', async () => {
    const text = `身份证号,就诊类型,就诊日期,结算单号,医疗机构区划\n${people[5]},门诊,2026/03/05 10:00,JS-20,\n`;
    const gbk = iconv.encode(text, 'gbk');
    const first = await upload(gbk, { mapping: 'hospital-his' });
    const b1 = await waitForBatch(t, feed, first.json().batchId);
    expect(b1).toMatchObject({ accepted: 1, mapping: 'hospital-his' });
    const again = await upload(gbk, { mapping: 'hospital-his' });
    expect(again.json()).toEqual({ batchId: first.json().batchId, status: 'completed' });

    // Another mapping is another reading of the file: a batch of its own, processed; its event
    // has the same (source, sourceRef), so it is a duplicate and the first reading stays.
    const other = await upload(gbk, { mapping: 'hospital-his-inpatient' });
    expect(other.statusCode).toBe(202);
    expect(other.json().batchId).not.toBe(first.json().batchId);
    // Read with an admin key: a feed key sees duplicates folded into accepted (no existence oracle).
    expect(await waitForBatch(t, await t.key('admin'), other.json().batchId)).toMatchObject({
      status: 'completed',
      mapping: 'hospital-his-inpatient',
      accepted: 0,
      duplicates: 1,
    });

    // Another charset too (an ASCII file reads the same either way, but was declared otherwise).
    const ascii = `national_id,kind,occurred_at,source_ref,identity_check\n${people[6]},admission,2026-03-06T10:00:00+08:00,JS-21,id_document\n`;
    const utf8 = await upload(ascii, { type: 'text/csv; charset=utf-8' });
    await waitForBatch(t, feed, utf8.json().batchId);
    const declaredGbk = await upload(ascii, { type: 'text/csv; charset=gbk' });
    expect(declaredGbk.json().batchId).not.toBe(utf8.json().batchId);
    expect(await waitForBatch(t, await t.key('admin'), declaredGbk.json().batchId)).toMatchObject({ status: 'completed', duplicates: 1 });
    expect((await upload(ascii, { type: 'text/csv; charset=gbk' })).json().batchId).toBe(declaredGbk.json().batchId);
  });
});

describe('the worker', () => {
  it('reads the file with the mapping stored on the batch, and fails the batch, with the reason, when it cannot be read', async () => {
    const ingest = workers[0]!;
    await ingest.pause();
    try {
      const text = `身份证号,就诊类型,就诊日期,结算单号,医疗机构区划\n${people[9]},入院,2026/03/07 08:00,JS-30,\n`;
      const res = await upload(iconv.encode(text, 'gbk'), { mapping: 'hospital-his' });
      const { batchId } = res.json();
      await t.deps.pool.query(`UPDATE batches SET mapping = mapping - 'columns' WHERE id = $1`, [batchId]);
      expect(await t.deps.evidence.processBatch(batchId)).toEqual({ status: 'failed' });
      const b = await waitForBatch(t, feed, batchId);
      expect(b).toMatchObject({ status: 'failed', lines: 0 });
      expect(b.error).toMatch(/^bad_mapping: the batch's mapping cannot be read: mapping\.codes\.kind: kind is not read from a column/);
    } finally {
      ingest.resume();
    }
  });
});

describe('feed upload --mapping', () => {
  it('sends the file through the mapping and prints the counts', async () => {
    const file = path.join(dir, '柜面流水.csv');
    writeFileSync(file, iconv.encode(`证件号码,交易时间,交易流水号\n${people[8]},20260311080000,LS-9\n${people[8]},2026-03-11,LS-10\n`, 'gbk'));
    const url = await listening();
    let out = '';
    const sink = new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) });
    const b = await uploadFile(file, { source: 'bank', charset: 'gbk', mapping: 'bank-counter', key: feed, url, quiet: true, pollMs: 50 }, sink);
    expect(b).toMatchObject({ status: 'completed', mapping: 'bank-counter', accepted: 1, rejected: 1 });
    expect(out).toContain('status completed: lines 2, accepted 1, duplicates 0, unmatched 0, rejected 1');
    expect(out).toContain('line 3: bad_date_format: 交易时间: "2026-03-11" does not match "yyyyMMddHHmmss"');
    await expect(uploadFile(file, { source: 'bank', charset: 'gbk', mapping: 'nope', key: feed, url, quiet: true }, sink)).rejects.toThrow(
      /upload refused \(400\): unknown_mapping: no mapping named nope/,
    );
  });
});

describe('a bank ledger with constants', () => {
  it('takes the kind and identity check from the mapping', async () => {
    const text = `交易流水号,证件号码,交易时间,柜员\nLS-1,${people[7]},20260310093000,008\n`;
    const res = await upload(iconv.encode(text, 'gbk'), { source: 'bank', mapping: 'bank-counter' });
    const b = await waitForBatch(t, feed, res.json().batchId);
    expect(b).toMatchObject({ status: 'completed', accepted: 1 });
    const ev = await t.deps.pool.query(`SELECT kind, identity_check, occurred_at FROM events WHERE batch_id = $1`, [res.json().batchId]);
    expect(ev.rows).toEqual([{ kind: 'counter', identity_check: 'id_document', occurred_at: new Date('2026-03-10T01:30:00Z') }]);
  });
});
