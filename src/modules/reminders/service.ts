// Reminders that certification is due, sent by SMS through the configured gateway: the first
// when the certification is due, a second a month after the first was sent if the person is
// still not certified, never more (src/modules/certification/sweep.ts queues them).
//
// Each message carries the due date and a personal code (src/domain/reminder-code.ts) that the
// national platform's face check sends back, so its result answers the reminder. The code is
// made at the first attempt and kept in clear on the pending row only until the gateway
// accepts or refuses the message (a retry sends the same text under the same Idempotency-Key);
// afterwards only its salted hash is kept. Never in job payloads, logs or audit rows.
//
// Never twice for the same due date and round: the reminder row is claimed and
// locked for the attempt and marked `sent` in the same transaction as the gateway's answer;
// a job delivered again after that finds it no longer pending and does nothing. The gateway
// gets an Idempotency-Key per reminder, so a crash between its answer and the commit, which
// leads to a retry, is not a second message either.
//   2xx          → sent
//   5xx, 408, 429, timeout, network error → attempt counted, error thrown: BullMQ retries
//   other 4xx    → failed (the gateway refused it: retrying will not help)
//   no phone, deceased, death reported, detained or ineligible (the state is the reason), or no longer due (certified again since) → failed, reason audited
// Jobs and logs carry ids only, never phones, national IDs or codes.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { isRowId } from '../../domain/ids.ts';
import type { JobsOptions } from 'bullmq';
import type { Executor, Transact } from '../../infra/database.ts';
import type { JobPayloads, NewJob } from '../../infra/jobs.ts';
import type { Queues } from '../../infra/queue.ts';
import type { Clock } from '../../infra/clock.ts';
import type { AuditWriter } from '../audit/repository.ts';
import { isIsoDate, type IsoDate } from '../../domain/calendar.ts';
import { REMINDER_CODE_VALID_DAYS, newReminderCode } from '../../domain/reminder-code.ts';
import { createReminderRepository, roundOf, type ReminderKey, type StoredCode, type StoredReminderKey } from './repository.ts';

const NOT_REMINDED = new Set(['deceased', 'death_reported', 'detained', 'ineligible']);

export type { ReminderKey, StoredReminderKey };
export type NotifyJobData = JobPayloads['notify'];

export const SMS_TEMPLATE = 'certification_due';
// Round 1 keeps the names it had before there were rounds, so jobs queued then still dedupe.
const roundSuffix = (r: ReminderKey, sep: string) => (roundOf(r) === 1 ? '' : `${sep}${roundOf(r)}`);
export const reminderJobId = (r: ReminderKey) => `remind_${r.pensionerId}_${r.dueFrom}${roundSuffix(r, '_')}`;
export const idempotencyKey = (r: ReminderKey) => `remind-${r.pensionerId}-${r.dueFrom}${roundSuffix(r, '-')}`;

/** A code's stored form: SHA-256 over a random salt and the code (a fast hash is enough: the code only ties a result to a reminder, expires, and is checked with the person's ID). */
export function hashCode(salt: Buffer, code: string): Buffer {
  return createHash('sha256').update(salt).update(code, 'utf8').digest();
}

function storedCode(code: string, now: Date): StoredCode {
  const salt = randomBytes(16);
  return { salt, hash: hashCode(salt, code), expiresAt: new Date(now.getTime() + REMINDER_CODE_VALID_DAYS * 86_400_000) };
}

/** Overrides of the registry's `notify` options (src/infra/jobs.ts), for tests and one-off runs. */
export interface QueueReminderOptions {
  attempts?: number;
  /** First retry delay, doubled each time. */
  backoffMs?: number;
}

function overrides(o: QueueReminderOptions): JobsOptions | undefined {
  const opts: JobsOptions = {};
  if (o.attempts !== undefined) opts.attempts = o.attempts;
  if (o.backoffMs !== undefined) opts.backoff = { type: 'exponential', delay: o.backoffMs };
  return Object.keys(opts).length ? opts : undefined;
}

/** One `notify` job per reminder; its job id makes queueing again while a job exists a no-op. */
async function enqueue(queues: Pick<Queues, 'add'>, rows: StoredReminderKey[], o: QueueReminderOptions) {
  const opts = overrides(o);
  const jobs = rows.map((r): NewJob<'notify'> => ({
    name: 'notify',
    data: { pensionerId: r.pensionerId, dueFrom: r.dueFrom, round: r.round },
    jobId: reminderJobId(r),
    opts,
  }));
  return queues.add('notify', jobs);
}

