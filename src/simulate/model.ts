// The synthetic province: who the people are and what really happens to them (ground truth),
// and the department records that their lives leave behind. Pure: no I/O, no clock; every
// person is generated from (seed, index) alone, so any pass can regenerate them identically.
import { addDays, addMonths, ageOn, isIsoDate, type IsoDate } from '../domain/calendar.ts';
import { makeNationalId } from '../domain/national-id.ts';
import { birthdayIn, dayNumber, firstOfMonth, isoOfDayNumber, monthIndexOf } from './days.ts';
import { Life, type Custody } from './life.ts';
import { inventName } from './names.ts';
import { Rng, WeightedPicker, hash32 } from './prng.ts';
import { answerReminder } from './responses.ts';
import { PERSONAS, type Persona, type RawEvent } from './vocabulary.ts';
import { ALL_REGIONS, OTHER_REGIONS, SICHUAN_REGIONS, type RegionInfo } from './regions.ts';

export { ACTIVITY, type Activity } from './life.ts';

export { PERSONAS, type Persona, type Source, type IdentityCheck, type RawEvent } from './vocabulary.ts';
export const DEFECTS = ['bad_check_digit', 'unknown_kind', 'future_timestamp', 'malformed', 'missing_field'] as const;
export type Defect = (typeof DEFECTS)[number];
/** What a feed line is, from the service's point of view. */
export type LineClass = 'event' | 'duplicate' | 'non_pensioner' | 'bad';

export interface SimulationOptions {
  pensioners: number;
  seed: number;
  /** First simulated day (YYYY-MM-DD, Asia/Shanghai). */
  start?: IsoDate;
  days?: number;
  /** Base persona shares (adjusted by age: the very old are more often frail). */
  personaMix?: Record<Persona, number>;
  /** Non-pensioners generated per pensioner (≈5% of event lines at the default). */
  nonPensionerRatio?: number;
  badLineRate?: number;
  duplicateRate?: number;
  /** Share of the dead whose relatives keep using the bank card. */
  cardUseAfterDeath?: number;
  /** Share of deaths of which no record arrives at all. */
  deathRecordMissing?: number;
  /** Annual chance of a custodial sentence starting. */
  custodyRate?: number;
  /**
   * Where the registry's starting certifications come from (`lastCertifiedAt`). `steady`: as
   * the service itself would have left them after running the year before (the last strong
   * record of that year, from the same life and channel model, or the answer to the year's
   * reminder); `legacy`: a date spread uniformly over the year before, as a bureau's legacy
   * system hands them over on the service's first day (README "The synthetic province").
   */
  startCertifications?: StartMode;
}

export const START_MODES = ['steady', 'legacy'] as const;
export type StartMode = (typeof START_MODES)[number];

export type ResolvedOptions = Required<SimulationOptions>;

export const DEFAULT_OPTIONS: Omit<ResolvedOptions, 'pensioners' | 'seed'> = {
  start: '2025-11-01',
  days: 365,
  personaMix: { urban_active: 0.35, rural: 0.35, frail: 0.15, isolated: 0.15 },
  nonPensionerRatio: 0.045,
  badLineRate: 0.005,
  duplicateRate: 0.01,
  cardUseAfterDeath: 0.3,
  deathRecordMissing: 0.04,
  custodyRate: 0.0005,
  startCertifications: 'steady',
};

export function resolveOptions(options: SimulationOptions): ResolvedOptions {
  const o: ResolvedOptions = { ...DEFAULT_OPTIONS, ...stripUndefined(options) } as ResolvedOptions;
  if (!Number.isInteger(o.pensioners) || o.pensioners < 0) throw new RangeError('pensioners must be a non-negative integer');
  if (!Number.isInteger(o.seed)) throw new RangeError('seed must be an integer');
  if (!isIsoDate(o.start)) throw new RangeError(`start must be YYYY-MM-DD, got ${o.start}`);
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > 3660) throw new RangeError('days must be 1..3660');
  if (!START_MODES.includes(o.startCertifications)) throw new RangeError(`startCertifications must be one of ${START_MODES.join(', ')}`);
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// ---------------------------------------------------------------- mortality and personas

