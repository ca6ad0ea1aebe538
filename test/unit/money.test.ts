// Benefit history and the recovery ledger's reconciliation: over random histories of benefit
// changes (increases while held), suspension holds, deaths (after holds: the estate's back
// pay), death-date corrections, reversals and sentences, money paid + back pay − claims = Σ amounts in force over the months the person
// was eligible and alive, to the fen.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addMonthsToMonth, firstDayOfMonth, monthOf, type IsoDate, type YearMonth } from '../../src/domain/calendar.ts';
import { amountInForce, benefitHistory, constantBenefit, monthRange, sumInForce, type BenefitHistory } from '../../src/domain/benefit-history.ts';
import { claimsOwed } from '../../src/domain/claims.ts';
import { decide, type CertificationPeriod, type CustodialPeriod, type Decision } from '../../src/domain/lifecycle.ts';
import { payrollAction, runInstant, runOutcome } from '../../src/domain/payroll.ts';
import { loadDefaultPolicy } from '../../src/domain/policy.ts';

const policy = loadDefaultPolicy();
const START: YearMonth = '2024-01';
const H = 36; // months from START to the last run
const LAST = addMonthsToMonth(START, H);
const NOW = runInstant(addMonthsToMonth(LAST, 1));
const month = (i: number) => addMonthsToMonth(START, i);
const day = (i: number, d: number): IsoDate => addDays(firstDayOfMonth(month(i)), d);
const at = (date: IsoDate, lagDays = 0) => new Date(`${addDays(date, lagDays)}T04:00:00Z`);

/** A decision as the lifecycle would give it, with the parts payroll replays set directly. */
function decision(parts: Partial<Decision>): Decision {
  const base = decide(policy, { birthDate: '1950-01-01', benefitStartDate: firstDayOfMonth(START), legacyCertifiedAt: null, events: [] }, NOW);
  return { ...base, ...parts };
}

describe('amountInForce', () => {
  const h = benefitHistory([
    { effectiveMonth: '2025-01', amountFen: 330000n },
    { effectiveMonth: '2024-01', amountFen: 300000n },
    { effectiveMonth: '2025-01', amountFen: 331000n },
  ]);
  it('is the latest change effective in or before the month (a later entry for a month replaces it)', () => {
    expect(amountInForce(h, '2024-06')).toBe(300000n);
    expect(amountInForce(h, '2025-01')).toBe(331000n);
    expect(amountInForce(h, '2030-01')).toBe(331000n);
  });
  it('is the first amount before the first change, and nothing for an empty history', () => {
    expect(amountInForce(h, '2020-01')).toBe(300000n);
    expect(amountInForce([], '2020-01')).toBe(0n);
  });
  it('a single amount is in force in every month', () => {
    expect(sumInForce(constantBenefit(100), monthRange('2024-11', '2025-02'))).toBe(400n);
  });
});

describe('back pay includes the increases made while held', () => {
  it('sums the amount in force month by month', () => {
    const history = benefitHistory([
      { effectiveMonth: '2024-01', amountFen: 300000n },
      { effectiveMonth: '2024-07', amountFen: 309000n },
    ]);
    // Certified for 2024-01..2024-04 (until 04-30), certified again on 2024-09-10.
    const periods: CertificationPeriod[] = [
      { certifiedAt: '2023-05-01', certifiedUntil: '2024-04-30', method: 'legacy', decidedAt: at('2023-05-01'), eventId: null },
      { certifiedAt: '2024-09-10', certifiedUntil: '2025-09-09', method: 'auto', decidedAt: at('2024-09-10'), eventId: '1' },
    ];
    const d = decision({ periods, status: 'certified' });
    expect(payrollAction(d, history, '2024-10')).toEqual({ action: 'resumption', backPayMonths: 5, backPayAmountFen: 2n * 300000n + 3n * 309000n });
  });
});

// ---- the property ------------------------------------------------------------------------

interface Scenario {
  history: BenefitHistory;
  periods: CertificationPeriod[];
  custody: CustodialPeriod[];
  /** `reportedAt`: held as death_reported from then until it was verified (maybe before the person died: a wrong report). */
  death: { date: IsoDate; recordedAt: Date; firstDate: IsoDate; reportedAt?: Date } | null;
  reversal: { deathDate: IsoDate; recordedAt: Date; reversedAt: Date; review: boolean } | null;
}

