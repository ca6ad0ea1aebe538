// How each department writes its files: layout, encoding, cadence, and the line itself
// (including the deliberately broken lines).
import type { IsoDate } from '../domain/calendar.ts';
import type { Defect, FeedLine, SimPerson, SimulationContext } from './model.ts';
import type { FeedEvent, Source } from './vocabulary.ts';
import { DEPARTMENT_HEADERS, departmentFields } from './departments.ts';

export interface FeedFormat {
  source: Source;
  ext: 'csv' | 'ndjson';
  contentType: 'text/csv' | 'application/x-ndjson';
  charset: 'utf-8' | 'gbk';
  /** CSV header line, null for NDJSON. */
  header: string | null;
  cadence: 'daily' | 'weekly' | 'monthly';
  /** Local time (Asia/Shanghai) at which the file arrives on its day. */
  arrivesAt: string;
  /** The interface mapping (src/simulate/departments.ts) its own columns are read with; none for the contract's columns. */
  mapping?: string;
}

const CONTRACT_CSV = 'national_id,kind,occurred_at,source_ref,identity_check,location';

export const FEED_FORMATS: Record<Source, FeedFormat> = {
  travel: { source: 'travel', ext: 'ndjson', contentType: 'application/x-ndjson', charset: 'utf-8', header: null, cadence: 'daily', arrivesAt: '05:00:00' },
  hospital: {
    source: 'hospital',
    ext: 'csv',
    contentType: 'text/csv',
    charset: 'utf-8',
    header: 'national_id,kind,occurred_at,source_ref,identity_check,location,patient_name,hospital_name,dept_name',
    cadence: 'daily',
    arrivesAt: '06:00:00',
  },
  bank: {
    source: 'bank',
    ext: 'csv',
    contentType: 'text/csv',
    charset: 'gbk',
    header: 'national_id,kind,occurred_at,source_ref,identity_check,location,customer_name,branch_name,amount',
    cadence: 'daily',
    arrivesAt: '07:00:00',
  },
  death: {
    source: 'death',
    ext: 'csv',
    contentType: 'text/csv',
    charset: 'utf-8',
    header: 'national_id,source,kind,occurred_at,death_date,source_ref,identity_check,location,deceased_name,authority',
    cadence: 'weekly',
    arrivesAt: '08:00:00',
  },
  judicial: {
    source: 'judicial',
    ext: 'csv',
    contentType: 'text/csv',
    charset: 'utf-8',
    header: 'national_id,source,kind,occurred_at,source_ref,identity_check,location,person_name,court_name,facility',
    cadence: 'monthly',
    arrivesAt: '09:00:00',
  },
  medical_insurance: {
    source: 'medical_insurance',
    ext: 'csv',
    contentType: 'text/csv',
    charset: 'utf-8',
    header: `${CONTRACT_CSV},insured_name,institution_name,note`,
    cadence: 'daily',
    arrivesAt: '06:30:00',
  },
  health: {
    source: 'health',
    ext: 'csv',
    contentType: 'text/csv',
    charset: 'gbk',
    header: DEPARTMENT_HEADERS.health!,
    cadence: 'weekly',
    arrivesAt: '10:00:00',
    mapping: 'sc-health-phs',
  },
  civil_affairs: {
    source: 'civil_affairs',
    ext: 'csv',
    contentType: 'text/csv',
    charset: 'utf-8',
    header: DEPARTMENT_HEADERS.civil_affairs!,
    cadence: 'monthly',
    arrivesAt: '10:30:00',
    mapping: 'sc-civil-affairs',
  },
  community: {
    source: 'community',
    ext: 'csv',
    contentType: 'text/csv',
    charset: 'gbk',
    header: DEPARTMENT_HEADERS.community!,
    cadence: 'monthly',
    arrivesAt: '11:00:00',
    mapping: 'sc-village-ledger',
  },
  transit: {
    source: 'transit',
    ext: 'csv',
    contentType: 'text/csv',
    charset: 'utf-8',
    header: `${CONTRACT_CSV},holder_name,operator,note`,
    cadence: 'monthly',
    arrivesAt: '11:30:00',
  },
};

export const SOURCES_IN_ORDER: readonly Source[] = [
  'travel',
  'hospital',
  'bank',
  'death',
  'judicial',
  'medical_insurance',
  'health',
  'civil_affairs',
  'community',
  'transit',
];

export function feedPath(source: Source, arrivesOn: IsoDate): string {
  return `feeds/${source}-${arrivesOn.replaceAll('-', '')}.${FEED_FORMATS[source].ext}`;
}

const REF_PREFIX: Record<string, string> = {
  admission: 'ZY',
  discharge: 'CY',
  outpatient: 'MZ',
  rail_boarding: 'EJ',
  flight_boarding: 'FB',
  ticket_purchase: 'DP',
  counter: 'GT',
  mobile_face: 'SJ',
  atm: 'ZZ',
  cash_point: 'ZN',
  death_certificate: 'SW',
  cremation: 'HH',
  household_deregistration: 'ZX',
  custodial_sentence_start: 'XQ',
  release: 'SF',
  elderly_checkup: 'TJ',
  family_doctor_visit: 'FS',
  vaccination: 'YM',
  pharmacy_purchase: 'YF',
  clinic_settlement: 'ZS',
  assistance_visit: 'RH',
  allowance_verification: 'HC',
  ledger_confirmation: 'TZ',
  bus_card: 'GJ',
};

