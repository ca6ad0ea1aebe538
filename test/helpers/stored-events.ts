// Evidence stored as a department's record would be, with the instant it was received (the
// payroll replays past runs with what was known by then), then rescored as a job would.
import type { TestContext } from './context.ts';

export interface StoredEvent {
  nationalId: string;
  source: string;
  kind: string;
  occurredAt: string;
  receivedAt: string;
  identityCheck?: string;
  deathDate?: string;
}

let ref = 0;
export async function storeEvents(t: TestContext, events: StoredEvent[]): Promise<void> {
  const col = <K extends keyof StoredEvent>(k: K) => events.map((e) => e[k] ?? null);
  const res = await t.deps.pool.query<{ id: string }>(
    `INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, death_date, received_at, received_via)
     SELECT p.id, e.source, e.kind, 'stored-' || e.n, e.occurred_at, coalesce(e.identity_check, 'id_document'), e.death_date, e.received_at, 'import:test'
     FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::text[], $7::date[], $8::timestamptz[])
       AS e(national_id, source, kind, n, occurred_at, identity_check, death_date, received_at)
     JOIN pensioners p ON p.national_id = e.national_id
     RETURNING pensioner_id::text AS id`,
    [col('nationalId'), col('source'), col('kind'), events.map(() => ++ref), col('occurredAt'), col('identityCheck'), col('deathDate'), col('receivedAt')],
  );
  if (res.rowCount !== events.length) throw new Error(`stored ${res.rowCount} of ${events.length} events`);
  await t.deps.certification.rescore(t.deps.db, [...new Set(res.rows.map((r) => r.id))], t.clock.now(), 'test');
}

/** A custodial sentence and the release that ended it, each received when given (a sentence learned late makes a custody claim). */
export interface SentenceServed {
  start: string;
  startReceived: string;
  release: string;
  releaseReceived: string;
}

export async function storeSentenceServed(t: TestContext, nationalId: string, s: SentenceServed): Promise<void> {
  await storeEvents(t, [
    { nationalId, source: 'judicial', kind: 'custodial_sentence_start', occurredAt: s.start, receivedAt: s.startReceived },
    { nationalId, source: 'judicial', kind: 'release', occurredAt: s.release, receivedAt: s.releaseReceived },
  ]);
}

/** A death verified by two departments: a cremation and a household deregistration, each received the moment it occurred. */
export async function storeVerifiedDeath(
  t: TestContext,
  nationalId: string,
  d: { deathDate: string; cremation: string; deregistration: string },
): Promise<void> {
  await storeEvents(t, [
    { nationalId, source: 'death', kind: 'cremation', occurredAt: d.cremation, receivedAt: d.cremation, deathDate: d.deathDate },
    { nationalId, source: 'death', kind: 'household_deregistration', occurredAt: d.deregistration, receivedAt: d.deregistration, deathDate: d.deathDate },
  ]);
}
