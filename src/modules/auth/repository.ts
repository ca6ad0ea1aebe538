import type { Kysely } from 'kysely';
import type { DB } from '../../infra/db-types.ts';
import type { Principal, Role } from '../../domain/principal.ts';

export function createKeyRepository(db: Kysely<DB>) {
  return {
    async insert(k: { name: string; role: Role; regionPrefix: string | null; sources: string[] | null; keyHash: string }) {
      const row = await db
        .insertInto('api_keys')
        .values({ name: k.name, role: k.role, region_prefix: k.regionPrefix, sources: k.sources, key_hash: k.keyHash, revoked_at: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async findActiveByHash(keyHash: string): Promise<Principal | undefined> {
      const row = await db
        .selectFrom('api_keys')
        .select(['id', 'name', 'role', 'region_prefix', 'sources'])
        .where('key_hash', '=', keyHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return row && { keyId: row.id, name: row.name, role: row.role, regionPrefix: row.region_prefix, sources: row.sources };
    },
    async list() {
      return db.selectFrom('api_keys').select(['id', 'name', 'role', 'region_prefix', 'sources', 'created_at', 'revoked_at']).orderBy('created_at').execute();
    },
    async revoke(id: string) {
      const r = await db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
export type KeyRepository = ReturnType<typeof createKeyRepository>;
