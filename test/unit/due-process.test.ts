// Due process (policy 2026.3): a death is held, verified, then stopped; detention holds;
// a sentence makes the person ineligible; a resumption after release resumes; an appeal
// overturned against a lapse certifies. Pure rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EvidenceEvent, IdentityCheck } from '../../src/domain/evidence.ts';
import { addMonthsToMonth, monthOf, shanghaiDate, type YearMonth } from '../../src/domain/calendar.ts';
import { decide, type Decision, type Facts } from '../../src/domain/lifecycle.ts';
import { inSentence, payrollAction, runOutcome } from '../../src/domain/payroll.ts';
import { loadDefaultPolicy, parsePolicy } from '../../src/domain/policy.ts';
import { benefitHistory } from '../../src/domain/benefit-history.ts';
import v3 from '../../policy/archive/2026.3.json' with { type: 'json' };
import v4 from '../../policy/archive/2026.4.json' with { type: 'json' };

const policy = loadDefaultPolicy();
const BENEFIT = 200000n; // 2000.00 yuan
let seq = 0;
function ev(
  source: string,
  kind: string,
  at: string | number,
  identityCheck: IdentityCheck = 'id_document',
  extra: Partial<EvidenceEvent> = {},
): EvidenceEvent {
  const occurredAt = new Date(at);
  return { id: `d${++seq}`, source, kind, occurredAt, receivedAt: occurredAt, identityCheck, ...extra };
}
const facts = (events: EvidenceEvent[]): Facts => ({ birthDate: '1950-01-20', benefitStartDate: '2026-01-01', legacyCertifiedAt: '2026-01-20', events });
const at = (s: string) => new Date(s);
const run = (f: Facts, month: string, now = at('2027-01-01T00:00:00Z')) => payrollAction(decide(policy, f, now), BENEFIT, month);

describe('the policy in force', () => {
  it('is 2026.4, archived as shipped, with the due-process periods and a staff finding of death that stands', () => {
    expect(policy.version).toBe('2026.4');
    expect(parsePolicy(v4)).toEqual(policy);
    expect(policy.dueProcess).toEqual({ deathQuietPeriodDays: 60, appealReviewDays: 60, staffFindingOfDeathStands: true });
    expect(parsePolicy(v3).dueProcess).toEqual({ deathQuietPeriodDays: 60, appealReviewDays: 60 });
    const bad = structuredClone(v4) as Record<string, any>;
    bad.dueProcess.staffFindingOfDeathStands = 'yes';
    expect(() => parsePolicy(bad)).toThrow(/dueProcess\.staffFindingOfDeathStands/);
  });
  it('refuses dueProcess without the kinds the service writes its decisions as', () => {
    const doc = structuredClone(v3) as Record<string, any>;
    delete doc.sources.due_process;
    expect(() => parsePolicy(doc)).toThrow(/due_process\.kinds\.death_confirmation\.role/);
    const bad = structuredClone(v3) as Record<string, any>;
    bad.dueProcess.deathQuietPeriodDays = 0;
    expect(() => parsePolicy(bad)).toThrow(/dueProcess\.deathQuietPeriodDays/);
  });
});

