// Builds the Fastify app from its dependencies; no listen here, so tests inject requests.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { AppDeps } from './app-deps.ts';
import { AppError, errorBody, knownError } from './http/errors.ts';
import { authPlugin } from './http/auth-plugin.ts';
import { metricsPlugin } from './http/metrics.ts';
import { compileRequestSchema, fieldErrors } from './infra/validation.ts';
import { healthRoutes } from './modules/health/routes.ts';
import { pensionerRoutes } from './modules/pensioners/routes.ts';
import { certificationRoutes } from './modules/certification/routes.ts';
import { decisionHistoryRoutes } from './modules/certification/history.ts';
import { evidenceRoutes } from './modules/evidence/routes.ts';
import { manualCheckRoutes } from './modules/manual-checks/routes.ts';
import { servicePointRoutes } from './modules/service-point/routes.ts';
import { staffPageRoutes } from './modules/service-point/staff-page.ts';
import { payrollRoutes } from './modules/payroll/routes.ts';
import { reportsRoutes } from './modules/reports/routes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    servedRoutes: { method: string; url: string }[];
  }
}

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Feature route plugins; each takes the app and the shared dependencies. */
export type RouteModule = (app: FastifyInstance, deps: AppDeps) => Promise<void>;
const ROUTES: RouteModule[] = [
  healthRoutes,
  pensionerRoutes,
  certificationRoutes,
  decisionHistoryRoutes,
  manualCheckRoutes,
  servicePointRoutes,
  staffPageRoutes,
  evidenceRoutes,
  payrollRoutes,
  reportsRoutes,
];

export async function buildApp(deps: AppDeps, opts: { logger?: false; extraRoutes?: RouteModule[] } = {}) {
  const app = Fastify({
    ...(opts.logger === false ? { logger: false } : { loggerInstance: deps.logger }),
    bodyLimit: deps.config.bodyLimitBytes,
    trustProxy: deps.config.trustProxy,
    routerOptions: { maxParamLength: 200 },
  });

  app.setValidatorCompiler(({ schema }) => compileRequestSchema(schema));

  // The routes served, for the test that holds them against openapi.yaml.
  const served: { method: string; url: string }[] = [];
  app.decorate('servedRoutes', served);
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') served.push({ method: m, url: r.url });
  });

  // Bulk and batch bodies are streamed to the handler, never buffered whole.
  app.addContentTypeParser(['application/x-ndjson', 'text/csv'], (_req, payload, done) => done(null, payload));

  app.setErrorHandler((err: any, req, reply) => {
    const known = knownError(err);
    if (known) return reply.code(known.status).send(known.body);
    if (err.validation) {
      const details = fieldErrors(err.validation, err.validationContext);
      return reply.code(400).send(errorBody('invalid_request', `invalid ${err.validationContext ?? 'request'}: ${details[0]?.message ?? ''}`, details));
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      req.log.error({ err: { message: err.message, stack: err.stack } }, 'unhandled error');
      return reply.code(500).send(errorBody('internal_error', 'internal error'));
    }
    const code =
      status === 413
        ? 'body_too_large'
        : status === 415
          ? 'unsupported_media_type'
          : status === 429
            ? 'rate_limited'
            : err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
              ? 'malformed_json'
              : 'bad_request';
    return reply.code(status).send(errorBody(code, err.message));
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(errorBody('not_found', 'no such route')));

  // JSON API routes get a fixed set of security headers (computed once); helmet's full set,
  // with its per-response CSP assembly, is for the pages (/staff, /docs). Personal data must
  // not be cached by browsers or proxies.
  const API_HEADERS = {
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
  };
  const isApi = (url: string) => url.startsWith('/v1/') || url === '/healthz' || url === '/readyz' || url === '/metrics';
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
  await app.register(rateLimit, {
    global: true,
    max: deps.config.rateLimitPerSecond,
    timeWindow: 1000,
    keyGenerator: (req) => {
      const h = req.headers.authorization;
      // The header itself (kept in memory only) keys the limit: no hash on every request.
      return h ?? req.ip;
    },
    errorResponseBuilder: (_req, ctx) => {
      const e = new AppError(429, 'rate_limited', `rate limit of ${ctx.max} requests per second exceeded`);
      return Object.assign(e, { statusCode: 429 });
    },
  });
  await app.register(metricsPlugin, { queues: deps.queues });
  await app.register(authPlugin, { authenticate: (secret) => deps.auth.authenticate(secret) });

  await app.register(swagger, { mode: 'static', specification: { path: path.join(ROOT, 'openapi.yaml'), baseDir: ROOT } });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  for (const routes of [...ROUTES, ...(opts.extraRoutes ?? [])]) await app.register(async (scope) => routes(scope, deps));
  return app;
}
