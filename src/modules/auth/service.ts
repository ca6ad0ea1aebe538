// Key creation and lookup. Every request looks its key up in the database (one unique-index
// read): no cache, so a revocation takes effect at once in every process. A cache would need
// a synchronous revocation check per request anyway, which costs the same read.
import { isUuid } from '../../domain/ids.ts';
import { isKnownSource, SOURCES } from '../../domain/evidence.ts';
import { hashKey, newKeySecret } from './keys.ts';
import { ROLES, type Principal, type Role } from '../../domain/principal.ts';
import type { KeyRepository } from './repository.ts';
import { REGION_PREFIX } from '../../domain/region.ts';
import { DomainError, invalid } from '../../domain/errors.ts';

const badKeyInput = (message: string) => invalid('invalid_key', message);

export function createAuthService(repo: Pick<KeyRepository, 'insert' | 'findActiveByHash' | 'list' | 'revoke'>) {
  return {
    async createKey(input: { role: string; name: string; region?: string | null; sources?: string[] | null }) {
      if (!(ROLES as readonly string[]).includes(input.role)) throw badKeyInput(`role must be one of ${ROLES.join(', ')}`);
      if (!input.name.trim()) throw badKeyInput('name must not be empty');
      if (input.region && !REGION_PREFIX.test(input.region)) throw badKeyInput('region must be 1 to 6 digits, a prefix of the region code');
      const sources = input.sources?.length ? input.sources : null;
      if (input.role === 'feed' && !sources) throw badKeyInput('a feed key needs --sources');
      if (sources && input.role !== 'feed') throw badKeyInput('--sources applies to feed keys only');
      for (const s of sources ?? []) if (!isKnownSource(s)) throw badKeyInput(`unknown source: ${s}; one of ${SOURCES.join(', ')}`);
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
    },
    authenticate: (secret: string): Promise<Principal | undefined> => repo.findActiveByHash(hashKey(secret)),
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