describe('a death is held, verified, then stopped', () => {
  const cremation = ev('death', 'cremation', '2026-03-10T04:00:00Z', 'id_document', { deathDate: '2026-03-08' });
  /** Stopped from the month after the death, nothing paid after it, nothing held that was owed. */
  const stoppedOwingNothing = {
    action: 'stop',
    deathDate: '2026-03-08',
    overpaidMonths: 0,
    overpaymentAmountFen: 0n,
    estateBackPayMonths: 0,
    estateBackPayAmountFen: 0n,
  };
  it('one record holds payment as death_reported from the next run', () => {
    const d = decide(policy, facts([cremation]), at('2026-03-20T00:00:00Z'));
    expect(d).toMatchObject({ status: 'death_reported', deathDate: '2026-03-08', deathRecordedAt: null });
    expect(d.deathReport?.eventIds).toEqual([cremation.id]);
    expect(run(facts([cremation]), '2026-04', at('2026-03-20T00:00:00Z'))).toEqual({ action: 'hold', status: 'death_reported', since: '2026-03-10' });
  });
  it('a second record of another kind verifies it: the stop follows, held months are not overpaid', () => {
    const dereg = ev('death', 'household_deregistration', '2026-04-15T04:00:00Z');
    const f = facts([cremation, dereg]);
    expect(decide(policy, f, at('2026-04-16T00:00:00Z')).status).toBe('deceased');
    expect(run(f, '2026-05')).toEqual(stoppedOwingNothing);
  });
  it('a second record of the same kind does not', () => {
    const again = ev('death', 'cremation', '2026-04-15T04:00:00Z');
    expect(decide(policy, facts([cremation, again]), at('2026-04-16T00:00:00Z')).status).toBe('death_reported');
  });
  it('a confirmation verifies it; a staff finding alone waits for one', () => {
    const confirm = ev('due_process', 'death_confirmation', '2026-03-12T04:00:00Z');
    expect(decide(policy, facts([cremation, confirm]), at('2026-03-13T00:00:00Z')).status).toBe('deceased');
    const staff = ev('service_point', 'deceased', '2026-03-10T04:00:00Z', 'id_document', { deathDate: '2026-03-08' });
    expect(decide(policy, facts([staff]), at('2026-12-13T00:00:00Z')).deathReport).toMatchObject({ eventIds: [staff.id], byStaffOnly: true });
    expect(decide(policy, facts([cremation]), at('2026-03-13T00:00:00Z')).deathReport).toMatchObject({ eventIds: [cremation.id], byStaffOnly: false });
    expect(decide(policy, facts([staff, confirm]), at('2026-12-13T00:00:00Z')).status).toBe('deceased');
  });
  it('a staff finding of death agrees with a department record: deceased, as a second record of another kind (regression: 100k province)', () => {
    // Seen in the 100k province: staff found the person dead three times after a cremation
    // record, and the death stayed "reported" (the staff finding set the department record
    // aside instead of counting as the second record agreeing with it).
    const staff = ev('service_point', 'deceased', '2026-03-20T04:00:00Z', 'id_document');
    const f = facts([cremation, staff]);
    expect(decide(policy, f, at('2026-03-21T00:00:00Z'))).toMatchObject({ status: 'deceased', deathDate: '2026-03-08' });
    // Not when staff had found the person alive after the record: that record was set aside.
    const alive = ev('service_point', 'home_visit', '2026-03-15T04:00:00Z', 'id_document');
    expect(decide(policy, facts([cremation, alive, staff]), at('2026-03-21T00:00:00Z')).status).toBe('death_reported');
    // Decisions taken under 2026.3 replay as taken: there the finding waited for a second key.
    expect(decide(parsePolicy(v3), f, at('2026-03-21T00:00:00Z')).status).toBe('death_reported');
  });
  it('an ID document dated after a death that staff confirmed does not release it: a review, still held (regression: fabricated follow-ups)', () => {
    const staff = ev('service_point', 'deceased', '2026-03-20T04:00:00Z', 'id_document');
    const followUp = ev('health', 'family_doctor_visit', '2026-04-01T04:00:00Z', 'id_document', { receivedAt: at('2026-04-05T04:00:00Z') });
    const f = facts([cremation, staff, followUp]);
    expect(decide(policy, f, at('2026-04-10T00:00:00Z'))).toMatchObject({ status: 'under_review', deathDate: '2026-03-08' });
    expect(run(f, '2026-05', at('2026-04-10T00:00:00Z'))).toMatchObject({ action: 'hold', status: 'under_review' });
  });
  it('card-only activity after staff found the person dead reopens nothing: the finding already says someone else has the card (regression: 100k province)', () => {
    // Seen in the 100k province: a relative went on using a dead person's card; each use
    // after the staff finding reopened a suspected_card_misuse review, and staff were sent
    // back to the same house three times (1,280 visits in nine months, a tenth of them all).
    const staff = ev('service_point', 'deceased', '2026-03-20T04:00:00Z', 'id_document');
    const atm = ev('bank', 'atm', '2026-04-20T04:00:00Z', 'card_pin');
    expect(decide(policy, facts([cremation, staff, atm]), at('2026-04-21T00:00:00Z'))).toMatchObject({ status: 'deceased', review: null });
    // Before any staff finding it is still a review, as the contract says.
    expect(decide(policy, facts([cremation, atm]), at('2026-04-21T00:00:00Z')).status).toBe('under_review');
    // Under 2026.3 (replays) every use of the card reopened the review.
    expect(decide(parsePolicy(v3), facts([cremation, staff, atm]), at('2026-04-21T00:00:00Z')).status).toBe('under_review');
  });
  it('the quiet period verifies a department record with nothing contrary, as the sweep finds it', () => {
    const f = facts([cremation]);
    expect(decide(policy, f, at('2026-05-09T03:59:00Z')).status).toBe('death_reported');
    const d = decide(policy, f, at('2026-05-09T04:00:00Z'));
    expect(d).toMatchObject({ status: 'deceased', deathRecordedAt: at('2026-05-09T04:00:00Z') });
    // Held in April and May (reported), stopped in June with nothing overpaid.
    expect(run(f, '2026-05')).toMatchObject({ action: 'hold', status: 'death_reported' });
    expect(run(f, '2026-06')).toEqual(stoppedOwingNothing);
  });
  it('evidence of life with an ID check dated after the death releases the hold with back pay', () => {
    const counter = ev('bank', 'counter', '2026-04-20T04:00:00Z', 'id_document');
    const f = facts([cremation, counter]);
    expect(decide(policy, f, at('2026-04-21T00:00:00Z')).status).toBe('certified');
    expect(run(f, '2026-05')).toEqual({ action: 'resumption', backPayMonths: 1, backPayAmountFen: BENEFIT });
  });
  it('a death record received after the evidence of life that released the hold is not dismissed with the first: a review, still held', () => {
    // Seen in the province bench: a family doctor's follow-up filed (ID-checked) for a person
    // already cremated released the hold; the household deregistration that came next, a
    // second department agreeing, was dropped with the first record, and the dead person
    // stayed certified and paid.
    const followUp = ev('health', 'family_doctor_visit', '2026-04-01T04:00:00Z', 'id_document', { receivedAt: at('2026-04-05T04:00:00Z') });
    const dereg = ev('death', 'household_deregistration', '2026-04-20T04:00:00Z', 'id_document', { deathDate: '2026-03-08' });
    expect(decide(policy, facts([cremation, followUp]), at('2026-04-10T00:00:00Z')).status).toBe('certified');
    const f = facts([cremation, followUp, dereg]);
    for (const now of ['2026-04-22T00:00:00Z', '2026-09-01T00:00:00Z'])
      expect(decide(policy, f, at(now))).toMatchObject({ status: 'under_review', deathDate: '2026-03-08' });
    expect(run(f, '2026-05', at('2026-04-22T00:00:00Z'))).toMatchObject({ action: 'hold', status: 'under_review' });
  });
  it('evidence of life received after the record releases it even when other activity after the death came before the record (property counterexample)', () => {
    const detention = ev('judicial', 'pretrial_detention', '2026-02-02T04:00:00Z');
    const acquittal = ev('judicial', 'acquittal', '2026-02-03T04:00:00Z');
    const certificate = ev('death', 'death_certificate', '2026-02-04T04:00:00Z', 'id_document', { deathDate: '2026-02-02' });
    const counter = ev('bank', 'counter', '2026-02-05T04:00:00Z');
    expect(decide(policy, facts([detention, acquittal, certificate, counter]), at('2026-03-01T00:00:00Z')).status).toBe('certified');
  });
  it('a release by an ID document alone leaves the contradicted death to be looked at, payment resumed (regression: fabricated follow-ups)', () => {
    // Seen in the 100k province: a family doctor's follow-up, fabricated after the death and
    // filed as ID-checked, released the hold and nobody was ever sent to look: the dead
    // person stayed certified and paid all year. The contract's release stands; the death
    // record it contradicted is still a question for a person.
    const followUp = ev('health', 'family_doctor_visit', '2026-04-01T04:00:00Z', 'id_document', { receivedAt: at('2026-04-05T04:00:00Z') });
    const d = decide(policy, facts([cremation, followUp]), at('2026-04-10T00:00:00Z'));
    expect(d).toMatchObject({ status: 'certified', deathDate: null, review: null });
    expect(d.contradictedDeath).toEqual({ deathDate: '2026-03-08', eventId: followUp.id });
    expect(run(facts([cremation, followUp]), '2026-05', at('2026-04-10T00:00:00Z'))).toMatchObject({ action: 'resumption' });
  });
  it('a release by the person themselves (a face check, a biometric record, staff, the bureau) settles it: nothing left to look at', () => {
    const releases = [
      ev('self_service', 'face', '2026-04-01T04:00:00Z', 'biometric'),
      ev('medical_insurance', 'pharmacy_purchase', '2026-04-01T04:00:00Z', 'biometric'),
      ev('service_point', 'in_person', '2026-04-01T04:00:00Z', 'id_document'),
      ev('due_process', 'death_reversal', '2026-04-01T04:00:00Z'),
    ];
    for (const release of releases) {
      const d = decide(policy, facts([cremation, release]), at('2026-04-10T00:00:00Z'));
      expect(d.status, release.kind).toBe('certified');
      expect(d.contradictedDeath, release.kind).toBeNull();
    }
    // Staff who see the person after a release by an ID document settle it too.
    const followUp = ev('health', 'family_doctor_visit', '2026-04-01T04:00:00Z', 'id_document');
    const visit = ev('service_point', 'home_visit', '2026-05-02T04:00:00Z', 'id_document');
    expect(decide(policy, facts([cremation, followUp, visit]), at('2026-05-10T00:00:00Z')).contradictedDeath).toBeNull();
  });
  it('no death record, or one that stands: nothing is contradicted', () => {
    const counter = ev('bank', 'counter', '2026-02-20T04:00:00Z', 'id_document');
    expect(decide(policy, facts([counter]), at('2026-04-10T00:00:00Z')).contradictedDeath).toBeNull();
    expect(decide(policy, facts([counter, cremation]), at('2026-04-10T00:00:00Z')).contradictedDeath).toBeNull();
  });
  it('card-only activity does not: it is a review, still held', () => {
    const atm = ev('bank', 'atm', '2026-04-20T04:00:00Z', 'card_pin');
    expect(decide(policy, facts([cremation, atm]), at('2026-04-21T00:00:00Z')).status).toBe('under_review');
  });
  it('a reversal after the stop pays back every month stopped or held', () => {
    const reversal = ev('due_process', 'death_reversal', '2026-07-20T04:00:00Z');
    const f = facts([cremation, reversal]);
    expect(decide(policy, f, at('2026-07-21T00:00:00Z')).status).toBe('certified');
    // April, May held; June, July stopped; August resumes with 4 months.
    expect(run(f, '2026-08')).toEqual({ action: 'resumption', backPayMonths: 4, backPayAmountFen: 4n * BENEFIT });
    expect(run(f, '2026-06')).toEqual({ action: 'none' });
  });
  it('under 2026.2 one record still stops at once (archived decisions replay as taken)', async () => {
    const v2 = parsePolicy((await import('../../policy/archive/2026.2.json', { with: { type: 'json' } })).default);
    expect(decide(v2, facts([cremation]), at('2026-03-20T00:00:00Z')).status).toBe('deceased');
  });
});

