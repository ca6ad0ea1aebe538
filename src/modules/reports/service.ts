// The bureau's monthly summary: counts by status, the silent-certification rate, the
// evidence mix, the manual-check workload and the reminder loop, all aggregated in SQL.
import type { Executor } from '../../infra/database.ts';
import { addMonthsToMonth, firstDayOfMonth, monthOf, shanghaiDate, startOfShanghaiDay, type IsoDate, type YearMonth } from '../../domain/calendar.ts';
import { STATUSES, type Status } from '../../domain/lifecycle.ts';
import type { ReportsRepository } from './repository.ts';

export interface Summary {
  region: string | null;
  month: YearMonth;
  /** Status counts are of the current state, on this Shanghai date. */
  asOf: IsoDate;
  total: number;
  statusCounts: Record<Status, number>;
  silentCertification: { living: number; auto: number; rate: number | null };
  evidenceMix: { source: string; events: number; share: number }[];
  manualChecks: { opened: number; closed: number; byReason: { reason: string; opened: number; closed: number }[] };
  /** Reminders sent in the month, and what followed each (repository: `reminders`). */
  reminders: {
    sent: number;
    /** Answered by a self-service face check (with or without the code). */
    answeredBySelfService: number;
    /** Answered by a result carrying the reminder's code. */
    answeredWithCode: number;
    /** Followed by a certification, by any means. */
    certified: number;
    /** Days from the reminder to that certification; null when none was certified. */
    daysToCertification: { mean: number | null; median: number | null };
  };
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);

export function emptySummary(region: string | null, month: YearMonth, asOf: IsoDate): Summary {
  return {
    region,
    month,
    asOf,
    total: 0,
    statusCounts: Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>,
    silentCertification: { living: 0, auto: 0, rate: null },
    evidenceMix: [],
    manualChecks: { opened: 0, closed: 0, byReason: [] },
    reminders: { sent: 0, answeredBySelfService: 0, answeredWithCode: 0, certified: 0, daysToCertification: { mean: null, median: null } },
  };
}

const days = (v: number | null) => (v === null ? null : Math.round(Number(v) * 10) / 10);

export interface ReportsServiceDeps {
  db: Executor;
  repo: ReportsRepository;
}

export function createReportsService(deps: ReportsServiceDeps) {
  const { db, repo } = deps;
  return {
    currentMonth: (now: Date) => monthOf(shanghaiDate(now)),

    async summary(scope: string | null, month: YearMonth, now: Date): Promise<Summary> {
      const today = shanghaiDate(now);
      const from = startOfShanghaiDay(firstDayOfMonth(month));
      const to = startOfShanghaiDay(firstDayOfMonth(addMonthsToMonth(month, 1)));
      // In parallel: `db` is the pool, each section gets its own connection.
      const [counts, mix, checks, reminders] = await Promise.all([
        repo.statusCounts(db, scope, today),
        repo.evidenceMix(db, scope, from, to),
        repo.manualChecks(db, scope, from, to),
        repo.reminders(db, scope, from, to),
      ]);
      const statusCounts = Object.fromEntries(STATUSES.map((s) => [s, Number(counts[s])])) as Record<Status, number>;
      const living = Number(counts.living);
      const auto = Number(counts.auto);
      const totalEvents = mix.reduce((n, r) => n + Number(r.events), 0);
      const byReason = checks.map((r) => ({ reason: r.reason, opened: Number(r.opened), closed: Number(r.closed) }));
      return {
        region: scope,
        month,
        asOf: today,
        total: Object.values(statusCounts).reduce((a, b) => a + b, 0),
        statusCounts,
        silentCertification: { living, auto, rate: ratio(auto, living) },
        evidenceMix: mix.map((r) => ({ source: r.source, events: Number(r.events), share: ratio(Number(r.events), totalEvents) ?? 0 })),
        manualChecks: {
          opened: byReason.reduce((n, r) => n + r.opened, 0),
          closed: byReason.reduce((n, r) => n + r.closed, 0),
          byReason,
        },
        reminders: {
          sent: Number(reminders.sent),
          answeredBySelfService: Number(reminders.answered),
          answeredWithCode: Number(reminders.with_code),
          certified: Number(reminders.certified),
          daysToCertification: { mean: days(reminders.mean_days), median: days(reminders.median_days) },
        },
      };
    },
  };
}
export type ReportsService = ReturnType<typeof createReportsService>;
