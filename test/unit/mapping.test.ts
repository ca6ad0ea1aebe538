// A mapping applied to a file: headers found by name, dates read in their zone, codes mapped,
// and anything unreadable a line reject (never an exception), whatever the header and values.
import { loadDefaultPolicy } from '../../src/domain/policy.ts';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { compileMapping, fieldNamer } from '../../src/modules/evidence/mapping.ts';
import { MappingConfigError, parseMapping, type Mapping } from '../../src/modules/evidence/mapping-config.ts';
import { records, FileFormatError, type ParsedRecord } from '../../src/modules/evidence/parse.ts';
import { validateEvent } from '../../src/modules/evidence/validate.ts';
import { isStorableText } from '../../src/domain/text.ts';
import { makeNationalId } from '../../src/domain/national-id.ts';

const hospital: Mapping = parseMapping(
  {
    name: 'hospital-his',
    source: 'hospital',
    columns: { nationalId: '身份证号', kind: '就诊类型', occurredAt: '就诊日期', sourceRef: '结算单号', location: '区划' },
    dates: { occurredAt: ['yyyy/MM/dd HH:mm', 'yyyy/M/d'] },
    constants: { identityCheck: 'id_document' },
    codes: { kind: { 入院: 'admission', 出院: 'discharge' } },
  },
  'mapping',
);
const death: Mapping = parseMapping(
  {
    name: 'death-register',
    source: 'death',
    columns: { nationalId: 'ID', occurredAt: 'REG_DATE', deathDate: 'DEATH_DATE', sourceRef: 'REF' },
    dates: { occurredAt: ['yyyyMMdd'], deathDate: ['yyyyMMdd'] },
    zone: 'UTC',
    constants: { kind: 'household_deregistration', identityCheck: 'id_document' },
  },
  'mapping',
);
const nid = makeNationalId('510104', '1945-03-01', 7);
const HEADER = ['\u200b编号', ' 身份证号 ', '姓名', '就诊类型', '就诊日期', '结算单号', '区划', '身份证号'];

const { catalogue } = loadDefaultPolicy();

describe('compileMapping', () => {
  const { missing, read } = compileMapping(hospital, HEADER);

  it('finds columns by name (trimmed, first of duplicates), ignoring the others', () => {
    expect(missing).toEqual([]);
    expect(read(['1', nid, '张三', '入院', '2026/03/01 08:00', 'JS-1', '510104', 'other'])).toEqual({
      raw: {
        source: 'hospital',
        identityCheck: 'id_document',
        nationalId: nid,
        kind: 'admission',
        occurredAt: '2026-03-01T08:00:00.000+08:00',
        sourceRef: 'JS-1',
        location: '510104',
      },
    });
  });

  it('tries the formats in order and leaves blank cells absent', () => {
    expect(read(['1', nid, '', ' 出院 ', '2026/3/2', 'JS-2', ''])).toEqual({
      raw: {
        source: 'hospital',
        identityCheck: 'id_document',
        nationalId: nid,
        kind: 'discharge',
        occurredAt: '2026-03-02T00:00:00.000+08:00',
        sourceRef: 'JS-2',
      },
    });
  });

  it('rejects a date in no format and a code with no mapping, naming the column and masking IDs', () => {
    expect(read(['1', nid, '', '入院', '2026-03-01T08:00', 'JS-3'])).toEqual({
      error: { code: 'bad_date_format', message: '就诊日期: "2026-03-01T08:00" does not match "yyyy/MM/dd HH:mm" or "yyyy/M/d"' },
    });
    expect(read(['1', nid, '', '入院', '2026/02/30 08:00', 'JS-3'])).toMatchObject({ error: { code: 'bad_date_format' } });
    expect(read(['1', nid, '', '急诊', '2026/03/01 08:00', 'JS-3'])).toEqual({
      error: { code: 'unmapped_code', message: '就诊类型: "急诊" has no code in mapping hospital-his (known: 入院, 出院)' },
    });
    const shifted = read(['1', nid, '', '入院', nid, 'JS-3']) as { error: { message: string } };
    expect(shifted.error.message).not.toContain(nid);
    expect(shifted.error.message).toContain('510104********');
  });

  it('names the missing columns', () => {
    expect(compileMapping(hospital, ['身份证号', '姓名', '就诊类型']).missing).toEqual([
      { field: 'occurredAt', column: '就诊日期' },
      { field: 'sourceRef', column: '结算单号' },
      { field: 'location', column: '区划' },
    ]);
  });

  it('reads dates of death as dates in the zone, and validation names the columns', () => {
    const d = compileMapping(death, ['ID', 'REG_DATE', 'DEATH_DATE', 'REF']);
    const r = d.read([nid, '20260310', '20260308', 'D-1']);
    expect(r).toEqual({
      raw: {
        source: 'death',
        kind: 'household_deregistration',
        identityCheck: 'id_document',
        nationalId: nid,
        occurredAt: '2026-03-10T00:00:00.000Z',
        sourceRef: 'D-1',
        deathDate: '2026-03-08',
      },
    });
    const late = d.read([nid, '20260310', '20260312', 'D-1']) as { raw: object };
    expect(validateEvent(late.raw, { now: new Date('2026-06-01T00:00:00Z'), catalogue, pathSource: 'death', naming: fieldNamer(death) })).toEqual({
      ok: false,
      code: 'invalid_field',
      message: 'DEATH_DATE is after REG_DATE',
    });
  });
});