describe('held months are paid to the estate at a real death after a wrong report', () => {
  // A wrong death report (a service point's, 25 February: it waits for a second key) holds the
  // runs from March; a bureau reversal on 13 June finds it wrong; the person truly dies on 12
  // June (records of 14 and 20 June verify it). The runs went from hold straight to stop:
  // March..June were owed.
  const wrong = ev('service_point', 'deceased', '2026-02-25T04:00:00Z', 'id_document', { deathDate: '2026-02-23' });
  const reversal = ev('due_process', 'death_reversal', '2026-06-13T04:00:00Z');
  const real = ev('death', 'cremation', '2026-06-14T04:00:00Z', 'id_document', { deathDate: '2026-06-12' });
  const dereg = ev('death', 'household_deregistration', '2026-06-20T04:00:00Z', 'id_document', { deathDate: '2026-06-12' });
  const history = benefitHistory([
    { effectiveMonth: '2026-01', amountFen: 200000n },
    { effectiveMonth: '2026-05', amountFen: 210050n },
  ]);
  it('the stop pays the estate March..June at the amounts in force', () => {
    const d = decide(policy, facts([wrong, reversal, real, dereg]), at('2026-06-21T00:00:00Z'));
    expect(d).toMatchObject({ status: 'deceased', deathDate: '2026-06-12' });
    for (const m of ['2026-03', '2026-04', '2026-05', '2026-06']) expect(runOutcome(d, m)).toMatchObject({ kind: 'held', status: 'death_reported' });
    expect(payrollAction(d, history, '2026-07')).toEqual({
      action: 'stop',
      deathDate: '2026-06-12',
      overpaidMonths: 0,
      overpaymentAmountFen: 0n,
      estateBackPayMonths: 4,
      estateBackPayAmountFen: 2n * 200000n + 2n * 210050n,
    });
  });
  it('not for the months after the death, nor for those a resumption already paid back', () => {
    // Reported again in July (held), verified in August: the stop in September pays March..June.
    const late = ev('death', 'household_deregistration', '2026-08-20T04:00:00Z', 'id_document', { deathDate: '2026-06-12' });
    const d = decide(policy, facts([wrong, reversal, real, late]), at('2026-08-21T00:00:00Z'));
    expect(payrollAction(d, history, '2026-09')).toMatchObject({ action: 'stop', estateBackPayMonths: 4, estateBackPayAmountFen: 820100n });
    // Released by a reversal in April: the May run pays March and April back; May and June are paid: nothing for the estate.
    const early = ev('due_process', 'death_reversal', '2026-04-10T04:00:00Z');
    const e = decide(policy, facts([wrong, early, real, dereg]), at('2026-06-21T00:00:00Z'));
    expect(payrollAction(e, history, '2026-05')).toEqual({ action: 'resumption', backPayMonths: 2, backPayAmountFen: 400000n });
    expect(payrollAction(e, history, '2026-07')).toMatchObject({ action: 'stop', estateBackPayMonths: 0, estateBackPayAmountFen: 0n });
  });
  it('never for the months of a sentence; a detention open at the death is paid (the proceedings end with the death)', () => {
    const detention = ev('judicial', 'pretrial_detention', '2026-03-10T04:00:00Z');
    const died = ev('death', 'cremation', '2026-05-14T04:00:00Z', 'id_document', { deathDate: '2026-05-12' });
    const confirmed = ev('death', 'household_deregistration', '2026-05-20T04:00:00Z', 'id_document', { deathDate: '2026-05-12' });
    const d = decide(policy, facts([detention, died, confirmed]), at('2026-05-21T00:00:00Z'));
    // April and May held for the detention, owed to the estate.
    expect(payrollAction(d, history, '2026-06')).toMatchObject({ action: 'stop', estateBackPayMonths: 2, estateBackPayAmountFen: 200000n + 210050n });
    const sentence = ev('judicial', 'custodial_sentence_start', '2026-04-15T04:00:00Z');
    const s = decide(policy, facts([detention, sentence, died, confirmed]), at('2026-05-21T00:00:00Z'));
    // April (detention that led to the sentence) and May (the sentence): nothing.
    expect(payrollAction(s, history, '2026-06')).toMatchObject({ action: 'stop', estateBackPayMonths: 0, estateBackPayAmountFen: 0n });
  });
});

