// Batch files: upload (durable before the 202), processing by the ingest-batch worker,
// status, rejects with editor line numbers, charsets, idempotence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import iconv from 'iconv-lite';
import type { Worker } from 'bullmq';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth } from '../helpers/people.ts';
import { ids, register, rescoreJobsOfBatch, waitForBatch } from '../helpers/ingest.ts';
import { createIngestBatchWorker } from '../../jobs/ingest-batch.ts';
import { makeNationalId } from '../../src/domain/national-id.ts';

let t: TestContext;
let admin: string;
let feed: string;
let otherFeed: string;
let worker: Worker;
const people = ids(20, '510104', '1943-03-01');

const upload = (key: string, source: string, body: string | Buffer | PassThrough, type = 'text/csv') =>
  t.app.inject({ method: 'POST', url: `/v1/feeds/${source}/batches`, headers: { ...auth(key), 'content-type': type }, payload: body });

beforeAll(async () => {
  t = await createTestContext({ now: '2026-06-15T04:00:00Z', config: { batchLimitBytes: 4 * 1024 * 1024, uploadsPerKey: 4 } }); // four uploads of one key at once below
  admin = await t.key('admin');
  feed = await t.key('feed', { sources: ['hospital', 'bank'] });
  otherFeed = await t.key('feed', { sources: ['hospital'] });
  await register(t, admin, people);
  worker = createIngestBatchWorker(t.deps, { chunkLines: 3 });
});
afterAll(async () => {
  await worker?.close();
  await t?.close();
});