/** Annual probability of death at an age (Gompertz through 1%@60, 2.5%@70, 6.5%@80, 16%@90). */
export function annualDeathProbability(age: number): number {
  return Math.min(0.6, 0.01 * Math.exp(0.0924 * (age - 60)));
}

export const MORTALITY_MULTIPLIER: Record<Persona, number> = {
  urban_active: 0.55,
  rural: 0.95,
  frail: 2.2,
  isolated: 1.2,
};

/** Persona weights for a pensioner of this age: the old are more often frail, seldom flying. */
export function personaWeights(age: number, mix: Record<Persona, number>): Record<Persona, number> {
  const f =
    age >= 90
      ? { urban_active: 0.15, rural: 0.8, frail: 3, isolated: 1.5 }
      : age >= 80
        ? { urban_active: 0.45, rural: 1, frail: 1.8, isolated: 1.2 }
        : age >= 70
          ? { urban_active: 0.9, rural: 1, frail: 0.9, isolated: 1 }
          : { urban_active: 1.15, rural: 1, frail: 0.5, isolated: 0.9 };
  const w = {
    urban_active: mix.urban_active * f.urban_active,
    rural: mix.rural * f.rural,
    frail: mix.frail * f.frail,
    isolated: mix.isolated * f.isolated,
  };
  const total = w.urban_active + w.rural + w.frail + w.isolated;
  return {
    urban_active: w.urban_active / total,
    rural: w.rural / total,
    frail: w.frail / total,
    isolated: w.isolated / total,
  };
}

// ---------------------------------------------------------------- records

/** Months from a certification to the day it falls due (policy/default.json: cycleMonths 12 − reminderMonths 2). */
export const DUE_AFTER_MONTHS = 10;

export interface RegistryRecord {
  nationalId: string;
  name: string;
  regionCode: string;
  benefitStartDate: IsoDate;
  monthlyBenefit: string;
  pensionType: 'enterprise' | 'resident' | 'public';
  lastCertifiedAt?: IsoDate;
  phone?: string;
}

export interface TruthRecord {
  nationalId: string;
  persona: Persona;
  regionCode: string;
  birthDate: IsoDate;
  aliveAtEnd: boolean;
  deathDate: IsoDate | null;
  /** Arrival date of the first valid death record, null when none arrives in the period. */
  deathRecordArrivesOn: IsoDate | null;
  cardUsedAfterDeath: boolean;
  custodialPeriods: { start: IsoDate; end: IsoDate | null }[];
  /** Date of the latest strong record (STRONG_KINDS, checked identity) the service received while the person was alive; null when none. */
  lastStrongRecord: IsoDate | null;
}

/** Kinds of the default catalogue's strong tier (CONTRACT "Evidence catalogue"): each can certify alone when the identity was checked. */
export const STRONG_KINDS: ReadonlySet<string> = new Set([
  'admission',
  'discharge',
  'rail_boarding',
  'flight_boarding',
  'counter',
  'mobile_face',
  'elderly_checkup',
  'family_doctor_visit',
  'vaccination',
  'pharmacy_purchase',
  'clinic_settlement',
  'assistance_visit',
  'allowance_verification',
]);

function isStrong(e: RawEvent, deathDay: number | null): boolean {
  return STRONG_KINDS.has(e.kind) && (e.check === 'biometric' || e.check === 'id_document') && (deathDay === null || e.day < deathDay);
}

export interface FeedLine {
  event: RawEvent;
  /** Per-person record number: makes sourceRef unique. */
  seq: number;
  /** Day (from the start) on which the file carrying this line arrives. */
  arrival: number;
  cls: LineClass;
  defect?: Defect;
}

