// The certification lifecycle of one pensioner: a pure function of ALL their facts and the
// current instant, so that replaying the stored events gives the identical decision.
import { cycleDates, calendarStatus } from './cycle.ts';
import { shanghaiDate, startOfShanghaiDay, type IsoDate } from './calendar.ts';
import { byOccurrence, isCardOnly, type EvidenceEvent } from './evidence.ts';
import { isFailedAttemptRole, isStaffAliveRole, isStaffRole } from './catalogue.ts';
import { isDeathRecord, roleIn, type Policy } from './policy.ts';
import { autoCertificationDates, scoreAt, type AutoCertificationDate, type AutoMethod, type EvidenceContribution } from './scoring.ts';

/** Every status a certification can have, in the order lists and reports show them. */
export const STATUSES = ['certified', 'due', 'suspended', 'deceased', 'ineligible', 'under_review'] as const;
export type Status = (typeof STATUSES)[number];
export type CertificationMethod = AutoMethod | 'legacy';
export type ReviewReason = 'suspected_card_misuse' | 'conflicting_death_record';
/** Where the death question stands: no death, a death, or a death contradicted by activity. */
export type DeathState = 'alive' | 'deceased' | 'under_review';

export interface Facts {
  birthDate: IsoDate;
  benefitStartDate: IsoDate;
  /** Last certification carried over from the legacy system. */
  legacyCertifiedAt?: IsoDate | null;
  events: readonly EvidenceEvent[];
}

export interface CertificationPeriod {
  certifiedAt: IsoDate;
  certifiedUntil: IsoDate;
  method: CertificationMethod;
  /** When it could first be known (receivedAt of its evidence); payroll replays runs with it. */
  decidedAt: Date;
  /** The event that dates it; null for legacy / benefit start. */
  eventId: string | null;
}

export interface CustodialPeriod {
  since: IsoDate;
  recordedAt: Date;
  releasedOn: IsoDate | null;
  releaseRecordedAt: Date | null;
}

export interface Review {
  reason: ReviewReason;
  /** The earliest event of the reason's kind dated after the recorded death. */
  eventId: string;
  /** When the review (as it stands now) opened: payments are held from then. */
  openedAt: Date;
  since: IsoDate;
}

export interface Decision {
  status: Status;
  certifiedAt: IsoDate | null;
  certifiedUntil: IsoDate | null;
  dueFrom: IsoDate | null;
  method: CertificationMethod | null;
  /** Score taken at `now`: orders manual checks. */
  score: number;
  /** The contributions behind `score`. */
  evidence: EvidenceContribution[];
  /** Score when the current certification was reached; null for legacy. */
  scoreAtCertification: number | null;
  certificationEvidence: EvidenceContribution[];
  policyVersion: string;
  benefitStartDate: IsoDate;
  deathDate: IsoDate | null;
  /** Deceased only: when the standing death took effect (start of the last deceased stretch). */
  deathRecordedAt: Date | null;
  /** Set while serving a custodial sentence. */
  ineligibleSince: IsoDate | null;
  /** Release date of the latest sentence, once released. */
  releasedOn: IsoDate | null;
  review: Review | null;
  periods: CertificationPeriod[];
  custodialPeriods: CustodialPeriod[];
  /** How the death question stood over time, as known at each receivedAt (empty: never a death). */
  deathTimeline: { at: Date; state: DeathState }[];
}

// ---- death -----------------------------------------------------------------------------

type Standing =
  { state: 'alive' } | { state: 'deceased'; deathDate: IsoDate } | { state: 'under_review'; deathDate: IsoDate; reason: ReviewReason; eventId: string };

// Shanghai day of an event, memoised: the death timeline asks for it many times.
const days = new WeakMap<EvidenceEvent, IsoDate>();
function dayOf(ev: EvidenceEvent): IsoDate {
  let d = days.get(ev);
  if (d === undefined) days.set(ev, (d = shanghaiDate(ev.occurredAt)));
  return d;
}
const recordDate = (ev: EvidenceEvent): IsoDate => ev.deathDate ?? dayOf(ev);
const minDate = (dates: IsoDate[]): IsoDate | undefined => dates.sort()[0];

