// The simulator's new pieces: the channels of the default catalogue (coverage by persona
// within tolerance of the README's figures), the departments' own files (read back through the
// service's interface mappings into the events they stand for), and the answers to reminders
// (deterministic for a seed, rates by persona within tolerance).
import { describe, expect, it } from 'vitest';
import { loadDefaultPolicy } from '../../src/domain/policy.ts';
import { parseMapping } from '../../src/modules/evidence/mapping-config.ts';
import { compileMapping } from '../../src/modules/evidence/mapping.ts';
import { CHANNEL_COVERAGE } from '../../src/simulate/channels.ts';
import { DEPARTMENT_MAPPINGS } from '../../src/simulate/departments.ts';
import { FEED_FORMATS } from '../../src/simulate/format.ts';
import { PERSONAS, STRONG_KINDS, ageAtStart, type Persona } from '../../src/simulate/model.ts';
import { FACE_FAILURE, REMINDER_ANSWER, SECOND_ROUND_FACTOR, answerReminder } from '../../src/simulate/responses.ts';
import { SimulationContext, feedEvent, generatePeople, serializeLine, type SimPerson } from '../../src/simulate/simulate.ts';

const ctx = new SimulationContext({ pensioners: 6000, seed: 13 });
const people: SimPerson[] = [...generatePeople(ctx)];
const pensioners = people.filter((p) => p.pensioner);

/** Share of a persona's pensioners (all personas: null; optionally those matching `who`) with at least one line of `kind`. */
function shareWith(persona: Persona | null, kind: string, who: (p: SimPerson) => boolean = () => true): { share: number; n: number } {
  const group = pensioners.filter((p) => (persona === null || p.persona === persona) && who(p));
  const withKind = group.filter((p) => p.lines.some((l) => l.event.kind === kind));
  return { share: withKind.length / group.length, n: group.length };
}

/** Tolerance of a share measured on n people: 4 standard errors, at least 0.03. */
const tolerance = (p: number, n: number) => Math.max(0.03, 4 * Math.sqrt((p * (1 - p)) / n));

describe('the channels of the default catalogue', () => {
  it('the strong kinds the simulator counts are the default policy’s strong tier', () => {
    const policy = loadDefaultPolicy();
    const strong = new Set<string>();
    for (const [source, spec] of policy.catalogue) {
      if (source === 'self_service' || source === 'service_point') continue;
      for (const [kind, k] of spec.kinds) if (k.tier === 'strong' && k.weight > 0) strong.add(kind);
    }
    expect([...STRONG_KINDS].sort()).toEqual([...strong].sort());
  });

  it('the yearly check-up reaches its coverage among those 65 and over, by persona', () => {
    for (const persona of PERSONAS) {
      const { share, n } = shareWith(persona, 'elderly_checkup', (p) => ageAtStart(p.birthDate, ctx.start) >= 65 && p.truth!.aliveAtEnd);
      // Those who died or were in custody on the day miss theirs: the living are measured.
      const expected = CHANNEL_COVERAGE[persona].checkup;
      expect(Math.abs(share - expected), `${persona}: ${share} vs ${expected} (n ${n})`).toBeLessThan(tolerance(expected, n));
    }
    const under65 = pensioners.filter((p) => ageAtStart(p.birthDate, ctx.start) < 65);
    expect(under65.some((p) => p.lines.some((l) => l.event.kind === 'elderly_checkup'))).toBe(false);
  });

  it('all personas together, the check-up reaches the national level: 59.5% of those 65 and over (2021)', () => {
    const { share, n } = shareWith(null, 'elderly_checkup', (p) => ageAtStart(p.birthDate, ctx.start) >= 65 && p.truth!.aliveAtEnd);
    expect(Math.abs(share - 0.595), `${share} (n ${n})`).toBeLessThan(tolerance(0.595, n));
  });

  it('e-voucher users, transport cards and ledgers follow their coverage, by persona', () => {
    for (const persona of PERSONAS) {
      const c = CHANNEL_COVERAGE[persona];
      const alive = (p: SimPerson) => p.truth!.aliveAtEnd;
      const pharmacy = shareWith(persona, 'pharmacy_purchase', alive).share; // most uses are at pharmacies
      const anyUse = pensioners.filter((p) => p.persona === persona && alive(p) && p.lines.some((l) => l.event.source === 'medical_insurance')).length;
      const group = pensioners.filter((p) => p.persona === persona && alive(p)).length;
      const expectedUse = c.eVoucher * (1 - Math.exp(-c.eVoucherUses));
      expect(Math.abs(anyUse / group - expectedUse), `${persona} e-voucher`).toBeLessThan(tolerance(expectedUse, group));
      expect(pharmacy).toBeLessThanOrEqual(anyUse / group);
      const ledger = shareWith(persona, 'ledger_confirmation', alive);
      expect(Math.abs(ledger.share - c.ledger), `${persona} ledger`).toBeLessThan(tolerance(c.ledger, ledger.n));
      const transit = shareWith(persona, 'bus_card', alive);
      expect(Math.abs(transit.share - c.transitCard), `${persona} transit`).toBeLessThan(tolerance(c.transitCard, transit.n));
    }
  });

  it('is deterministic for a seed, and another seed gives other records', () => {
    const again = [...generatePeople(new SimulationContext({ pensioners: 6000, seed: 13 }))];
    const kinds = (ps: SimPerson[]) => ps.slice(0, 500).flatMap((p) => p.lines.map((l) => `${p.nationalId}:${l.event.kind}:${l.event.day}:${l.arrival}`));
    expect(kinds(again)).toEqual(kinds(people));
    const other = [...generatePeople(new SimulationContext({ pensioners: 6000, seed: 14 }))];
    expect(kinds(other)).not.toEqual(kinds(people));
  });
});

