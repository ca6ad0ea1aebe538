// How urgent a manual check is (0..100, higher first), and why. Staff time goes where it is
// needed: the people most likely to have died unreported, or to be going without money they
// are owed, and the least likely to be certified by data alone. Pure: the factors are inputs.
import { ageOn, daysBetween, startOfShanghaiDay, type IsoDate } from './calendar.ts';
import { isFailedAttemptRole } from './catalogue.ts';
import { isCardOnly, type EvidenceEvent } from './evidence.ts';
import { eventWeight } from './scoring.ts';
import { kindOf, roleIn, type Policy } from './policy.ts';

/** Checks opened because someone needs certifying: a certification answers them, and they rank by need. */
export const DUE_CHECK_REASON = 'certification_due';
export const SELF_SERVICE_FAILED = 'self_service_failed';
export const NEED_REASONS: readonly string[] = [DUE_CHECK_REASON, SELF_SERVICE_FAILED];

/** Checks about a recorded death keep fixed priorities: they are a question about a death, not of need. */
export const REVIEW_PRIORITY = { conflicting_death_record: 85, suspected_card_misuse: 80 } as const;

/** A reported death awaiting verification (policy 2026.3): payment is held meanwhile, so it comes first. */
export const DEATH_VERIFICATION = { reason: 'death_verification', priority: 90 } as const;

/**
 * A self_service_failed check's priority until the next sweep ranks it by need (it opens in
 * the transaction that stores the failure, where the person's other factors are not at hand).
 */
export const SELF_SERVICE_FAILED_PRIORITY = 60;

/** What a person's need is ranked on. */
export interface NeedFactors {
  /** The evidence score now (0..1): a lower one is more urgent. */
  score: number;
  /** A record of a strong kind, not card-only, within the last year. */
  strongEvidence: boolean;
  /** Records of reference-tier kinds (or card-only ones) within the last year: each makes it less urgent. */
  referenceRecords: number;
  /** certifiedUntil − today in days: 0 on the last certified day, negative once lapsed. */
  daysToLapse: number;
  /** Age in whole years. */
  age: number;
  /** Failed face checks since the certification, plus staff visits that found nobody. */
  failedAttempts: number;
}

/**
 * The weights, in points of the 0..100 priority. Constants, not policy: the policy file is
 * versioned because decisions record and replay it; the order of the queue is no decision (it
 * is not recorded, and a person's certification does not depend on it), so tuning it should
 * not need a policy version. `needRank` takes them as a parameter, so a policy section or a
 * region's setting can supply them later without touching the rule.
 */
export const NEED_WEIGHTS = {
  /** Everyone in the queue needs someone: no check ranks below this (before reference relief). */
  base: 10,
  /** (1 − score) × this. */
  score: 30,
  /** No strong record in a year: data alone will not certify them. */
  noStrongEvidence: 10,
  /** Closeness to lapse before it: up to `approach` points over the last `approachDays` days. */
  approach: 5,
  approachDays: 61,
  /** On the first day of suspension: reminders went unanswered and payments are now held. */
  lapseStep: 10,
  /** Then a point every `lapseDaysPerPoint` days, up to `lapseMax` more (full at ~6 months). */
  lapseDaysPerPoint: 9,
  lapseMax: 20,
  /** A point every `ageYearsPerPoint` years over 60, up to `ageMax` (full at 100). */
  ageYearsPerPoint: 2,
  ageMax: 20,
  /** Per failed attempt (a face check that did not match, a visit that found nobody), up to `failedMax`. */
  failedAttempt: 10,
  failedMax: 30,
  /** Subtracted per recent reference-tier record, up to `referenceMax`: someone left traces. */
  referenceRelief: 5,
  referenceMax: 10,
} as const;
export type NeedWeights = { readonly [K in keyof typeof NEED_WEIGHTS]: number };

/** Added on the first day of suspension (the reminder loop's escalation at lapse). */
export const LAPSE_STEP = NEED_WEIGHTS.lapseStep;

/** 紧急 / 较急 / 一般. */
export type UrgencyLevel = 'urgent' | 'soon' | 'normal';
export const URGENCY_LABELS: Readonly<Record<UrgencyLevel, string>> = { urgent: '紧急', soon: '较急', normal: '一般' };
/** Priorities from which a check is 紧急 (urgent) or 较急 (soon). */
export const URGENCY_FROM = { urgent: 70, soon: 45 } as const;

/**
 * Why a check ranks where it does, as codes (largest share of the priority first):
 * `lapsed` / `lapse_near`, `low_score`, `no_strong_evidence`, `failed_attempts`,
 * `advanced_age` (the need factors), `reference_evidence` (it lowered the rank), and for
 * checks of fixed priority their reason: `conflicting_death_record`, `suspected_card_misuse`,
 * `flagged`.
 */