const UNKNOWN_KIND: Record<Source, string> = {
  hospital: 'surgery',
  travel: 'bus_boarding',
  bank: 'transfer',
  death: 'burial_permit',
  judicial: 'parole_hearing',
  health: 'dental_care',
  medical_insurance: 'refund',
  civil_affairs: 'burial_subsidy',
  community: 'meeting',
  transit: 'metro_tap',
};

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function clock(sec: number): string {
  return `${pad(Math.floor(sec / 3600), 2)}:${pad(Math.floor(sec / 60) % 60, 2)}:${pad(sec % 60, 2)}`;
}

/** The contract fields of a line's event, before any deliberate defect. */
export function feedEvent(ctx: SimulationContext, person: SimPerson, line: FeedLine): FeedEvent {
  const e = line.event;
  const date = ctx.date(e.day);
  const event: FeedEvent = {
    nationalId: person.nationalId,
    source: e.source,
    kind: e.kind,
    occurredAt: `${date}T${clock(e.sec)}+08:00`,
    sourceRef: `${REF_PREFIX[e.kind] ?? 'XX'}${date.replaceAll('-', '')}${pad(person.index, 8)}${pad(line.seq, 3)}`,
    identityCheck: e.check,
    location: e.location,
  };
  if (e.deathDay !== undefined) event.deathDate = ctx.date(e.deathDay);
  return event;
}

function breakCheckDigit(id: string): string {
  const order = '0123456789X';
  const c = id[17] ?? '0';
  return id.slice(0, 17) + order[(order.indexOf(c) + 1) % order.length];
}

function applyDefect(ev: FeedEvent, defect: Defect | undefined): FeedEvent {
  if (defect === 'bad_check_digit') return { ...ev, nationalId: breakCheckDigit(ev.nationalId) };
  if (defect === 'unknown_kind') return { ...ev, kind: UNKNOWN_KIND[ev.source] };
  if (defect === 'future_timestamp') {
    // A mistyped year, ten years ahead: in the future whatever the clock.
    return { ...ev, occurredAt: String(Number(ev.occurredAt.slice(0, 4)) + 10) + ev.occurredAt.slice(4) };
  }
  return ev;
}

const MISSING_FIELDS = ['nationalId', 'occurredAt', 'sourceRef', 'kind'] as const;

const NEEDS_QUOTES = /[",\r\n]/;

/** Free-text fields only: the contract fields never contain separators. */
function csvField(v: string): string {
  return NEEDS_QUOTES.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** One line of the department's file (no line terminator). */
export function serializeLine(ctx: SimulationContext, person: SimPerson, line: FeedLine): string {
  const e = line.event;
  const ev = applyDefect(feedEvent(ctx, person, line), line.defect);
  const missing = line.defect === 'missing_field' ? MISSING_FIELDS[line.seq % MISSING_FIELDS.length] : undefined;
  if (e.source === 'travel') {
    const obj: Record<string, string> = {
      nationalId: ev.nationalId,
      source: ev.source,
      kind: ev.kind,
      occurredAt: ev.occurredAt,
      sourceRef: ev.sourceRef,
      identityCheck: ev.identityCheck,
      location: ev.location ?? '',
      passengerName: person.name,
    };
    if (e.kind === 'ticket_purchase') {
      obj.channel = e.place;
      if (/^[A-Z0-9]{2}\d{4}$/.test(e.detail)) obj.flightNo = e.detail;
      else obj.trainNo = e.detail;
    } else if (e.kind === 'flight_boarding') {
      obj.flightNo = e.detail;
      obj.airport = e.place;
    } else {
      obj.trainNo = e.detail;
      obj.station = e.place;
    }
    if (missing !== undefined) delete obj[missing];
    const text = JSON.stringify(obj);
    return line.defect === 'malformed' ? text.slice(0, Math.floor(text.length * 0.6)) : text;
  }
  const f: FeedEvent = missing === undefined ? ev : { ...ev, [missing]: '' };
  const name = csvField(person.name);
  const place = csvField(e.place);
  let fields: string[];
  switch (e.source) {
    case 'health':
    case 'civil_affairs':
    case 'community':
      fields = departmentFields(e, f, name, line.defect === 'unknown_kind' || f.kind === '');
      break;
    case 'hospital':
    case 'bank':
    case 'medical_insurance':
    case 'transit':
      fields = [f.nationalId, f.kind, f.occurredAt, f.sourceRef, f.identityCheck, f.location ?? '', name, place, csvField(e.detail)];
      break;
    case 'death':
      fields = [f.nationalId, f.source, f.kind, f.occurredAt, f.deathDate ?? '', f.sourceRef, f.identityCheck, f.location ?? '', name, place];
      break;
    case 'judicial':
      fields = [f.nationalId, f.source, f.kind, f.occurredAt, f.sourceRef, f.identityCheck, f.location ?? '', name, place, csvField(e.detail)];
      break;
  }
  // Cut short: too few columns, the last one truncated.
  if (line.defect === 'malformed') fields = fields.slice(0, 3).concat(fields[3]?.slice(0, 7) ?? '');
  return fields.join(',');
}
