// The certification lifecycle of one pensioner: a pure function of ALL their facts and the
// current instant, so that replaying the stored events gives the identical decision.
import { cycleDates, calendarStatus } from './cycle.ts';
import { shanghaiDate, startOfShanghaiDay, type IsoDate } from './calendar.ts';
import { byOccurrence, isCardOnly, type EvidenceEvent } from './evidence.ts';
import { isDueProcessRole, isFailedAttemptRole, isStaffAliveRole, isStaffRole, type Role } from './catalogue.ts';
import { isDeathRecord, roleIn, type Policy } from './policy.ts';
import { autoCertificationDates, scoreAt, type AutoCertificationDate, type AutoMethod, type EvidenceContribution } from './scoring.ts';

/** Every status a certification can have, in the order lists and reports show them. */
export const STATUSES = ['certified', 'due', 'suspended', 'death_reported', 'deceased', 'detained', 'ineligible', 'under_review'] as const;
export type Status = (typeof STATUSES)[number];
export type CertificationMethod = AutoMethod | 'legacy';
export type ReviewReason = 'suspected_card_misuse' | 'conflicting_death_record';
/** Where the death question stands: no death, a death awaiting verification, a verified death, or a death contradicted by activity. */
export type DeathState = 'alive' | 'death_reported' | 'deceased' | 'under_review';

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

/** A custodial sentence: ineligible from the month of `since` through the month of release. */
export interface CustodialPeriod {
  since: IsoDate;
  recordedAt: Date;
  releasedOn: IsoDate | null;
  releaseRecordedAt: Date | null;
  /**
   * When payment resumed: a resumption application (from the month after release), or under
   * policies without `dueProcess` the release itself. Null while not resumed.
   */
  resumedOn: IsoDate | null;
  resumedRecordedAt: Date | null;
  /** A re-instatement (or an appeal overturning the sentence) annulled it: its months are owed, never claimed. */
  annulledAt: Date | null;
}

/** Pre-trial detention (policies with `dueProcess`): payment held until it ends. */
export interface Detention {
  since: IsoDate;
  recordedAt: Date;
  endedOn: IsoDate | null;
  endedRecordedAt: Date | null;
  /** acquitted or annulled: the held months are paid back; sentenced: they are not (the sentence follows). */
  outcome: 'acquitted' | 'sentenced' | 'annulled' | null;
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
  /**
   * death_reported only: when the hold began, and who reported it (the event; its key must not
   * confirm it). `byStaffOnly`: staff found the death and no department record stands with it,
   * so only the bureau's second key can verify it — a visit would add nothing.
   */
  deathReport: { since: Date; eventIds: string[]; byStaffOnly: boolean } | null;
  /** Set while serving a custodial sentence. */
  ineligibleSince: IsoDate | null;
  /** Release date of the latest sentence, once released. */
  releasedOn: IsoDate | null;
  review: Review | null;
  /**
   * A death record that evidence of life released (payment resumed, as the contract says) but
   * that nobody who saw the person has settled: only an ID document spoke against it, and a
   * dead person's documents are in other hands. Opens a check; null once staff, the bureau or
   * the person's own face settle it, and when no death record was contradicted.
   */
  contradictedDeath: ContradictedDeath | null;
  periods: CertificationPeriod[];
  custodialPeriods: CustodialPeriod[];
  detentions: Detention[];
  /** How the death question stood over time, as known at each receivedAt (empty: never a death). */
  deathTimeline: { at: Date; state: DeathState }[];
}

// ---- death -----------------------------------------------------------------------------

export interface ContradictedDeath {
  /** The earliest date of death the released records gave. */
  deathDate: IsoDate;
  /** The evidence of life that released them. */
  eventId: string;
}

type Standing =
  | { state: 'alive'; contradicted?: ContradictedDeath }
  | { state: 'deceased'; deathDate: IsoDate }
  | { state: 'death_reported'; deathDate: IsoDate; reportIds: string[]; byStaffOnly: boolean }
  | { state: 'under_review'; deathDate: IsoDate; reason: ReviewReason; eventId: string };

// Shanghai day of an event, memoised: the death timeline asks for it many times.
const days = new WeakMap<EvidenceEvent, IsoDate>();
function dayOf(ev: EvidenceEvent): IsoDate {
  let d = days.get(ev);
  if (d === undefined) days.set(ev, (d = shanghaiDate(ev.occurredAt)));
  return d;
}
const recordDate = (ev: EvidenceEvent): IsoDate => ev.deathDate ?? dayOf(ev);
const minDate = (dates: IsoDate[]): IsoDate | undefined => dates.sort()[0];

/** A decision that settles the death question for everything dated before it. */
function settles(role: Role | null): boolean {
  return isStaffRole(role) || role === 'death_reversal' || role === 'reinstatement';
}

