// What a key may learn from the counts of its own push or batch. An event about no registered
// pensioner is counted `unmatched`, and one already stored `duplicates` — but only pensioners'
// events are stored, so both counts tell a sender whether the people it named are pensioners
// (a one-event push, or the same event sent twice, asks it of one person). A feed key may read
// no one: for it every valid event is `accepted` (taken: stored, already stored, or set aside
// as about no pensioner; either way it need not be sent again), as if no one were registered
// or everyone were. Keys that may read the registry (admin) see the breakdown, and the audit
// and the batch rows keep it. README, "Audit".
import type { Role } from './principal.ts';

export interface SubmissionCounts {
  accepted: number;
  duplicates: number;
  unmatched: number;
}

export function countsSeenBy<C extends SubmissionCounts>(role: Role, counts: C): C {
  if (role !== 'feed') return counts;
  return { ...counts, accepted: counts.accepted + counts.duplicates + counts.unmatched, duplicates: 0, unmatched: 0 };
}