/** Every record of a file read through `mapping`, or the file's error. */
async function readAll(text: string, mapping: Mapping, charset: 'utf-8' | 'gbk' = 'utf-8') {
  const bytes = charset === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8');
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
  }
  const out: ParsedRecord[] = [];
  for await (const r of records(chunks(), { contentType: 'text/csv', charset, mapping })) out.push(r);
  return out;
}

describe('records through a mapping', () => {
  it('reads a GBK file split anywhere, with line numbers as an editor shows them', async () => {
    const text = [
      '身份证号,姓名,就诊类型,就诊日期,结算单号,区划',
      `${nid},"王,五",入院,2026/03/01 08:00,JS-1,510104`,
      `${nid},"李\n四",出院,2026/03/02 08:00,JS-2,`,
      `${nid},赵六,门诊,2026/03/03 08:00,JS-3,`,
      `${nid},钱七,入院,03/04/2026,JS-4,`,
    ].join('\r\n');
    const rs = await readAll(text, hospital, 'gbk');
    expect(rs.map((r) => [r.line, 'raw' in r ? r.raw.kind : r.error.code])).toEqual([
      [2, 'admission'],
      [3, 'discharge'],
      [5, 'unmapped_code'],
      [6, 'bad_date_format'],
    ]);
  });

  it('stops at a header without the columns the mapping reads', async () => {
    await expect(readAll('身份证号,就诊类型\n1,入院\n', hospital)).rejects.toThrow(FileFormatError);
    await expect(readAll('身份证号,就诊类型\n1,入院\n', hospital)).rejects.toMatchObject({ code: 'unmapped_columns' });
  });
});

// Property: whatever the header and the values, reading through a mapping gives each line
// either raw fields (strings only) or a line reject with a storable message; the only error
// for a whole file is a header without the mapping's columns.
const COLUMNS = ['身份证号', '就诊类型', '就诊日期', '结算单号', '区划', 'ID', 'REG_DATE', 'DEATH_DATE', 'REF'];
const cellValue = fc.oneof(
  fc.constantFrom(
    '入院',
    '出院',
    '',
    ' ',
    '2026/03/01 08:00',
    '2026/3/1',
    '20260310',
    '2026/02/30 08:00',
    '99999/99/99 99:99',
    nid,
    '\u0000',
    '\ud800',
    '__proto__',
    'constructor',
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ maxLength: 80 }),
);
// Mostly every column either mapping reads, among others and in any order; sometimes anything.
const header = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .array(fc.string({ maxLength: 12 }), { maxLength: 4 })
      .chain((extra) => fc.shuffledSubarray([...COLUMNS, ...extra], { minLength: COLUMNS.length + extra.length })),
  },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.constantFrom(...COLUMNS), fc.string({ maxLength: 12 })), { maxLength: 12 }) },
);

