// How a simulated pensioner answers a reminder SMS: by a self-service face check on the
// national platform (电子社保卡 / 掌上12333), themselves or with a relative's phone (亲情服务),
// or not at all. Pure and deterministic: the answer depends only on (seed, person, round).
// Sources of the rates: README "Staff visits and what the simulation assumes".
import { hash32 } from './prng.ts';
import type { Persona } from './vocabulary.ts';

/** Chance of answering the first reminder with a face check, by persona (assumptions: see the README). */
export const REMINDER_ANSWER: Record<Persona, number> = { urban_active: 0.8, rural: 0.5, frail: 0.35, isolated: 0.2 };
/** The second reminder (a month later) is answered less often by those who ignored the first. */
export const SECOND_ROUND_FACTOR = 0.6;
/** Chance that a face check fails (lighting, an old photo, a shaking hand: an assumption). */
export const FACE_FAILURE = 0.12;
/** After a failure, chance of trying again and passing within the same week. */
export const RETRY_AFTER_FAILURE = 0.5;
/** Answers come within this many days of the message (exponential, mean 4 days, capped). */
export const MAX_ANSWER_DAYS = 25;

export interface FaceAttempt {
  kind: 'face' | 'face_failed';
  /** Days after the reminder was sent. */
  afterDays: number;
  /** Seconds after local midnight. */
  sec: number;
}

function unit(seed: number, key: number, round: number, salt: number): number {
  return hash32(hash32(seed, key), hash32(round, salt)) / 2 ** 32;
}

/** A number from a national ID, for hashing (its 17 digits fold into 32 bits). */
export function idKey(nationalId: string): number {
  return hash32(Number(nationalId.slice(0, 9)), Number(nationalId.slice(9, 17)));
}

/**
 * The face checks a living person makes in answer to reminder `round` (empty: no answer).
 * The dead never answer: a live face check cannot be made for them.
 */
export function answerReminder(seed: number, nationalId: string, persona: Persona, round: 1 | 2): FaceAttempt[] {
  const key = idKey(nationalId);
  const u = (salt: number) => unit(seed, key, round, salt);
  const p = REMINDER_ANSWER[persona] * (round === 2 ? SECOND_ROUND_FACTOR : 1);
  if (u(1) >= p) return [];
  const afterDays = Math.min(MAX_ANSWER_DAYS, Math.floor(-Math.log(1 - u(2)) * 4));
  const sec = 8 * 3600 + Math.floor(u(3) * 12 * 3600);
  if (u(4) >= FACE_FAILURE) return [{ kind: 'face', afterDays, sec }];
  const failed: FaceAttempt = { kind: 'face_failed', afterDays, sec };
  if (u(5) >= RETRY_AFTER_FAILURE) return [failed];
  return [failed, { kind: 'face', afterDays: Math.min(MAX_ANSWER_DAYS, afterDays + 1 + Math.floor(u(6) * 5)), sec }];
}
