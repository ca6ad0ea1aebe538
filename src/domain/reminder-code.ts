// The personal code a reminder carries: the person types it into the national platform's
// face certification (电子社保卡 / 掌上12333), which sends it back with the result, so that the
// result answers that reminder. Short enough to read off an SMS and type on a phone, from an
// alphabet without look-alikes (no 0/O, 1/I/L). 31^8 ≈ 2^39.6: guessing one is hopeless, and
// it is only ever checked together with the person's national ID.

export const REMINDER_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const REMINDER_CODE_LENGTH = 8;
/** How long a code answers its reminder: past the second reminder (a month later) and the lapse. */
export const REMINDER_CODE_VALID_DAYS = 90;

/** A new code; `randomInt(n)` returns a uniformly random integer in [0, n) (crypto.randomInt). */
export function newReminderCode(randomInt: (n: number) => number): string {
  let code = '';
  for (let i = 0; i < REMINDER_CODE_LENGTH; i++) code += REMINDER_CODE_ALPHABET[randomInt(REMINDER_CODE_ALPHABET.length)];
  return code;
}

/** A code as the platform may send it (any case) in its one stored form, or null when it is not one. */
export function normaliseReminderCode(s: string): string | null {
  const code = s.toUpperCase();
  if (code.length !== REMINDER_CODE_LENGTH) return null;
  for (const ch of code) if (!REMINDER_CODE_ALPHABET.includes(ch)) return null;
  return code;
}