describe('mapping fuzz', () => {
  it('a compiled mapping never throws, and rejects only with line errors', () => {
    fc.assert(
      fc.property(fc.constantFrom(hospital, death), header, fc.array(fc.array(cellValue, { maxLength: 14 }), { maxLength: 20 }), (m, h, rows) => {
        const { missing, read } = compileMapping(m, h);
        for (const rec of rows) {
          const r = read(rec);
          if ('error' in r) {
            expect(['bad_date_format', 'unmapped_code']).toContain(r.error.code);
            expect(isStorableText(r.error.message)).toBe(true);
          } else {
            for (const v of Object.values(r.raw)) expect(typeof v).toBe('string');
            const c = validateEvent(r.raw, { now: new Date('2026-06-01T00:00:00Z'), catalogue, pathSource: m.source, naming: fieldNamer(m) });
            if (!c.ok) expect(isStorableText(c.message) || c.code === 'invalid_text').toBe(true);
          }
        }
        return missing.every((x) => !h.some((c) => c.trim().toLowerCase() === x.column.toLowerCase()));
      }),
      { numRuns: 500 },
    );
  });

  it('reading a file through a mapping yields line records or the unmapped_columns error, nothing else', async () => {
    const csvCell = cellValue.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(hospital, death),
        header,
        fc.array(fc.array(csvCell, { maxLength: 10 }), { maxLength: 15 }),
        fc.constantFrom('\n', '\r\n'),
        async (m, h, rows, nl) => {
          const text = [h.map((c) => c.replace(/[",\r\n]/g, '')).join(','), ...rows.map((r) => r.join(','))].join(nl);
          try {
            const rs = await readAll(text, m);
            let last = 1;
            for (const r of rs) {
              expect(r.line).toBeGreaterThan(last);
              last = r.line;
              if ('error' in r) expect(['bad_date_format', 'unmapped_code', 'malformed_line']).toContain(r.error.code);
            }
          } catch (e) {
            expect(e).toBeInstanceOf(FileFormatError);
            expect((e as FileFormatError).code).toMatch(/^(unmapped_columns|malformed_file|missing_column)$/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a mapping document of any shape is a mapping or a MappingConfigError', () => {
    const doc = fc.record(
      {
        name: fc.oneof(fc.constant('m'), fc.string()),
        source: fc.oneof(fc.constant('hospital'), fc.anything()),
        columns: fc.oneof(fc.dictionary(fc.constantFrom('nationalId', 'kind', 'occurredAt', 'sourceRef', 'identityCheck', 'x'), fc.string()), fc.anything()),
        constants: fc.oneof(fc.dictionary(fc.constantFrom('kind', 'identityCheck', 'location'), fc.string()), fc.anything()),
        dates: fc.oneof(
          fc.record({ occurredAt: fc.array(fc.oneof(fc.string(), fc.constantFrom('yyyy/MM/dd', 'yyyy a HH', 'x', "'")), { maxLength: 3 }) }),
          fc.anything(),
        ),
        zone: fc.oneof(fc.constantFrom('Asia/Shanghai', 'UTC+8', 'Nowhere/Else'), fc.anything()),
        codes: fc.oneof(fc.record({ kind: fc.dictionary(fc.string(), fc.string()) }), fc.anything()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(doc, (d) => {
        try {
          parseMapping(d, 'mapping');
        } catch (e) {
          expect(e).toBeInstanceOf(MappingConfigError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
