// A manual check as the contract shows it; staff see the person masked.
import { maskName, maskNationalId, maskPersonalText, maskPhone } from '../../domain/masking.ts';
import { shanghaiDate, type IsoDate } from '../../domain/calendar.ts';
import { fixedReasons, urgencyLevel } from '../../domain/priority.ts';
import { readyOn } from '../../domain/visit-readiness.ts';
import { regionLabel } from '../service-point/service.ts';
import { statusOf } from '../certification/view.ts';
import { addressView } from '../pensioners/view.ts';
import type { CheckContextRow, CheckRow } from './repository.ts';

/** The status the caller sees: a claim whose time ran out is open again. */
export function effectiveStatus(row: Pick<CheckRow, 'status' | 'claim_expires_at'>, now: Date): 'open' | 'claimed' | 'resolved' {
  if (row.status === 'claimed' && row.claim_expires_at && row.claim_expires_at.getTime() <= now.getTime()) return 'open';
  return row.status;
}

export function checkView(row: CheckRow, now: Date, viewer: { keyId: string; masked: boolean }) {
  const status = effectiveStatus(row, now);
  const view: Record<string, unknown> = {
    id: row.id,
    nationalId: viewer.masked ? maskNationalId(row.national_id) : row.national_id,
    name: viewer.masked ? maskName(row.name) : row.name,
    regionCode: row.region_code,
    regionName: regionLabel(row.region_code),
    reason: viewer.masked ? maskPersonalText(row.reason, row.name) : row.reason,
    priority: row.priority,
    // Why it ranks where it does, as data: 紧急/较急/一般 and the reason codes (domain/priority.ts).
    urgency: { level: urgencyLevel(row.priority), reasons: row.priority_reasons.length ? row.priority_reasons : fixedReasons(row.reason) },
    status,
    // A due check the reminders are still working on: staff are wanted from this day (null: now).
    visitFrom: status !== 'resolved' && !readyOn(row.visit_from, shanghaiDate(now)) ? row.visit_from : null,
    openedAt: row.opened_at.toISOString(),
    attempts: row.attempts,
  };
  if (status === 'claimed' && row.claimed_by) {
    view.claimedBy = row.claimed_by;
    view.claimedByYou = row.claimed_by === viewer.keyId;
    view.claimExpiresAt = row.claim_expires_at?.toISOString();
  }
  if (row.outcome) view.outcome = row.outcome;
  if (row.resolved_at) view.resolvedAt = row.resolved_at.toISOString();
  // Notes are free text the bureau or another counter wrote: staff see them masked too.
  if (row.note) view.note = viewer.masked ? maskPersonalText(row.note, row.name) : row.note;
  return view;
}

/**
 * What staff need to act on a check: the phone and address (masked for staff), the person's status and
 * the day their certification runs out (`deadline`: payments are held after it), and the last
 * few distinct things seen of them, newest first, by Shanghai date.
 */
export function checkContextView(ctx: CheckContextRow | undefined, today: IsoDate, masked: boolean) {
  if (!ctx) return {};
  const { state, due_from, certified_until } = ctx;
  const status = state && due_from && certified_until ? statusOf({ state, due_from, certified_until }, today) : state;
  return {
    phone: ctx.phone ? (masked ? maskPhone(ctx.phone) : ctx.phone) : null,
    address: addressView(ctx, masked),
    certificationStatus: status,
    deadline: ctx.state === 'active' ? ctx.certified_until : null,
    recentEvidence: ctx.recent.map((e) => ({
      date: e.date,
      source: e.source,
      kind: e.kind,
      location: e.location,
      locationName: e.location ? regionLabel(e.location) : null,
    })),
  };
}
