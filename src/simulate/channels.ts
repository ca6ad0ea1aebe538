// The channels the default catalogue added (CONTRACT "Evidence catalogue"): primary care
// (卫健), the medical-insurance e-voucher (医保电子凭证), social assistance (民政), the
// village / residents' committee ledger and public transport cards. Who is covered by each,
// and how often it leaves a record, by persona. Sources of the figures: README "The synthetic
// province" (each a public statistic with its year, or said to be an assumption).
import type { Rng } from './prng.ts';
import type { IdentityCheck, Persona, RawEvent } from './vocabulary.ts';

export interface ChannelCoverage {
  /**
   * Share of those 65 and over who have the yearly elderly check-up (国家基本公共卫生服务). The
   * level is the national one of 2021: 119.412M of 200.56M people 65+ received health management
   * (59.5%, 《2021年度国家老龄事业发展公报》); the ratios between personas are an assumption.
   */
  checkup: number;
  /** Share signed with a family doctor who follows them up (chronic-disease follow-ups). */
  familyDoctor: number;
  /** Follow-up visits a year of those signed. */
  familyDoctorVisits: number;
  /** Share who use the medical-insurance e-voucher at pharmacies and clinics. */
  eVoucher: number;
  /** E-voucher settlements a year of those who use it. */
  eVoucherUses: number;
  /** Share of those uses made by a relative through the family account (亲情账户): no check of the holder. */
  eVoucherByRelative: number;
  /** Share receiving social assistance (低保 / 特困), verified once a year. */
  assistance: number;
  /** Caseworker visits a year of those assisted. */
  assistanceVisits: number;
  /** Share whose village / residents' committee confirms them in its ledger each quarter. */
  ledger: number;
  /** Share holding an elderly transport card used in a month (one record a month that it is used). */
  transitCard: number;
}

export const CHANNEL_COVERAGE: Record<Persona, ChannelCoverage> = {
  urban_active: {
    checkup: 0.56,
    familyDoctor: 0.35,
    familyDoctorVisits: 2,
    eVoucher: 0.6,
    eVoucherUses: 8,
    eVoucherByRelative: 0,
    assistance: 0.01,
    assistanceVisits: 0,
    ledger: 0.1,
    transitCard: 0.6,
  },
  rural: {
    checkup: 0.78,
    familyDoctor: 0.55,
    familyDoctorVisits: 3,
    eVoucher: 0.3,
    eVoucherUses: 4,
    eVoucherByRelative: 0.2,
    assistance: 0.08,
    assistanceVisits: 1,
    ledger: 0.6,
    transitCard: 0.15,
  },
  frail: {
    checkup: 0.5,
    familyDoctor: 0.6,
    familyDoctorVisits: 4,
    eVoucher: 0.35,
    eVoucherUses: 8,
    eVoucherByRelative: 0.8,
    assistance: 0.06,
    assistanceVisits: 2,
    ledger: 0.5,
    transitCard: 0.05,
  },
  isolated: {
    checkup: 0.39,
    familyDoctor: 0.3,
    familyDoctorVisits: 2,
    eVoucher: 0.1,
    eVoucherUses: 3,
    eVoucherByRelative: 0,
    assistance: 0.15,
    assistanceVisits: 2,
    ledger: 0.4,
    transitCard: 0.1,
  },
};

/** Chance that a month's transport-card record exists for a holder (the card is used that month). */
const TRANSIT_MONTHLY_USE = 0.85;
/** Share of the dead whose committee ledger confirms them once more (an assumption: ledgers lag). */
const STALE_LEDGER_AFTER_DEATH = 0.1;
/** Share of the dead whose transport card a relative keeps using (an assumption). */
const TRANSIT_CARD_AFTER_DEATH = 0.1;

/** What the channels need of one person's life (src/simulate/life.ts). */
export interface ChannelLife {
  readonly rng: Rng;
  readonly persona: Persona;
  /** Age at the start of the period. */
  readonly age: number;
  readonly home: string;
  readonly short: string;
  readonly village: string;
  readonly days: number;
  readonly deathDay: number | null;
  free(d: number): boolean;
  poissonDays(perYear: number, from: number, to: number): number[];
  when(fromHour: number, toHour: number): number;
  push(e: RawEvent): void;
}