/**
 * Where the death question stands given `events` (sorted by occurrence):
 * - The latest staff decision settles everything dated before it: staff saw the person (alive,
 *   which overrides earlier death records — registries do err) or confirmed the death (which
 *   dismisses earlier contradicting activity — it was looked at).
 * - An authoritative death record not settled that way makes the person deceased from the
 *   earliest date of death any standing record gives.
 * - Any activity dated (Shanghai day) after that date opens a review: only card-only activity
 *   suggests someone else is using the card; anything identity-checked (or a staff visit)
 *   suggests the death record itself may be wrong. Activity on the day of death is normal
 *   (people die in hospital) and conflicts with nothing; nor does a failed face check, which
 *   says the person was not recognised (it is no activity of theirs).
 */
function deathStanding(policy: Policy, events: readonly EvidenceEvent[]): Standing {
  let staff: EvidenceEvent | undefined;
  for (const ev of events) {
    if (isStaffRole(roleIn(policy, ev))) staff = ev;
  }
  const after = (ev: EvidenceEvent) => !staff || byOccurrence(ev, staff) > 0;
  const records = events.filter((ev) => isDeathRecord(policy, ev) && after(ev));
  const dates = records.map(recordDate);
  if (staff && isDeathRecord(policy, staff)) {
    // A staff-recorded death without a date confirms the date the registries gave, if any.
    const earlier = events.filter((ev) => isDeathRecord(policy, ev) && byOccurrence(ev, staff!) < 0);
    dates.push(staff.deathDate ?? minDate(earlier.map(recordDate)) ?? recordDate(staff));
  }
  const deathDate = minDate(dates);
  if (deathDate === undefined) return { state: 'alive' };
  // A failed face check is no activity of the person's: it conflicts with no death.
  const activity = (ev: EvidenceEvent) => !isDeathRecord(policy, ev) && !isFailedAttemptRole(roleIn(policy, ev));
  const conflicts = events.filter((ev) => activity(ev) && (after(ev) || ev === staff) && dayOf(ev) > deathDate);
  if (conflicts.length === 0) return { state: 'deceased', deathDate };
  const identified = conflicts.find((ev) => isStaffRole(roleIn(policy, ev)) || !isCardOnly(ev.identityCheck));
  return identified
    ? { state: 'under_review', deathDate, reason: 'conflicting_death_record', eventId: identified.id }
    : { state: 'under_review', deathDate, reason: 'suspected_card_misuse', eventId: conflicts[0]!.id };
}

/**
 * The death question as it was known at each instant something arrived, so that payroll can
 * tell which past runs were paid, held or stopped. Only computed once a death record exists.
 */
function deathTimeline(policy: Policy, events: readonly EvidenceEvent[], now: Date) {
  const timeline: { at: Date; state: DeathState }[] = [];
  const firstDeath = Math.min(...events.filter((ev) => isDeathRecord(policy, ev)).map((ev) => ev.receivedAt.getTime()));
  if (!Number.isFinite(firstDeath)) return timeline;
  const instants = [...new Set(events.map((ev) => ev.receivedAt.getTime()))].filter((t) => t >= firstDeath && t <= now.getTime()).sort((a, b) => a - b);
  let last: DeathState = 'alive';
  for (const t of instants) {
    const state = deathStanding(
      policy,
      events.filter((ev) => ev.receivedAt.getTime() <= t),
    ).state;
    if (state !== last) timeline.push({ at: new Date(t), state });
    last = state;
  }
  // Facts received "after now" (only in replays) still belong to the decision taken now.
  const current = deathStanding(policy, events).state;
  if (current !== last) timeline.push({ at: now, state: current });
  return timeline;
}

