// The synthetic province: who the people are and what really happens to them (ground truth),
// and the department records that their lives leave behind. Pure: no I/O, no clock; every
// person is generated from (seed, index) alone, so any pass can regenerate them identically.
import { addDays, addMonths, ageOn, daysBetween, isIsoDate, type IsoDate } from '../domain/calendar.ts';
import { makeNationalId } from '../domain/national-id.ts';
import { BANKS, HOSPITAL_DEPARTMENTS, NAMED_HOSPITALS, OUTPATIENT_DEPARTMENTS, PRISONS, inventName, villageName } from './names.ts';
import { Rng, WeightedPicker, hash32 } from './prng.ts';
import { OTHER_REGIONS, SICHUAN_REGIONS, STATIONS, type RegionInfo } from './regions.ts';

export const PERSONAS = ['urban_active', 'rural', 'frail', 'isolated'] as const;
export type Persona = (typeof PERSONAS)[number];
export type Source = 'hospital' | 'travel' | 'bank' | 'death' | 'judicial';
export type IdentityCheck = 'biometric' | 'id_document' | 'card_pin' | 'none';
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
}

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
};

export function resolveOptions(options: SimulationOptions): ResolvedOptions {
  const o: ResolvedOptions = { ...DEFAULT_OPTIONS, ...stripUndefined(options) } as ResolvedOptions;
  if (!Number.isInteger(o.pensioners) || o.pensioners < 0) throw new RangeError('pensioners must be a non-negative integer');
  if (!Number.isInteger(o.seed)) throw new RangeError('seed must be an integer');
  if (!isIsoDate(o.start)) throw new RangeError(`start must be YYYY-MM-DD, got ${o.start}`);
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > 3660) throw new RangeError('days must be 1..3660');
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

/** Events per year, by persona. `trips`: return journeys (boarding out and back). */
interface Activity {
  railTrips: number;
  flightTrips: number;
  counter: number;
  mobileFace: number;
  atm: number;
  cashPoint: number;
  relativesCard: number;
  outpatient: number;
  stays: number;
  diesInHospital: number;
}

export const ACTIVITY: Record<Persona, Activity> = {
  urban_active: { railTrips: 2, flightTrips: 0.4, counter: 3, mobileFace: 5, atm: 3, cashPoint: 0, relativesCard: 0, outpatient: 1.2, stays: 0.08, diesInHospital: 0.35 },
  rural: { railTrips: 0.15, flightTrips: 0, counter: 0.6, mobileFace: 0, atm: 1, cashPoint: 9, relativesCard: 0, outpatient: 0.4, stays: 0.12, diesInHospital: 0.25 },
  frail: { railTrips: 0, flightTrips: 0, counter: 0, mobileFace: 0, atm: 0, cashPoint: 0, relativesCard: 2.5, outpatient: 3, stays: 1, diesInHospital: 0.6 },
  isolated: { railTrips: 0, flightTrips: 0, counter: 0, mobileFace: 0, atm: 0, cashPoint: 0.5, relativesCard: 0, outpatient: 0.2, stays: 0.05, diesInHospital: 0.15 },
};

// ---------------------------------------------------------------- records

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
}

/** One happening in a person's life as a department records it (days from the start). */
export interface RawEvent {
  source: Source;
  kind: string;
  day: number;
  /** Seconds after local midnight. */
  sec: number;
  check: IdentityCheck;
  location: string;
  deathDay?: number;
  /** Department's own labels: hospital / station / branch / authority. */
  place: string;
  /** Department's detail: ward, train or flight number, amount, facility. */
  detail: string;
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

const DAILY_SOURCES: readonly Source[] = ['hospital', 'travel', 'bank'];

/** Precomputed tables for one run; `resetPass()` before regenerating the population. */
export class SimulationContext {
  readonly options: ResolvedOptions;
  readonly start: IsoDate;
  readonly days: number;
  readonly end: IsoDate;
  readonly nonPensioners: number;
  readonly total: number;
  private readonly dateCache: string[];
  private readonly dateOffset = 400;
  private readonly ageTable: WeightedPicker<number>;
  private readonly regionPickers: Record<Persona, WeightedPicker<RegionInfo>>;
  private readonly strangerRegions: WeightedPicker<RegionInfo>;
  /** Days (from start) on which weekly death files and monthly judicial files arrive. */
  readonly deathFileDays: number[];
  readonly judicialFileDays: number[];
  private idCounters = new Map<string, number>();