export interface SimPerson {
  /** Position in generation order (pensioners and non-pensioners interleaved). */
  index: number;
  pensioner: boolean;
  nationalId: string;
  name: string;
  sex: 'male' | 'female';
  birthDate: IsoDate;
  regionCode: string;
  persona: Persona;
  registry: RegistryRecord | null;
  truth: TruthRecord | null;
  lines: FeedLine[];
}

// ---------------------------------------------------------------- context

/** Precomputed tables for one run; `resetPass()` before regenerating the population. */
export class SimulationContext {
  readonly options: ResolvedOptions;
  readonly start: IsoDate;
  readonly days: number;
  readonly end: IsoDate;
  readonly nonPensioners: number;
  readonly total: number;
  /** Day number (days since 1970-01-01) of the start. */
  private readonly startN: number;
  /** Month index (year × 12 + month − 1) of the last month that began before the start. */
  private readonly lastMonthBeforeStart: number;
  private readonly ageTable: WeightedPicker<number>;
  private readonly personaPickers: WeightedPicker<Persona>[];
  private readonly regionPickers: Record<Persona, WeightedPicker<RegionInfo>>;
  private readonly strangerRegions: WeightedPicker<RegionInfo>;
  /** Day numbers bounding the birth dates of each age at the start: (earliest, latest]. */
  private readonly bornAfter: number[] = [];
  private readonly bornBy: number[] = [];
  /** Days (from start) on which weekly death files and monthly judicial files arrive. */
  readonly deathFileDays: number[];
  readonly judicialFileDays: number[];
  /** Weekly primary-care exports, and the monthly files of social assistance, the committees' ledgers and transport cards. */
  readonly healthFileDays: number[];
  readonly civilAffairsFileDays: number[];
  readonly communityFileDays: number[];
  readonly transitFileDays: number[];
  /** National ID sequence counters per (region, birth date, sex). */
  private readonly idCounters: Uint16Array;
  private readonly regionIndex = new Map<string, number>();
  private readonly birthBase: number;
  private readonly birthSpan: number;

