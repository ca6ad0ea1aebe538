// Reminder rows: one per pensioner, due date and round (the primary key), so that a reminder
// is recorded once however often the sweep runs, and sent at most once. Round 1 goes when the
// certification is due, round 2 a month after round 1 was sent; there is no third.
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import type { IsoDate } from '../../domain/calendar.ts';

export type ReminderRound = 1 | 2;

export interface ReminderKey {
  pensionerId: string;
  dueFrom: IsoDate;
  /** 1 when left out. */
  round?: ReminderRound;
}
/** A key as the repository gives it back: the round always said. */
export type StoredReminderKey = Required<ReminderKey>;

export const roundOf = (r: ReminderKey): ReminderRound => r.round ?? 1;

/** A code stored for a reminder: only its salted hash, and until when it answers it. */
export interface StoredCode {
  salt: Buffer;
  hash: Buffer;
  expiresAt: Date;
}

type KeyRow = { pensioner_id: string; due_from: string; round: number };
const toKey = (r: KeyRow): StoredReminderKey => ({ pensionerId: r.pensioner_id, dueFrom: r.due_from, round: r.round as ReminderRound });
const where = (r: ReminderKey) => sql`pensioner_id = ${r.pensionerId}::bigint AND due_from = ${r.dueFrom}::date AND round = ${roundOf(r)}`;