describe('custody', () => {
  const detention = ev('judicial', 'pretrial_detention', '2026-03-10T04:00:00Z');
  it('pre-trial detention holds; an acquittal pays the held months back', () => {
    const acquittal = ev('judicial', 'acquittal', '2026-05-20T04:00:00Z');
    expect(decide(policy, facts([detention]), at('2026-04-01T00:00:00Z'))).toMatchObject({ status: 'detained' });
    const f = facts([detention, acquittal]);
    expect(run(f, '2026-04')).toEqual({ action: 'hold', status: 'detained', since: '2026-03-10' });
    expect(run(f, '2026-06')).toEqual({ action: 'resumption', backPayMonths: 2, backPayAmountFen: 2n * BENEFIT });
  });
  it('a sentence is ineligible from its month; release alone does not resume; a resumption does, from the month after release', () => {
    const sentence = ev('judicial', 'custodial_sentence_start', '2026-04-15T04:00:00Z');
    const release = ev('judicial', 'release', '2026-07-10T04:00:00Z');
    const resumption = ev('due_process', 'resumption', '2026-09-05T04:00:00Z');
    const released = facts([detention, sentence, release]);
    const d = decide(policy, released, at('2026-08-01T00:00:00Z'));
    expect(d).toMatchObject({ status: 'ineligible', ineligibleSince: '2026-04-15', releasedOn: '2026-07-10' });
    expect(d.detentions[0]).toMatchObject({ outcome: 'sentenced', endedOn: '2026-04-15' });
    expect(d.custodialPeriods[0]).toMatchObject({ since: '2026-04-15', releasedOn: '2026-07-10', resumedOn: null, annulledAt: null });
    const f = facts([detention, sentence, release, resumption]);
    expect(decide(policy, f, at('2026-09-06T00:00:00Z'))).toMatchObject({ status: 'certified', method: 'in_person', certifiedAt: '2026-09-05' });
    // August and September (after the release month) are paid back; April to July are not.
    expect(run(f, '2026-10')).toEqual({ action: 'resumption', backPayMonths: 2, backPayAmountFen: 2n * BENEFIT });
  });
  it('a re-instatement annuls the sentence: its held months are owed', () => {
    const sentence = ev('judicial', 'custodial_sentence_start', '2026-04-15T04:00:00Z');
    const reinstated = ev('due_process', 'reinstatement', '2026-06-20T04:00:00Z');
    const f = facts([sentence, reinstated]);
    const d = decide(policy, f, at('2026-06-21T00:00:00Z'));
    expect(d.status).toBe('certified');
    expect(d.custodialPeriods[0]!.annulledAt).toEqual(reinstated.receivedAt);
    expect(run(f, '2026-07')).toEqual({ action: 'resumption', backPayMonths: 2, backPayAmountFen: 2n * BENEFIT });
  });
});

