// Evidence scoring: how sure are we that the pensioner is alive at a given instant?
// Pure: the instant is always a parameter.
import { shanghaiDate, startOfShanghaiDay, type IsoDate } from './calendar.ts';
import { byOccurrence, isCardOnly, type EvidenceEvent } from './evidence.ts';
import { isDeathRole, type Tier } from './catalogue.ts';
import { kindOf, roleIn, type MortalityPoint, type Policy } from './policy.ts';

export type AutoMethod = 'auto' | 'in_person' | 'self_service' | 'home_visit';

export interface EvidenceContribution {
  eventId: string;
  source: string;
  kind: string;
  /** The kind's tier: `reference` evidence adds to the score but never certifies alone. */
  tier: Tier;
  occurredAt: Date;
  /** Effective weight: the kind's weight, capped by the identity check. */
  weight: number;
  /** The weight decayed to the scoring instant: what this event adds to the noisy-OR. */
  contribution: number;
}

export interface Score {
  score: number;
  /** The best event of each correlated group, strongest first. */
  evidence: EvidenceContribution[];
}

export interface AutoCertification extends Score {
  /** Shanghai date of the newest non-card-only contributing event. */
  certifiedAt: IsoDate;
  /** The instant the score reached the threshold (the newest contributing event). */
  at: Date;
  method: AutoMethod;
  /** The event that dates the certification. */
  datedBy: string;
  /** When the certification could first be known: latest receivedAt among its evidence. */
  decidedAt: Date;
}

/**
 * Chance that this event shows the pensioner personally alive. Death records are never life
 * evidence (whatever a misconfigured weight says); the identity check can only lower a weight,
 * because a strong kind of event with no identity check says nothing about who was there.
 */
export function eventWeight(policy: Policy, ev: EvidenceEvent): number {
  return weighed(policy, ev).weight;
}

/** The event's weight and its kind's tier; a source or kind the policy does not name weighs nothing. */
function weighed(policy: Policy, ev: EvidenceEvent): { weight: number; tier: Tier } {
  const spec = kindOf(policy, ev);
  if (!spec || isDeathRole(spec.role)) return { weight: 0, tier: 'reference' };
  const cap = policy.identityCaps[ev.identityCheck] ?? 0;
  return { weight: Math.min(spec.weight, cap), tier: spec.tier };
}

// ---- mortality -------------------------------------------------------------------------

const YEAR_MS = 365.2425 * 86_400_000;

/**
 * Cumulative hazard H(age) = ∫ μ, anchored at the first table age. The continuous rate at a
 * table age is μ = −ln(1 − q); between ages μ is linear, and it is held constant outside the
 * table (below: the youngest rate, conservative; above: the late-life mortality plateau).
 */
interface Hazard {
  ages: number[];
  rates: number[];
  cumulative: number[];
}
const hazardCache = new WeakMap<MortalityPoint[], Hazard>();

function hazardOf(table: MortalityPoint[]): Hazard {
  let h = hazardCache.get(table);
  if (h) return h;
  const ages = table.map((p) => p.age);
  const rates = table.map((p) => -Math.log1p(-p.annualProbability));
  const cumulative = [0];
  for (let i = 1; i < ages.length; i++) {
    cumulative.push(cumulative[i - 1]! + ((ages[i]! - ages[i - 1]!) * (rates[i]! + rates[i - 1]!)) / 2);
  }
  h = { ages, rates, cumulative };
  hazardCache.set(table, h);
  return h;
}

function cumulativeHazard(h: Hazard, age: number): number {
  const n = h.ages.length;
  if (age <= h.ages[0]!) return h.rates[0]! * (age - h.ages[0]!);
  if (age >= h.ages[n - 1]!) return h.cumulative[n - 1]! + h.rates[n - 1]! * (age - h.ages[n - 1]!);
  let i = 0;
  while (h.ages[i + 1]! < age) i++;
  const a0 = h.ages[i]!;
  const a1 = h.ages[i + 1]!;
  const r0 = h.rates[i]!;
  const r = r0 + ((h.rates[i + 1]! - r0) * (age - a0)) / (a1 - a0);
  return h.cumulative[i]! + ((age - a0) * (r0 + r)) / 2;
}

/** Instantaneous hazard rate (per year) at an age: the table's rates as scoring reads them (its tests hold them to the table). */
export function hazardRate(policy: Policy, age: number): number {
  const h = hazardOf(policy.mortality);
  const n = h.ages.length;
  if (age <= h.ages[0]!) return h.rates[0]!;
  if (age >= h.ages[n - 1]!) return h.rates[n - 1]!;
  let i = 0;
  while (h.ages[i + 1]! < age) i++;
  return h.rates[i]! + ((h.rates[i + 1]! - h.rates[i]!) * (age - h.ages[i]!)) / (h.ages[i + 1]! - h.ages[i]!);
}

/**
 * One pensioner's cumulative hazard at an instant (epoch ms). Scoring decays every event to
 * many instants; taking H once per instant and per event, instead of twice per pair, is what
 * keeps a sweep of millions cheap: the survival from one instant to another is
 * survivalBetween(from, H(from), to, H(to)).
 */
