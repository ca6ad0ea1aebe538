// Phase 4: the raw ceiling of ingestion — the same files COPYed and merged straight into the
// same database (bench/lib.ts) — then emptied again, so the service ingests into empty tables.
import pg from 'pg';
import type { Policy } from '../../src/domain/policy.ts';
import { log, rawCopyMergeCeiling, type CeilingResult } from '../lib.ts';
import { bar } from './progress.ts';
import type { Service } from './service.ts';
import { fileOf, type Province } from './simulation.ts';

export async function measureCeiling(p: Province, s: Service, policy: Policy): Promise<CeilingResult> {
  const b = bar('ceiling (COPY + merge) [{bar}] {percentage}% | {value}/{total} files', p.files.length);
  const ceiling = await rawCopyMergeCeiling(
    s.url,
    p.files.map((f) => ({ path: fileOf(p, f.path), source: f.source, contentType: f.contentType, charset: f.charset })),
    {
      now: p.lastArrival,
      kinds: Object.fromEntries([...policy.catalogue].map(([source, spec]) => [source, [...spec.kinds.keys()]])),
      identityChecks: Object.keys(policy.identityCaps),
      lines: p.totalLines,
      onFile: (d) => b.update(d),
    },
  );
  b.stop();
  log(
    `ceiling: ${ceiling.stored.toLocaleString()} events stored in ${ceiling.seconds.toFixed(1)} s (COPY ${ceiling.copySeconds.toFixed(1)} s, merge ${ceiling.mergeSeconds.toFixed(1)} s) = ${ceiling.eventsPerSecond.toLocaleString()} events/s`,
  );
  await emptyEvidence(s.url);
  return ceiling;
}

/** Empties what the ceiling stored, so that the service ingests the same files into empty tables. */
export async function emptyEvidence(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    // The identities too: left behind, every event of the files would be a duplicate to the service.
    await c.query('TRUNCATE events, event_identities');
    await c.query('VACUUM ANALYZE events');
    await c.query('VACUUM ANALYZE event_identities');
  } finally {
    await c.end();
  }
}
