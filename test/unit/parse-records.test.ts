// A stored file's bytes come in chunks cut anywhere, through a character of several bytes or a
// UTF-8 BOM: the records read are the same however the file is cut, in UTF-8 and in GBK, and a
// BOM never reaches the first column's name.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { records, type ParsedRecord } from '../../src/modules/evidence/parse.ts';

const HEADER = 'national_id,kind,occurred_at,source_ref,identity_check,location,hospital';
const LINES = [
  '11010119500101123X,admission,2026-03-01T08:00:00+08:00,住院-甲,id_document,,第一人民医院',
  '110101195001011234,discharge,2026-03-02T08:00:00+08:00,"出院,乙",biometric,510104,"成都市""华西""医院"',
  '110101195001011250,outpatient,2026-03-03T08:00:00+08:00,门诊-丙,card_pin,,"多行\n备注"',
];
const FILE = `\ufeff${HEADER}\r\n${LINES.join('\r\n')}\r\n`;

async function read(bytes: Buffer, cuts: number[], charset: 'utf-8' | 'gbk'): Promise<ParsedRecord[]> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  async function* chunks() {
    let at = 0;
    for (const p of [...points, bytes.length]) {
      if (p > at) yield bytes.subarray(at, p);
      at = Math.max(at, p);
    }
  }
  const out: ParsedRecord[] = [];
  for await (const r of records(chunks(), { contentType: 'text/csv', charset })) out.push(r);
  return out;
}

describe('records of a CSV cut into chunks anywhere', () => {
  for (const charset of ['utf-8', 'gbk'] as const) {
    // A GBK file has no UTF-8 BOM; the UTF-8 one starts with it.
    const bytes = charset === 'gbk' ? iconv.encode(FILE.slice(1), 'gbk') : Buffer.from(FILE, 'utf8');
    it(`${charset}: the same records as the whole file, with their editor lines`, async () => {
      const whole = await read(bytes, [], charset);
      expect(whole).toHaveLength(3);
      expect(whole.map((r) => r.line)).toEqual([2, 3, 4]);
      expect(whole[0]).toMatchObject({ raw: { nationalId: '11010119500101123X', sourceRef: '住院-甲' } });
      expect(whole[1]).toMatchObject({ raw: { sourceRef: '出院,乙', location: '510104' } });
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat(bytes.length), { maxLength: 40 }), async (cuts) => {
          expect(await read(bytes, cuts, charset)).toEqual(whole);
        }),
        { numRuns: 200 },
      );
    });
  }
});