describe('CSV batches', () => {
  it('handles a BOM, CRLF, quoted fields with commas and newlines, extra columns, and reports rejects by editor line', async () => {
    const stranger = makeNationalId('110101', '1950-01-01', 9);
    const bad = people[0]!.slice(0, 17) + (people[0]![17] === '0' ? '1' : '0');
    const rows = [
      'national_id,patient_name,kind,occurred_at,source_ref,identity_check,ward', // line 1
      `${people[0]},"张三, 先生",admission,2026-06-01T09:00:00+08:00,C-1,id_document,"A, east"`, // 2
      `${people[1]},"李四\r\n(二行)",discharge,2026-06-02T09:00:00+08:00,C-2,biometric,B`, // 3-4
      `${bad},王五,admission,2026-06-01T09:00:00+08:00,C-3,id_document,C`, // 5
      `${people[2]},赵六,haircut,2026-06-01T09:00:00+08:00,C-4,id_document,C`, // 6
      '', // 7 (blank)
      `${people[2]},赵六,admission,2027-01-01T09:00:00+08:00,C-5,id_document,C`, // 8
      `${people[2]},赵六,admission,01/06/2026,C-6,id_document,C`, // 9
      `${people[2]},赵六,admission,2026-06-01T09:00:00+08:00,,id_document,C`, // 10
      `${stranger},钱七,admission,2026-06-01T09:00:00+08:00,C-7,id_document,C`, // 11
      `${people[3]},孙八,outpatient,2026-06-01T09:00:00+08:00,C-1,id_document,C`, // 12 duplicate of C-1
      `${people[3]},孙八,outpatient,2026-06-03T09:00:00+08:00,C-8,none`, // 13 (short row, extra column absent)
    ];
    const file = '\uFEFF' + rows.join('\r\n') + '\r\n';
    const res = await upload(feed, 'hospital', file, 'text/csv; charset=utf-8');
    expect(res.statusCode).toBe(202);
    const { batchId, status } = res.json();
    expect(status).toBe('received');
    // The feed that sent it sees its valid lines taken; an admin key sees how (existence-oracles.test.ts).
    expect(await waitForBatch(t, feed, batchId)).toMatchObject({ status: 'completed', lines: 10, accepted: 5, duplicates: 0, unmatched: 0, rejected: 5 });
    const b = await waitForBatch(t, admin, batchId);
    expect(b).toMatchObject({ batchId, source: 'hospital', status: 'completed', lines: 10, accepted: 3, duplicates: 1, unmatched: 1, rejected: 5 });
    expect(b.rejects.map((r: { line: number; code: string }) => [r.line, r.code])).toEqual([
      [5, 'invalid_national_id'],
      [6, 'unknown_kind'],
      [8, 'future_timestamp'],
      [9, 'bad_timestamp'],
      [10, 'missing_field'],
    ]);
    expect(b.receivedAt).toBe('2026-06-15T04:00:00.000Z');
    expect(b.completedAt).toBeTruthy();
    const stored = await t.deps.pool.query(`SELECT source_ref, kind, identity_check FROM events WHERE batch_id = $1 ORDER BY source_ref`, [batchId]);
    expect(stored.rows).toEqual([
      { source_ref: 'C-1', kind: 'admission', identity_check: 'id_document' },
      { source_ref: 'C-2', kind: 'discharge', identity_check: 'biometric' },
      { source_ref: 'C-8', kind: 'outpatient', identity_check: 'none' },
    ]);
    // the raw file (names, wards, the stranger) is gone once processed
    const chunks = await t.deps.pool.query('SELECT count(*)::int AS n FROM batch_chunks WHERE batch_id = $1', [batchId]);
    expect(chunks.rows[0].n).toBe(0);
    // the touched pensioners are queued for rescoring, ids only
    const mine = await rescoreJobsOfBatch(t, batchId);
    expect(mine).toHaveLength(1);
    expect((mine[0]!.data as { pensionerIds: string[] }).pensionerIds).toHaveLength(3);
  });

  it('reads a GBK file with Chinese names', async () => {
    const text = [
      'national_id,姓名,kind,occurred_at,source_ref,identity_check',
      `${people[5]},欧阳明,counter,2026-06-01T10:00:00+08:00,G-1,id_document`,
      `${people[6]},张*,mobile_face,2026-06-01T11:00:00+08:00,G-2,biometric`,
      `${people[7]},李四,teleport,2026-06-01T11:00:00+08:00,G-3,biometric`,
    ].join('\n');
    const gbk = iconv.encode(text, 'gbk');
    expect(gbk.includes(Buffer.from('欧阳明'))).toBe(false); // really not UTF-8
    const res = await upload(feed, 'bank', gbk, 'text/csv; charset=GBK');
    expect(res.statusCode).toBe(202);
    const b = await waitForBatch(t, feed, res.json().batchId);
    expect(b).toMatchObject({ status: 'completed', lines: 3, accepted: 2, rejected: 1 });
    expect(b.rejects[0]).toMatchObject({ line: 4, code: 'unknown_kind' });
  });

  it('refuses a GBK file sent without its charset (400 not_utf8), and takes it as another batch with charset=gbk', async () => {
    const text = ['national_id,姓名,kind,occurred_at,source_ref,identity_check', `${people[5]},欧阳明,counter,2026-06-02T10:00:00+08:00,G-U1,id_document`].join(
      '\n',
    );
    const gbk = iconv.encode(text, 'gbk');
    const bare = await upload(feed, 'bank', gbk);
    expect(bare.statusCode).toBe(400);
    expect(bare.json().error).toMatchObject({ code: 'not_utf8' });
    expect(bare.json().error.message).toMatch(/charset=gbk/);
    const right = await upload(feed, 'bank', gbk, 'text/csv; charset=gbk');
    expect(right.statusCode).toBe(202);
    expect(right.json().status).toBe('received'); // a new batch, not an answer about the refused one
    expect(await waitForBatch(t, feed, right.json().batchId)).toMatchObject({ status: 'completed', accepted: 1 });
  });

  it('checks UTF-8 across chunk boundaries: a character split between two chunks is no error', async () => {
    const stream = new PassThrough();
    const line = `national_id,kind,occurred_at,source_ref,identity_check\n${people[9]},admission,2026-06-01T10:00:00+08:00,张-split,id_document\n`;
    const bytes = Buffer.from(line);
    const cut = bytes.indexOf(Buffer.from('张')) + 1;
    const res = upload(feed, 'hospital', stream);
    stream.write(bytes.subarray(0, cut));
    setTimeout(() => stream.end(bytes.subarray(cut)), 20);
    expect((await res).statusCode).toBe(202);
  });

  it('the same file twice is the same batch, processed once', async () => {
    const text = `national_id,kind,occurred_at,source_ref,identity_check\n${people[8]},admission,2026-06-01T10:00:00+08:00,T-1,id_document\n`;
    const first = await upload(feed, 'hospital', text);
    const b1 = await waitForBatch(t, feed, first.json().batchId);
    const second = await upload(feed, 'hospital', text);
    expect(second.statusCode).toBe(202);
    expect(second.json()).toEqual({ batchId: first.json().batchId, status: 'completed' });
    const b2 = await waitForBatch(t, feed, first.json().batchId);
    expect(b2).toEqual(b1);
    expect(b2.accepted).toBe(1);
    // the second copy left nothing behind: no other batch row, no stored chunks
    const n = await t.deps.pool.query(
      `SELECT (SELECT count(*) FROM batches WHERE status = 'uploading')::int AS uploading, (SELECT count(*) FROM batch_chunks)::int AS chunks`,
    );
    expect(n.rows[0]).toEqual({ uploading: 0, chunks: 0 });
  });

  it('the same file uploaded several times at once is one batch', async () => {
    // Uploads that both pass the duplicate check before either commits: the later ones meet
    // the unique (source, sha256) index and answer with the batch that won.
    const text = `national_id,kind,occurred_at,source_ref,identity_check\n${people[10]},admission,2026-06-01T10:00:00+08:00,T-2,id_document\n`;
    // Each body stays open until all are streaming, then all end together.
    const bodies = Array.from({ length: 4 }, () => new PassThrough());
    const pending = bodies.map((b) => upload(feed, 'hospital', b));
    for (const b of bodies) b.write(text);
    await new Promise((r) => setTimeout(r, 200));
    for (const b of bodies) b.end();
    const answers = await Promise.all(pending);
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202, 202]);
    expect(new Set(answers.map((a) => a.json().batchId)).size).toBe(1);
    await waitForBatch(t, feed, answers[0]!.json().batchId);
  });

  it('refuses a missing column, an unknown charset or media type, and a file over the limit, leaving nothing behind', async () => {
    const before = await t.deps.pool.query('SELECT (SELECT count(*) FROM batches)::int AS b, (SELECT count(*) FROM batch_chunks)::int AS c');
    const noKind = await upload(feed, 'hospital', `national_id,occurred_at,source_ref,identity_check\n${people[9]},2026-06-01T10:00:00+08:00,X-1,none\n`);
    expect(noKind.statusCode).toBe(400);
    expect(noKind.json().error).toMatchObject({ code: 'missing_column' });
    expect(noKind.json().error.message).toContain('kind');
    const cs = await upload(feed, 'hospital', 'national_id\n', 'text/csv; charset=latin1');
    expect(cs.statusCode).toBe(415);
    expect(cs.json().error.code).toBe('unsupported_charset');
    const media = await upload(feed, 'hospital', '[]', 'application/json');
    expect(media.statusCode).toBe(415);
    const huge = `national_id,kind,occurred_at,source_ref,identity_check\n` + `${people[9]},admission,2026-06-01T10:00:00+08:00,H-1,none\n`.repeat(80_000);
    const tooBig = await upload(feed, 'hospital', huge);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().error.code).toBe('body_too_large');
    const empty = await upload(feed, 'hospital', '');
    expect(empty.statusCode).toBe(400);
    const after = await t.deps.pool.query('SELECT (SELECT count(*) FROM batches)::int AS b, (SELECT count(*) FROM batch_chunks)::int AS c');
    expect(after.rows[0]).toEqual(before.rows[0]);
  });

  it('a CSV with an unclosed quote rejects the broken record and keeps the rest', async () => {
    const text = `national_id,kind,occurred_at,source_ref,identity_check\n${people[10]},admission,2026-06-01T10:00:00+08:00,Q-1,none\n${people[11]},admission,2026-06-01T10:00:00+08:00,"Q-2,none\n${people[12]},admission,2026-06-01T10:00:00+08:00,Q-3,none\n`;
    const res = await upload(feed, 'hospital', text);
    const b = await waitForBatch(t, feed, res.json().batchId);
    expect(b.status).toBe('completed');
    // An open quote legitimately runs on into the next line (RFC 4180), so the broken record
    // takes the line after it with it; both are rejected, nothing else is lost.
    expect(b.accepted).toBe(1);
    expect(b.rejects[0]).toMatchObject({ line: 3, code: 'malformed_line' });
  });
});