  constructor(options: SimulationOptions) {
    this.options = resolveOptions(options);
    this.start = this.options.start;
    this.days = this.options.days;
    this.end = addDays(this.start, this.days);
    this.startN = dayNumber(this.start);
    this.lastMonthBeforeStart = monthIndexOf(addDays(this.start, -1));
    this.nonPensioners = Math.round(this.options.pensioners * this.options.nonPensionerRatio);
    this.total = this.options.pensioners + this.nonPensioners;

    for (let age = 0; age <= 110; age++) {
      this.bornAfter.push(dayNumber(addMonths(this.start, -12 * (age + 1))));
      this.bornBy.push(dayNumber(addMonths(this.start, -12 * age)));
    }
    // Pensioners by age: survivors of their cohort, the younger cohorts being larger
    // (about 56% in their 60s, 31% in their 70s, 13% 80 and over, as in the 2020 census).
    const ages: number[] = [];
    const weights: number[] = [];
    let cumulativeHazard = 0;
    for (let age = 60; age <= 105; age++) {
      ages.push(age);
      weights.push(Math.exp(-cumulativeHazard - 0.035 * (age - 60)));
      cumulativeHazard += -Math.log(1 - annualDeathProbability(age));
    }
    this.ageTable = new WeightedPicker(ages, weights);
    this.personaPickers = [];
    for (let age = 0; age <= 110; age++) {
      const w = personaWeights(age, this.options.personaMix);
      this.personaPickers.push(new WeightedPicker(PERSONAS, [w.urban_active, w.rural, w.frail, w.isolated]));
    }

    const regionWeight = (p: Persona, r: RegionInfo): number => {
      const f =
        p === 'rural'
          ? { urban: 0.25, suburban: 1.2, rural: 3 }
          : p === 'urban_active'
            ? { urban: 1.6, suburban: 1, rural: 0.4 }
            : { urban: 1, suburban: 1, rural: 1 };
      return r.weight * f[r.kind];
    };
    this.regionPickers = Object.fromEntries(
      PERSONAS.map((p) => [
        p,
        new WeightedPicker(
          SICHUAN_REGIONS,
          SICHUAN_REGIONS.map((r) => regionWeight(p, r)),
        ),
      ]),
    ) as Record<Persona, WeightedPicker<RegionInfo>>;
    const strangers = [...SICHUAN_REGIONS, ...OTHER_REGIONS];
    this.strangerRegions = new WeightedPicker(
      strangers,
      strangers.map((r) => (r.code.startsWith('51') ? r.weight * 4 : r.weight)),
    );

    ALL_REGIONS.forEach((r, i) => this.regionIndex.set(r.code, i));
    this.birthBase = this.bornAfter[110]! - 400;
    this.birthSpan = this.bornBy[0]! - this.birthBase + 1;
    this.idCounters = new Uint16Array(ALL_REGIONS.length * this.birthSpan * 2);

    this.deathFileDays = [];
    for (let d = 7; d <= this.days; d += 7) this.deathFileDays.push(d);
    this.judicialFileDays = [];
    for (let d = 1; d <= this.days; d++) if (this.date(d).endsWith('-05')) this.judicialFileDays.push(d);
    this.healthFileDays = [];
    for (let d = 3; d <= this.days; d += 7) this.healthFileDays.push(d);
    const monthly = (dd: string) => Array.from({ length: this.days }, (_, i) => i + 1).filter((d) => this.date(d).endsWith(dd));
    this.civilAffairsFileDays = monthly('-10');
    this.communityFileDays = monthly('-15');
    this.transitFileDays = monthly('-03');
  }

  /** Calendar date of a day index (0 = start). */
  date(day: number): IsoDate {
    return isoOfDayNumber(this.startN + day);
  }

  /** Start regenerating the population from the first person. */
  resetPass(): void {
    this.idCounters.fill(0);
  }

  /** Is the person at `index` (generation order) a pensioner? Spreads non-pensioners evenly. */
  isPensionerAt(index: number): boolean {
    const n = this.total;
    const m = this.nonPensioners;
    if (m === 0) return true;
    return Math.floor(((index + 1) * m) / n) === Math.floor((index * m) / n);
  }

  // ------------------------------------------------------------ one person