export type PriorityReason =
  | 'lapsed'
  | 'lapse_near'
  | 'low_score'
  | 'no_strong_evidence'
  | 'failed_attempts'
  | 'advanced_age'
  | 'reference_evidence'
  | 'conflicting_death_record'
  | 'suspected_card_misuse'
  | 'flagged';

export interface NeedRank {
  priority: number;
  level: UrgencyLevel;
  reasons: PriorityReason[];
}

export function urgencyLevel(priority: number): UrgencyLevel {
  return priority >= URGENCY_FROM.urgent ? 'urgent' : priority >= URGENCY_FROM.soon ? 'soon' : 'normal';
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** Each factor's points (non-decreasing in need; the reference relief is non-negative and subtracted). */
function points(f: NeedFactors, w: NeedWeights) {
  const lapsedDays = Math.max(0, -f.daysToLapse);
  const approaching = f.daysToLapse >= 0 ? clamp((w.approachDays - f.daysToLapse) / w.approachDays, 0, 1) * w.approach : w.approach;
  return {
    lapse: approaching + (lapsedDays > 0 ? w.lapseStep + Math.min(w.lapseMax, lapsedDays / w.lapseDaysPerPoint) : 0),
    score: (1 - clamp(f.score, 0, 1)) * w.score,
    strong: f.strongEvidence ? 0 : w.noStrongEvidence,
    failed: Math.min(w.failedMax, Math.max(0, f.failedAttempts) * w.failedAttempt),
    age: Math.min(w.ageMax, Math.max(0, f.age - 60) / w.ageYearsPerPoint),
    relief: Math.min(w.referenceMax, Math.max(0, f.referenceRecords) * w.referenceRelief),
  };
}

/**
 * The need rank of a person: the sum of the factors' points, rounded and held to 0..100.
 * Monotone in each factor (the property tests hold it to that): a lower score, no strong
 * record, fewer days to lapse, more age and more failed attempts never lower it; a reference
 * record never raises it.
 */
export function needRank(f: NeedFactors, w: NeedWeights = NEED_WEIGHTS): NeedRank {
  const p = points(f, w);
  const priority = Math.round(clamp(w.base + p.lapse + p.score + p.strong + p.failed + p.age - p.relief, 0, 100));
  const shares: [PriorityReason, number][] = [
    [f.daysToLapse < 0 ? 'lapsed' : 'lapse_near', p.lapse],
    ['low_score', p.score >= w.score / 2 ? p.score : 0],
    ['no_strong_evidence', p.strong],
    ['failed_attempts', p.failed],
    ['advanced_age', p.age >= w.ageMax / 4 ? p.age : 0],
  ];
  const reasons = shares
    .filter(([, v]) => v >= 1) // a fraction of a point explains nothing
    .sort((a, b) => b[1] - a[1])
    .map(([r]) => r);
  if (p.relief > 0) reasons.push('reference_evidence');
  return { priority, level: urgencyLevel(priority), reasons };
}

/** Why a check of fixed priority ranks where it does: its own reason. */
export function fixedReasons(checkReason: string): PriorityReason[] {
  if (checkReason === 'conflicting_death_record' || checkReason === 'suspected_card_misuse') return [checkReason];
  if (checkReason === SELF_SERVICE_FAILED) return ['failed_attempts'];
  return checkReason === DUE_CHECK_REASON ? [] : ['flagged'];
}

const YEAR_DAYS = 365;

/**
 * The factors of a person's need from their facts, at `now`: `events` as the decision saw them,
 * `certifiedAt` / `certifiedUntil` of the decision, and the staff visits that found nobody.
 */
export function needFactors(
  policy: Policy,
  p: { birthDate: IsoDate; score: number; certifiedAt: IsoDate; certifiedUntil: IsoDate; events: readonly EvidenceEvent[]; unreachableVisits: number },
  today: IsoDate,
): NeedFactors {
  const since = startOfShanghaiDay(today).getTime() - YEAR_DAYS * 86_400_000;
  const certified = startOfShanghaiDay(p.certifiedAt).getTime();
  const end = startOfShanghaiDay(today).getTime() + 86_400_000;
  let strongEvidence = false;
  let referenceRecords = 0;
  let failedFaces = 0;
  for (const ev of p.events) {
    const t = ev.occurredAt.getTime();
    if (t >= end) continue;
    if (isFailedAttemptRole(roleIn(policy, ev))) {
      if (t >= certified) failedFaces++;
      continue;
    }
    if (t < since || eventWeight(policy, ev) <= 0) continue;
    if (kindOf(policy, ev)?.tier === 'strong' && !isCardOnly(ev.identityCheck)) strongEvidence = true;
    else referenceRecords++;
  }
  return {
    score: p.score,
    strongEvidence,
    referenceRecords,
    daysToLapse: daysBetween(today, p.certifiedUntil),
    age: ageOn(p.birthDate, today),
    failedAttempts: failedFaces + p.unreachableVisits,
  };
}
