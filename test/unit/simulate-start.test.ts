// Where the registry's starting certifications come from (SimulationOptions.startCertifications):
// `steady` as the service leaves them after running a year, `legacy` as a first year. The mode
// changes the registry only, never the year's records, so the two benches compare like with like.
import { describe, expect, it } from 'vitest';
import { addDays, addMonths } from '../../src/domain/calendar.ts';
import { DUE_AFTER_MONTHS, SimulationContext, type SimPerson, type StartMode } from '../../src/simulate/model.ts';
import { generatePeople } from '../../src/simulate/simulate.ts';

const people = (startCertifications: StartMode, seed = 7): SimPerson[] => [
  ...generatePeople(new SimulationContext({ pensioners: 3000, seed, startCertifications })),
];
const steady = people('steady');
const legacy = people('legacy');
const START = '2025-11-01';
const pensioners = (ps: SimPerson[]) => ps.filter((p) => p.registry !== null);
const dueAtStart = (ps: SimPerson[]) =>
  pensioners(ps).filter((p) => p.registry!.lastCertifiedAt === undefined || addMonths(p.registry!.lastCertifiedAt, DUE_AFTER_MONTHS) <= START).length;

describe('starting certifications', () => {
  it('steady is the default', () => {
    expect(new SimulationContext({ pensioners: 1, seed: 1 }).options.startCertifications).toBe('steady');
  });

  it('the mode changes the registry’s certification dates only: same people, same records, same truth', () => {
    expect(steady.length).toBe(legacy.length);
    let differ = 0;
    steady.forEach((s, i) => {
      const l = legacy[i]!;
      expect(s.nationalId).toBe(l.nationalId);
      expect(s.lines).toEqual(l.lines);
      expect(s.truth).toEqual(l.truth);
      if (s.registry === null) return;
      const { lastCertifiedAt: a, ...restS } = s.registry;
      const { lastCertifiedAt: b, ...restL } = l.registry!;
      expect(restS).toEqual(restL);
      if (a !== b) differ++;
    });
    expect(differ).toBeGreaterThan(pensioners(steady).length / 2);
  });

  it('steady certifications lie in the year before the start, from the benefit start on', () => {
    for (const p of pensioners(steady)) {
      const c = p.registry!.lastCertifiedAt;
      if (c === undefined) continue;
      expect(c < START).toBe(true);
      expect(c >= p.registry!.benefitStartDate).toBe(true);
    }
    // Those without a strong record the year before keep the legacy date, a few of them lapsed already.
    const recent = pensioners(steady).filter((p) => p.registry!.lastCertifiedAt !== undefined && p.registry!.lastCertifiedAt >= addDays(START, -365)).length;
    expect(recent / pensioners(steady).length).toBeGreaterThan(0.97);
  });

  it('steady certifications are later than a first year’s: far fewer people are due on the first day', () => {
    const s = dueAtStart(steady) / pensioners(steady).length;
    const l = dueAtStart(legacy) / pensioners(legacy).length;
    expect(l).toBeGreaterThan(0.15); // a uniform date over the year before: 2 months in 12 due, plus 3% lapsed
    expect(s).toBeLessThan(l / 2);
  });

  it('is deterministic for a seed', () => {
    const again = people('steady');
    expect(again.map((p) => p.registry?.lastCertifiedAt)).toEqual(steady.map((p) => p.registry?.lastCertifiedAt));
    const other = people('steady', 8);
    expect(other.map((p) => p.registry?.lastCertifiedAt)).not.toEqual(steady.map((p) => p.registry?.lastCertifiedAt));
  });
});