function hazardClock(policy: Policy, birthMs: number): (t: number) => number {
  const h = hazardOf(policy.mortality);
  return (t) => cumulativeHazard(h, (t - birthMs) / YEAR_MS);
}

function survivalBetween(fromMs: number, hFrom: number, toMs: number, hTo: number): number {
  return toMs <= fromMs ? 1 : Math.exp(-Math.max(0, hTo - hFrom));
}

/**
 * Alive at `occurredAt` (with probability `weight`) decays towards "alive at `at`":
 * weight × P(survive from occurredAt to at) under the age-specific hazard. The decay of one
 * event, by the same hazard clock scoring uses.
 */
export function decay(policy: Policy, weight: number, birthDate: IsoDate, occurredAt: Date, at: Date): number {
  const H = hazardClock(policy, startOfShanghaiDay(birthDate).getTime());
  const from = occurredAt.getTime();
  const to = at.getTime();
  return weight * survivalBetween(from, H(from), to, H(to));
}

// ---- score -----------------------------------------------------------------------------

/**
 * The noisy-OR groups. Events of one source are correlated (one hospital stay yields an
 * admission, outpatient visits and a discharge), so only the best counts. Card-only events
 * (card_pin / none) form one group of their own whatever their source: they share a single
 * failure mode — someone else holding the card — so piling up card uses from several sources
 * must not add up to certainty.
 */
type Group = string;
/** Not a possible source name (those are lower-case letters, digits and _). */
const CARD_ONLY: Group = '*card_only';

function groupOf(ev: EvidenceEvent): Group {
  return isCardOnly(ev.identityCheck) ? CARD_ONLY : ev.source;
}

interface Candidate {
  ev: EvidenceEvent;
  weight: number;
  tier: Tier;
  contribution: number;
}

/** A candidate with its instant and the cumulative hazard there. */
interface Timed extends Candidate {
  t: number;
  h: number;
}

/** Better evidence: larger contribution, then newer, then larger id (total, deterministic). */
function better(a: Candidate, b: Candidate): boolean {
  if (a.contribution !== b.contribution) return a.contribution > b.contribution;
  return byOccurrence(a.ev, b.ev) > 0;
}

/**
 * The groups multiply in the catalogue's order, then card-only: a fixed order, so a score is
 * the same to the last bit however its events came (and a replay compares exactly).
 */
function combine(policy: Policy, best: Map<Group, Candidate>): Score {
  let miss = 1;
  for (const g of policy.catalogue.keys()) {
    const c = best.get(g);
    if (c) miss *= 1 - c.contribution;
  }
  const card = best.get(CARD_ONLY);
  if (card) miss *= 1 - card.contribution;
  const evidence = [...best.values()]
    .sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0))
    .map(({ ev, weight, tier, contribution }) => ({
      eventId: ev.id,
      source: ev.source,
      kind: ev.kind,
      tier,
      occurredAt: ev.occurredAt,
      weight,
      contribution,
    }));
  return { score: 1 - miss, evidence };
}

/**
 * Score at `at`: 1 − Π over groups (1 − best decayed weight). Only life evidence that had
 * happened by `at` counts; weight-0 kinds (deaths, sentence starts) never contribute.
 */
export function scoreAt(policy: Policy, birthDate: IsoDate, events: readonly EvidenceEvent[], at: Date, representing?: EvidenceEvent): Score {
  const H = hazardClock(policy, startOfShanghaiDay(birthDate).getTime());
  const atMs = at.getTime();
  const hAt = H(atMs);
  const best = new Map<Group, Candidate>();
  for (const ev of events) {
    const t = ev.occurredAt.getTime();
    if (t > atMs) continue;
    const { weight, tier } = weighed(policy, ev);
    if (weight <= 0) continue;
    const cand = { ev, weight, tier, contribution: weight * survivalBetween(t, H(t), atMs, hAt) };
    const cur = best.get(groupOf(ev));
    // `representing`: the record that dated a certification stands for its source (see below).
    if (representing && cur?.ev === representing) continue;
    if (!cur || ev === representing || better(cand, cur)) best.set(groupOf(ev), cand);
  }
  return combine(policy, best);
}

/**
 * From 2026.4 (`newestRecordDates`): a strong record of this instant that reaches the
 * threshold standing for its source, with the other sources' best, dates the certification
 * even where an older record of its source still weighs more after decay (a check-up of 0.95
 * in November outweighs a family doctor's 0.9 in July, yet the July visit is as good a proof
 * of life in July). Null when none does.
 */
function newestReaching(threshold: number, order: readonly Group[], best: ReadonlyMap<Group, Candidate>, taken: readonly Candidate[]): Candidate | null {
  let found: Candidate | null = null;
  for (const cand of taken) {
    const group = groupOf(cand.ev);
    if (cand.tier !== 'strong' || group === CARD_ONLY || best.get(group) === cand) continue;
    // In combine's order, so the explanation's score is this one to the bit.
    let miss = 1;
    for (const g of order) {
      const c = g === group ? cand : best.get(g);
      if (c) miss *= 1 - c.contribution;
    }
    if (1 - miss >= threshold && (!found || byOccurrence(cand.ev, found.ev) > 0)) found = cand;
  }
  return found;
}

