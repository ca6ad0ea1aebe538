// fast-check generators of evidence shared by the property tests.
import fc from 'fast-check';
import type { IdentityCheck } from '../../src/domain/evidence.ts';
import { kindsOf, sourcesOf, type Catalogue } from '../../src/domain/catalogue.ts';
import { loadDefaultPolicy } from '../../src/domain/policy.ts';

export const IDENTITY_CHECKS: IdentityCheck[] = ['biometric', 'id_document', 'card_pin', 'none'];

/** Every source of the shipped policy's catalogue. */
export const DEFAULT_SOURCES: readonly string[] = sourcesOf(loadDefaultPolicy().catalogue);

/** The `pick`-th kind (modulo their number) of a source. */
export function kindAt(source: string, pick: number, catalogue: Catalogue = loadDefaultPolicy().catalogue): string {
  const kinds = kindsOf(catalogue, source);
  return kinds[pick % kinds.length]!;
}

/**
 * An event of one of `sources` (any kind of it in `catalogue`, by default the shipped
 * policy's), occurring in [from, to], received up to `maxLagDays` later.
 */
export function evidenceEvent(o: { sources: readonly string[]; catalogue?: Catalogue; from: string; to: string; maxLagDays: number }) {
  const catalogue = o.catalogue ?? loadDefaultPolicy().catalogue;
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
      kind: kindAt(source, pick, catalogue),
      identityCheck,
      occurredAt: new Date(t),
      receivedAt: new Date(t + lag),
    }));
}
