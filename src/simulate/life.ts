// The records one person's true life leaves with the departments over the period.
// Written as a class with methods (no per-person closures) because it runs for every
// person in every pass.
import { BANKS, FEMALE_PRISON, HOSPITAL_DEPARTMENTS, NAMED_HOSPITALS, OUTPATIENT_DEPARTMENTS, PRISONS, villageName } from './names.ts';
import type { Rng } from './prng.ts';
import { STATIONS, type RegionInfo } from './regions.ts';
import type { IdentityCheck, Persona, RawEvent } from './vocabulary.ts';
import { channelEvents, type ChannelLife } from './channels.ts';

/** Events per year, by persona. Trips are return journeys (boarding out and back). */
export interface Activity {
  railTrips: number;
  flightTrips: number;
  counter: number;
  mobileFace: number;
  atm: number;
  cashPoint: number;
  /** Relatives withdrawing with the card of a living person. */
  relativesCard: number;
  outpatient: number;
  stays: number;
  /** Chance that a death happens in hospital (admission, no discharge). */
  diesInHospital: number;
}

export const ACTIVITY: Record<Persona, Activity> = {
  urban_active: {
    railTrips: 2,
    flightTrips: 0.4,
    counter: 3,
    mobileFace: 5,
    atm: 3,
    cashPoint: 0,
    relativesCard: 0,
    outpatient: 1.2,
    stays: 0.08,
    diesInHospital: 0.35,
  },
  rural: {
    railTrips: 0.15,
    flightTrips: 0,
    counter: 0.6,
    mobileFace: 0,
    atm: 1,
    cashPoint: 9,
    relativesCard: 0,
    outpatient: 0.4,
    stays: 0.12,
    diesInHospital: 0.25,
  },
  frail: { railTrips: 0, flightTrips: 0, counter: 0, mobileFace: 0, atm: 0, cashPoint: 0, relativesCard: 2.5, outpatient: 3, stays: 1, diesInHospital: 0.6 },
  isolated: {
    railTrips: 0,
    flightTrips: 0,
    counter: 0,
    mobileFace: 0,
    atm: 0,
    cashPoint: 0.5,
    relativesCard: 0,
    outpatient: 0.2,
    stays: 0.05,
    diesInHospital: 0.15,
  },
};

/** Relatives' withdrawals per year with a dead person's card. */
const CARD_AFTER_DEATH_RATE = 10;

type Station = (typeof STATIONS)[number];
const stationLists = new Map<string, Station[]>();
function stations(key: string, filter: (s: Station) => boolean): Station[] {
  let list = stationLists.get(key);
  if (list === undefined) {
    list = STATIONS.filter(filter);
    stationLists.set(key, list);
  }
  return list;
}

export interface Custody {
  start: number;
  end: number | null;
}

export class Life implements ChannelLife {
  readonly events: RawEvent[] = [];
  private readonly activity: Activity;
  private readonly lifeEnd: number;
  readonly home: string;
  readonly short: string;
  private readonly bank: string;
  private readonly branch: string;
  private readonly atmName: string;
  readonly village: string;
  private readonly cashPoint: string;
  private readonly localHospital: string;

  constructor(
    readonly rng: Rng,
    readonly persona: Persona,
    private readonly sex: 'male' | 'female',
    private readonly region: RegionInfo,
    readonly days: number,
    readonly deathDay: number | null,
    private readonly custody: readonly Custody[],
    /** Age at the start of the period. */
    readonly age: number,
  ) {
    this.activity = ACTIVITY[persona];
    this.lifeEnd = deathDay ?? days;
    this.home = region.code;
    this.short = region.name;
    this.bank = region.kind === 'rural' || persona === 'rural' ? rng.pick([BANKS[0], BANKS[4], BANKS[5]]) : rng.pick(BANKS);
    this.branch = `${this.bank}${this.short}支行`;
    this.atmName = `${this.bank}${this.short}自助银行`;
    this.village = villageName(rng);
    this.cashPoint = `${this.short}${this.village}助农取款服务点`;
    this.localHospital = NAMED_HOSPITALS[this.home]?.[0] ?? `${this.short}人民医院`;
  }