describe('departments that export in their own columns', () => {
  it('every mapped file is read back, through the service’s own mapping code, as the event it stands for', () => {
    const policy = loadDefaultPolicy();
    const known = {
      isSource: (s: string) => policy.catalogue.has(s),
      isKind: (s: string, k: string) => policy.catalogue.get(s)?.kinds.has(k) ?? false,
      isIdentityCheck: (c: string) => ['biometric', 'id_document', 'card_pin', 'none'].includes(c),
    };
    let read = 0;
    let rejected = 0;
    for (const dm of DEPARTMENT_MAPPINGS) {
      const m = parseMapping(JSON.parse(JSON.stringify(dm)), dm.name, known);
      const fmt = FEED_FORMATS[dm.source];
      expect(fmt.mapping).toBe(dm.name);
      const { missing, read: readRecord } = compileMapping(m, fmt.header!.split(','));
      expect(missing).toEqual([]);
      for (const p of people) {
        for (const line of p.lines) {
          if (line.event.source !== dm.source) continue;
          const r = readRecord(serializeLine(ctx, p, line).split(','));
          if (line.cls === 'bad') {
            // A defect shows as a reject here, or later in validation (a bad check digit, a future date).
            if ('error' in r) rejected++;
            continue;
          }
          expect('raw' in r, JSON.stringify(r)).toBe(true);
          if (!('raw' in r)) continue;
          const ev = feedEvent(ctx, p, line);
          expect(r.raw.nationalId).toBe(ev.nationalId);
          expect(r.raw.kind).toBe(ev.kind);
          expect(r.raw.sourceRef).toBe(ev.sourceRef);
          expect(r.raw.identityCheck).toBe(dm.source === 'civil_affairs' ? 'id_document' : ev.identityCheck);
          // Same local day (and minute, where the department writes one).
          expect(String(r.raw.occurredAt).slice(0, 10)).toBe(ev.occurredAt.slice(0, 10));
          if (dm.source === 'health') expect(String(r.raw.occurredAt).slice(11, 16)).toBe(ev.occurredAt.slice(11, 16));
          read++;
        }
      }
    }
    expect(read).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('answers to reminders', () => {
  const sample = pensioners.slice(0, 6000);

  it('are the same for the same seed and person, and differ with the seed', () => {
    const a = sample.map((p) => answerReminder(1, p.nationalId, p.persona, 1));
    expect(sample.map((p) => answerReminder(1, p.nationalId, p.persona, 1))).toEqual(a);
    expect(sample.map((p) => answerReminder(2, p.nationalId, p.persona, 1))).not.toEqual(a);
  });

  it('come at the stated rates by persona and round, a few failing their face check', () => {
    for (const persona of PERSONAS) {
      for (const round of [1, 2] as const) {
        const group = pensioners.filter((p) => p.persona === persona);
        const answers = group.map((p) => answerReminder(7, p.nationalId, persona, round));
        const answered = answers.filter((a) => a.length > 0).length / group.length;
        const expected = REMINDER_ANSWER[persona] * (round === 2 ? SECOND_ROUND_FACTOR : 1);
        expect(Math.abs(answered - expected), `${persona} round ${round}`).toBeLessThan(tolerance(expected, group.length));
        for (const a of answers) for (const x of a) expect(x.afterDays).toBeLessThanOrEqual(25);
      }
    }
    const all = pensioners.map((p) => answerReminder(7, p.nationalId, p.persona, 1)).filter((a) => a.length > 0);
    const failedFirst = all.filter((a) => a[0]!.kind === 'face_failed').length / all.length;
    expect(Math.abs(failedFirst - FACE_FAILURE)).toBeLessThan(tolerance(FACE_FAILURE, all.length));
  });
});
