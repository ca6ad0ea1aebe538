// The bureau dashboard's figures: a year at a glance for a region, aggregates only (no person
// named), shaped for charts — silent certification by region and month, evidence by source,
// status counts, the manual-check backlog and its age, reminders answered, and the payroll
// run of the month (counts of holds, resumptions and stops).
import type { Executor } from '../../infra/database.ts';
import { addMonthsToMonth, firstDayOfMonth, monthOf, shanghaiDate, startOfShanghaiDay, type IsoDate, type YearMonth } from '../../domain/calendar.ts';
import { STATUSES, type Status } from '../../domain/lifecycle.ts';
import { regionLabel } from '../service-point/service.ts';
import type { PayrollService } from '../payroll/service.ts';
import type { ClaimService } from '../claims/service.ts';
import { formatYuan, parseYuan } from '../../domain/money.ts';
import type { ReportsRepository } from './repository.ts';

/** Months the dashboard covers, the current one last. */
export const DASHBOARD_MONTHS = 12;
/** Age bands of the backlog, in whole days since a check opened. */
export const BACKLOG_BANDS = ['0-6', '7-29', '30-89', '90+'] as const;

export interface Dashboard {
  region: string | null;
  regionName: string | null;
  asOf: IsoDate;
  months: YearMonth[];
  statusCounts: Record<Status, number>;
  total: number;
  /** Current state by the next level of regions: living pensioners, of whom silently certified. */
  silentByRegion: { region: string; name: string; living: number; auto: number; rate: number | null }[];
  /** Certifications dated in each month (not the old system's), of which silent, by the next level of regions. */
  certificationsByRegionMonth: { region: string; name: string; month: YearMonth; certified: number; auto: number }[];
  /** The same summed over the regions, one entry per month. */
  certificationsByMonth: { month: YearMonth; certified: number; auto: number; rate: number | null }[];
  evidenceByMonth: { month: YearMonth; source: string; events: number }[];
  backlog: {
    open: number;
    claimed: number;
    oldestDays: number | null;
    byAge: { band: (typeof BACKLOG_BANDS)[number]; checks: number }[];
    byReason: { reason: string; checks: number }[];
  };
  reminders: { month: YearMonth; sent: number; answered: number }[];
  /** The frozen run's counts, or set-based counts of the preview; `computedAt`: when they were read. */
  payroll: { month: YearMonth; holds: number; resumptions: number; stops: number; state: 'preview' | 'frozen'; frozenAt: string | null; computedAt: string };
  /** Overpayment claims open or notified now: how many, what is outstanding (yuan), by age of claim. */
  claims: { open: number; outstanding: string; byAge: { age: (typeof CLAIM_AGES)[number]; claims: number; outstanding: string }[] };
}

export const CLAIM_AGES = ['under_90_days', '90_to_364_days', '1_to_2_years', '2_years_and_over'] as const;

/** The claims report's rows (by region and age) summed by age, in fen. */
function claimsByAge(rows: { age: string; claims: number; outstanding: string }[]): Dashboard['claims'] {
  const byAge = CLAIM_AGES.map((age) => {
    const of = rows.filter((r) => r.age === age);
    return { age, claims: of.reduce((n, r) => n + r.claims, 0), fen: of.reduce((t, r) => t + parseYuan(r.outstanding), 0n) };
  });
  return {
    open: byAge.reduce((n, a) => n + a.claims, 0),
    outstanding: formatYuan(byAge.reduce((t, a) => t + a.fen, 0n)),
    byAge: byAge.map((a) => ({ age: a.age, claims: a.claims, outstanding: formatYuan(a.fen) })),
  };
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);

/** Digits of the region level below `scope`: provinces (2) nationally, then prefectures (4), then counties (6). */
export function childRegionDigits(scope: string | null): number {
  const len = scope?.length ?? 0;
  return len < 2 ? 2 : len < 4 ? 4 : 6;
}

/** '51' → '四川省', '5101' → '成都市', '510104' → '成都市锦江区'; the code itself when unknown. */
export const regionPrefixName = (prefix: string) => regionLabel(prefix.padEnd(6, '0'));

export function emptyDashboard(region: string | null, now: Date): Dashboard {
  const today = shanghaiDate(now);
  const last = monthOf(today);
  return {
    region,
    regionName: region ? regionPrefixName(region) : null,
    asOf: today,
    months: monthsUpTo(last),
    statusCounts: Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>,
    total: 0,
    silentByRegion: [],
    certificationsByRegionMonth: [],
    certificationsByMonth: monthsUpTo(last).map((month) => ({ month, certified: 0, auto: 0, rate: null })),
    evidenceByMonth: [],
    backlog: { open: 0, claimed: 0, oldestDays: null, byAge: BACKLOG_BANDS.map((band) => ({ band, checks: 0 })), byReason: [] },
    reminders: monthsUpTo(last).map((month) => ({ month, sent: 0, answered: 0 })),
    payroll: { month: last, holds: 0, resumptions: 0, stops: 0, state: 'preview', frozenAt: null, computedAt: now.toISOString() },
    claims: claimsByAge([]),
  };
}