  constructor(options: SimulationOptions) {
    this.options = resolveOptions(options);
    this.start = this.options.start;
    this.days = this.options.days;
    this.end = addDays(this.start, this.days);
    this.nonPensioners = Math.round(this.options.pensioners * this.options.nonPensionerRatio);
    this.total = this.options.pensioners + this.nonPensioners;
    this.dateCache = [];
    for (let d = -this.dateOffset; d <= this.days + 400; d++) this.dateCache.push(addDays(this.start, d));

    const ages: number[] = [];
    const weights: number[] = [];
    let cumulativeHazard = 0;
    for (let age = 60; age <= 105; age++) {
      ages.push(age);
      weights.push(Math.exp(-cumulativeHazard));
      cumulativeHazard += -Math.log(1 - annualDeathProbability(age));
    }
    this.ageTable = new WeightedPicker(ages, weights);

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
      PERSONAS.map((p) => [p, new WeightedPicker(SICHUAN_REGIONS, SICHUAN_REGIONS.map((r) => regionWeight(p, r)))]),
    ) as Record<Persona, WeightedPicker<RegionInfo>>;
    const strangers = [...SICHUAN_REGIONS, ...OTHER_REGIONS];
    this.strangerRegions = new WeightedPicker(
      strangers,
      strangers.map((r) => (r.code.startsWith('51') ? r.weight * 4 : r.weight)),
    );

    this.deathFileDays = [];
    for (let d = 7; d <= this.days; d += 7) this.deathFileDays.push(d);
    this.judicialFileDays = [];
    for (let d = 1; d <= this.days; d++) if (this.date(d).endsWith('-05')) this.judicialFileDays.push(d);
  }

  /** Calendar date of a day index (0 = start). */
  date(day: number): IsoDate {
    return this.dateCache[day + this.dateOffset] ?? addDays(this.start, day);
  }

  resetPass(): void {
    this.idCounters = new Map();
  }

  /** Is the person at `index` (generation order) a pensioner? Spreads non-pensioners evenly. */
  isPensionerAt(index: number): boolean {
    // Person k of every block of (N+M) is a non-pensioner when the stranger count steps.
    const n = this.total;
    const m = this.nonPensioners;
    if (m === 0) return true;
    return Math.floor(((index + 1) * m) / n) === Math.floor((index * m) / n);
  }

  // ------------------------------------------------------------ one person