describe('an appeal against a lapse', () => {
  // Certified until 2026-01-20, suspended from the day after; the bureau overturns the appeal on 2026-04-10.
  const lapsed = (events: EvidenceEvent[]): Facts => ({ ...facts(events), benefitStartDate: '2024-01-01', legacyCertifiedAt: '2025-01-20' });
  it('overturned, certifies from the decision (a decision taken by staff: in_person); the held months are paid back', () => {
    expect(decide(policy, lapsed([]), at('2026-04-01T00:00:00Z')).status).toBe('suspended');
    const overturned = ev('due_process', 'appeal_certification', '2026-04-10T04:00:00Z', 'none');
    const f = lapsed([overturned]);
    expect(decide(policy, f, at('2026-04-10T05:00:00Z'))).toMatchObject({
      status: 'certified',
      method: 'in_person',
      certifiedAt: '2026-04-10',
      certifiedUntil: '2027-04-10',
    });
    expect(run(f, '2026-05')).toEqual({ action: 'resumption', backPayMonths: 3, backPayAmountFen: 3n * BENEFIT });
  });
  it('is no evidence of life against a death: dated after it, it certifies nothing', () => {
    const cremation = ev('death', 'cremation', '2026-03-10T04:00:00Z', 'id_document', { deathDate: '2026-03-08' });
    const dereg = ev('death', 'household_deregistration', '2026-03-11T04:00:00Z');
    const overturned = ev('due_process', 'appeal_certification', '2026-04-10T04:00:00Z', 'none');
    expect(decide(policy, lapsed([cremation, dereg, overturned]), at('2026-04-11T00:00:00Z'))).toMatchObject({ status: 'deceased', review: null });
  });
});

