// GB 11643-1999 citizen identity number: 6-digit region, 8-digit birth date,
// 3-digit sequence (odd = male), ISO 7064 MOD 11-2 check character.
import { daysInMonth } from './calendar.ts';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';
const SHAPE = /^[1-9]\d{5}(\d{4})(\d{2})(\d{2})\d{3}[\dX]$/;

export type NationalIdError = 'shape' | 'birth_date' | 'check_digit';

export interface ParsedNationalId {
  nationalId: string;
  regionCode: string;
  birthDate: string; // YYYY-MM-DD
  sex: 'male' | 'female';
}

export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** Normalises (upper-case X) and validates; `asOf` bounds the birth date (no one is born in the future). */
export function parseNationalId(raw: string, asOf?: string): { ok: true; value: ParsedNationalId } | { ok: false; error: NationalIdError } {
  const id = raw.trim().toUpperCase();
  const m = SHAPE.exec(id);
  if (!m) return { ok: false, error: 'shape' };
  // Plain arithmetic, no date library: ingestion checks every line of every file with this.
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (y < 1870 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return { ok: false, error: 'birth_date' };
  const birthDate = `${m[1]}-${m[2]}-${m[3]}`;
  if (asOf !== undefined && birthDate > asOf) return { ok: false, error: 'birth_date' };
  if (checkCharacter(id.slice(0, 17)) !== id[17]) return { ok: false, error: 'check_digit' };
  return {
    ok: true,
    value: {
      nationalId: id,
      regionCode: id.slice(0, 6),
      birthDate,
      sex: Number(id[16]) % 2 === 1 ? 'male' : 'female',
    },
  };
}

export function isValidNationalId(raw: string): boolean {
  return parseNationalId(raw).ok;
}

export const NATIONAL_ID_MESSAGES: Record<NationalIdError, string> = {
  shape: 'national ID must be 18 characters: 17 digits and a check digit or X',
  birth_date: 'national ID carries an impossible birth date',
  check_digit: 'national ID check digit does not match (GB 11643 MOD 11-2)',
};

/** Builds a valid ID from its parts; for synthetic data and tests only. */
export function makeNationalId(regionCode: string, birthDate: string, sequence: number): string {
  const first17 = `${regionCode}${birthDate.replaceAll('-', '')}${String(sequence % 1000).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}