function monthsUpTo(last: YearMonth): YearMonth[] {
  return Array.from({ length: DASHBOARD_MONTHS }, (_, i) => addMonthsToMonth(last, i - DASHBOARD_MONTHS + 1));
}

type BacklogRow = Awaited<ReturnType<ReportsRepository['backlog']>>[number];

function backlogOf(rows: BacklogRow[]): Dashboard['backlog'] {
  const byAge = BACKLOG_BANDS.map((band) => ({ band, checks: 0 }));
  const byReason = new Map<string, number>();
  let open = 0;
  let claimed = 0;
  let oldestDays: number | null = null;
  for (const r of rows) {
    const n = Number(r.checks);
    byAge[r.band]!.checks += n;
    byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + n);
    if (r.claimed) claimed += n;
    else open += n;
    oldestDays = Math.max(oldestDays ?? 0, r.oldest_days);
  }
  const reasons = [...byReason].map(([reason, checks]) => ({ reason, checks })).sort((a, b) => b.checks - a.checks || (a.reason < b.reason ? -1 : 1));
  return { open, claimed, oldestDays, byAge, byReason: reasons };
}

export interface DashboardDeps {
  db: Executor;
  repo: ReportsRepository;
  payroll: Pick<PayrollService, 'counts'>;
  /** The recovery ledger's outstanding amounts (absent: the slot stays empty). */
  claims?: Pick<ClaimService, 'outstanding'>;
}

export function createDashboardService(deps: DashboardDeps) {
  const { db, repo, payroll } = deps;

  /** The payroll counts of `month` in `scope`: cheap (the frozen run's, or set-based), so read every time. */
  const payrollCounts = async (month: YearMonth, scope: string | null, now: Date) => ({
    ...(await payroll.counts(month, scope)),
    computedAt: now.toISOString(),
  });

  return {
    async dashboard(scope: string | null, now: Date): Promise<Dashboard> {
      const base = emptyDashboard(scope, now);
      const { months, asOf } = base;
      const from = startOfShanghaiDay(firstDayOfMonth(months[0]!));
      const to = startOfShanghaiDay(firstDayOfMonth(addMonthsToMonth(months.at(-1)!, 1)));
      const digits = childRegionDigits(scope);
      // In parallel: `db` is the pool, each section gets its own connection.
      const [counts, byRegion, made, evidence, backlog, reminders, run, claims] = await Promise.all([
        repo.statusCounts(db, scope, asOf),
        repo.silentByRegion(db, scope, digits),
        repo.certificationsByRegionMonth(
          db,
          scope,
          { day: firstDayOfMonth(months[0]!), at: from },
          firstDayOfMonth(addMonthsToMonth(months.at(-1)!, 1)),
          digits,
        ),
        repo.evidenceByMonth(db, scope, from, to),
        repo.backlog(db, scope, now),
        repo.remindersByMonth(db, scope, from, to),
        payrollCounts(base.payroll.month, scope, now),
        deps.claims ? deps.claims.outstanding(scope) : [],
      ]);
      const statusCounts = Object.fromEntries(STATUSES.map((s) => [s, Number(counts[s])])) as Record<Status, number>;
      const perMonth = new Map(months.map((m) => [m, { certified: 0, auto: 0 }]));
      for (const r of made) {
        const m = perMonth.get(r.month);
        if (!m) continue;
        m.certified += Number(r.certified);
        m.auto += Number(r.auto);
      }
      const sent = new Map(reminders.map((r) => [r.month, r]));
      return {
        ...base,
        statusCounts,
        total: Object.values(statusCounts).reduce((a, b) => a + b, 0),
        silentByRegion: byRegion.map((r) => ({
          region: r.region,
          name: regionPrefixName(r.region),
          living: Number(r.living),
          auto: Number(r.auto),
          rate: ratio(Number(r.auto), Number(r.living)),
        })),
        certificationsByRegionMonth: made.map((r) => ({
          region: r.region,
          name: regionPrefixName(r.region),
          month: r.month,
          certified: Number(r.certified),
          auto: Number(r.auto),
        })),
        certificationsByMonth: months.map((month) => {
          const m = perMonth.get(month)!;
          return { month, ...m, rate: ratio(m.auto, m.certified) };
        }),
        evidenceByMonth: evidence.map((r) => ({ month: r.month, source: r.source, events: Number(r.events) })),
        backlog: backlogOf(backlog),
        reminders: months.map((month) => ({ month, sent: Number(sent.get(month)?.sent ?? 0), answered: Number(sent.get(month)?.answered ?? 0) })),
        payroll: { month: base.payroll.month, ...run },
        claims: claimsByAge(claims),
      };
    },
  };
}
export type DashboardService = ReturnType<typeof createDashboardService>;
