// Bearer-key authentication and role checks for every /v1 route. A route states the roles
// it admits in `config.roles`; the principal is on `request.principal`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './errors.ts';
import type { Principal, Role } from '../domain/principal.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    roles?: readonly Role[];
  }
}

const BEARER = /^Bearer\s+(\S+)$/i;

/** The API key of `Authorization: Bearer <key>` (scheme in any case, surrounding space ignored). */
export function bearerKey(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header.trim())?.[1] : undefined;
}

export const authPlugin = fp(async function auth(app: FastifyInstance, opts: { authenticate: (secret: string) => Promise<Principal | null | undefined> }) {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const roles = req.routeOptions.config.roles;
    if (!roles) return; // open routes: health, metrics, docs, the staff page
    const header = req.headers.authorization;
    const key = bearerKey(header);
    if (!key) throw new AppError(401, 'unauthorized', 'missing or malformed Authorization: Bearer <key>');
    const principal = await opts.authenticate(key);
    if (!principal) throw new AppError(401, 'unauthorized', 'unknown or revoked API key');
    req.principal = principal;
    if (!roles.includes(principal.role)) throw new AppError(403, 'forbidden', `a ${principal.role} key may not use this route`);
  });
});
