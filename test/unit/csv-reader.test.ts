// The fast CSV reader agrees with csv-parse on any well-formed file, however it is split
// into chunks, and reports the editor line of every record.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { csvReader, type CsvItem } from '../../src/modules/evidence/csv.ts';

function readAll(text: string, cuts: number[]): CsvItem[] {
  const r = csvReader();
  const out: CsvItem[] = [];
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    const k = Math.min(c, text.length);
    out.push(...r.push(text.slice(at, k)));
    at = k;
  }
  out.push(...r.push(text.slice(at)), ...r.end());
  return out;
}

const field = fc.oneof(
  fc.stringMatching(/^[a-z0-9 张三]{0,6}$/),
  fc.stringMatching(/^[a-z,"\n张 ]{0,8}$/),
  fc.stringMatching(/^[a-z\r\n]{0,5}$/),
);
const quote = (f: string) => (/[",\r\n]/.test(f) || f === '' ? `"${f.replaceAll('"', '""')}"` : f);

describe('csvReader', () => {
  it('matches csv-parse on well-formed files, split anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.array(fc.nat(200), { maxLength: 5 }),
        (rows, eol, finalEol, cuts) => {
          const text = rows.map((r) => r.map(quote).join(',')).join(eol) + (finalEol ? eol : '');
          const expected = parse(text, { relax_column_count: true, record_delimiter: ['\r\n', '\n'] }) as string[][];
          const got = readAll(text, cuts);
          expect(got.map((g) => ('fields' in g ? g.fields : g.error))).toEqual(expected);
          // editor lines: each record starts after the newlines of those before it
          let line = 1;
          got.forEach((g, i) => {
            expect(g.line).toBe(line);
            const raw = rows[i]!.map(quote).join(',');
            line += raw.split(eol === '\r\n' ? /\r\n|\n/ : /\n/).length - (eol === '\r\n' ? 0 : 0);
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('skips blank lines, keeps stray quotes, and reports an unclosed quote on its first line', () => {
    const got = readAll('a,b\n\n"x""y",2\n3,ab"c\n"bad"q,4\n7,"open\n8,9\n', [5, 11]);
    expect(got).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['x"y', '2'] },
      { line: 4, fields: ['3', 'ab"c'] },
      { line: 5, fields: ['badq', '4'] },
      { line: 6, error: 'a quoted field is not closed' },
      { line: 7, fields: ['8', '9'] },
    ]);
  });

  it('bounds a runaway record', () => {
    const r = csvReader(100);
    const out = [...r.push(`1,"${'x'.repeat(500)}`), ...r.push('\n2,3\n'), ...r.end()];
    expect(out[0]).toEqual({ line: 1, error: 'record is longer than 100 characters' });
  });
});