// ---- property: whatever the history, the money comes out right --------------------------

const DAY = 86_400_000;
const FIRST: YearMonth = '2026-02';
const LAST: YearMonth = '2027-01';
const months = (): YearMonth[] => {
  const out: YearMonth[] = [];
  for (let m = FIRST; m <= LAST; m = addMonthsToMonth(m, 1)) out.push(m);
  return out;
};

type Episode =
  | { kind: 'false_death'; by: 'reversal' | 'life' | 'staff'; gap: number }
  | { kind: 'acquitted'; gap: number }
  | { kind: 'sentence'; detained: boolean; gaps: [number, number, number] }
  | { kind: 'reinstated'; gap: number };
type Ending = { kind: 'true_death'; by: 'second_record' | 'confirmation' | 'quiet'; gap: number; after: number } | null;

const episode: fc.Arbitrary<Episode> = fc.oneof(
  fc.record({
    kind: fc.constant('false_death' as const),
    by: fc.constantFrom('reversal' as const, 'life' as const, 'staff' as const),
    gap: fc.integer({ min: 1, max: 100 }),
  }),
  fc.record({ kind: fc.constant('acquitted' as const), gap: fc.integer({ min: 1, max: 100 }) }),
  fc.record({
    kind: fc.constant('sentence' as const),
    detained: fc.boolean(),
    gaps: fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 120 }), fc.integer({ min: 0, max: 90 })),
  }),
  fc.record({ kind: fc.constant('reinstated' as const), gap: fc.integer({ min: 1, max: 100 }) }),
);
const ending: fc.Arbitrary<Ending> = fc.option(
  fc.record({
    kind: fc.constant('true_death' as const),
    by: fc.constantFrom('second_record' as const, 'confirmation' as const, 'quiet' as const),
    gap: fc.integer({ min: 1, max: 30 }),
    // Days from the last episode to the death: often before any run pays back what was held.
    after: fc.integer({ min: 1, max: 40 }),
  }),
);

