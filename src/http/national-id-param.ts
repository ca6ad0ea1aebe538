import { parseNationalId, NATIONAL_ID_MESSAGES } from '../domain/national-id.ts';
import { invalid } from '../domain/errors.ts';

/** The normalised national ID of a path or body, or a 400 invalid_national_id. */
export function requireNationalId(raw: string): string {
  const r = parseNationalId(raw);
  if (!r.ok) throw invalid('invalid_national_id', NATIONAL_ID_MESSAGES[r.error]);
  return r.value.nationalId;
}
