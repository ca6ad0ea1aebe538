// The per-line national ID check used by ingestion gives parseNationalId's answers.
import { expect, it } from 'vitest';
import fc from 'fast-check';
import { parseNationalId, makeNationalId } from '../../src/domain/national-id.ts';
import { checkNationalId, parseInstant } from '../../src/modules/evidence/validate.ts';

const same = (s: string) => {
  const a = parseNationalId(s);
  const b = checkNationalId(s);
  expect(typeof b === 'string' ? { ok: true, id: b } : { ok: false, e: b.error }).toEqual(a.ok ? { ok: true, id: a.value.nationalId } : { ok: false, e: a.error });
};

it('agrees with parseNationalId on valid, mutated and random IDs', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 110000, max: 659999 }),
      fc.date({ min: new Date('1860-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }),
      fc.nat(999),
      fc.nat(17),
      fc.constantFrom('0', '1', '5', '9', 'X', 'x', 'a', ' '),
      (region, birth, seq, pos, ch) => {
        const id = makeNationalId(String(region), birth.toISOString().slice(0, 10), seq);
        same(id);
        same(id.toLowerCase());
        same(id.slice(0, pos) + ch + id.slice(pos + 1));
        same(id.slice(0, 10) + '0230' + id.slice(14));
      },
    ),
    { numRuns: 2000 },
  );
  fc.assert(fc.property(fc.string({ maxLength: 20 }), (s) => same(s)));
  same('51010419500229001X');
  same('510104190002290011');
});

it('reads ISO 8601 instants with an offset only', () => {
  expect(parseInstant('2026-06-01T09:30:00+08:00')?.toISOString()).toBe('2026-06-01T01:30:00.000Z');
  expect(parseInstant('2026-06-01T09:30+0800')?.toISOString()).toBe('2026-06-01T01:30:00.000Z');
  expect(parseInstant('2024-02-29T00:00:00Z')).not.toBeNull();
  for (const bad of ['2026-06-01T09:30:00', '2023-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-06-01T24:00:00Z', '01/06/2026', '']) expect(parseInstant(bad)).toBeNull();
});
