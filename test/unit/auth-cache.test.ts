// Keys are cached only while revocations are heard, and a revocation empties the cache of them.
import { describe, expect, it } from 'vitest';
import { createAuthService, type RevocationHandlers } from '../../src/modules/auth/service.ts';
import { loadDefaultPolicy } from '../../src/domain/policy.ts';
import { hashKey } from '../../src/modules/auth/keys.ts';
import type { Principal } from '../../src/domain/principal.ts';

function world() {
  const principal: Principal = { keyId: 'k-1', name: 'bureau', role: 'bureau', regionPrefix: null, sources: null };
  let reads = 0;
  let revoked = false;
  let on: RevocationHandlers | undefined;
  const repo = {
    findActiveByHash: async (h: string) => {
      reads++;
      return h === hashKey('pk_secret') && !revoked ? principal : undefined;
    },
    insert: async () => 'k-1',
    list: async () => [],
    revoke: async () => (revoked = true),
  };
  const auth = createAuthService(repo as never, {
    catalogue: loadDefaultPolicy().catalogue,
    watchRevocations: (handlers) => {
      on = handlers;
      return { close: async () => {} };
    },
  });
  return { auth, reads: () => reads, revokeInDatabase: () => (revoked = true), on: () => on! };
}

describe('the key cache', () => {
  it('is not used until revocations are heard, nor after they stop being heard', async () => {
    const w = world();
    await w.auth.authenticate('pk_secret');
    await w.auth.authenticate('pk_secret');
    expect(w.reads()).toBe(2);
    w.on().up();
    await w.auth.authenticate('pk_secret');
    await w.auth.authenticate('pk_secret');
    expect(w.reads()).toBe(3);
    w.on().down();
    await w.auth.authenticate('pk_secret');
    expect(w.reads()).toBe(4);
  });

  it('drops a key the moment its revocation is heard', async () => {
    const w = world();
    await w.auth.authenticate('pk_secret');
    w.on().up();
    expect(await w.auth.authenticate('pk_secret')).toBeDefined();
    w.revokeInDatabase();
    expect(await w.auth.authenticate('pk_secret')).toBeDefined(); // cached: not yet heard
    w.on().message('k-1');
    expect(await w.auth.authenticate('pk_secret')).toBeUndefined();
  });
});
