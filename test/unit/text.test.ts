// What PostgreSQL can store: no NUL, no half of a surrogate pair; everything else is text.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStorableText, unstorableTextPath } from '../../src/domain/text.ts';

describe('storable text', () => {
  it('takes any well-formed text without NUL, including astral characters', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => isStorableText(s.replaceAll('\u0000', ''))));
    expect(isStorableText('𠀀张三 13800138000')).toBe(true);
  });

  it('refuses a NUL or a lone surrogate anywhere', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.constantFrom('\u0000', '\ud800', '\udfff'), (a, b, bad) => {
        // A high surrogate right before a low one would pair up: keep the bad one alone.
        const s = `${a.replace(/[\ud800-\udfff]/g, '')}${bad}${b.replace(/[\ud800-\udfff]/g, '')}`;
        return !isStorableText(s);
      }),
    );
  });

  it('names the path of the first bad string in a value, keys included', () => {
    expect(unstorableTextPath({ a: 'x', b: [{ c: 'ok' }, { d: 'y\u0000' }] })).toBe('b.1.d');
    expect(unstorableTextPath({ ['k\ud800']: 1 })).toBe('k\ud800');
    expect(unstorableTextPath('\u0000')).toBe('');
    expect(unstorableTextPath({ a: 1, b: null, c: ['fine'] })).toBeNull();
  });
});
