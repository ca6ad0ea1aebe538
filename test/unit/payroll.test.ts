import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EvidenceEvent, type IdentityCheck } from '../../src/domain/evidence.ts';
import { DEFAULT_SOURCES, kindAt } from '../helpers/arbitraries.ts';
import { addMonthsToMonth } from '../../src/domain/calendar.ts';
import { decide, type Facts } from '../../src/domain/lifecycle.ts';
import { payrollAction, runOutcome } from '../../src/domain/payroll.ts';
import { formatYuan, parseYuan } from '../../src/domain/money.ts';
import { parsePolicy } from '../../src/domain/policy.ts';
import v2 from '../../policy/archive/2026.2.json' with { type: 'json' };

// The rules of 2026.2 (one death record stops payment): archived, they must replay as taken.
// Due process (2026.3) is tested in due-process.test.ts.
const policy = parsePolicy(v2);
const BENEFIT = 312050n; // 3120.50 yuan
let seq = 0;
function ev(source: string, kind: string, at: string, identityCheck: IdentityCheck, extra: Partial<EvidenceEvent> = {}): EvidenceEvent {
  const occurredAt = new Date(at);
  return { id: `p${++seq}`, source, kind, occurredAt, receivedAt: occurredAt, identityCheck, ...extra };
}
const facts = (events: EvidenceEvent[], more: Partial<Facts> = {}): Facts => ({
  birthDate: '1950-01-20',
  benefitStartDate: '2010-02-01',
  legacyCertifiedAt: '2025-03-15',
  events,
  ...more,
});
const now = new Date('2026-12-01T00:00:00Z');
const run = (f: Facts, month: string) => payrollAction(decide(policy, f, now), BENEFIT, month);

describe('suspension and resumption', () => {
  const hospital = ev('hospital', 'admission', '2026-05-10T02:00:00Z', 'id_document', {
    receivedAt: new Date('2026-05-12T02:00:00Z'),
  });
  const f = facts([hospital]);
  it('holds the months not covered on their first day', () => {
    expect(run(f, '2026-03')).toEqual({ action: 'none' });
    expect(run(f, '2026-04')).toEqual({ action: 'hold', status: 'suspended', since: '2026-03-16' });
    expect(run(f, '2026-05')).toEqual({ action: 'hold', status: 'suspended', since: '2026-03-16' });
  });
  it('resumes with back pay at the first run after re-certification', () => {
    expect(run(f, '2026-06')).toEqual({ action: 'resumption', backPayMonths: 2, backPayAmountFen: 2n * BENEFIT });
    expect(run(f, '2026-07')).toEqual({ action: 'none' });
  });
  it('a certification received after the run waits for the next one', () => {
    const late = { ...hospital, occurredAt: new Date('2026-05-25T02:00:00Z'), receivedAt: new Date('2026-06-01T03:00:00Z') };
    const g = facts([late]);
    expect(run(g, '2026-06')).toMatchObject({ action: 'hold', status: 'suspended' });
    expect(run(g, '2026-07')).toEqual({ action: 'resumption', backPayMonths: 3, backPayAmountFen: 3n * BENEFIT });
  });
  it('a new recipient is paid from the first month', () => {
    const g = facts([], { benefitStartDate: '2026-03-15', legacyCertifiedAt: null });
    expect(run(g, '2026-02')).toEqual({ action: 'none' });
    expect(run(g, '2026-03')).toEqual({ action: 'none' });
    expect(payrollAction(decide(policy, g, new Date('2027-05-01T00:00:00Z')), BENEFIT, '2027-04')).toEqual({
      action: 'hold',
      status: 'suspended',
      since: '2027-03-16',
    });
  });
});

describe('death', () => {
  const died = (receivedAt: string) =>
    facts([ev('death', 'death_certificate', '2026-02-01T02:00:00Z', 'id_document', { deathDate: '2026-01-28', receivedAt: new Date(receivedAt) })], {
      legacyCertifiedAt: '2025-12-01',
    });
  it('stops at the first run after the death was recorded, with the months paid after the month of death', () => {
    const f = died('2026-04-15T02:00:00Z');
    expect(run(f, '2026-04')).toEqual({ action: 'none' });
    expect(run(f, '2026-05')).toEqual({
      action: 'stop',
      deathDate: '2026-01-28',
      overpaidMonths: 3,
      overpaymentAmountFen: 3n * BENEFIT,
      estateBackPayMonths: 0,
      estateBackPayAmountFen: 0n,
    });
    expect(run(f, '2026-06')).toEqual({ action: 'none' });
  });
  it('a death recorded within the month after it stops the next run with one month overpaid', () => {
    expect(run(died('2026-02-05T02:00:00Z'), '2026-03')).toMatchObject({ action: 'stop', overpaidMonths: 1 });
    expect(run(died('2026-01-30T02:00:00Z'), '2026-02')).toMatchObject({ action: 'stop', overpaidMonths: 0 });
  });
  it('held months are not overpaid', () => {
    // Certification lapsed 2026-03-15; April and May were held when the death was recorded in May.
    const f = facts([ev('death', 'death_certificate', '2026-05-20T02:00:00Z', 'id_document', { deathDate: '2026-01-28' })]);
    expect(run(f, '2026-06')).toMatchObject({ action: 'stop', overpaidMonths: 2, estateBackPayMonths: 0 });
  });
  it('months held while the person was alive are paid to the estate by the stop', () => {
    // Certification lapsed 2026-03-15 (April and May held); the person died on 2026-05-10.
    const f = facts([ev('death', 'death_certificate', '2026-05-20T02:00:00Z', 'id_document', { deathDate: '2026-05-10' })]);
    expect(run(f, '2026-06')).toEqual({
      action: 'stop',
      deathDate: '2026-05-10',
      overpaidMonths: 0,
      overpaymentAmountFen: 0n,
      estateBackPayMonths: 2,
      estateBackPayAmountFen: 2n * BENEFIT,
    });
  });
  it('card use after death holds for review; a staff visit resumes with back pay', () => {
    const death = ev('death', 'household_deregistration', '2026-02-01T02:00:00Z', 'none', { deathDate: '2026-01-28' });
    const atm = ev('bank', 'atm', '2026-02-10T02:00:00Z', 'card_pin');
    const held = facts([death, atm]);
    expect(run(held, '2026-03')).toEqual({ action: 'hold', status: 'under_review', since: '2026-02-10' });
    const visit = ev('service_point', 'home_visit', '2026-04-12T02:00:00Z', 'biometric');
    const settled = facts([death, atm, visit]);
    expect(run(settled, '2026-04')).toMatchObject({ action: 'hold', status: 'under_review' });
    // March was held for review, February was paid before anything was known.
    expect(run(settled, '2026-05')).toEqual({ action: 'resumption', backPayMonths: 2, backPayAmountFen: 2n * BENEFIT });
  });
});

