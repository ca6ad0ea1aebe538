// Results of the national platform's face certification (电子社保卡 / 掌上12333), source
// `self_service`, pushed (POST /v1/events) or pulled (FEEDS_FILE). A `face` result is evidence
// like any other (rescoring certifies); besides that:
// - a `face_failed` result opens a manual check `self_service_failed` only where a check is
//   needed: the person's certification is due or has lapsed (not someone certified, whose
//   failed attempt needs nobody's visit, nor someone deceased, under review, in custody: their
//   own checks and rules apply), and unless one is open for the person already (the check
//   repository keeps one open check per person and reason). The failure stays stored either
//   way, and counts as a failed attempt when the queue ranks the person later;
// - a later passed check closes that check: the rescore that certifies the person resolves it
//   (src/modules/certification/service.ts);
// - a result carrying a reminder's code marks that reminder answered.
// Called in the transaction that stored the events, for the events it inserted only (never
// duplicates), so a result sent again is not acted on again.
import type { Executor } from '../../infra/database.ts';
import type { AuditWriter } from '../audit/repository.ts';
import { shanghaiDate, type IsoDate } from '../../domain/calendar.ts';
import { SELF_SERVICE_FAILED, SELF_SERVICE_FAILED_PRIORITY } from '../../domain/priority.ts';
import type { InsertedSelfService } from '../evidence/repository.ts';
import type { OpenCheck } from '../manual-checks/repository.ts';
import type { CodedResult, StoredReminderKey } from '../reminders/service.ts';

export { SELF_SERVICE_FAILED };

export interface SelfServiceOutcome {
  checks: { pensionerId: string; checkId: string; eventId: string }[];
  answered: (StoredReminderKey & { eventId: string })[];
}

export interface SelfServiceDeps {
  openChecks: (q: Executor, rows: OpenCheck[], now: Date, openedBy: string) => Promise<{ id: string; pensionerId: string; inserted: boolean }[]>;
  /** Of these pensioners, those due or lapsed on `today` (certification repository). */
  needingCertification: (q: Executor, pensionerIds: string[], today: IsoDate) => Promise<Set<string>>;
  answerReminders: (q: Executor, results: CodedResult[]) => Promise<(StoredReminderKey & { eventId: string })[]>;
  audit: Pick<AuditWriter, 'record'>;
}

/**
 * The failures worth a check: not those followed by a successful face check of the same person
 * in the same delivery (people often fail once, then pass).
 */
function failuresToCheck(results: InsertedSelfService[]): InsertedSelfService[] {
  const lastPass = new Map<string, number>();
  for (const r of results) {
    if (r.kind === 'face') lastPass.set(r.pensionerId, Math.max(lastPass.get(r.pensionerId) ?? -Infinity, r.occurredAt.getTime()));
  }
  return results.filter((r) => r.kind === 'face_failed' && !((lastPass.get(r.pensionerId) ?? -Infinity) > r.occurredAt.getTime()));
}

export function createSelfServiceResults(deps: SelfServiceDeps) {
  return {
    /**
     * Acts on the self-service results a merge inserted. `codes` maps a result's sourceRef to
     * the reminder code it carried (pushes and pulls only: batches carry none).
     */
    async record(q: Executor, inserted: InsertedSelfService[], codes: ReadonlyMap<string, string>, now: Date): Promise<SelfServiceOutcome> {
      const out: SelfServiceOutcome = { checks: [], answered: [] };
      if (inserted.length === 0) return out;
      const failures = failuresToCheck(inserted);
      const needing = failures.length ? await deps.needingCertification(q, [...new Set(failures.map((r) => r.pensionerId))], shanghaiDate(now)) : new Set();
      const failed = failures.filter((r) => needing.has(r.pensionerId));
      if (failed.length) {
        const opened = await deps.openChecks(
          q,
          failed.map((r) => ({ pensionerId: r.pensionerId, regionCode: r.regionCode, reason: SELF_SERVICE_FAILED, priority: SELF_SERVICE_FAILED_PRIORITY })),
          now,
          'system:self_service',
        );
        for (const c of opened.filter((c) => c.inserted)) {
          out.checks.push({ pensionerId: c.pensionerId, checkId: c.id, eventId: failed.find((r) => r.pensionerId === c.pensionerId)!.eventId });
        }
      }
      const coded = inserted.flatMap((r) => {
        const code = codes.get(r.sourceRef);
        return code ? [{ pensionerId: r.pensionerId, eventId: r.eventId, occurredAt: r.occurredAt, code }] : [];
      });
      if (coded.length) out.answered = await deps.answerReminders(q, coded);
      return out;
    },

    /** After the commit: who made each change (the feed's key, or the system for pulls). No codes. */
    async audit(out: SelfServiceOutcome, who: { keyId: string | null; role: string | null }) {
      await deps.audit.record([
        ...out.checks.map((c) => ({
          keyId: who.keyId,
          role: who.role,
          action: 'manual_check.open',
          pensionerId: c.pensionerId,
          detail: { checkId: c.checkId, reason: SELF_SERVICE_FAILED, eventId: c.eventId },
        })),
        ...out.answered.map((a) => ({
          keyId: who.keyId,
          role: who.role,
          action: 'reminder.answered',
          pensionerId: a.pensionerId,
          detail: { dueFrom: a.dueFrom, round: a.round, eventId: a.eventId },
        })),
      ]);
    },
  };
}
export type SelfServiceResults = ReturnType<typeof createSelfServiceResults>;

/** The codes a batch of validated events carried, by sourceRef (self-service results only carry one). */
export function reminderCodes(rows: { source: string; sourceRef: string; reminderCode?: string | null }[]): Map<string, string> {
  return new Map(rows.flatMap((r) => (r.source === 'self_service' && r.reminderCode ? [[r.sourceRef, r.reminderCode] as const] : [])));
}
