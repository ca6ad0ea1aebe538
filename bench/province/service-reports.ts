// Phase 9: what the service itself reports at the end — its manual-check queue, its summary
// report, and the payroll changes it hands over for next month's run.
import { addMonthsToMonth, monthOf, type IsoDate } from '../../src/domain/calendar.ts';
import { getJson, pages, type Service } from './service.ts';

export interface ManualChecks {
  /** Checks by queue status: open, claimed, resolved (a status with none is absent). */
  counts: Record<string, number>;
  byReason: Record<string, number>;
  /** People with at least one check. */
  people: number;
}

export async function readManualChecks(s: Service): Promise<ManualChecks> {
  const counts: Record<string, number> = {};
  const byReason: Record<string, number> = {};
  const people = new Set<string>();
  for (const status of ['open', 'claimed', 'resolved']) {
    for await (const items of pages<{ nationalId: string; reason: string }>(s, `/v1/manual-checks?status=${status}`)) {
      counts[status] = (counts[status] ?? 0) + items.length;
      for (const it of items) {
        byReason[it.reason] = (byReason[it.reason] ?? 0) + 1;
        people.add(it.nationalId);
      }
    }
  }
  return { counts, byReason, people: people.size };
}

export interface ServiceReports {
  reportsSummary: Record<string, unknown>;
  payrollNextMonth: { month: string; holds: number; resumptions: number; stops: number };
}

export async function readServiceReports(s: Service, today: IsoDate): Promise<ServiceReports> {
  const nextMonth = addMonthsToMonth(monthOf(today), 1);
  const reportsSummary = await getJson<Record<string, unknown>>(s, '/v1/reports/summary');
  const payroll = await getJson<{ holds: unknown[]; resumptions: unknown[]; stops: unknown[] }>(s, `/v1/payroll/${nextMonth}`);
  return {
    reportsSummary,
    payrollNextMonth: { month: nextMonth, holds: payroll.holds.length, resumptions: payroll.resumptions.length, stops: payroll.stops.length },
  };
}