const benefitArb = fc
  .tuple(fc.integer({ min: 1, max: 900_000 }), fc.array(fc.tuple(fc.integer({ min: 0, max: H + 3 }), fc.integer({ min: 0, max: 50_000 })), { maxLength: 5 }))
  .map(([first, raises]) => {
    let amount = BigInt(first);
    const changes = [{ effectiveMonth: START, amountFen: amount }];
    for (const [i, raise] of [...raises].sort((a, b) => a[0] - b[0])) changes.push({ effectiveMonth: month(i), amountFen: (amount += BigInt(raise)) });
    return benefitHistory(changes);
  });

/** Certifications with gaps between them (suspension holds); the last covers the last run when `settled`. */
const periodsArb = (settled: boolean) =>
  fc.array(fc.tuple(fc.integer({ min: 0, max: H - 1 }), fc.integer({ min: 0, max: 27 }), fc.integer({ min: 0, max: 60 })), { maxLength: 4 }).map((certs) => {
    const periods: CertificationPeriod[] = [
      { certifiedAt: '2023-06-01', certifiedUntil: '2024-05-31', method: 'legacy', decidedAt: at('2023-06-01'), eventId: null },
    ];
    for (const [i, d, lag] of certs) {
      const c = day(i, d);
      periods.push({ certifiedAt: c, certifiedUntil: addDays(c, 364), method: 'auto', decidedAt: at(c, lag), eventId: String(i) });
    }
    if (settled) {
      const c = day(H - 1, 2);
      periods.push({ certifiedAt: c, certifiedUntil: addDays(c, 364), method: 'auto', decidedAt: at(c, 1), eventId: 'last' });
    }
    return periods.sort((a, b) => (a.certifiedAt < b.certifiedAt ? -1 : 1));
  });

/** A sentence, learned late or at once; released (and the release known) within the month of release, before the last run. */
const custodyArb = fc.option(
  fc
    .tuple(fc.integer({ min: 0, max: H - 3 }), fc.integer({ min: 0, max: 27 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 12 }))
    .map(([i, d, recordLag, length]): CustodialPeriod => {
      const since = day(i, d);
      const recordedAt = at(since, recordLag);
      const releasedOn = day(Math.min(i + length, H - 2), 10);
      const released = releasedOn < since ? since : releasedOn;
      const releaseKnown = at(released, 2);
      const releaseRecordedAt = releaseKnown > recordedAt ? releaseKnown : recordedAt;
      // Resumed on release, as policies before due process did (the resumption application is due process's own test).
      return { since, recordedAt, releasedOn: released, releaseRecordedAt, resumedOn: released, resumedRecordedAt: releaseRecordedAt, annulledAt: null };
    }),
  { nil: undefined },
);

const deathArb = fc
  .tuple(fc.integer({ min: 0, max: H - 1 }), fc.integer({ min: 0, max: 27 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 120 }))
  .map(([i, d, recordLag, correctBy]) => {
    const firstDate = day(i, d);
    const corrected = addDays(firstDate, -correctBy);
    return { date: corrected < firstDayOfMonth(START) ? firstDayOfMonth(START) : corrected, firstDate, recordedAt: at(firstDate, recordLag) };
  })
  .filter((x) => x.recordedAt < NOW);

const reversalArb = fc
  .tuple(fc.integer({ min: 0, max: H - 3 }), fc.integer({ min: 0, max: 27 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 200 }), fc.boolean())
  .map(([i, d, recordLag, reverseLag, review]) => {
    const deathDate = day(i, d);
    const recordedAt = at(deathDate, recordLag);
    return { deathDate, recordedAt, reversedAt: new Date(recordedAt.getTime() + reverseLag * 86_400_000), review };
  })
  .filter((r) => r.reversedAt < runInstant(LAST));

