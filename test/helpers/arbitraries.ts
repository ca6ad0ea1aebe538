// fast-check generators of evidence shared by the property tests.
import fc from 'fast-check';
import { KINDS, type IdentityCheck, type Kind, type Source } from '../../src/domain/evidence.ts';

export const IDENTITY_CHECKS: IdentityCheck[] = ['biometric', 'id_document', 'card_pin', 'none'];

/** An event of one of `sources` (any kind of it), occurring in [from, to], received up to `maxLagDays` later. */
export function evidenceEvent(o: { sources: readonly Source[]; from: string; to: string; maxLagDays: number }) {
  return fc
    .record({
      source: fc.constantFrom(...o.sources),
      pick: fc.nat(),
      identityCheck: fc.constantFrom(...IDENTITY_CHECKS),
      t: fc.integer({ min: Date.parse(o.from), max: Date.parse(o.to) }),
      lag: fc.integer({ min: 0, max: o.maxLagDays * 86_400_000 }),
    })
    .map(({ source, pick, identityCheck, t, lag }) => ({
      source,
      kind: KINDS[source][pick % KINDS[source].length]! as Kind,
      identityCheck,
      occurredAt: new Date(t),
      receivedAt: new Date(t + lag),
    }));
}
