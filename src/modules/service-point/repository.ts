// Evidence recorded by service-point staff, stored as events like any department's, and the
// recent events of one pensioner for the counter's "why" display.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';

export type StaffKind = 'in_person' | 'home_visit' | 'deceased';
export type StaffIdentityCheck = 'biometric' | 'id_document';

export interface StaffEvent {
  pensionerId: string;
  kind: StaffKind;
  identityCheck: StaffIdentityCheck;
  occurredAt: Date;
  location: string | null;
  deathDate: string | null;
  /** The key that recorded it (src/domain/origin.ts). */
  receivedVia: string;
}

export interface EventRow {
  id: string;
  source: string;
  kind: string;
  occurred_at: Date;
  identity_check: string;
  location: string | null;
  death_date: string | null;
}

export function createStaffEventRepository() {
  return {
    /** One event from source `service_point` with a fresh reference; returns that reference. */
    async insert(q: Executor, e: StaffEvent): Promise<{ id: string; sourceRef: string }> {
      const sourceRef = randomUUID();
      // Its identity recorded as every writer's is (exactly once: migrations/20261204T040000).
      const res = await sql<{ id: string }>`
        WITH identity AS (INSERT INTO event_identities (source, source_ref) VALUES ('service_point', ${sourceRef}))
        INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, location, death_date, batch_id, received_at, received_via)
        VALUES (${e.pensionerId}::bigint, 'service_point', ${e.kind}, ${sourceRef}, ${e.occurredAt}, ${e.identityCheck},
          ${e.location}, ${e.deathDate}::date, NULL, ${e.occurredAt}, ${e.receivedVia})
        RETURNING id::text AS id`.execute(q);
      return { id: res.rows[0]!.id, sourceRef };
    },

    /** Newest first; the cursor is the last row's (occurredAt text, id). */
    async recent(q: Executor, pensionerId: string, limit: number, after?: { occurredAt: string; id: string }) {
      const res = await sql<EventRow & { occurred_at_key: string }>`
        SELECT id::text AS id, source, kind, occurred_at, occurred_at::text AS occurred_at_key, identity_check, location, death_date
        FROM events
        WHERE pensioner_id = ${pensionerId}::bigint
          ${after ? sql`AND (occurred_at, id) < (${after.occurredAt}::timestamptz, ${after.id}::bigint)` : sql``}
        ORDER BY occurred_at DESC, id DESC
        LIMIT ${limit}`.execute(q);
      return res.rows;
    },
  };
}
export type StaffEventRepository = ReturnType<typeof createStaffEventRepository>;
