// Phase 10: decision quality against the simulation's truth, which only this bench reads: what
// data alone decided (the certifications read before the visits), what staff visits changed,
// and how many months a death went on being paid.
import { addMonthsToMonth, firstDayOfMonth, monthOf, shanghaiDate, type YearMonth } from '../../src/domain/calendar.ts';
import { runInstant } from '../../src/domain/payroll.ts';
import type { TruthRecord } from '../../src/simulate/model.ts';
import { VISIT_LEAD_DAYS } from '../../src/domain/visit-readiness.ts';
import type { StaffResult } from '../staff-visits.ts';
import type { CertItem } from './certifications.ts';
import type { ManualChecks } from './service-reports.ts';
import type { Options } from './options.ts';
import { inCustodyAtEnd, truthRecords, type Province } from './simulation.ts';

function newTally() {
  return {
    living: 0,
    livingInCustodyAtEnd: 0,
    livingConsidered: 0,
    livingSilent: 0,
    /** Living who answered a reminder or were found alive by a visit. */
    livingActed: 0,
    livingAnswered: 0,
    /** Certified silently: certified or due by data (auto), without having had to act. */
    livingSilentNoAction: 0,
    livingWithStrongRecord: 0,
    livingWithStrongRecordSilent: 0,
    livingByStatus: {} as Record<string, number>,
    livingSuspended: 0,
    livingHeldForReview: 0,
    livingDeceased: 0,
    livingByStatusAfterVisits: {} as Record<string, number>,
    livingSuspendedAfterVisits: 0,
    deceasedByStatusAfterVisits: {} as Record<string, number>,
    silentByPersona: {} as Record<string, { n: number; silent: number; acted: number; suspended: number }>,
    deceased: 0,
    deceasedCertifiedAfterDeath: 0,
    /** Who they are (synthetic ids), their status now and whether their death record came: to look them up in a kept database. */
    deceasedCertifiedAfterDeathCases: [] as { nationalId: string; status: string; deathDate: string; deathRecordArrivesOn: string | null }[],
    deceasedWithRecord: 0,
    deceasedWithRecordByStatus: {} as Record<string, number>,
    deceasedWithoutRecordByStatus: {} as Record<string, number>,
    overpaymentMonths: [] as number[],
    deathsNotActedOn: 0,
    missingFromService: 0,
  };
}
type Tally = ReturnType<typeof newTally>;

const inc = (o: Record<string, number>, k: string) => (o[k] = (o[k] ?? 0) + 1);
const share = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** People in custody at the end are left out of the shares: a custodial sentence makes them ineligible (src/domain/lifecycle.ts). */
function countLiving(q: Tally, t: TruthRecord, s: CertItem, after: string, end: string, acted: boolean, answered: boolean): void {
  q.living++;
  inc(q.livingByStatus, s.status);
  if (inCustodyAtEnd(t, end)) {
    q.livingInCustodyAtEnd++;
    return;
  }
  q.livingConsidered++;
  inc(q.livingByStatusAfterVisits, after);
  if (after === 'suspended') q.livingSuspendedAfterVisits++;
  const silent = s.method === 'auto' && (s.status === 'certified' || s.status === 'due');
  if (silent) q.livingSilent++;
  if (acted) q.livingActed++;
  if (answered) q.livingAnswered++;
  if (silent && !acted) q.livingSilentNoAction++;
  if (t.lastStrongRecord) {
    q.livingWithStrongRecord++;
    if (silent && !acted) q.livingWithStrongRecordSilent++;
  }
  const p = (q.silentByPersona[t.persona] ??= { n: 0, silent: 0, acted: 0, suspended: 0 });
  p.n++;
  if (silent && !acted) p.silent++;
  if (acted) p.acted++;
  if (s.status === 'suspended') p.suspended++;
  if (s.status === 'suspended') q.livingSuspended++;
  if (s.status === 'under_review') q.livingHeldForReview++;
  if (s.status === 'deceased') q.livingDeceased++;
}