const scenarioArb: fc.Arbitrary<Scenario> = fc.oneof(
  // Alive at the end: holds settled by a certification before the last run; maybe a death reversed.
  fc.record({ history: benefitArb, periods: periodsArb(true), custody: custodyArb, reversal: fc.option(reversalArb, { nil: null }) }).map((s) => ({
    history: s.history,
    periods: s.periods,
    custody: s.custody ? [s.custody] : [],
    death: null,
    reversal: s.reversal,
  })),
  // Deceased at the end (date maybe corrected earlier): certified throughout, so no month before the death is left held.
  fc.record({ history: benefitArb, custody: custodyArb, death: deathArb }).map((s) => ({
    history: s.history,
    periods: [{ certifiedAt: '2023-06-01', certifiedUntil: '2099-12-31', method: 'legacy' as const, decidedAt: at('2023-06-01'), eventId: null }],
    custody: s.custody ? [s.custody] : [],
    death: s.death,
    reversal: null,
  })),
  // Deceased after holds (lapses, a report held before it was verified, perhaps made before the
  // person died): the months held while alive that no resumption paid back go to the estate,
  // so the stop must fall within the window.
  fc
    .record({ history: benefitArb, periods: periodsArb(false), custody: custodyArb, death: deathArb, reportLead: fc.option(fc.integer({ min: 0, max: 300 })) })
    .filter((s) => s.death.recordedAt <= runInstant(LAST))
    .map((s) => ({
      history: s.history,
      periods: s.periods,
      custody: s.custody ? [s.custody] : [],
      death: s.reportLead === null ? s.death : { ...s.death, reportedAt: new Date(s.death.recordedAt.getTime() - s.reportLead * 86_400_000) },
      reversal: null,
    })),
);

function toDecision(s: Scenario, deathDate = s.death?.date): Decision {
  const timeline: Decision['deathTimeline'] = [];
  if (s.death?.reportedAt) timeline.push({ at: s.death.reportedAt, state: 'death_reported' });
  if (s.death) timeline.push({ at: s.death.recordedAt, state: 'deceased' });
  if (s.reversal) {
    timeline.push({ at: s.reversal.recordedAt, state: s.reversal.review ? 'under_review' : 'deceased' });
    timeline.push({ at: s.reversal.reversedAt, state: 'alive' });
  }
  return decision({
    status: s.death ? 'deceased' : 'certified',
    deathDate: s.death ? deathDate! : null,
    deathRecordedAt: s.death?.recordedAt ?? null,
    periods: s.periods,
    custodialPeriods: s.custody,
    deathTimeline: timeline,
  });
}

function eligibleAndAlive(s: Scenario, m: YearMonth): boolean {
  if (s.death && m > monthOf(s.death.date)) return false;
  return !s.custody.some((c) => monthOf(c.since) <= m && m <= monthOf(c.releasedOn!));
}

const claimTotal = (d: Decision, h: BenefitHistory) => claimsOwed(d, h, LAST).reduce((t, c) => t + c.amountFen, 0n);

describe('money paid + back pay − claims = Σ amounts in force for months eligible and alive', () => {
  it('holds to the fen', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const d = toDecision(s);
        let paid = 0n;
        let backPay = 0n;
        for (const m of monthRange(START, LAST)) {
          if (runOutcome(d, m).kind === 'paid') paid += amountInForce(s.history, m);
          const a = payrollAction(d, s.history, m);
          if (a.action === 'resumption') backPay += a.backPayAmountFen;
          if (a.action === 'stop') backPay += a.estateBackPayAmountFen;
        }
        const owed = sumInForce(
          s.history,
          [...monthRange(START, LAST)].filter((m) => eligibleAndAlive(s, m)),
        );
        expect(paid + backPay - claimTotal(d, s.history)).toBe(owed);
      }),
      { numRuns: 400 },
    );
  });

  it('an earlier death date never shrinks the claim', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        if (!s.death) return;
        const before = claimTotal(toDecision(s, s.death.firstDate), s.history);
        expect(claimTotal(toDecision(s), s.history)).toBeGreaterThanOrEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('a custody claim counts the months paid from the start month of the sentence', () => {
    const custody: CustodialPeriod = {
      since: '2024-03-15',
      recordedAt: at('2024-06-10'),
      releasedOn: null,
      releaseRecordedAt: null,
      resumedOn: null,
      resumedRecordedAt: null,
      annulledAt: null,
    };
    const d = decision({ status: 'ineligible', custodialPeriods: [custody] });
    const claims = claimsOwed(d, constantBenefit(1000n), '2024-08');
    // March, April, May and June were paid before the sentence was known on 10 June.
    expect(claims).toEqual([expect.objectContaining({ reason: 'custody', key: '2024-03-15', amountFen: 4000n })]);
    expect(claims[0]!.months.map((m) => m.month)).toEqual(['2024-03', '2024-04', '2024-05', '2024-06']);
  });
});