  /** Person `index` in generation order; persons must be generated in order after resetPass(). */
  generatePerson(index: number): SimPerson {
    const o = this.options;
    const rng = new Rng(hash32(o.seed, index));
    const pensioner = this.isPensionerAt(index);

    const age = pensioner ? this.ageTable.pick(rng) : rng.int(22, 72);
    const sex: 'male' | 'female' = rng.chance(pensioner ? 0.53 : 0.5) ? 'female' : 'male';
    const persona: Persona = pensioner ? this.personaPickers[age]!.pick(rng) : rng.chance(0.55) ? 'urban_active' : 'rural';
    const region = pensioner ? this.regionPickers[persona].pick(rng) : this.strangerRegions.pick(rng);
    // Birth date such that the age at start is `age`.
    let birthN = this.bornAfter[age]! + 1 + rng.int(0, this.bornBy[age]! - this.bornAfter[age]! - 1);
    const name = inventName(rng, sex);

    // A unique national ID: a counter per (region, birth date, sex) bucket.
    const regionIdx = this.regionIndex.get(region.code)!;
    let birthDate: IsoDate;
    let nationalId: string;
    for (;;) {
      const slot = ((regionIdx * this.birthSpan + (birthN - this.birthBase)) << 1) | (sex === 'male' ? 1 : 0);
      const count = this.idCounters[slot]!;
      if (count < 499) {
        this.idCounters[slot] = count + 1;
        birthDate = isoOfDayNumber(birthN);
        const k = (hash32(regionIdx, birthN) + count) % 499;
        nationalId = makeNationalId(region.code, birthDate, sex === 'male' ? 2 * k + 1 : 2 * k + 2);
        break;
      }
      birthN--;
    }

    const person: SimPerson = {
      index,
      pensioner,
      nationalId,
      name,
      sex,
      birthDate,
      regionCode: region.code,
      persona,
      registry: null,
      truth: null,
      lines: [],
    };

    let deathDay: number | null = null;
    let cardAfterDeath = false;
    const custody: Custody[] = [];
    if (pensioner) {
      person.registry = this.registryRecord(rng, person);
      if (o.startCertifications === 'steady') this.steadyStart(person, region, age);
      deathDay = this.sampleDeath(rng, birthDate, age, persona);
      if (deathDay !== null) cardAfterDeath = rng.chance(o.cardUseAfterDeath);
      if (rng.chance(1 - Math.exp(-o.custodyRate * (this.days / 365)))) {
        const s = rng.int(0, this.days - 1);
        if (deathDay === null || s < deathDay) {
          const release = s + rng.int(30, 720);
          custody.push({ start: s, end: release < this.days && (deathDay === null || release < deathDay) ? release : null });
        }
      }
    }

    const events = new Life(rng, persona, sex, region, this.days, deathDay, custody, age).build(cardAfterDeath, o.deathRecordMissing);
    events.sort(byTime);
    let seq = 0;
    let deathArrival: number | null = null;
    let afterDeath = false;
    let lastStrong: number | null = null;
    const base: LineClass = pensioner ? 'event' : 'non_pensioner';
    for (const event of events) {
      seq++;
      const arrival = this.arrivalOf(rng, event);
      if (arrival === null) continue;
      const r = rng.next();
      if (r < o.badLineRate) {
        const defect = DEFECTS[Math.floor((r / o.badLineRate) * DEFECTS.length)] ?? 'malformed';
        person.lines.push({ event, seq, arrival, cls: 'bad', defect });
        continue;
      }
      person.lines.push({ event, seq, arrival, cls: base });
      if (isStrong(event, deathDay) && (lastStrong === null || event.day > lastStrong)) lastStrong = event.day;
      if (event.source === 'death') {
        if (deathArrival === null || arrival < deathArrival) deathArrival = arrival;
      } else if (deathDay !== null && event.day > deathDay) {
        afterDeath = true;
      }
      if (r < o.badLineRate + o.duplicateRate) {
        // Re-sent: in the same file, or again in the next day's file.
        const daily = event.source === 'hospital' || event.source === 'travel' || event.source === 'bank';
        const later = daily && rng.chance(0.4) && arrival + 1 <= this.days;
        person.lines.push({ event, seq, arrival: later ? arrival + 1 : arrival, cls: pensioner ? 'duplicate' : 'non_pensioner' });
      }
    }

    if (pensioner) {
      person.truth = {
        nationalId,
        persona,
        regionCode: region.code,
        birthDate,
        aliveAtEnd: deathDay === null,
        deathDate: deathDay === null ? null : this.date(deathDay),
        deathRecordArrivesOn: deathArrival === null ? null : this.date(deathArrival),
        cardUsedAfterDeath: afterDeath,
        custodialPeriods: custody.map((c) => ({ start: this.date(c.start), end: c.end === null ? null : this.date(c.end) })),
        lastStrongRecord: lastStrong === null ? null : this.date(lastStrong),
      };
    }
    return person;
  }