/** Events of a history, and the months of it that are not due (sentenced, or dead). */
function live(episodes: Episode[], end: Ending, startOffset: number, pauses: number[]) {
  const events: EvidenceEvent[] = [];
  const notDue = new Set<YearMonth>();
  let t = Date.parse('2026-02-02T04:00:00Z') + startOffset * DAY;
  const add = (source: string, kind: string, extra: Partial<EvidenceEvent> = {}, check: IdentityCheck = 'id_document') =>
    events.push(ev(source, kind, t, check, extra));
  const span = (from: number, to: number) => {
    for (let m = monthOf(shanghaiDate(new Date(from))); m <= monthOf(shanghaiDate(new Date(to))); m = addMonthsToMonth(m, 1)) notDue.add(m);
  };
  episodes.forEach((e, i) => {
    if (e.kind === 'false_death') {
      add('death', 'death_certificate', { deathDate: shanghaiDate(new Date(t - 2 * DAY)) });
      // Life evidence releases a hold only while the death is unverified (before the quiet period).
      t += (e.by === 'life' ? Math.min(e.gap, 50) : e.gap) * DAY;
      if (e.by === 'reversal') add('due_process', 'death_reversal');
      else if (e.by === 'life') add('bank', 'counter');
      else add('service_point', 'in_person');
    } else if (e.kind === 'acquitted' || e.kind === 'reinstated') {
      add('judicial', e.kind === 'acquitted' ? 'pretrial_detention' : 'custodial_sentence_start');
      t += e.gap * DAY;
      add(e.kind === 'acquitted' ? 'judicial' : 'due_process', e.kind === 'acquitted' ? 'acquittal' : 'reinstatement');
    } else {
      let from = t;
      if (e.detained) {
        add('judicial', 'pretrial_detention');
        // Time held counts toward the sentence: the months after the detention's are not due.
        from = Date.parse(`${addMonthsToMonth(monthOf(shanghaiDate(new Date(t))), 1)}-01T00:00:00+08:00`);
        t += e.gaps[0] * DAY;
      }
      add('judicial', 'custodial_sentence_start');
      // …and the sentence's own month is not due either (its payment is claimed).
      from = Math.min(from, t);
      t += e.gaps[1] * DAY;
      add('judicial', 'release');
      if (from <= t) span(from, t);
      t += e.gaps[2] * DAY + 3_600_000;
      add('due_process', 'resumption');
    }
    t += (pauses[i] ?? 1) * DAY;
  });
  let deathMonth: YearMonth | null = null;
  if (end) {
    // Months still held at the death are paid to the estate by the stop.
    t += end.after * DAY;
    const deathDate = shanghaiDate(new Date(t - DAY));
    deathMonth = monthOf(deathDate);
    add('death', 'cremation', { deathDate });
    t += end.gap * DAY;
    if (end.by === 'second_record') add('death', 'household_deregistration', { deathDate });
    else if (end.by === 'confirmation') add('due_process', 'death_confirmation');
    else t += 60 * DAY;
  }
  return { events, notDue, deathMonth, endsAt: t };
}