  /** Alive, free and within the period on day `d`. */
  free(d: number): boolean {
    if (d < 0 || d >= this.lifeEnd) return false;
    for (const c of this.custody) if (d >= c.start && (c.end === null || d < c.end)) return false;
    return true;
  }

  when(fromHour: number, toHour: number): number {
    return this.rng.int(fromHour * 3600, toHour * 3600 - 1);
  }

  /** Days of a Poisson process with `perYear` events a year over [from, to). */
  poissonDays(perYear: number, from: number, to: number): number[] {
    const out: number[] = [];
    if (perYear <= 0) return out;
    const rate = perYear / 365;
    for (let t = from + this.rng.exp(rate); t < to; t += this.rng.exp(rate)) out.push(Math.floor(t));
    return out;
  }

  private withdrawal(lo: number, hi: number): string {
    return `${this.rng.int(lo, hi) * 100}.00`;
  }

  push(e: RawEvent): void {
    this.events.push(e);
  }

  build(cardAfterDeath: boolean, deathRecordMissing: number): RawEvent[] {
    this.bankEvents();
    this.hospitalEvents();
    this.travelEvents();
    channelEvents(this);
    if (this.deathDay !== null && cardAfterDeath) this.cardAfterDeath(this.deathDay);
    if (this.deathDay !== null && !this.rng.chance(deathRecordMissing)) this.deathRecords(this.deathDay);
    this.judicialRecords();
    return this.events;
  }

  private bankEvents(): void {
    const a = this.activity;
    const { home, days } = this;
    for (const d of this.poissonDays(a.counter, 0, days)) {
      if (this.free(d))
        this.push({
          source: 'bank',
          kind: 'counter',
          day: d,
          sec: this.when(9, 17),
          check: 'id_document',
          location: home,
          place: this.branch,
          detail: this.withdrawal(5, 50),
        });
    }
    for (const d of this.poissonDays(a.mobileFace, 0, days)) {
      if (this.free(d))
        this.push({
          source: 'bank',
          kind: 'mobile_face',
          day: d,
          sec: this.when(7, 23),
          check: 'biometric',
          location: home,
          place: '手机银行',
          detail: this.withdrawal(1, 30),
        });
    }
    for (const d of this.poissonDays(a.atm, 0, days)) {
      if (this.free(d))
        this.push({
          source: 'bank',
          kind: 'atm',
          day: d,
          sec: this.when(6, 23),
          check: 'card_pin',
          location: home,
          place: this.atmName,
          detail: this.withdrawal(2, 30),
        });
    }
    for (const d of this.poissonDays(a.cashPoint, 0, days)) {
      if (this.free(d))
        this.push({
          source: 'bank',
          kind: 'cash_point',
          day: d,
          sec: this.when(8, 19),
          check: 'card_pin',
          location: home,
          place: this.cashPoint,
          detail: this.withdrawal(1, 10),
        });
    }
    for (const d of this.poissonDays(a.relativesCard, 0, days)) {
      if (!this.free(d)) continue;
      const atm = this.region.kind !== 'rural' && this.rng.chance(0.6);
      this.push({
        source: 'bank',
        kind: atm ? 'atm' : 'cash_point',
        day: d,
        sec: this.when(8, 20),
        check: 'card_pin',
        location: home,
        place: atm ? this.atmName : this.cashPoint,
        detail: this.withdrawal(2, 20),
      });
    }
  }

  private hospital(): { name: string; location: string } {
    if (this.rng.chance(0.2)) {
      return this.rng.chance(0.6) ? { name: '四川大学华西医院', location: '510107' } : { name: '四川省人民医院', location: '510105' };
    }
    return { name: this.localHospital, location: this.home };
  }