  private registryRecord(rng: Rng, p: SimPerson): RegistryRecord {
    const type: RegistryRecord['pensionType'] =
      p.persona === 'rural'
        ? rng.chance(0.8)
          ? 'resident'
          : 'enterprise'
        : p.persona === 'urban_active'
          ? rng.pick(['enterprise', 'enterprise', 'enterprise', 'public', 'resident'] as const)
          : rng.pick(['enterprise', 'resident', 'enterprise', 'resident', 'public'] as const);
    const fen = type === 'resident' ? rng.int(15_000, 45_000) : type === 'enterprise' ? rng.int(180_000, 480_000) : rng.int(380_000, 850_000);
    const retireAge = type === 'resident' || p.sex === 'male' ? 60 : type === 'public' ? 55 : rng.chance(0.5) ? 50 : 55;
    // Paid from the month after reaching retirement age.
    let benefitMonth = monthIndexOf(p.birthDate) + 12 * retireAge + 1;
    if (type === 'resident' && rng.chance(0.1)) benefitMonth += rng.int(1, 24); // enrolled late
    if (rng.chance(0.015)) benefitMonth = this.lastMonthBeforeStart - rng.int(0, 5); // recent new recipient
    if (benefitMonth > this.lastMonthBeforeStart) benefitMonth = this.lastMonthBeforeStart;
    const benefitStart = firstOfMonth(benefitMonth);

    const record: RegistryRecord = {
      nationalId: p.nationalId,
      name: p.name,
      regionCode: p.regionCode,
      benefitStartDate: benefitStart,
      monthlyBenefit: `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`,
      pensionType: type,
    };
    const r = rng.next();
    let certified: IsoDate | undefined;
    if (this.startN - dayNumber(benefitStart) <= 200)
      certified = benefitStart; // certified in the first payment month
    else if (r < 0.03)
      certified = isoOfDayNumber(this.startN - rng.int(366, 480)); // already lapsed
    else if (r < 0.035)
      certified = undefined; // a gap in the legacy data
    else certified = isoOfDayNumber(this.startN - rng.int(1, 365));
    if (certified !== undefined) record.lastCertifiedAt = certified < benefitStart ? benefitStart : certified;
    const phoneShare = PHONE_SHARE[p.persona];
    if (rng.chance(phoneShare)) {
      record.phone = `1${rng.pick(['3', '5', '7', '8', '9'])}${rng.int(0, 9)}${String(rng.int(0, 99_999_999)).padStart(8, '0')}`;
    }
    return record;
  }

  /**
   * The certification the service would hold at the start had it run through the year before:
   * that year's life is drawn from the same model (its own random stream, so the simulated
   * year's records are the same in both start modes), and the last strong record of it
   * certified the person. Without one, the legacy date stands for the last time the person
   * acted. Then the year's reminder loop: a certification that fell due before the start was
   * reminded (if the registry has a phone) and answered by a face check as in the simulated
   * year (src/simulate/responses.ts, with the year before's own draw). Staff visits of the year
   * before are not played: whoever they would have found starts due or lapsed, and is found in
   * the simulated year instead (conservative for "had to act").
   */
  private steadyStart(p: SimPerson, region: RegionInfo, age: number): void {
    const r = p.registry!;
    const o = this.options;
    const before = new Rng(hash32(hash32(o.seed, p.index), 0x5ea5_0b1e));
    const yearBefore = this.startN - 365;
    const events = new Life(before, p.persona, p.sex, region, 365, null, [], Math.max(60, age - 1)).build(false, 1);
    let last: number | null = null;
    for (const e of events) {
      if (!isStrong(e, null) || before.chance(o.badLineRate)) continue;
      if (last === null || e.day > last) last = e.day;
    }
    const benefitStart = r.benefitStartDate;
    let certified: IsoDate | undefined = last === null ? r.lastCertifiedAt : isoOfDayNumber(yearBefore + last);
    if (certified !== undefined && certified < benefitStart) certified = benefitStart;
    if (certified !== undefined && r.phone !== undefined) certified = this.answeredBeforeStart(p, certified);
    if (certified === undefined) delete r.lastCertifiedAt;
    else r.lastCertifiedAt = certified;
  }