/** Money over the window as the runs move it: paid + back pay − overpayment − custody claims, in months. */
function monthsPaidNet(d: Decision): number {
  let net = 0;
  for (const m of months()) {
    const o = runOutcome(d, m);
    if (o.kind === 'paid') net++;
    const a = payrollAction(d, BENEFIT, m);
    if (a.action === 'resumption') {
      expect(a.backPayAmountFen).toBe(BigInt(a.backPayMonths) * BENEFIT);
      net += a.backPayMonths;
    }
    if (a.action === 'stop') {
      expect(a.estateBackPayAmountFen).toBe(BigInt(a.estateBackPayMonths) * BENEFIT);
      net += a.estateBackPayMonths - a.overpaidMonths;
    }
    // A sentence's months already paid are a claim (the money helper books it from the periods).
    if (o.kind === 'paid' && inSentence(d, m)) net--;
  }
  return net;
}

describe('any history of reports, reversals, detentions, sentences and deaths', () => {
  it('pays, in the end, exactly the months the person was eligible and alive, to the fen', () => {
    fc.assert(
      fc.property(
        fc.array(episode, { maxLength: 3 }),
        ending,
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 3, maxLength: 3 }),
        (episodes, end, startOffset, pauses) => {
          const h = live(episodes, end, startOffset, pauses);
          fc.pre(h.endsAt < Date.parse('2026-12-25T00:00:00Z'));
          const d = decide(policy, facts(h.events), at('2027-01-01T00:00:00Z'));
          const due = months().filter((m) => !h.notDue.has(m) && (h.deathMonth === null || m <= h.deathMonth)).length;
          expect(d.status).toBe(end ? 'deceased' : d.status === 'due' ? 'due' : 'certified');
          expect(monthsPaidNet(d)).toBe(due);
        },
      ),
      { numRuns: 300 },
    );
  });
});
