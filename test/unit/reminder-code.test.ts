import fc from 'fast-check';
import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { REMINDER_CODE_ALPHABET, newReminderCode, normaliseReminderCode } from '../../src/domain/reminder-code.ts';

describe('reminder codes', () => {
  it('are 8 characters of an alphabet without look-alikes', () => {
    expect(REMINDER_CODE_ALPHABET).not.toMatch(/[01OIL]/);
    expect(new Set(REMINDER_CODE_ALPHABET).size).toBe(REMINDER_CODE_ALPHABET.length);
    for (let i = 0; i < 200; i++) expect(newReminderCode(randomInt)).toMatch(/^[2-9A-HJKMNP-Z]{8}$/);
  });

  it('use every character of the alphabet', () => {
    expect(newReminderCode(() => 0)).toBe('22222222');
    expect(newReminderCode((n) => n - 1)).toBe('ZZZZZZZZ');
  });

  it('normalise any case to the stored form, and refuse what is not a code', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), (picks) => {
        const code = picks.map((p) => REMINDER_CODE_ALPHABET[p % REMINDER_CODE_ALPHABET.length]).join('');
        expect(normaliseReminderCode(code)).toBe(code);
        expect(normaliseReminderCode(code.toLowerCase())).toBe(code);
      }),
    );
    for (const bad of ['', 'ABCDEFG', 'ABCDEFGHJ', 'ABCDEFG0', 'ABCD EFG', 'ABCDEFGI', 'ABCDEFGÄ']) expect(normaliseReminderCode(bad), bad).toBeNull();
  });
});