function methodOf(policy: Policy, ev: EvidenceEvent): AutoMethod {
  const role = roleIn(policy, ev);
  if (role === 'self_service') return 'self_service';
  if (role === 'staff_in_person') return 'in_person';
  if (role === 'staff_home_visit') return 'home_visit';
  return 'auto';
}

/** An auto-certification whose score and sorted evidence are worked out only when asked for. */
export type AutoCertificationDate = Omit<AutoCertification, keyof Score> & { explain(): Score };

/**
 * Every auto-certification in the history, one per certification date (the latest way it
 * was reached), oldest first. The score is taken at each instant where evidence occurred,
 * over all evidence up to then; when it reaches the threshold the certification is dated at
 * the newest contributing event that is of a strong kind and not card-only — a card used after
 * a death must never date (and so prolong) a certification, and reference evidence (a village
 * ledger, a bus card) lifts the score of strong evidence but never certifies without it,
 * however much of it there is. Input order does not matter. A decision explains
 * only the certification that stands, so each date's score and sorted evidence are worked
 * out on demand (sorting the evidence of every earlier date was a large share of a sweep).
 */
export function autoCertificationDates(policy: Policy, birthDate: IsoDate, events: readonly EvidenceEvent[]): AutoCertificationDate[] {
  const H = hazardClock(policy, startOfShanghaiDay(birthDate).getTime());
  const life: Timed[] = [];
  for (const ev of events) {
    const { weight, tier } = weighed(policy, ev);
    if (weight > 0) life.push({ ev, weight, tier, contribution: weight, t: ev.occurredAt.getTime(), h: H(ev.occurredAt.getTime()) });
  }
  life.sort((a, b) => byOccurrence(a.ev, b.ev));
  // The last instant each date was reached and when it was first known. The group bests at
  // that instant are exactly what scoreAt finds there (decay keeps the order of candidates),
  // so they are not copied for every instant, only recomputed for a date that is explained.
  const byDate = new Map<IsoDate, { at: Date; dating: EvidenceEvent; decidedAt: Date; representing?: EvidenceEvent }>();
  const best = new Map<Group, Timed>();
  // combine's order of the groups, once per history (only the newest-record rule needs it).
  const order = policy.newestRecordDates ? [...policy.catalogue.keys(), CARD_ONLY] : null;
  let i = 0;
  while (i < life.length) {
    const at = life[i]!.ev.occurredAt;
    const atMs = life[i]!.t;
    const hAt = life[i]!.h;
    // Re-decay the group bests to this instant, then take in every event that happened at it.
    for (const c of best.values()) c.contribution = c.weight * survivalBetween(c.t, c.h, atMs, hAt);
    const taken: Timed[] = [];
    while (i < life.length && life[i]!.t === atMs) {
      const cand = { ...life[i++]! };
      taken.push(cand);
      const cur = best.get(groupOf(cand.ev));
      if (!cur || better(cand, cur)) best.set(groupOf(cand.ev), cand);
    }
    let miss = 1;
    for (const c of best.values()) miss *= 1 - c.contribution;
    if (1 - miss < policy.threshold) continue;
    let dating: EvidenceEvent | undefined;
    let received = -Infinity;
    for (const c of best.values()) {
      if (c.tier === 'strong' && !isCardOnly(c.ev.identityCheck) && (!dating || byOccurrence(c.ev, dating) > 0)) dating = c.ev;
      received = Math.max(received, c.ev.receivedAt.getTime());
    }
    const newer = order ? newestReaching(policy.threshold, order, best, taken) : null;
    if (newer && (!dating || byOccurrence(newer.ev, dating) > 0)) {
      dating = newer.ev;
      received = Math.max(newer.ev.receivedAt.getTime(), ...[...best].filter(([g]) => g !== groupOf(newer.ev)).map(([, c]) => c.ev.receivedAt.getTime()));
    }
    if (!dating) continue;
    const certifiedAt = shanghaiDate(dating.occurredAt);
    const decidedAt = new Date(received);
    // Reached again for the same date: the latest way explains it (e.g. a self-service face
    // check after a bank visit that day), but it was known since the earliest way.
    const seen = byDate.get(certifiedAt);
    const known = seen && seen.decidedAt < decidedAt ? seen.decidedAt : decidedAt;
    byDate.set(certifiedAt, { at, dating, decidedAt: known, representing: newer?.ev === dating ? dating : undefined });
  }
  // The explanation (sorted evidence) is worked out only for a date that is explained.
  return [...byDate.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([certifiedAt, r]) => ({
      certifiedAt,
      at: r.at,
      method: methodOf(policy, r.dating),
      datedBy: r.dating.id,
      decidedAt: r.decidedAt,
      explain: () => scoreAt(policy, birthDate, events, r.at, r.representing),
    }));
}
