// Key creation and lookup. Every request needs its key, so looked-up keys are cached — but only
// while this process hears revocations (PostgreSQL announces each one, whoever made it): a
// revoked key leaves every cache as soon as it is revoked, and while the announcements cannot
// be heard nothing is cached and every request reads the key.
import { isUuid } from '../../domain/ids.ts';
import { sourcesOf, type Catalogue } from '../../domain/catalogue.ts';
import { hashKey, newKeySecret } from './keys.ts';
import { ROLES, type Principal, type Role } from '../../domain/principal.ts';
import type { KeyRepository } from './repository.ts';
import { REGION_PREFIX } from '../../domain/region.ts';
import { DomainError, invalid } from '../../domain/errors.ts';

const badKeyInput = (message: string) => invalid('invalid_key', message);

/** What the auth service is told by whoever hears revocations. */
export interface RevocationHandlers {
  message(keyId: string): void;
  up(): void;
  down(): void;
}

const CACHE_MS = 60_000;
const CACHE_MAX = 10_000;

export function createAuthService(
  repo: Pick<KeyRepository, 'insert' | 'findActiveByHash' | 'list' | 'revoke'>,
  o: {
    /** The sources of the policy in force: a feed key may be created only for those. */
    catalogue: Catalogue;
    watchRevocations?: (on: RevocationHandlers) => { close(): Promise<void> };
  },
) {
  const cache = new Map<string, { principal: Principal; until: number }>();
  let hearing = false;
  // Bumped by every revocation: a lookup that began before one is not cached after it.
  let generation = 0;
  let watch: { close(): Promise<void> } | undefined;
  const revocations: RevocationHandlers = {
    message(keyId) {
      generation++;
      for (const [h, e] of cache) if (e.principal.keyId === keyId) cache.delete(h);
    },
    up() {
      generation++;
      cache.clear();
      hearing = true;
    },
    down() {
      hearing = false;
      generation++;
      cache.clear();
    },
  };

  async function authenticate(secret: string): Promise<Principal | undefined> {
    watch ??= o.watchRevocations?.(revocations);
    const h = hashKey(secret);
    const now = Date.now();
    const hit = hearing ? cache.get(h) : undefined;
    if (hit && hit.until > now) return hit.principal;
    const began = generation;
    const principal = await repo.findActiveByHash(h);
    if (principal && hearing && began === generation) {
      if (cache.size >= CACHE_MAX) cache.clear();
      cache.set(h, { principal, until: now + CACHE_MS });
    }
    return principal;
  }

  return {
    async createKey(input: { role: string; name: string; region?: string | null; sources?: string[] | null }) {
      if (!(ROLES as readonly string[]).includes(input.role)) throw badKeyInput(`role must be one of ${ROLES.join(', ')}`);
      if (!input.name.trim()) throw badKeyInput('name must not be empty');
      if (input.region && !REGION_PREFIX.test(input.region)) throw badKeyInput('region must be 1 to 6 digits, a prefix of the region code');
      const sources = input.sources?.length ? input.sources : null;
      if (input.role === 'feed' && !sources) throw badKeyInput('a feed key needs --sources');
      if (sources && input.role !== 'feed') throw badKeyInput('--sources applies to feed keys only');
      for (const s of sources ?? []) if (!o.catalogue.has(s)) throw badKeyInput(`unknown source: ${s}; one of ${sourcesOf(o.catalogue).join(', ')}`);
      const secret = newKeySecret();
      const id = await repo.insert({
        name: input.name.trim(),
        role: input.role as Role,
        regionPrefix: input.region || null,
        sources,
        keyHash: hashKey(secret),
      });
      return { id, secret };
    },
    /** Every key, never its secret (only its digest is stored). */
    listKeys: () => repo.list(),
    async revokeKey(id: string) {
      if (!isUuid(id)) throw badKeyInput('a key id is a UUID, as `keys list` shows it');
      if (!(await repo.revoke(id))) throw new DomainError('not_found', 'not_found', `no active key ${id}`);
      revocations.message(id);
    },
    authenticate,
    /** Stops hearing revocations (the process is shutting down). */
    async close() {
      await watch?.close();
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
