// Reminder rows: one per pensioner and due date (the primary key), so that a reminder for a
// due date is recorded once however often the sweep runs, and sent at most once.
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import type { IsoDate } from '../../domain/calendar.ts';

export interface ReminderKey {
  pensionerId: string;
  dueFrom: IsoDate;
}

// Long only by its methods, each a short step; they share the deps closed over here.
export function createReminderRepository() {
  return {
    /** Inserts the reminders not yet recorded; returns those (new or old) still pending. */
    async insertPending(q: Executor, rows: ReminderKey[]): Promise<ReminderKey[]> {
      if (rows.length === 0) return [];
      const ids = rows.map((r) => r.pensionerId);
      const dues = rows.map((r) => r.dueFrom);
      await sql`
        INSERT INTO reminders (pensioner_id, due_from, status)
        SELECT u.pensioner_id, u.due_from, 'pending' FROM unnest(${ids}::bigint[], ${dues}::date[]) AS u(pensioner_id, due_from)
        ON CONFLICT DO NOTHING`.execute(q);
      const res = await sql<{ pensioner_id: string; due_from: string }>`
        SELECT r.pensioner_id::text AS pensioner_id, r.due_from FROM reminders r
        JOIN unnest(${ids}::bigint[], ${dues}::date[]) AS u(pensioner_id, due_from)
          ON r.pensioner_id = u.pensioner_id AND r.due_from = u.due_from
        WHERE r.status = 'pending'`.execute(q);
      return res.rows.map((r) => ({ pensionerId: r.pensioner_id, dueFrom: r.due_from }));
    },

    async pending(q: Executor, limit: number, after?: ReminderKey): Promise<ReminderKey[]> {
      const res = await sql<{ pensioner_id: string; due_from: string }>`
        SELECT pensioner_id::text AS pensioner_id, due_from FROM reminders
        WHERE status = 'pending' ${after ? sql`AND (pensioner_id, due_from) > (${after.pensionerId}::bigint, ${after.dueFrom}::date)` : sql``}
        ORDER BY pensioner_id, due_from LIMIT ${limit}`.execute(q);
      return res.rows.map((r) => ({ pensionerId: r.pensioner_id, dueFrom: r.due_from }));
    },

    /**
     * Claims a pending reminder for one attempt: counts the attempt and locks the row until
     * the transaction ends, so a concurrent delivery of the same job waits and then finds it
     * no longer pending, waiting at most 15 s for that lock. Undefined when it is not pending
     * (or does not exist). Only inside a transaction.
     */
    async claim(tx: Executor, r: ReminderKey): Promise<{ attempts: number } | undefined> {
      await sql`SET LOCAL lock_timeout = '15s'`.execute(tx);
      const res = await sql<{ attempts: number }>`
        UPDATE reminders SET attempts = attempts + 1
        WHERE pensioner_id = ${r.pensionerId}::bigint AND due_from = ${r.dueFrom}::date AND status = 'pending'
        RETURNING attempts`.execute(tx);
      return res.rows[0];
    },

    async status(q: Executor, r: ReminderKey): Promise<string | undefined> {
      const res = await sql<{ status: string }>`
        SELECT status FROM reminders WHERE pensioner_id = ${r.pensionerId}::bigint AND due_from = ${r.dueFrom}::date`.execute(q);
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

    async finish(tx: Executor, r: ReminderKey, status: 'sent' | 'failed', at: Date) {
      await sql`
        UPDATE reminders SET status = ${status}, sent_at = ${status === 'sent' ? at : null}::timestamptz
        WHERE pensioner_id = ${r.pensionerId}::bigint AND due_from = ${r.dueFrom}::date`.execute(tx);
    },
  };
}