describe('NDJSON batches', () => {
  it('ignores extra fields, takes the source from the path, and rejects malformed lines', async () => {
    const lines = [
      JSON.stringify({
        nationalId: people[13],
        kind: 'admission',
        occurredAt: '2026-06-01T10:00:00+08:00',
        sourceRef: 'N-1',
        identityCheck: 'id_document',
        patientName: '张三',
      }),
      '{not json',
      '',
      JSON.stringify({
        nationalId: people[14],
        source: 'bank',
        kind: 'counter',
        occurredAt: '2026-06-01T10:00:00+08:00',
        sourceRef: 'N-2',
        identityCheck: 'id_document',
      }),
      JSON.stringify({
        nationalId: people[14],
        source: 'hospital',
        kind: 'outpatient',
        occurredAt: '2026-06-01T10:00:00Z',
        sourceRef: 'N-3',
        identityCheck: 'card_pin',
      }),
      '[1,2]',
    ];
    const res = await upload(otherFeed, 'hospital', lines.join('\n'), 'application/x-ndjson');
    expect(res.statusCode).toBe(202);
    const b = await waitForBatch(t, otherFeed, res.json().batchId);
    expect(b).toMatchObject({ status: 'completed', lines: 5, accepted: 2, rejected: 3 });
    expect(b.rejects.map((r: { line: number; code: string }) => [r.line, r.code])).toEqual([
      [2, 'malformed_line'],
      [4, 'source_mismatch'],
      [6, 'malformed_line'],
    ]);
  });
});