describe('custodial sentence', () => {
  const start = ev('judicial', 'custodial_sentence_start', '2025-06-10T02:00:00Z', 'id_document');
  const release = ev('judicial', 'release', '2026-08-20T02:00:00Z', 'id_document');
  // A release never certifies (weight 0): the person is certified again by being seen.
  const seen = ev('bank', 'counter', '2026-08-21T02:00:00Z', 'id_document');
  it('holds from the month after the sentence starts and resumes without back pay', () => {
    const f = facts([start, release, seen]);
    expect(run(f, '2025-06')).toEqual({ action: 'none' });
    expect(run(f, '2025-07')).toEqual({ action: 'hold', status: 'ineligible', since: '2025-06-10' });
    expect(run(f, '2026-08')).toMatchObject({ action: 'hold', status: 'ineligible' });
    expect(run(f, '2026-09')).toEqual({ action: 'resumption', backPayMonths: 0, backPayAmountFen: 0n });
  });
  it('the run outcome replays what was known then', () => {
    const d = decide(policy, facts([start]), now);
    expect(runOutcome(d, '2026-01')).toMatchObject({ kind: 'held', status: 'ineligible' });
  });
});

describe('any history', () => {
  const SOURCES = DEFAULT_SOURCES;
  const CHECKS: IdentityCheck[] = ['biometric', 'id_document', 'card_pin', 'none'];
  const history = fc.array(
    fc.record({
      source: fc.constantFrom(...SOURCES),
      pick: fc.nat(),
      identityCheck: fc.constantFrom(...CHECKS),
      t: fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2026-11-01T00:00:00Z') }),
      lag: fc.integer({ min: 0, max: 40 * 86_400_000 }),
    }),
    { maxLength: 15 },
  );
  it('stops at most once, and amounts are months × benefit', () => {
    fc.assert(
      fc.property(history, (raw) => {
        const events = raw.map((r, i) => ({
          id: `h${i}`,
          source: r.source,
          kind: kindAt(r.source, r.pick),
          identityCheck: r.identityCheck,
          occurredAt: new Date(r.t),
          receivedAt: new Date(r.t + r.lag),
        }));
        const d = decide(policy, facts(events), now);
        let stops = 0;
        for (let m = '2025-01'; m <= '2027-03'; m = addMonthsToMonth(m, 1)) {
          const a = payrollAction(d, BENEFIT, m);
          if (a.action === 'stop') {
            stops++;
            expect(a.overpaymentAmountFen).toBe(BigInt(a.overpaidMonths) * BENEFIT);
          }
          if (a.action === 'resumption') expect(a.backPayAmountFen).toBe(BigInt(a.backPayMonths) * BENEFIT);
        }
        expect(stops).toBeLessThanOrEqual(d.status === 'deceased' ? 1 : 0);
      }),
      { numRuns: 150 },
    );
  });
});

describe('money', () => {
  it('formats and parses exactly', () => {
    expect(formatYuan(312050n)).toBe('3120.50');
    expect(formatYuan(5)).toBe('0.05');
    expect(formatYuan(0n)).toBe('0.00');
    expect(formatYuan(-150n)).toBe('-1.50');
    expect(parseYuan('3120.5')).toBe(312050n);
    expect(parseYuan('3120.50')).toBe(312050n);
    expect(parseYuan('0.07')).toBe(7n);
    expect(parseYuan('12')).toBe(1200n);
    expect(() => formatYuan(1.5)).toThrow(RangeError);
  });
  it.each(['', '-1', '1.234', '1e3', ' 1', '1 ', '.5', '1.', '01', 'abc', '1,000.00', '+3', 'NaN', '0x10'])('rejects %j', (s) =>
    expect(() => parseYuan(s)).toThrow(RangeError),
  );
  it('round-trips any amount of fen', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 17n }), (fen) => {
        expect(parseYuan(formatYuan(fen))).toBe(fen);
      }),
    );
  });
  it('round-trips canonical yuan strings', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 99 }), (yuan, fen) => {
        const s = `${yuan}.${String(fen).padStart(2, '0')}`;
        expect(formatYuan(parseYuan(s))).toBe(s);
      }),
    );
  });
});