/**
 * For the daily sweep: records reminders (pensioner, due date) not yet recorded, and queues a
 * `notify` job for each of the given ones still pending (job id `remind_<pensionerId>_<dueFrom>`,
 * so queueing again while a job exists is a no-op). Pass a committed connection, or call it
 * after the transaction commits: a job that runs before its row is visible fails and retries.
 */
export async function queueReminders(
  q: Executor,
  rows: ReminderKey[],
  queues: Pick<Queues, 'add'>,
  opts: QueueReminderOptions = {},
): Promise<{ pending: number }> {
  const pending = await createReminderRepository().insertPending(q, rows);
  await enqueue(queues, pending, opts);
  return { pending: pending.length };
}

/**
 * The sweep's reminders for people not certified for `dueFrom`: the first round for those
 * due (not yet lapsed), and the second round for anyone (due or lapsed) whose first went out
 * at least a month before `today`. Never a third; the sweep passes only the due and suspended
 * (never the certified or deceased), and sending checks again.
 */
export async function queueSweepReminders(
  q: Executor,
  rows: (ReminderKey & { lapsed: boolean })[],
  today: IsoDate,
  queues: Pick<Queues, 'add'>,
  opts: QueueReminderOptions = {},
): Promise<{ pending: number }> {
  const first = rows.filter((r) => !r.lapsed).map((r) => ({ pensionerId: r.pensionerId, dueFrom: r.dueFrom, round: 1 as const }));
  const second = await createReminderRepository().dueForSecondRound(q, rows, today);
  return queueReminders(q, [...first, ...second], queues, opts);
}

/**
 * `reminders requeue`: queues every reminder still pending (e.g. once SMS_GATEWAY_URL is
 * configured, or after retries ran out), in pages of `batch`.
 */
export async function requeuePendingReminders(
  deps: { db: Executor; queues: Pick<Queues, 'add'> },
  opts: QueueReminderOptions & { batch?: number } = {},
): Promise<{ queued: number }> {
  const repo = createReminderRepository();
  let after: ReminderKey | undefined;
  let queued = 0;
  for (;;) {
    const page = await repo.pending(deps.db, opts.batch ?? 5000, after);
    if (page.length === 0) return { queued };
    queued += await enqueue(deps.queues, page, opts);
    after = page.at(-1);
  }
}

/** A self-service result that carried a reminder code (the code in memory only, never stored). */
export interface CodedResult {
  pensionerId: string;
  eventId: string;
  occurredAt: Date;
  code: string;
}

/**
 * Marks answered the reminder whose code each result carries, checked against the person's own
 * codes not yet used nor expired when the face check took place; a code that matches none
 * answers nothing (the result still counts as evidence). Returns the reminders answered.
 */
export async function answerReminders(q: Executor, results: CodedResult[]): Promise<(StoredReminderKey & { eventId: string })[]> {
  const repo = createReminderRepository();
  const codes = await repo.openCodes(q, [...new Set(results.map((r) => r.pensionerId))]);
  const answered: (StoredReminderKey & { eventId: string })[] = [];
  for (const res of results) {
    const match = codes.find((c) => c.pensionerId === res.pensionerId && c.expiresAt > res.occurredAt && timingSafeEqual(c.hash, hashCode(c.salt, res.code)));
    if (!match || !(await repo.markAnswered(q, match, res.eventId, res.occurredAt))) continue;
    answered.push({ pensionerId: match.pensionerId, dueFrom: match.dueFrom, round: match.round, eventId: res.eventId });
  }
  return answered;
}

export type SendOutcome =
  | { status: 'sent'; attempts: number }
  | { status: 'failed'; reason: string; attempts: number }
  | { status: 'skipped'; reason: 'no_gateway' | 'already_sent' | 'already_failed' | 'invalid_job' };

/** Thrown for answers worth retrying; BullMQ retries the job with backoff. */
export class GatewayUnavailable extends Error {}
/** The reminder row is not (yet) visible: the sweep's transaction may not have committed. */
export class ReminderMissing extends Error {}