describe('access', () => {
  it('refuses a source the key was not created for, and shows a feed only its own batches', async () => {
    const res = await upload(otherFeed, 'bank', 'national_id\n');
    expect(res.statusCode).toBe(403);
    const mine = await upload(
      feed,
      'hospital',
      `national_id,kind,occurred_at,source_ref,identity_check\n${people[15]},admission,2026-06-01T10:00:00+08:00,A-1,none\n`,
    );
    const id = mine.json().batchId;
    expect((await t.app.inject({ method: 'GET', url: `/v1/feeds/batches/${id}`, headers: auth(otherFeed) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/v1/feeds/batches/${id}`, headers: auth(admin) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/v1/feeds/batches/not-an-id`, headers: auth(admin) })).statusCode).toBe(404);
    expect((await upload(feed, 'astrology', 'x\n')).statusCode).toBe(404);
    await waitForBatch(t, feed, id);
  });
});

describe('batch status', () => {
  it('answers 404 for a malformed batch id that looks like a UUID, never a 500', async () => {
    // 36 characters of hex digits and dashes, but no UUID: PostgreSQL refuses to cast them.
    for (const id of ['-'.repeat(36), '0'.repeat(36), '00000000-0000-0000-0000-00000000000g', '00000000-0000-0000-0000-0000000000000']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/feeds/batches/${id}`, headers: auth(admin) });
      expect(res.statusCode, id).toBe(404);
      expect(res.json().error.code, id).toBe('not_found');
    }
  });
});

describe('rescoring after a batch', () => {
  it('names the people in id order, not in the text order of their ids (1, 10, 2): a job names neighbours, read by range', async () => {
    const rows = people.map((nid, i) => `${nid},admission,2026-06-04T10:00:00+08:00,O-${i},id_document`);
    const res = await upload(admin, 'hospital', `national_id,kind,occurred_at,source_ref,identity_check\n${rows.join('\n')}\n`);
    const batchId = res.json().batchId as string;
    expect(await waitForBatch(t, admin, batchId)).toMatchObject({ status: 'completed', accepted: 20 });
    const { rows: registered } = await t.deps.pool.query<{ id: string }>('SELECT id::text AS id FROM pensioners WHERE national_id = any($1)', [people]);
    const numeric = registered.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
    expect(numeric.at(-1)!.length).toBeGreaterThan(numeric[0]!.length); // the ids cross a power of ten
    const [job] = await rescoreJobsOfBatch(t, batchId);
    expect((job!.data as { pensionerIds: string[] }).pensionerIds).toEqual(numeric);
  });
});