/** Payroll rule: runs take place at 00:00 on the 1st, Asia/Shanghai. */
function firstRunAtOrAfter(instant: Date): YearMonth {
  const m = monthOf(shanghaiDate(instant));
  return runInstant(m) >= instant ? m : addMonthsToMonth(m, 1);
}

/**
 * The stop applies at the first payroll run after the death record arrived; months after the
 * month of death that were paid before it are the overpayment. A month counts as paid when the
 * certification the service holds (dated from evidence before the death) covered its 1st.
 */
function overpaidMonths(t: TruthRecord, s: CertItem, deathFileAt: Map<string, Date>): number {
  const arrived = deathFileAt.get(t.deathRecordArrivesOn!) ?? new Date(`${t.deathRecordArrivesOn}T08:00:00+08:00`);
  const stopMonth = firstRunAtOrAfter(arrived);
  let months = 0;
  for (let m = addMonthsToMonth(monthOf(t.deathDate!), 1); m < stopMonth; m = addMonthsToMonth(m, 1)) {
    if (s.certifiedUntil === null || firstDayOfMonth(m) <= s.certifiedUntil) months++;
  }
  return months;
}

function countDeceased(q: Tally, t: TruthRecord, s: CertItem, after: string, end: string, deathFileAt: Map<string, Date>): void {
  q.deceased++;
  inc(q.deceasedByStatusAfterVisits, after);
  if (s.certifiedAt && t.deathDate && s.certifiedAt > t.deathDate) {
    q.deceasedCertifiedAfterDeath++;
    q.deceasedCertifiedAfterDeathCases.push({
      nationalId: t.nationalId,
      status: s.status,
      deathDate: t.deathDate,
      deathRecordArrivesOn: t.deathRecordArrivesOn,
    });
  }
  if (!(t.deathRecordArrivesOn && t.deathRecordArrivesOn <= end)) {
    inc(q.deceasedWithoutRecordByStatus, s.status);
    return;
  }
  q.deceasedWithRecord++;
  inc(q.deceasedWithRecordByStatus, s.status);
  // Deceased, or under review (activity dated after the death, e.g. the card still in use):
  // payments stop or are held from the next run either way.
  if (s.status !== 'deceased' && s.status !== 'under_review') {
    q.deathsNotActedOn++;
    return;
  }
  q.overpaymentMonths.push(overpaidMonths(t, s, deathFileAt));
}

/** `state`: at the end of the year, after reminders, self-service and month-by-month visits; `acted`: who had to act for it. */
export async function tallyAgainstTruth(p: Province, state: Map<string, CertItem>, acted: Set<string>, answered: Set<string>): Promise<Tally> {
  const q = newTally();
  const end = p.manifest.end;
  const deathFileAt = new Map(p.files.filter((f) => f.source === 'death').map((f) => [f.arrivesOn, new Date(f.arrivesAt)]));
  for await (const t of truthRecords(p)) {
    const s = state.get(t.nationalId);
    if (!s) {
      q.missingFromService++;
      continue;
    }
    const after = s.status;
    if (t.aliveAtEnd) countLiving(q, t, s, after, end, acted.has(t.nationalId), answered.has(t.nationalId));
    else countDeceased(q, t, s, after, end, deathFileAt);
  }
  return q;
}

function afterStaffVisits(q: Tally, o: Options, staff: StaffResult | null, months: number) {
  return {
    visitsPerThousandPerMonth: o.visits,
    /** Which checks staff took: those ready today (`?ready=true`), or every open one (--visit-when-due). */
    checksVisited: o.visitWhenDue ? 'every open check' : `ready ones (VISIT_LEAD_DAYS ${o.visitLeadDays ?? VISIT_LEAD_DAYS})`,
    months,
    unreachableRate: o.unreachable,
    capacity: staff?.capacity ?? 0,
    visits: staff?.visits ?? 0,
    visitsPer1000: Number((((staff?.visits ?? 0) * 1000) / o.pensioners).toFixed(1)),
    foundAlive: staff?.foundAlive ?? 0,
    foundDeceased: staff?.foundDeceased ?? 0,
    unreachable: staff?.unreachable ?? 0,
    errors: staff?.errors ?? 0,
    seconds: Number((staff?.seconds ?? 0).toFixed(1)),
    livingByStatus: q.livingByStatusAfterVisits,
    livingSuspended: q.livingSuspendedAfterVisits,
    livingSuspendedShare: share(q.livingSuspendedAfterVisits, q.livingConsidered),
    deceasedByStatus: q.deceasedByStatusAfterVisits,
  };
}

