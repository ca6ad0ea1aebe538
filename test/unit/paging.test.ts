// The one cursor codec: what it issues comes back; anything else is a 400 invalid_cursor.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cursorOf } from '../../src/http/paging.ts';
import { DomainError } from '../../src/domain/errors.ts';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const refused = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof DomainError && e.kind === 'invalid' && e.code === 'invalid_cursor';
  }
  return false;
};

describe('cursorOf', () => {
  const byDateAndId = cursorOf(['date', 'id']);

  it('decodes what it encodes', () => {
    const key = ['2026-06-30', '42'] as const;
    expect(byDateAndId.decode(byDateAndId.encode([...key]))).toEqual(key);
    expect(byDateAndId.decode(undefined)).toBeUndefined();
  });

  it.each([
    ['a date that is not one', ['notadate', 'x']],
    ['a day that does not exist', ['2026-02-30', '1']],
    ['year zero', ['0000-01-01', '1']],
    ['an id that is not a bigint', ['2026-01-01', '1e3']],
    ['an id past bigint', ['2026-01-01', '99999999999999999999']],
    ['too few parts', ['2026-01-01']],
    ['a number where a string goes', ['2026-01-01', 1]],
  ])('refuses %s', (_what, key) => {
    expect(refused(() => byDateAndId.decode(b64(key)))).toBe(true);
  });

  it('refuses timestamps and uuids that are not', () => {
    const c = cursorOf(['timestamp', 'uuid']);
    const key = ['2026-06-15 04:00:00.123456+00', '0b6a1f1e-6f1c-4c4e-9c8b-1f2e3d4c5b6a'] as const;
    expect(c.decode(c.encode(key))).toEqual(key);
    expect(refused(() => c.decode(b64(['2026-13-45 99:00:00+00', '0b6a1f1e-6f1c-4c4e-9c8b-1f2e3d4c5b6a'])))).toBe(true);
    expect(refused(() => c.decode(b64(['2026-06-15 04:00:00+00', "x' OR 1=1"])))).toBe(true);
  });

  it('answers any string with a key or invalid_cursor, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null))).map(b64)), (s) => {
        try {
          byDateAndId.decode(s);
          return true;
        } catch (e) {
          return e instanceof DomainError && e.code === 'invalid_cursor';
        }
      }),
    );
  });

  it('pages rows fetched with limit + 1', () => {
    const rows = [1, 2, 3].map((n) => ({ day: `2026-01-0${n}`, id: String(n) }));
    const p = byDateAndId.page(rows, 2, (r) => [r.day, r.id]);
    expect(p.items).toHaveLength(2);
    expect(byDateAndId.decode(p.nextCursor!)).toEqual(['2026-01-02', '2']);
    expect(byDateAndId.page(rows, 3, (r) => [r.day, r.id]).nextCursor).toBeNull();
  });
});
