// JSON API routes get a fixed set of security headers (computed once); helmet's full set, with
// its per-response CSP assembly, is for the pages (/staff, /docs). Personal data must not be
// cached by browsers or proxies.
import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';

const API_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};
const isApi = (url: string) => url.startsWith('/v1/') || url === '/healthz' || url === '/readyz' || url === '/metrics';

export async function useSecurityHeaders(app: FastifyInstance): Promise<void> {
  app.addHook('onRoute', (r) => {
    if (isApi(r.url)) (r as { helmet?: boolean }).helmet = false;
  });
  app.addHook('onRequest', async (req, reply) => {
    if (isApi(req.routeOptions.url ?? req.url)) reply.headers(API_HEADERS);
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        upgradeInsecureRequests: null,
      },
    },
  });
}