  generatePerson(index: number): SimPerson {
    const o = this.options;
    const rng = new Rng(hash32(o.seed, index));
    const pensioner = this.isPensionerAt(index);

    const age = pensioner ? this.ageTable.pick(rng) : rng.int(22, 72);
    const sex: 'male' | 'female' = rng.chance(pensioner ? 0.53 : 0.5) ? 'female' : 'male';
    let persona: Persona;
    if (pensioner) {
      const w = personaWeights(age, o.personaMix);
      persona = new WeightedPicker(PERSONAS, PERSONAS.map((p) => w[p])).pick(rng);
    } else {
      persona = rng.chance(0.55) ? 'urban_active' : 'rural';
    }
    const region = pensioner ? this.regionPickers[persona].pick(rng) : this.strangerRegions.pick(rng);
    // Birth date such that the age at start is `age`.
    const earliest = addDays(addMonths(this.start, -12 * (age + 1)), 1);
    const latest = addMonths(this.start, -12 * age);
    let birthDate = addDays(earliest, rng.int(0, daysBetween(earliest, latest)));
    const name = inventName(rng, sex);

    // A unique national ID: a counter per (region, birth date, sex) bucket.
    let nationalId = '';
    for (;;) {
      const compact = birthDate.replaceAll('-', '');
      const key = `${region.code}${compact}${sex === 'male' ? 1 : 0}`;
      const count = this.idCounters.get(key) ?? 0;
      if (count < 499) {
        this.idCounters.set(key, count + 1);
        const k = (hash32(Number(region.code), Number(compact)) + count) % 499;
        nationalId = makeNationalId(region.code, birthDate, sex === 'male' ? 2 * k + 1 : 2 * k + 2);
        break;
      }
      birthDate = addDays(birthDate, -1);
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
    const custody: { start: number; end: number | null }[] = [];
    if (pensioner) {
      person.registry = this.registryRecord(rng, person);
      deathDay = this.sampleDeath(rng, birthDate, age, persona);
      if (deathDay !== null) cardAfterDeath = rng.chance(o.cardUseAfterDeath);
      if (rng.chance(1 - Math.exp(-o.custodyRate * (this.days / 365)))) {
        const s = rng.int(0, this.days - 1);
        if (deathDay === null || s < deathDay) {
          const length = rng.int(30, 720);
          const release = s + length;
          custody.push({ start: s, end: release < this.days && (deathDay === null || release < deathDay) ? release : null });
        }
      }
    }

    const events = this.lifeEvents(rng, person, region, deathDay, custody, cardAfterDeath);
    events.sort((a, b) => a.day - b.day || a.sec - b.sec);
    let seq = 0;
    let deathArrival: number | null = null;
    for (const event of events) {
      seq++;
      const arrival = this.arrivalOf(rng, event);
      if (arrival === null) continue;
      const r = rng.next();
      const base: LineClass = pensioner ? 'event' : 'non_pensioner';
      if (r < o.badLineRate) {
        const defect = DEFECTS[Math.floor((r / o.badLineRate) * DEFECTS.length)] ?? 'malformed';
        person.lines.push({ event, seq, arrival, cls: 'bad', defect });
        continue;
      }
      person.lines.push({ event, seq, arrival, cls: base });
      if (event.source === 'death' && (deathArrival === null || arrival < deathArrival)) deathArrival = arrival;
      if (r < o.badLineRate + o.duplicateRate) {
        // Re-sent: in the same file, or again in the next day's file.
        const later = DAILY_SOURCES.includes(event.source) && rng.chance(0.4) && arrival + 1 <= this.days;
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
        cardUsedAfterDeath: cardAfterDeath && person.lines.some((l) => deathDay !== null && l.event.day > deathDay),
        custodialPeriods: custody.map((c) => ({ start: this.date(c.start), end: c.end === null ? null : this.date(c.end) })),
      };
    }
    return person;
  }

  private registryRecord(rng: Rng, p: SimPerson): RegistryRecord {
    const type: RegistryRecord['pensionType'] =
      p.persona === 'rural'
        ? rng.chance(0.8) ? 'resident' : 'enterprise'
        : p.persona === 'urban_active'
          ? rng.pick(['enterprise', 'enterprise', 'enterprise', 'public', 'resident'] as const)
          : rng.pick(['enterprise', 'resident', 'enterprise', 'resident', 'public'] as const);
    const fen =
      type === 'resident' ? rng.int(15_000, 45_000) : type === 'enterprise' ? rng.int(180_000, 480_000) : rng.int(380_000, 850_000);
    const retireAge = type === 'resident' || p.sex === 'male' ? 60 : type === 'public' ? 55 : rng.chance(0.5) ? 50 : 55;
    const lastMonthStart = addDays(this.start, -1).slice(0, 8) + '01'; // first day of the month before start
    let benefitStart = addMonths(addMonths(p.birthDate, 12 * retireAge).slice(0, 8) + '01', 1);
    if (type === 'resident' && rng.chance(0.1)) benefitStart = addMonths(benefitStart, rng.int(1, 24));
    if (rng.chance(0.015)) benefitStart = addMonths(lastMonthStart, -rng.int(0, 5)); // recent new recipient
    if (benefitStart > lastMonthStart) benefitStart = lastMonthStart;

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
    if (daysBetween(benefitStart, this.start) <= 200) certified = benefitStart; // certified in the first payment month
    else if (r < 0.03) certified = addDays(this.start, -rng.int(366, 480)); // already lapsed
    else if (r < 0.035) certified = undefined; // legacy gap
    else certified = addDays(this.start, -rng.int(1, 365));
    if (certified !== undefined) record.lastCertifiedAt = certified < benefitStart ? benefitStart : certified;
    const phoneShare = { urban_active: 0.9, rural: 0.55, frail: 0.45, isolated: 0.25 }[p.persona];
    if (rng.chance(phoneShare)) {
      record.phone = `1${rng.pick(['3', '5', '7', '8', '9'])}${rng.int(0, 9)}${String(rng.int(0, 99_999_999)).padStart(8, '0')}`;
    }
    return record;
  }

  /** Day of death within the period, or null: piecewise constant hazard between birthdays. */
  private sampleDeath(rng: Rng, birthDate: IsoDate, ageAtStart: number, persona: Persona): number | null {
    let threshold = rng.exp(1);
    let day = 0;
    let age = ageAtStart;
    while (day < this.days) {
      const nextBirthday = daysBetween(this.start, addMonths(birthDate, 12 * (age + 1)));
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

  private lifeEvents(
    rng: Rng,
    p: SimPerson,
    region: RegionInfo,
    deathDay: number | null,
    custody: { start: number; end: number | null }[],
    cardAfterDeath: boolean,
  ): RawEvent[] {
    const events: RawEvent[] = [];
    const a = ACTIVITY[p.persona];
    const lifeEnd = deathDay ?? this.days;
    const free = (d: number): boolean =>
      d >= 0 && d < lifeEnd && !custody.some((c) => d >= c.start && (c.end === null || d < c.end));
    const when = (lo: number, hi: number): number => rng.int(lo * 3600, hi * 3600 - 1);
    const poisson = (ratePerYear: number, from: number, to: number, fn: (day: number) => void): void => {
      if (ratePerYear <= 0) return;
      const rate = ratePerYear / 365;
      for (let t = from + rng.exp(rate); t < to; t += rng.exp(rate)) fn(Math.floor(t));
    };
    const home = region.code;
    const regionShort = region.name;
    const bank = region.kind === 'rural' || p.persona === 'rural' ? rng.pick([BANKS[0], BANKS[4], BANKS[5]]) : rng.pick(BANKS);
    const branch = `${bank}${regionShort}支行`;
    const village = villageName(rng);
    const cashPoint = `${regionShort}${village}助农取款服务点`;
    const localHospital = NAMED_HOSPITALS[home]?.[0] ?? `${regionShort}人民医院`;
    const withdrawal = (lo: number, hi: number): string => `${rng.int(lo, hi) * 100}.00`;

    const hospitalFor = (): { name: string; location: string } => {
      if (rng.chance(0.2)) {
        return rng.chance(0.6)
          ? { name: '四川大学华西医院', location: '510107' }
          : { name: '四川省人民医院', location: '510105' };
      }
      return { name: localHospital, location: home };
    };

    // Bank
    poisson(a.counter, 0, this.days, (d) => {
      if (free(d)) events.push({ source: 'bank', kind: 'counter', day: d, sec: when(9, 17), check: 'id_document', location: home, place: branch, detail: withdrawal(5, 50) });
    });
    poisson(a.mobileFace, 0, this.days, (d) => {
      if (free(d)) events.push({ source: 'bank', kind: 'mobile_face', day: d, sec: when(7, 23), check: 'biometric', location: home, place: '手机银行', detail: withdrawal(1, 30) });
    });
    poisson(a.atm, 0, this.days, (d) => {
      if (free(d)) events.push({ source: 'bank', kind: 'atm', day: d, sec: when(6, 23), check: 'card_pin', location: home, place: `${bank}${regionShort}自助银行`, detail: withdrawal(2, 30) });
    });
    poisson(a.cashPoint, 0, this.days, (d) => {
      if (free(d)) events.push({ source: 'bank', kind: 'cash_point', day: d, sec: when(8, 19), check: 'card_pin', location: home, place: cashPoint, detail: withdrawal(1, 10) });
    });
    // Relatives withdrawing for a frail person who is alive (card only).
    poisson(a.relativesCard, 0, this.days, (d) => {
      if (free(d)) {
        const atm = region.kind !== 'rural' && rng.chance(0.6);
        events.push({ source: 'bank', kind: atm ? 'atm' : 'cash_point', day: d, sec: when(8, 20), check: 'card_pin', location: home, place: atm ? `${bank}${regionShort}自助银行` : cashPoint, detail: withdrawal(2, 20) });
      }
    });

    // Hospital
    poisson(a.outpatient, 0, this.days, (d) => {
      if (free(d)) {
        const h = rng.chance(0.85) ? { name: localHospital, location: home } : hospitalFor();
        events.push({ source: 'hospital', kind: 'outpatient', day: d, sec: when(8, 17), check: rng.chance(0.7) ? 'id_document' : 'none', location: h.location, place: h.name, detail: rng.pick(OUTPATIENT_DEPARTMENTS) });
      }
    });
    const stay = (admitDay: number, diesThere: boolean): void => {
      const h = hospitalFor();
      const ward = rng.pick(HOSPITAL_DEPARTMENTS);
      events.push({ source: 'hospital', kind: 'admission', day: admitDay, sec: when(0, 24), check: 'id_document', location: h.location, place: h.name, detail: ward });
      if (diesThere) return;
      const discharge = admitDay + rng.int(p.persona === 'frail' ? 3 : 2, p.persona === 'frail' ? 25 : 15);
      if (free(discharge)) events.push({ source: 'hospital', kind: 'discharge', day: discharge, sec: when(9, 17), check: 'id_document', location: h.location, place: h.name, detail: ward });
    };
    poisson(a.stays, 0, this.days, (d) => {
      if (free(d)) stay(d, false);
    });
    if (deathDay !== null && rng.chance(a.diesInHospital)) {
      const admit = deathDay - rng.int(1, 20);
      if (free(admit)) stay(admit, true);
    }

    // Travel
    const trip = (air: boolean): ((d: number) => void) => (d) => {
      if (!free(d)) return;
      const homeStations = STATIONS.filter((s) => s.region === home && s.kind === (air ? 'air' : 'rail'));
      const chengdu = STATIONS.filter((s) => s.kind === (air ? 'air' : 'rail') && s.region.startsWith('5101'));
      const from = homeStations.length > 0 && rng.chance(0.8) ? rng.pick(homeStations) : rng.pick(chengdu);
      const destinations = STATIONS.filter((s) => s.kind === (air ? 'air' : 'rail') && s.region.slice(0, 4) !== from.region.slice(0, 4));
      const to = rng.pick(destinations);
      const number = air
        ? `${rng.pick(['3U', 'CA', 'MU', 'CZ', 'EU', 'TV'])}${rng.int(1000, 9999)}`
        : `${rng.pick(['G', 'G', 'D', 'C', 'K'])}${rng.int(1, 8999)}`;
      const back = air
        ? `${number.slice(0, 2)}${rng.int(1000, 9999)}`
        : `${number[0]}${rng.int(1, 8999)}`;
      const kind = air ? 'flight_boarding' : 'rail_boarding';
      const gate = (): IdentityCheck => (air ? 'id_document' : rng.chance(0.6) ? 'biometric' : 'id_document');
      if (rng.chance(0.6)) {
        const bought = d - rng.int(1, 20);
        if (free(bought)) events.push({ source: 'travel', kind: 'ticket_purchase', day: bought, sec: when(7, 23), check: rng.chance(0.7) ? 'none' : 'id_document', location: home, place: rng.chance(0.8) ? '12306' : from.name, detail: number });
      }
      events.push({ source: 'travel', kind, day: d, sec: when(6, 22), check: gate(), location: from.region, place: from.name, detail: number });
      const returnDay = d + rng.int(2, 20);
      if (free(returnDay)) events.push({ source: 'travel', kind, day: returnDay, sec: when(6, 22), check: gate(), location: to.region, place: to.name, detail: back });
    };
    poisson(a.railTrips, 0, this.days, trip(false));
    poisson(a.flightTrips, 0, this.days, trip(true));

    // After death: relatives keep drawing the pension with the card.
    if (deathDay !== null && cardAfterDeath) {
      const urban = region.kind === 'urban';
      poisson(10, deathDay + rng.int(3, 40), this.days, (d) => {
        if (rng.chance(0.08)) {
          events.push({ source: 'bank', kind: 'counter', day: d, sec: when(9, 17), check: 'none', location: home, place: branch, detail: withdrawal(5, 40) });
        } else {
          const atm = urban && rng.chance(0.7);
          events.push({ source: 'bank', kind: atm ? 'atm' : 'cash_point', day: d, sec: when(7, 21), check: 'card_pin', location: home, place: atm ? `${bank}${regionShort}自助银行` : cashPoint, detail: withdrawal(2, 30) });
        }
      });
    }

    // Death records
    if (deathDay !== null && !rng.chance(this.options.deathRecordMissing)) {
      // Died in hospital: the last admission before death has no discharge after it.
      let lastAdmission: RawEvent | undefined;
      for (const e of events) if (e.kind === 'admission' && e.day < deathDay && (lastAdmission === undefined || e.day > lastAdmission.day)) lastAdmission = e;
      const admitted = lastAdmission;
      const diedInHospital = admitted !== undefined && !events.some((x) => x.kind === 'discharge' && x.day > admitted.day);
      const kinds: { kind: string; delay: [number, number]; place: string; location: string }[] = [];
      if (rng.chance(0.85)) {
        kinds.push(
          diedInHospital
            ? { kind: 'death_certificate', delay: [0, 3], place: admitted.place, location: admitted.location }
            : { kind: 'death_certificate', delay: [0, 3], place: `${regionShort}${village}卫生室`, location: home },
        );
      }
      if (rng.chance(0.65)) kinds.push({ kind: 'cremation', delay: [2, 7], place: `${region.city}殡仪馆`, location: home });
      if (rng.chance(0.7)) kinds.push({ kind: 'household_deregistration', delay: [7, 60], place: `${region.fullName}公安局户政科`, location: home });
      if (kinds.length === 0) kinds.push({ kind: 'death_certificate', delay: [0, 3], place: localHospital, location: home });
      for (const k of kinds) {
        const day = deathDay + rng.int(k.delay[0], k.delay[1]);
        events.push({ source: 'death', kind: k.kind, day, sec: when(9, 17), check: 'id_document', location: k.location, deathDay, place: k.place, detail: '' });
      }
    }

    // Custodial sentences
    for (const c of custody) {
      const court = `${regionShort}人民法院`;
      const prison = rng.pick(PRISONS);
      events.push({ source: 'judicial', kind: 'custodial_sentence_start', day: c.start, sec: when(9, 17), check: 'id_document', location: home, place: court, detail: prison });
      if (c.end !== null) events.push({ source: 'judicial', kind: 'release', day: c.end, sec: when(8, 11), check: 'id_document', location: home, place: court, detail: prison });
    }
    return events;
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
        arrival = this.deathFileDays.find((d) => d >= ready);
        break;
      }
      case 'judicial': {
        const ready = e.day + rng.int(2, 10);
        arrival = this.judicialFileDays.find((d) => d >= ready);
        break;
      }
    }
    if (arrival === undefined || arrival > this.days || e.day >= this.days) return null;
    return arrival;
  }
}

export function ageAtStart(birthDate: IsoDate, start: IsoDate): number {
  return ageOn(birthDate, start);
}
