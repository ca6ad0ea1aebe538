// Evidence stored with the instant it was received (the payroll replays each past run with what
// was known by then), then rescored as a rescore job would.
import { expect } from 'vitest';
import type { TestContext } from './context.ts';

export interface ReceivedEvent {
  nationalId: string;
  source: string;
  kind: string;
  occurredAt: string;
  receivedAt: string;
  identityCheck: string;
  deathDate?: string;
}

let ref = 0;
export async function addReceivedEvents(t: TestContext, events: ReceivedEvent[]): Promise<void> {
  const res = await t.deps.pool.query<{ id: string }>(
    `INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, death_date, received_at, received_via)
     SELECT p.id, e.source, e.kind, e.source_ref, e.occurred_at, e.identity_check, e.death_date, e.received_at, 'import:payroll-test'
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::date[], $8::timestamptz[])
       AS e(national_id, source, kind, source_ref, occurred_at, identity_check, death_date, received_at)
     JOIN pensioners p ON p.national_id = e.national_id
     RETURNING pensioner_id::text AS id`,
    [
      events.map((e) => e.nationalId),
      events.map((e) => e.source),
      events.map((e) => e.kind),
      events.map(() => `payroll-test-${process.pid}-${++ref}`),
      events.map((e) => e.occurredAt),
      events.map((e) => e.identityCheck),
      events.map((e) => e.deathDate ?? null),
      events.map((e) => e.receivedAt),
    ],
  );
  expect(res.rowCount).toBe(events.length);
  await t.deps.certification.rescore(t.deps.db, [...new Set(res.rows.map((r) => r.id))], t.clock.now(), 'test');
}