  private stay(admitDay: number, diesThere: boolean): void {
    const h = this.hospital();
    const ward = this.rng.pick(HOSPITAL_DEPARTMENTS);
    this.push({
      source: 'hospital',
      kind: 'admission',
      day: admitDay,
      sec: this.when(0, 24),
      check: 'id_document',
      location: h.location,
      place: h.name,
      detail: ward,
    });
    if (diesThere) return;
    const frail = this.persona === 'frail';
    const discharge = admitDay + this.rng.int(frail ? 3 : 2, frail ? 25 : 15);
    if (this.free(discharge)) {
      this.push({
        source: 'hospital',
        kind: 'discharge',
        day: discharge,
        sec: this.when(9, 17),
        check: 'id_document',
        location: h.location,
        place: h.name,
        detail: ward,
      });
    }
  }

  private hospitalEvents(): void {
    const a = this.activity;
    for (const d of this.poissonDays(a.outpatient, 0, this.days)) {
      if (!this.free(d)) continue;
      const h = this.rng.chance(0.85) ? { name: this.localHospital, location: this.home } : this.hospital();
      this.push({
        source: 'hospital',
        kind: 'outpatient',
        day: d,
        sec: this.when(8, 17),
        check: this.rng.chance(0.7) ? 'id_document' : 'none',
        location: h.location,
        place: h.name,
        detail: this.rng.pick(OUTPATIENT_DEPARTMENTS),
      });
    }
    for (const d of this.poissonDays(a.stays, 0, this.days)) if (this.free(d)) this.stay(d, false);
    if (this.deathDay !== null && this.rng.chance(a.diesInHospital)) {
      const admit = this.deathDay - this.rng.int(1, 20);
      if (this.free(admit)) this.stay(admit, true);
    }
  }

  private trip(d: number, air: boolean): void {
    const rng = this.rng;
    const mode = air ? 'air' : 'rail';
    const home = this.home;
    const homeStations = stations(`${mode}:${home}`, (s) => s.region === home && s.kind === mode);
    const chengdu = stations(`${mode}:5101`, (s) => s.kind === mode && s.region.startsWith('5101'));
    const from = homeStations.length > 0 && rng.chance(0.8) ? rng.pick(homeStations) : rng.pick(chengdu);
    const fromCity = from.region.slice(0, 4);
    const to = rng.pick(stations(`${mode}:not:${fromCity}`, (s) => s.kind === mode && s.region.slice(0, 4) !== fromCity));
    const number = air
      ? `${rng.pick(['3U', 'CA', 'MU', 'CZ', 'EU', 'TV'])}${rng.int(1000, 9999)}`
      : `${rng.pick(['G', 'G', 'D', 'C', 'K'])}${rng.int(1, 8999)}`;
    const back = air ? `${number.slice(0, 2)}${rng.int(1000, 9999)}` : `${number[0]}${rng.int(1, 8999)}`;
    const kind = air ? 'flight_boarding' : 'rail_boarding';
    if (rng.chance(0.6)) {
      const bought = d - rng.int(1, 20);
      if (this.free(bought)) {
        this.push({
          source: 'travel',
          kind: 'ticket_purchase',
          day: bought,
          sec: this.when(7, 23),
          check: rng.chance(0.7) ? 'none' : 'id_document',
          location: home,
          place: rng.chance(0.8) ? '12306' : from.name,
          detail: number,
        });
      }
    }
    this.push({ source: 'travel', kind, day: d, sec: this.when(6, 22), check: this.gate(air), location: from.region, place: from.name, detail: number });
    const returnDay = d + rng.int(2, 20);
    if (this.free(returnDay)) {
      this.push({ source: 'travel', kind, day: returnDay, sec: this.when(6, 22), check: this.gate(air), location: to.region, place: to.name, detail: back });
    }
  }