// ---- custody ---------------------------------------------------------------------------

/**
 * Sentences in order; a release closes the open one (a stray release is only what its weight
 * says). Pre-trial detention and acquittal are stored but change nothing here yet: their
 * rules (the `detained` status) belong to the due-process work.
 */
function custodialPeriods(policy: Policy, events: readonly EvidenceEvent[]): CustodialPeriod[] {
  const periods: CustodialPeriod[] = [];
  for (const ev of events) {
    const role = roleIn(policy, ev);
    if (role !== 'custodial_sentence_start' && role !== 'release') continue;
    const open = periods.at(-1)?.releasedOn === null ? periods.at(-1) : undefined;
    if (role === 'custodial_sentence_start' && !open) {
      periods.push({ since: shanghaiDate(ev.occurredAt), recordedAt: ev.receivedAt, releasedOn: null, releaseRecordedAt: null });
    } else if (role === 'release' && open) {
      open.releasedOn = shanghaiDate(ev.occurredAt);
      open.releaseRecordedAt = ev.receivedAt;
    }
  }
  return periods;
}

// ---- certification ---------------------------------------------------------------------

// On the same date, the more personal method explains the certification better.
const METHOD_RANK: Record<CertificationMethod, number> = {
  legacy: 0,
  auto: 1,
  self_service: 2,
  home_visit: 3,
  in_person: 3,
};

function comparePeriods(a: CertificationPeriod, b: CertificationPeriod): number {
  if (a.certifiedAt !== b.certifiedAt) return a.certifiedAt < b.certifiedAt ? -1 : 1;
  if (a.method !== b.method) return METHOD_RANK[a.method] - METHOD_RANK[b.method];
  return a.decidedAt.getTime() - b.decidedAt.getTime();
}

/**
 * Every way the pensioner was certified, oldest first, one per date and method: the legacy
 * certification (or benefit start), each auto-certification and each staff check.
 */
function certificationPeriods(policy: Policy, facts: Facts, life: EvidenceEvent[], autos: AutoCertificationDate[]): CertificationPeriod[] {
  const untilOf = (d: IsoDate) => cycleDates(d, policy).certifiedUntil;
  const legacy = facts.legacyCertifiedAt;
  const base = legacy && legacy > facts.benefitStartDate ? legacy : facts.benefitStartDate;
  const legacyPeriod: CertificationPeriod = {
    certifiedAt: base,
    certifiedUntil: untilOf(base),
    method: 'legacy',
    decidedAt: startOfShanghaiDay(base),
    eventId: null,
  };
  const candidates: CertificationPeriod[] = [
    legacyPeriod,
    ...autos.map((a) => ({
      certifiedAt: a.certifiedAt,
      certifiedUntil: untilOf(a.certifiedAt),
      method: a.method,
      decidedAt: a.decidedAt,
      eventId: a.datedBy,
    })),
    ...life
      .filter((ev) => isStaffAliveRole(roleIn(policy, ev)))
      .map((ev) => {
        const certifiedAt = shanghaiDate(ev.occurredAt);
        const method: CertificationMethod = roleIn(policy, ev) === 'staff_home_visit' ? 'home_visit' : 'in_person';
        return { certifiedAt, certifiedUntil: untilOf(certifiedAt), method, decidedAt: ev.receivedAt, eventId: ev.id };
      }),
  ].sort(comparePeriods);
  // One period per date and method, known since the earliest way it was reached.
  const seen = new Set<string>();
  return candidates.filter((p) => {
    const key = `${p.certifiedAt}/${p.method}`;
    return !seen.has(key) && !!seen.add(key);
  });
}

