// The certification as the contract shows it, masked for staff.
import { calendarStatus } from '../../domain/cycle.ts';
import type { IsoDate } from '../../domain/calendar.ts';
import { maskNationalId } from '../../domain/masking.ts';
import type { CertificationRow, CertificationViewRow } from './repository.ts';

export function statusOf(row: Pick<CertificationRow, 'state' | 'due_from' | 'certified_until'>, today: IsoDate): string {
  return row.state === 'active' ? calendarStatus({ dueFrom: row.due_from, certifiedUntil: row.certified_until }, today) : row.state;
}

export function certificationView(row: CertificationViewRow, today: IsoDate, masked: boolean) {
  const view: Record<string, unknown> = {
    nationalId: masked ? maskNationalId(row.national_id) : row.national_id,
    status: statusOf(row, today),
    certifiedAt: row.certified_at,
    certifiedUntil: row.certified_until,
    method: row.method,
    score: Math.round(row.score * 10_000) / 10_000,
    policyVersion: row.policy_version,
    evidence: row.evidence,
  };
  if (row.death_date) view.deathDate = row.death_date;
  if (row.since) view.since = row.since;
  if (row.check_id) view.openCheck = { id: row.check_id, reason: row.check_reason, priority: row.check_priority };
  return view;
}