/**
 * Where the death question stands given `events` (sorted by occurrence) at instant `at`:
 * - The latest staff decision settles everything dated before it: staff saw the person (alive,
 *   which overrides earlier death records — registries do err) or confirmed the death (which
 *   dismisses earlier contradicting activity — it was looked at). Under due process a
 *   reversal or a re-instatement by the bureau settles it the same way (alive).
 * - An authoritative death record not settled that way makes the person deceased from the
 *   earliest date of death any standing record gives; under due process it is first only
 *   reported (`death_reported`, payment held) until verified (see `verifiedAt`).
 * - Any activity dated (Shanghai day) after that date opens a review: only card-only activity
 *   suggests someone else is using the card; anything identity-checked (or a staff visit)
 *   suggests the death record itself may be wrong — under due process, when it arrived
 *   before the death was verified, it simply releases the hold. Activity on the day of death
 *   is normal (people die in hospital) and conflicts with nothing; nor does a failed face
 *   check, which says the person was not recognised (it is no activity of theirs), nor a
 *   decision of the bureau's.
 */
function deathStanding(policy: Policy, events: readonly EvidenceEvent[], at: Date): Standing {
  let staff: EvidenceEvent | undefined;
  for (const ev of events) {
    if (settles(roleIn(policy, ev))) staff = ev;
  }
  const after = (ev: EvidenceEvent) => !staff || byOccurrence(ev, staff) > 0;
  const records = events.filter((ev) => isDeathRecord(policy, ev) && after(ev));
  const dates = records.map(recordDate);
  if (staff && isDeathRecord(policy, staff)) {
    // A staff-recorded death without a date confirms the date the registries gave, if any.
    const earlier = events.filter((ev) => isDeathRecord(policy, ev) && byOccurrence(ev, staff!) < 0);
    dates.push(staff.deathDate ?? minDate(earlier.map(recordDate)) ?? recordDate(staff));
    records.push(staff);
  }
  const deathDate = minDate(dates);
  if (deathDate === undefined) return { state: 'alive' };
  const activity = (ev: EvidenceEvent) => {
    const role = roleIn(policy, ev);
    return !isDeathRecord(policy, ev) && !isFailedAttemptRole(role) && !isDueProcessRole(role);
  };
  // Staff who found the person dead know why the card is still used: someone else has it. Only
  // an identity check or a person can speak against their finding.
  const foundDead = staff !== undefined && isDeathRecord(policy, staff) && policy.dueProcess?.staffFindingOfDeathStands === true;
  const cardOnly = (ev: EvidenceEvent) => isCardOnly(ev.identityCheck) && !isStaffRole(roleIn(policy, ev));
  const conflicts = events.filter((ev) => activity(ev) && (after(ev) || ev === staff) && dayOf(ev) > deathDate && !(foundDead && cardOnly(ev)));
  const verified = policy.dueProcess ? verification(policy, events, staff, records) : -Infinity;
  if (conflicts.length === 0) {
    if (verified <= at.getTime()) return { state: 'deceased', deathDate };
    const byStaffOnly = records.every((r) => isStaffRole(roleIn(policy, r)));
    return { state: 'death_reported', deathDate, reportIds: records.map((r) => r.id), byStaffOnly };
  }
  const identified = conflicts.find((ev) => !cardOnly(ev));
  // Evidence of life received while the death was only reported: the reports it contradicts
  // were wrong. They drop out, and whatever death is recorded after it stands on its own: a
  // record received later that still contradicts it (another department agreeing with the
  // first) is not dismissed with it — the conflict goes to a review below, payment held. (A
  // fabricated follow-up must not outweigh two departments.)
  // A record is wrong when evidence of life dated after its death arrived after it did.
  const releasing = conflicts.filter((ev) => !cardOnly(ev) && ev.receivedAt.getTime() < verified);
  const wrong = new Set(records.filter((r) => releasing.some((c) => recordDate(r) < dayOf(c) && r.receivedAt.getTime() <= c.receivedAt.getTime())));
  if (wrong.size > 0) {
    const rest = deathStanding(
      policy,
      events.filter((ev) => !wrong.has(ev)),
      at,
    );
    const contradicted = rest.state === 'alive' ? (rest.contradicted ?? inDoubt(policy, releasing, [...wrong])) : undefined;
    return contradicted ? { state: 'alive', contradicted } : rest;
  }
  return identified
    ? { state: 'under_review', deathDate, reason: 'conflicting_death_record', eventId: identified.id }
    : { state: 'under_review', deathDate, reason: 'suspected_card_misuse', eventId: conflicts[0]!.id };
}

/**
 * What is left to look at after evidence of life released death records: nothing when the
 * person was seen (staff), the bureau decided, or a biometric check matched their face; else
 * the records, contradicted by an ID document only.
 */
