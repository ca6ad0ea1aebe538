// Bearer-key authentication and role checks for every /v1 route. A route states the roles
// it admits in `config.roles`; the principal is on `request.principal`. An address with too
// many failed authentications is refused before its key is looked up (auth-failures.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './errors.ts';
import type { AuthFailureLimiter } from './auth-failures.ts';
import type { Principal, Role } from '../domain/principal.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    roles?: readonly Role[];
    /** A cookie that may carry the key when the header does not: pages a browser signs in to with a form (/admin/queues). */
    keyCookie?: string;
  }
}

const BEARER = /^Bearer\s+(\S+)$/i;

/** The API key of `Authorization: Bearer <key>` (scheme in any case, surrounding space ignored). */
export function bearerKey(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header.trim())?.[1] : undefined;
}

/** The value of cookie `name` in a Cookie header, if there. */
export function cookieValue(header: string | undefined, name: string | undefined): string | undefined {
  if (!header || !name) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    // Keys are URL-safe: the value is taken as it is, never decoded (a stray % cannot throw).
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** Refuses the request with 429 while its address is barred for failed authentications. */
export function refuseBarredAddress(failures: AuthFailureLimiter, req: FastifyRequest, reply: FastifyReply): void {
  const wait = failures.retryAfter(req.ip);
  if (wait === 0) return;
  reply.header('retry-after', String(wait));
  throw new AppError(429, 'rate_limited', `too many failed authentications from this address; retry in ${wait} s`);
}

export const authPlugin = fp(async function auth(
  app: FastifyInstance,
  opts: { authenticate: (secret: string) => Promise<Principal | null | undefined>; failures: AuthFailureLimiter },
) {
  const { failures } = opts;
  const unauthorized = (req: FastifyRequest, message: string) => {
    failures.fail(req.ip);
    return new AppError(401, 'unauthorized', message);
  };
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const roles = req.routeOptions.config.roles;
    if (!roles) return; // open routes: health, metrics, docs, the staff page
    refuseBarredAddress(failures, req, reply);
    const key = bearerKey(req.headers.authorization) ?? cookieValue(req.headers.cookie, req.routeOptions.config.keyCookie);
    if (!key) throw unauthorized(req, 'missing or malformed Authorization: Bearer <key>');
    const principal = await opts.authenticate(key);
    if (!principal) throw unauthorized(req, 'unknown or revoked API key');
    req.principal = principal;
    if (!roles.includes(principal.role)) throw new AppError(403, 'forbidden', `a ${principal.role} key may not use this route`);
  });
});