function overpayment(months: number[]) {
  return {
    n: months.length,
    mean: Number(
      share(
        months.reduce((a, b) => a + b, 0),
        months.length,
      ).toFixed(2),
    ),
    max: months.reduce((a, b) => Math.max(a, b), 0),
    histogram: months.reduce<Record<number, number>>((h, m) => ((h[m] = (h[m] ?? 0) + 1), h), {}),
    method:
      'per deceased pensioner whose record arrived within the simulation and whom the service shows as deceased or under review (both stop payment at the next run): months from the month after the death up to (not including) the first payroll run after the record arrived (truth deathRecordArrivesOn at the death file’s arrival time; runs at 00:00 on the 1st, Asia/Shanghai), counting a month only if the certification the service holds covered its 1st',
  };
}

export type Quality = ReturnType<typeof qualityFigures>;

export function qualityFigures(q: Tally, o: Options, work: { staff: StaffResult | null; months: number }, checks: ManualChecks) {
  return {
    living: q.living,
    livingInCustodyAtEnd: q.livingInCustodyAtEnd,
    livingConsidered: q.livingConsidered,
    livingCertifiedByData: q.livingSilent,
    livingCertifiedSilently: q.livingSilentNoAction,
    livingCertifiedSilentlyShare: share(q.livingSilentNoAction, q.livingConsidered),
    livingActed: q.livingActed,
    livingActedPer100: Number(share(100 * q.livingActed, q.livingConsidered).toFixed(2)),
    livingAnsweredPer100: Number(share(100 * q.livingAnswered, q.livingConsidered).toFixed(2)),
    livingWithStrongRecord: q.livingWithStrongRecord,
    silentOfThoseWithStrongRecord: share(q.livingWithStrongRecordSilent, q.livingWithStrongRecord),
    silentShareByPersona: Object.fromEntries(
      Object.entries(q.silentByPersona).map(([k, v]) => [
        k,
        { n: v.n, share: Number(share(v.silent, v.n).toFixed(4)), actedPer100: Number(share(100 * v.acted, v.n).toFixed(2)), suspended: v.suspended },
      ]),
    ),
    livingByStatus: q.livingByStatus,
    livingSuspended: q.livingSuspended,
    livingSuspendedShare: share(q.livingSuspended, q.livingConsidered),
    livingHeldForReview: q.livingHeldForReview,
    livingMarkedDeceased: q.livingDeceased,
    afterStaffVisits: afterStaffVisits(q, o, work.staff, work.months),
    deceased: q.deceased,
    deceasedCertifiedAfterDeath: q.deceasedCertifiedAfterDeath,
    deceasedCertifiedAfterDeathCases: q.deceasedCertifiedAfterDeathCases,
    deceasedWithRecord: q.deceasedWithRecord,
    deceasedWithRecordByStatus: q.deceasedWithRecordByStatus,
    deceasedWithoutRecordByStatus: q.deceasedWithoutRecordByStatus,
    deathsRecordedNotActedOn: q.deathsNotActedOn,
    overpaymentMonths: overpayment(q.overpaymentMonths),
    manualChecks: {
      ...checks.counts,
      people: checks.people,
      byReason: checks.byReason,
      per1000: Number(((1000 * Object.values(checks.counts).reduce((a, b) => a + b, 0)) / o.pensioners).toFixed(1)),
    },
    missingFromService: q.missingFromService,
  };
}