function inDoubt(policy: Policy, releasing: readonly EvidenceEvent[], wrong: readonly EvidenceEvent[]): ContradictedDeath | undefined {
  const seen = (ev: EvidenceEvent) => ev.identityCheck === 'biometric' || settles(roleIn(policy, ev)) || roleIn(policy, ev) === 'self_service';
  if (releasing.length === 0 || releasing.some(seen)) return undefined;
  return { deathDate: minDate(wrong.map(recordDate))!, eventId: releasing[0]!.id };
}

/**
 * When the death `records` stand on became verified. From 2026.4 a staff finding of death
 * agrees with the death records before it (it is a second record of another kind), unless
 * staff had found the person alive since they came; a finding of life sets everything before
 * it aside.
 */
function verification(policy: Policy, events: readonly EvidenceEvent[], staff: EvidenceEvent | undefined, records: readonly EvidenceEvent[]): number {
  if (!staff || !isDeathRecord(policy, staff) || !policy.dueProcess?.staffFindingOfDeathStands) {
    const after = (ev: EvidenceEvent) => !staff || byOccurrence(ev, staff) > 0;
    return verifiedAt(policy, events.filter(after), records);
  }
  const lastAlive = events.filter((ev) => byOccurrence(ev, staff) < 0 && settles(roleIn(policy, ev)) && !isDeathRecord(policy, ev)).at(-1);
  const since = events.filter((ev) => !lastAlive || byOccurrence(ev, lastAlive) > 0);
  const earlier = since.filter((ev) => isDeathRecord(policy, ev) && byOccurrence(ev, staff) < 0);
  return verifiedAt(policy, since, [...earlier, ...records]);
}

const DAY_MS = 86_400_000;

/**
 * When a reported death became verified (epoch ms; Infinity: not yet): the earliest of
 * - a second record of another kind or department (a staff finding counts as one);
 * - a confirmation by the bureau (its key is not the reporter's: the service checks that);
 * - the quiet period after the first department record, when nothing contrary came (a staff
 *   finding alone never verifies itself by waiting: it needs a second key).
 */
function verifiedAt(policy: Policy, standing: readonly EvidenceEvent[], records: readonly EvidenceEvent[]): number {
  const byReceipt = [...records].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  const candidates: number[] = [];
  const first = byReceipt[0]!;
  const second = byReceipt.find((r) => r.source !== first.source || r.kind !== first.kind);
  if (second) candidates.push(second.receivedAt.getTime());
  for (const ev of standing) if (roleIn(policy, ev) === 'death_confirmation') candidates.push(ev.receivedAt.getTime());
  const department = byReceipt.find((r) => roleIn(policy, r) === 'death_record');
  if (department) candidates.push(department.receivedAt.getTime() + policy.dueProcess!.deathQuietPeriodDays * DAY_MS);
  return Math.min(Infinity, ...candidates);
}

/**
 * The death question as it was known at each instant something arrived (and each instant a
 * quiet period ended), so that payroll can tell which past runs were paid, held or stopped.
 * Only computed once a death record exists.
 */
function deathTimeline(policy: Policy, events: readonly EvidenceEvent[], now: Date) {
  const timeline: { at: Date; state: DeathState }[] = [];
  const deaths = events.filter((ev) => isDeathRecord(policy, ev)).map((ev) => ev.receivedAt.getTime());
  const firstDeath = Math.min(...deaths);
  if (!Number.isFinite(firstDeath)) return timeline;
  const quiet = policy.dueProcess ? deaths.map((t) => t + policy.dueProcess!.deathQuietPeriodDays * DAY_MS) : [];
  const instants = [...new Set([...events.map((ev) => ev.receivedAt.getTime()), ...quiet])]
    .filter((t) => t >= firstDeath && t <= now.getTime())
    .sort((a, b) => a - b);
  let last: DeathState = 'alive';
  for (const t of instants) {
    const at = new Date(t);
    const state = deathStanding(
      policy,
      events.filter((ev) => ev.receivedAt.getTime() <= t),
      at,
    ).state;
    if (state !== last) timeline.push({ at, state });
    last = state;
  }
  // Facts received "after now" (only in replays) still belong to the decision taken now.
  const current = deathStanding(policy, events, now).state;
  if (current !== last) timeline.push({ at: now, state: current });
  return timeline;
}

// ---- custody ---------------------------------------------------------------------------

interface Custody {
  sentences: CustodialPeriod[];
  detentions: Detention[];
}

const openSentence = (c: Custody) => {
  const s = c.sentences.at(-1);
  return s && s.annulledAt === null && s.resumedOn === null ? s : undefined;
};
const openDetention = (c: Custody) => {
  const d = c.detentions.at(-1);
  return d && d.outcome === null ? d : undefined;
};

