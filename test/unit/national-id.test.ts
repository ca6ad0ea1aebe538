import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidNationalId, makeNationalId, parseNationalId } from '../../src/domain/national-id.ts';

const parts = fc.record({
  region: fc.integer({ min: 110000, max: 659999 }).map(String),
  birth: fc
    .date({ min: new Date('1920-01-01T00:00:00Z'), max: new Date('2005-12-31T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  seq: fc.integer({ min: 0, max: 999 }),
});

describe('national ID (GB 11643, ISO 7064 MOD 11-2)', () => {
  it('accepts generated IDs and reads their parts', () => {
    fc.assert(
      fc.property(parts, ({ region, birth, seq }) => {
        const id = makeNationalId(region, birth, seq);
        const r = parseNationalId(id);
        expect(r.ok).toBe(true);
        if (r.ok) {
          expect(r.value.regionCode).toBe(region);
          expect(r.value.birthDate).toBe(birth);
          expect(r.value.sex).toBe(seq % 2 === 1 ? 'male' : 'female');
        }
      }),
    );
  });

  it('rejects any single changed digit', () => {
    fc.assert(
      fc.property(parts, fc.integer({ min: 0, max: 17 }), fc.integer({ min: 1, max: 10 }), ({ region, birth, seq }, pos, delta) => {
        const id = makeNationalId(region, birth, seq);
        const chars = '0123456789X';
        const cur = chars.indexOf(id[pos]!);
        const alphabet = pos === 17 ? chars : chars.slice(0, 10);
        const next = alphabet[(cur + delta) % alphabet.length]!;
        fc.pre(next !== id[pos]);
        const flipped = id.slice(0, pos) + next + id.slice(pos + 1);
        expect(isValidNationalId(flipped)).toBe(false);
      }),
    );
  });

  it('accepts a lower-case x and stores it upper case', () => {
    // Find a synthetic ID whose check character is X.
    let id = '';
    for (let seq = 0; seq < 1000 && !id.endsWith('X'); seq++) id = makeNationalId('510104', '1950-06-01', seq);
    expect(id.endsWith('X')).toBe(true);
    const r = parseNationalId(id.toLowerCase());
    expect(r.ok && r.value.nationalId).toBe(id);
  });

  it('names what is wrong', () => {
    expect(parseNationalId('51010419500601')).toEqual({ ok: false, error: 'shape' });
    const bad = makeNationalId('510104', '1950-06-01', 7);
    expect(parseNationalId(bad.slice(0, 6) + '19500231' + bad.slice(14))).toEqual({ ok: false, error: 'birth_date' });
    expect(parseNationalId(makeNationalId('510104', '2030-01-01', 1), '2026-01-01')).toEqual({
      ok: false,
      error: 'birth_date',
    });
  });
});