  /** The certification after the year before's reminders (first when due, the second a month later), answered before the start. */
  private answeredBeforeStart(p: SimPerson, certified: IsoDate): IsoDate {
    const due = addMonths(certified, DUE_AFTER_MONTHS);
    if (due >= this.start) return certified;
    const seedBefore = hash32(this.options.seed, 0x5ea5_0b1e);
    for (const round of [1, 2] as const) {
      const sent = round === 1 ? due : addMonths(due, 1);
      if (sent >= this.start) break;
      for (const a of answerReminder(seedBefore, p.nationalId, p.persona, round)) {
        const day = addDays(sent, 1 + a.afterDays);
        if (a.kind === 'face' && day < this.start) return day;
      }
    }
    return certified;
  }

  /** Day of death within the period, or null: constant hazard between birthdays. */
  private sampleDeath(rng: Rng, birthDate: IsoDate, ageAtStart: number, persona: Persona): number | null {
    const by = Number(birthDate.slice(0, 4));
    const bm = Number(birthDate.slice(5, 7));
    const bd = Number(birthDate.slice(8, 10));
    let threshold = rng.exp(1);
    let day = 0;
    let age = ageAtStart;
    while (day < this.days) {
      const nextBirthday = birthdayIn(by + age + 1, bm, bd) - this.startN;
      const segmentEnd = Math.min(this.days, Math.max(nextBirthday, day + 1));
      const perDay = (-Math.log(1 - annualDeathProbability(age)) * MORTALITY_MULTIPLIER[persona]) / 365.25;
      const hazard = perDay * (segmentEnd - day);
      if (threshold < hazard) return day + Math.floor(threshold / perDay);
      threshold -= hazard;
      day = segmentEnd;
      age++;
    }
    return null;
  }

  /** Day the file carrying this event arrives, or null when after the period. */
  private arrivalOf(rng: Rng, e: RawEvent): number | null {
    let arrival: number | undefined;
    switch (e.source) {
      case 'hospital':
        arrival = e.day + (rng.chance(0.9) ? 1 : rng.int(2, 10));
        break;
      case 'travel':
        arrival = e.day + (rng.chance(0.97) ? 1 : rng.int(2, 3));
        break;
      case 'bank':
        arrival = e.day + (rng.chance(0.94) ? 1 : rng.int(2, 5));
        break;
      case 'death': {
        const ready = e.day + rng.int(1, 5);
        arrival = firstAtLeast(this.deathFileDays, ready);
        break;
      }
      case 'judicial': {
        const ready = e.day + rng.int(2, 10);
        arrival = firstAtLeast(this.judicialFileDays, ready);
        break;
      }
      case 'medical_insurance':
        arrival = e.day + (rng.chance(0.95) ? 1 : rng.int(2, 4));
        break;
      case 'health':
        arrival = firstAtLeast(this.healthFileDays, e.day + rng.int(1, 3));
        break;
      case 'civil_affairs':
        arrival = firstAtLeast(this.civilAffairsFileDays, e.day + rng.int(1, 5));
        break;
      case 'community':
        arrival = firstAtLeast(this.communityFileDays, e.day + 1);
        break;
      case 'transit':
        arrival = firstAtLeast(this.transitFileDays, e.day + 1);
        break;
    }
    if (arrival === undefined || arrival > this.days || e.day >= this.days) return null;
    return arrival;
  }
}

const PHONE_SHARE: Record<Persona, number> = { urban_active: 0.9, rural: 0.55, frail: 0.45, isolated: 0.25 };

function byTime(a: RawEvent, b: RawEvent): number {
  return a.day - b.day || a.sec - b.sec;
}

function firstAtLeast(sorted: readonly number[], x: number): number | undefined {
  for (const v of sorted) if (v >= x) return v;
  return undefined;
}

export function ageAtStart(birthDate: IsoDate, start: IsoDate): number {
  return ageOn(birthDate, start);
}