/**
 * Sentences and detentions in order. A release closes the open sentence (a stray release is
 * only what its weight says); under policies without `dueProcess` it also resumes payment and
 * detention and acquittal are stored only. Under due process: detention holds until an
 * acquittal or a sentence; after a release, a resumption resumes; a re-instatement annuls the
 * sentence not yet resumed, and any open detention.
 */
function custodyOf(policy: Policy, events: readonly EvidenceEvent[]): Custody {
  const c: Custody = { sentences: [], detentions: [] };
  const dp = policy.dueProcess !== null;
  for (const ev of events) {
    const role = roleIn(policy, ev);
    const day = shanghaiDate(ev.occurredAt);
    const sentence = openSentence(c);
    const detention = dp ? openDetention(c) : undefined;
    const end = (d: Detention, outcome: Detention['outcome']) => Object.assign(d, { endedOn: day, endedRecordedAt: ev.receivedAt, outcome });
    if (role === 'custodial_sentence_start' && !sentence) {
      if (detention) end(detention, 'sentenced');
      c.sentences.push({
        since: day,
        recordedAt: ev.receivedAt,
        releasedOn: null,
        releaseRecordedAt: null,
        resumedOn: null,
        resumedRecordedAt: null,
        annulledAt: null,
      });
    } else if (role === 'release' && sentence && sentence.releasedOn === null) {
      Object.assign(sentence, { releasedOn: day, releaseRecordedAt: ev.receivedAt });
      if (!dp) Object.assign(sentence, { resumedOn: day, resumedRecordedAt: ev.receivedAt });
    } else if (!dp) continue;
    else if (role === 'pretrial_detention' && !detention && !sentence) {
      c.detentions.push({ since: day, recordedAt: ev.receivedAt, endedOn: null, endedRecordedAt: null, outcome: null });
    } else if (role === 'acquittal' && detention) end(detention, 'acquitted');
    else if (role === 'resumption' && sentence && sentence.releasedOn !== null) {
      Object.assign(sentence, { resumedOn: day, resumedRecordedAt: ev.receivedAt });
    } else if (role === 'reinstatement') {
      if (sentence) sentence.annulledAt = ev.receivedAt;
      if (detention) end(detention, 'annulled');
    }
  }
  return c;
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

/** The bureau's decisions that certify the person from their day. */
const CERTIFYING_DECISIONS: ReadonlySet<Role | null> = new Set<Role>(['resumption', 'appeal_certification']);

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
    // Staff saw the person; a resumption after release is applied for in person; an appeal
    // against a lapse is decided by the bureau on the proof brought to it (the contract's
    // methods have no other name for a decision taken by staff: in_person, as a resumption).
    ...life
      .filter((ev) => isStaffAliveRole(roleIn(policy, ev)) || CERTIFYING_DECISIONS.has(roleIn(policy, ev)))
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
 *   recorded identity check), resumption after release or appeal overturned against a lapse
 *   (the bureau's decisions). Valid `cycleMonths`; due `reminderMonths` before the end so a
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
  const standing = deathStanding(policy, events, now);
  const timeline = deathTimeline(policy, events, now);
  const deathDate = standing.state === 'alive' ? null : standing.deathDate;

  const life = events.filter((ev) => !isDeathRecord(policy, ev) && (deathDate === null || dayOf(ev) <= deathDate));
  const autos = autoCertificationDates(policy, facts.birthDate, life);
  const periods = certificationPeriods(policy, facts, life, autos);
  const current = periods.at(-1)!;
  const { scoreAtCertification, certificationEvidence } = explainCertification(policy, facts.birthDate, life, autos, current);

  const custody = custodyOf(policy, events);
  const sentence = openSentence(custody) ?? null;
  const released = custody.sentences.filter((c) => c.releasedOn !== null && c.annulledAt === null).at(-1) ?? null;

  const today = shanghaiDate(now);
  const { dueFrom } = cycleDates(current.certifiedAt, policy);
  let status: Status;
  if (standing.state !== 'alive') status = standing.state;
  else if (sentence) status = 'ineligible';
  else if (openDetention(custody)) status = 'detained';
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
    deathReport: standing.state === 'death_reported' ? { since: lastChange ?? now, eventIds: standing.reportIds, byStaffOnly: standing.byStaffOnly } : null,
    ineligibleSince: sentence?.since ?? null,
    releasedOn: sentence?.releasedOn ?? (sentence ? null : (released?.releasedOn ?? null)),
    contradictedDeath: standing.state === 'alive' ? (standing.contradicted ?? null) : null,
    review:
      standing.state === 'under_review'
        ? { reason: standing.reason, eventId: standing.eventId, openedAt: lastChange!, since: shanghaiDate(lastChange!) }
        : null,
    periods,
    custodialPeriods: custody.sentences,
    detentions: custody.detentions,
    deathTimeline: timeline,
  };
}