// Long only by its methods, each a short step; they share the deps closed over here.
export function createReminderRepository() {
  return {
    /** Inserts the reminders not yet recorded; returns those (new or old) still pending. */
    async insertPending(q: Executor, rows: ReminderKey[]): Promise<StoredReminderKey[]> {
      if (rows.length === 0) return [];
      const ids = rows.map((r) => r.pensionerId);
      const dues = rows.map((r) => r.dueFrom);
      const rounds = rows.map(roundOf);
      await sql`
        INSERT INTO reminders (pensioner_id, due_from, round, status)
        SELECT u.pensioner_id, u.due_from, u.round, 'pending'
        FROM unnest(${ids}::bigint[], ${dues}::date[], ${rounds}::smallint[]) AS u(pensioner_id, due_from, round)
        ON CONFLICT DO NOTHING`.execute(q);
      const res = await sql<KeyRow>`
        SELECT r.pensioner_id::text AS pensioner_id, r.due_from, r.round FROM reminders r
        JOIN unnest(${ids}::bigint[], ${dues}::date[], ${rounds}::smallint[]) AS u(pensioner_id, due_from, round)
          ON r.pensioner_id = u.pensioner_id AND r.due_from = u.due_from AND r.round = u.round
        WHERE r.status = 'pending'`.execute(q);
      return res.rows.map(toKey);
    },

    /**
     * Of `rows` (people still not certified for `dueFrom`), those whose first reminder was sent
     * at least a calendar month before `today` (Shanghai): their second round, to insert.
     */
    async dueForSecondRound(q: Executor, rows: ReminderKey[], today: IsoDate): Promise<StoredReminderKey[]> {
      if (rows.length === 0) return [];
      const res = await sql<KeyRow>`
        SELECT r.pensioner_id::text AS pensioner_id, r.due_from, 2 AS round FROM reminders r
        JOIN unnest(${rows.map((r) => r.pensionerId)}::bigint[], ${rows.map((r) => r.dueFrom)}::date[]) AS u(pensioner_id, due_from)
          ON r.pensioner_id = u.pensioner_id AND r.due_from = u.due_from
        WHERE r.round = 1 AND r.status = 'sent'
          AND ((r.sent_at AT TIME ZONE 'Asia/Shanghai')::date + interval '1 month')::date <= ${today}::date`.execute(q);
      return res.rows.map(toKey);
    },

    async pending(q: Executor, limit: number, after?: ReminderKey): Promise<StoredReminderKey[]> {
      const res = await sql<KeyRow>`
        SELECT pensioner_id::text AS pensioner_id, due_from, round FROM reminders
        WHERE status = 'pending' ${after ? sql`AND (pensioner_id, due_from, round) > (${after.pensionerId}::bigint, ${after.dueFrom}::date, ${roundOf(after)}::smallint)` : sql``}
        ORDER BY pensioner_id, due_from, round LIMIT ${limit}`.execute(q);
      return res.rows.map(toKey);
    },

    /**
     * Claims a pending reminder for one attempt: counts the attempt and locks the row until
     * the transaction ends, so a concurrent delivery of the same job waits and then finds it
     * no longer pending, waiting at most 15 s for that lock. Undefined when it is not pending
     * (or does not exist). Gives the code of an earlier attempt, if it is still valid, so that
     * a retry sends the same message. Only inside a transaction.
     */
    async claim(tx: Executor, r: ReminderKey, now: Date): Promise<{ attempts: number; pendingCode: string | null } | undefined> {
      await sql`SET LOCAL lock_timeout = '15s'`.execute(tx);
      const res = await sql<{ attempts: number; pending_code: string | null }>`
        UPDATE reminders SET attempts = attempts + 1
        WHERE ${where(r)} AND status = 'pending'
        RETURNING attempts, CASE WHEN code_expires_at > ${now}::timestamptz THEN pending_code END AS pending_code`.execute(tx);
      const row = res.rows[0];
      return row && { attempts: row.attempts, pendingCode: row.pending_code };
    },

    /** A new code for the reminder: its hash, and the code itself until the message is delivered. */
    async storeCode(tx: Executor, r: ReminderKey, code: string, stored: StoredCode) {
      await sql`
        UPDATE reminders SET pending_code = ${code}, code_salt = ${stored.salt}, code_hash = ${stored.hash}, code_expires_at = ${stored.expiresAt}::timestamptz
        WHERE ${where(r)} AND status = 'pending'`.execute(tx);
    },

    async status(q: Executor, r: ReminderKey): Promise<string | undefined> {
      const res = await sql<{ status: string }>`SELECT status FROM reminders WHERE ${where(r)}`.execute(q);
      return res.rows[0]?.status;
    },

    /** What a reminder needs to know about the person: where to send it, and whether it is still due. */
    async recipient(q: Executor, pensionerId: string) {
      const res = await sql<{ phone: string | null; state: string | null; certified_until: string | null; due_from: string | null }>`
        SELECT p.phone, c.state, c.certified_until, c.due_from
        FROM pensioners p LEFT JOIN certifications c ON c.pensioner_id = p.id
        WHERE p.id = ${pensionerId}::bigint`.execute(q);
      return res.rows[0];
    },

    /** Sent or refused: either way the code is no longer kept in clear (its hash stays). */
    async finish(tx: Executor, r: ReminderKey, status: 'sent' | 'failed', at: Date) {
      await sql`
        UPDATE reminders SET status = ${status}, sent_at = ${status === 'sent' ? at : null}::timestamptz, pending_code = NULL
        WHERE ${where(r)}`.execute(tx);
    },

    /** The codes of these people's reminders not yet answered, with their salts and expiry. */
    async openCodes(q: Executor, pensionerIds: string[]): Promise<(StoredReminderKey & StoredCode)[]> {
      if (pensionerIds.length === 0) return [];
      const res = await sql<KeyRow & { code_salt: Buffer; code_hash: Buffer; code_expires_at: Date }>`
        SELECT pensioner_id::text AS pensioner_id, due_from, round, code_salt, code_hash, code_expires_at FROM reminders
        WHERE pensioner_id = ANY(${pensionerIds}::bigint[]) AND code_hash IS NOT NULL AND answered_at IS NULL`.execute(q);
      return res.rows.map((r) => ({ ...toKey(r), salt: r.code_salt, hash: r.code_hash, expiresAt: r.code_expires_at }));
    },

    /** Marks a reminder answered by an event; false when it already was. */
    async markAnswered(q: Executor, r: ReminderKey, eventId: string, at: Date): Promise<boolean> {
      const res = await sql`
        UPDATE reminders SET answered_at = ${at}::timestamptz, answered_event_id = ${eventId}::bigint
        WHERE ${where(r)} AND answered_at IS NULL`.execute(q);
      return Number(res.numAffectedRows ?? 0) > 0;
    },
  };
}
export type ReminderRepository = ReturnType<typeof createReminderRepository>;
