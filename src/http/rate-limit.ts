// Requests per second per API key (per address without one). The key is taken as the auth
// hook reads it, so no spelling of the header (case, spaces, tabs) earns a budget of its own.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { AppError } from './errors.ts';
import { bearerKey } from './auth-plugin.ts';

export async function useRateLimit(app: FastifyInstance, perSecond: number): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: perSecond,
    timeWindow: 1000,
    // The key itself (kept in memory only) keys the limit: no hash on every request.
    keyGenerator: (req: FastifyRequest) => {
      const key = bearerKey(req.headers.authorization);
      return key ? `k:${key}` : `a:${req.ip}`;
    },
    errorResponseBuilder: (_req, ctx) =>
      Object.assign(new AppError(429, 'rate_limited', `rate limit of ${ctx.max} requests per second exceeded`), { statusCode: 429 }),
  });
}