/** Share of the dead signed with a family doctor of whom one follow-up is recorded after the death (an assumption: fabricated follow-ups, 虚假随访, are a known fault of these records). */
export const FABRICATED_FOLLOW_UP = 0.01;

export function channelEvents(l: ChannelLife): void {
  const c = CHANNEL_COVERAGE[l.persona];
  const rng = l.rng;
  const ev = (source: RawEvent['source'], kind: string, day: number, check: IdentityCheck, place: string, detail = '', hours: [number, number] = [8, 17]) =>
    l.push({ source, kind, day, sec: l.when(hours[0], hours[1]), check, location: l.home, place, detail });
  const clinic = l.persona === 'rural' ? `${l.short}${l.village}卫生室` : `${l.short}社区卫生服务中心`;

  if (l.age >= 65 && rng.chance(c.checkup)) {
    const d = rng.int(0, l.days - 1);
    if (l.free(d)) ev('health', 'elderly_checkup', d, 'id_document', clinic, '老年人健康体检');
  }
  if (rng.chance(c.familyDoctor)) {
    for (const d of l.poissonDays(c.familyDoctorVisits, 0, l.days)) if (l.free(d)) ev('health', 'family_doctor_visit', d, 'id_document', clinic, '慢病随访');
    if (l.deathDay !== null && rng.chance(FABRICATED_FOLLOW_UP)) {
      const d = l.deathDay + rng.int(5, 60);
      if (d < l.days) ev('health', 'family_doctor_visit', d, 'id_document', clinic, '慢病随访');
    }
  }
  if (rng.chance(c.eVoucher)) {
    for (const d of l.poissonDays(c.eVoucherUses, 0, l.days)) {
      if (!l.free(d)) continue;
      const pharmacy = rng.chance(0.8);
      const check: IdentityCheck = rng.chance(c.eVoucherByRelative) ? 'none' : 'biometric';
      ev('medical_insurance', pharmacy ? 'pharmacy_purchase' : 'clinic_settlement', d, check, pharmacy ? `${l.short}大药房` : clinic, '', [8, 21]);
    }
  }
  if (rng.chance(c.assistance)) {
    const d = rng.int(0, l.days - 1);
    if (l.free(d)) ev('civil_affairs', 'allowance_verification', d, 'id_document', `${l.short}民政局`);
    for (const v of l.poissonDays(c.assistanceVisits, 0, l.days)) if (l.free(v)) ev('civil_affairs', 'assistance_visit', v, 'id_document', `${l.short}民政局`);
  }
  if (rng.chance(c.ledger)) ledger(l, ev);
  if (rng.chance(c.transitCard)) transit(l, ev);
}

type Emit = (source: RawEvent['source'], kind: string, day: number, check: IdentityCheck, place: string, detail?: string, hours?: [number, number]) => void;

/** Quarterly confirmations (a committee member's word, no identity check); a ledger may confirm the dead once more. */
function ledger(l: ChannelLife, ev: Emit): void {
  const place = `${l.short}${l.village}村(居)民委员会`;
  const offset = l.rng.int(0, 90);
  for (let d = offset; d < l.days; d += 91) if (l.free(d)) ev('community', 'ledger_confirmation', d, 'none', place);
  if (l.deathDay !== null && l.rng.chance(STALE_LEDGER_AFTER_DEATH)) {
    const d = l.deathDay + l.rng.int(10, 90);
    if (d < l.days) ev('community', 'ledger_confirmation', d, 'none', place);
  }
}

/** One record per month the card is used (the operator's monthly summary); relatives may keep the card. */
function transit(l: ChannelLife, ev: Emit): void {
  const afterDeath = l.deathDay !== null && l.rng.chance(TRANSIT_CARD_AFTER_DEATH);
  for (let m = 0; m * 30 < l.days; m++) {
    if (!l.rng.chance(TRANSIT_MONTHLY_USE)) continue;
    const d = Math.min(l.days - 1, m * 30 + l.rng.int(0, 29));
    const dead = l.deathDay !== null && d >= l.deathDay;
    if (l.free(d) || (dead && afterDeath)) ev('transit', 'bus_card', d, 'card_pin', `${l.short}公交`, '', [6, 21]);
  }
}