/** One request to the gateway: sent, or why not and whether trying again may help. */
async function post(
  url: string,
  timeoutMs: number,
  r: ReminderKey,
  to: { phone: string; dueDate: IsoDate; code: string },
): Promise<{ ok: true } | { ok: false; retry: boolean; reason: string }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey(r) },
      body: JSON.stringify({ to: to.phone, template: SMS_TEMPLATE, params: { dueDate: to.dueDate, code: to.code } }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const name = (e as Error).name;
    return { ok: false, retry: true, reason: name === 'TimeoutError' || name === 'AbortError' ? 'gateway_timeout' : 'gateway_unreachable' };
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return { ok: true };
  const retry = res.status >= 500 || res.status === 408 || res.status === 429;
  return { ok: false, retry, reason: `gateway_${res.status}` };
}

export function createReminderService(deps: {
  transaction: Transact;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  smsGatewayUrl: string | undefined;
  timeoutMs?: number;
}) {
  const repo = createReminderRepository();
  const timeoutMs = deps.timeoutMs ?? 10_000;

  type Attempt = SendOutcome | { status: 'retry'; reason: string; attempts: number };

  /** A new code for the reminder's message, stored (hashed, and in clear while pending) in the attempt's transaction. */
  async function newCode(tx: Executor, r: ReminderKey): Promise<string> {
    const code = newReminderCode(randomInt);
    await repo.storeCode(tx, r, code, storedCode(code, deps.clock.now()));
    return code;
  }

  return {
    /** One delivery attempt of one reminder. Throws when the attempt should be retried. */
    async send(job: NotifyJobData): Promise<SendOutcome> {
      if (!isRowId(String(job?.pensionerId)) || !isIsoDate(String(job?.dueFrom))) return { status: 'skipped', reason: 'invalid_job' };
      if (job.round !== undefined && job.round !== 1 && job.round !== 2) return { status: 'skipped', reason: 'invalid_job' };
      // Jobs queued before there were rounds carry none: they are first rounds.
      const r: StoredReminderKey = { pensionerId: String(job.pensionerId), dueFrom: job.dueFrom, round: job.round ?? 1 };
      const url = deps.smsGatewayUrl;
      if (!url) return { status: 'skipped', reason: 'no_gateway' };

      // No retries here: the function posts to the gateway, which a re-run would do again.
      const outcome: Attempt = await deps.transaction(async (tx): Promise<Attempt> => {
        const claim = await repo.claim(tx, r, deps.clock.now());
        if (!claim) {
          const status = await repo.status(tx, r);
          if (status === undefined) throw new ReminderMissing(`reminder ${reminderJobId(r)} not found`);
          return { status: 'skipped', reason: status === 'sent' ? 'already_sent' : 'already_failed' };
        }
        const who = await repo.recipient(tx, r.pensionerId);
        const fail = async (reason: string): Promise<Attempt> => {
          await repo.finish(tx, r, 'failed', deps.clock.now());
          return { status: 'failed', reason, attempts: claim.attempts };
        };
        if (!who) return fail('no_pensioner');
        // Not asked to certify: the dead, a person whose death is being verified, or who is
        // detained or serving a sentence (paid again only by verification or a resumption).
        // Under review is asked: a face check of a person thought dead settles the question.
        if (who.state && NOT_REMINDED.has(who.state)) return fail(who.state);
        if (who.due_from && who.due_from > r.dueFrom) return fail('no_longer_due');
        if (!who.phone) return fail('no_phone');
        const code = claim.pendingCode ?? (await newCode(tx, r));
        const res = await post(url, timeoutMs, r, { phone: who.phone, dueDate: who.certified_until ?? r.dueFrom, code });
        if (res.ok) {
          await repo.finish(tx, r, 'sent', deps.clock.now());
          return { status: 'sent', attempts: claim.attempts };
        }
        if (!res.retry) return fail(res.reason);
        return { status: 'retry', reason: res.reason, attempts: claim.attempts };
      });

      if (outcome.status === 'retry') throw new GatewayUnavailable(`SMS gateway: ${outcome.reason} (attempt ${outcome.attempts})`);
      if (outcome.status === 'sent' || outcome.status === 'failed') {
        await deps.audit.record({
          keyId: null,
          role: 'system',
          action: outcome.status === 'sent' ? 'reminder.sent' : 'reminder.failed',
          pensionerId: r.pensionerId,
          detail: {
            dueFrom: r.dueFrom,
            ...(r.round === 1 ? {} : { round: r.round }),
            attempts: outcome.attempts,
            ...(outcome.status === 'failed' ? { reason: outcome.reason } : {}),
          },
        });
      }
      return outcome;
    },
  };
}
export type ReminderService = ReturnType<typeof createReminderService>;