  private gate(air: boolean): IdentityCheck {
    return air ? 'id_document' : this.rng.chance(0.6) ? 'biometric' : 'id_document';
  }

  private travelEvents(): void {
    for (const d of this.poissonDays(this.activity.railTrips, 0, this.days)) if (this.free(d)) this.trip(d, false);
    for (const d of this.poissonDays(this.activity.flightTrips, 0, this.days)) if (this.free(d)) this.trip(d, true);
  }

  /** Relatives keep drawing the pension with the card (never with a biometric or ID check). */
  private cardAfterDeath(deathDay: number): void {
    const urban = this.region.kind === 'urban';
    for (const d of this.poissonDays(CARD_AFTER_DEATH_RATE, deathDay + this.rng.int(3, 40), this.days)) {
      if (this.rng.chance(0.08)) {
        this.push({
          source: 'bank',
          kind: 'counter',
          day: d,
          sec: this.when(9, 17),
          check: 'none',
          location: this.home,
          place: this.branch,
          detail: this.withdrawal(5, 40),
        });
      } else {
        const atm = urban && this.rng.chance(0.7);
        this.push({
          source: 'bank',
          kind: atm ? 'atm' : 'cash_point',
          day: d,
          sec: this.when(7, 21),
          check: 'card_pin',
          location: this.home,
          place: atm ? this.atmName : this.cashPoint,
          detail: this.withdrawal(2, 30),
        });
      }
    }
  }

  private deathRecords(deathDay: number): void {
    // Died in hospital: the last admission before death has no discharge after it.
    let admitted: RawEvent | undefined;
    for (const e of this.events) if (e.kind === 'admission' && e.day < deathDay && (admitted === undefined || e.day > admitted.day)) admitted = e;
    const admittedDay = admitted?.day;
    if (admittedDay !== undefined && this.events.some((e) => e.kind === 'discharge' && e.day > admittedDay)) admitted = undefined;
    const records: { kind: string; delay: [number, number]; place: string; location: string }[] = [];
    if (this.rng.chance(0.85)) {
      records.push(
        admitted !== undefined
          ? { kind: 'death_certificate', delay: [0, 3], place: admitted.place, location: admitted.location }
          : { kind: 'death_certificate', delay: [0, 3], place: `${this.short}${this.village}卫生室`, location: this.home },
      );
    }
    if (this.rng.chance(0.65)) records.push({ kind: 'cremation', delay: [2, 7], place: `${this.region.city}殡仪馆`, location: this.home });
    if (this.rng.chance(0.7))
      records.push({ kind: 'household_deregistration', delay: [7, 60], place: `${this.region.fullName}公安局户政科`, location: this.home });
    if (records.length === 0) records.push({ kind: 'death_certificate', delay: [0, 3], place: this.localHospital, location: this.home });
    for (const r of records) {
      const day = deathDay + this.rng.int(r.delay[0], r.delay[1]);
      this.push({
        source: 'death',
        kind: r.kind,
        day,
        sec: this.when(9, 17),
        check: 'id_document',
        location: r.location,
        deathDay,
        place: r.place,
        detail: '',
      });
    }
  }

  private judicialRecords(): void {
    for (const c of this.custody) {
      const court = `${this.short}人民法院`;
      const prison = this.sex === 'female' ? FEMALE_PRISON : this.rng.pick(PRISONS);
      this.push({
        source: 'judicial',
        kind: 'custodial_sentence_start',
        day: c.start,
        sec: this.when(9, 17),
        check: 'id_document',
        location: this.home,
        place: court,
        detail: prison,
      });
      if (c.end !== null) {
        this.push({
          source: 'judicial',
          kind: 'release',
          day: c.end,
          sec: this.when(8, 11),
          check: 'id_document',
          location: this.home,
          place: court,
          detail: prison,
        });
      }
    }
  }
}