/** The score and evidence that made the current certification (none for a legacy one). */
function explainCertification(
  policy: Policy,
  birthDate: IsoDate,
  life: EvidenceEvent[],
  autos: AutoCertificationDate[],
  current: CertificationPeriod,
): { scoreAtCertification: number | null; certificationEvidence: EvidenceContribution[] } {
  if (current.method === 'legacy') return { scoreAtCertification: null, certificationEvidence: [] };
  const auto = autos.find((a) => a.datedBy === current.eventId && a.certifiedAt === current.certifiedAt);
  const dating = life.find((ev) => ev.id === current.eventId);
  const s = auto?.explain() ?? (dating ? scoreAt(policy, birthDate, life, dating.occurredAt) : null);
  return { scoreAtCertification: s?.score ?? null, certificationEvidence: s?.evidence ?? [] };
}

/**
 * Decides the status of one pensioner at `now` from all their facts. Rules, and why:
 * - Only facts that had happened by `now` count, so a decision can be replayed as of any time.
 * - Certification date = the latest of: the legacy certification or benefit start (a new
 *   recipient is certified in their first payment month), the latest auto-certification, and
 *   the latest staff in-person/home check (staff saw the person: it certifies whatever its
 *   recorded identity check). Valid `cycleMonths`; due `reminderMonths` before the end so a
 *   reminder and a manual check can go out in time; suspended from the day after it ends.
 * - While a death stands (deceased or under review), nothing dated after the date of death
 *   certifies: that is exactly the evidence in doubt.
 * - Precedence: deceased > under_review > ineligible > suspended/due/certified, i.e. the
 *   reason payments stop or are held is the most serious one.
 * - A custodial sentence makes the person ineligible from its start until a release; after
 *   release the normal rules apply (the release itself is life evidence only by its weight:
 *   0 since 2026.2, as a release says where a prisoner went, not that anyone saw them).
 */
export function decide(policy: Policy, facts: Facts, now: Date): Decision {
  const events = facts.events.filter((ev) => ev.occurredAt.getTime() <= now.getTime()).sort(byOccurrence);
  const standing = deathStanding(policy, events);
  const timeline = deathTimeline(policy, events, now);
  const deathDate = standing.state === 'alive' ? null : standing.deathDate;

  const life = events.filter((ev) => !isDeathRecord(policy, ev) && (deathDate === null || dayOf(ev) <= deathDate));
  const autos = autoCertificationDates(policy, facts.birthDate, life);
  const periods = certificationPeriods(policy, facts, life, autos);
  const current = periods.at(-1)!;
  const { scoreAtCertification, certificationEvidence } = explainCertification(policy, facts.birthDate, life, autos, current);

  const custody = custodialPeriods(policy, events);
  const openCustody = custody.at(-1)?.releasedOn === null ? custody.at(-1)! : null;
  const released = custody.filter((c) => c.releasedOn !== null).at(-1) ?? null;

  const today = shanghaiDate(now);
  const { dueFrom } = cycleDates(current.certifiedAt, policy);
  let status: Status;
  if (standing.state !== 'alive') status = standing.state;
  else if (openCustody) status = 'ineligible';
  else status = calendarStatus({ dueFrom, certifiedUntil: current.certifiedUntil }, today);

  const lastChange = timeline.at(-1)?.at ?? null;
  const now_ = scoreAt(policy, facts.birthDate, life, now);
  return {
    status,
    certifiedAt: current.certifiedAt,
    certifiedUntil: current.certifiedUntil,
    dueFrom,
    method: current.method,
    score: now_.score,
    evidence: now_.evidence,
    scoreAtCertification,
    certificationEvidence,
    policyVersion: policy.version,
    benefitStartDate: facts.benefitStartDate,
    deathDate,
    deathRecordedAt: standing.state === 'deceased' ? lastChange : null,
    ineligibleSince: openCustody?.since ?? null,
    releasedOn: openCustody ? null : (released?.releasedOn ?? null),
    review:
      standing.state === 'under_review'
        ? { reason: standing.reason, eventId: standing.eventId, openedAt: lastChange!, since: shanghaiDate(lastChange!) }
        : null,
    periods,
    custodialPeriods: custody,
    deathTimeline: timeline,
  };
}
