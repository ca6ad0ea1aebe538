// Builds the Fastify app from its dependencies; no listen here, so tests inject requests.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { AppDeps } from './app-deps.ts';
import { useErrorShape } from './http/error-handler.ts';
import { useSecurityHeaders } from './http/security-headers.ts';
import { useRateLimit } from './http/rate-limit.ts';
import { useStorableText } from './http/storable-text.ts';
import { useConnectionCloseOnShutdown } from './http/closing.ts';
import { useBodyIdleTimeout } from './http/body-timeout.ts';
import { authPlugin } from './http/auth-plugin.ts';
import { clientErrorHandler, frameworkErrors } from './http/router-errors.ts';
import { createAuthFailureLimiter } from './http/auth-failures.ts';
import { metricsPlugin } from './http/metrics.ts';
import { useReadRouting } from './http/read-routing.ts';
import { compileRequestSchema } from './infra/validation.ts';
import { healthRoutes } from './modules/health/routes.ts';
import { pensionerRoutes } from './modules/pensioners/routes.ts';
import { certificationRoutes } from './modules/certification/routes.ts';
import { decisionHistoryRoutes } from './modules/certification/history.ts';
import { evidenceRoutes } from './modules/evidence/routes.ts';
import { manualCheckRoutes } from './modules/manual-checks/routes.ts';
import { servicePointRoutes } from './modules/service-point/routes.ts';
import { staffPageRoutes } from './modules/service-point/staff-page.ts';
import { dashboardPageRoutes } from './modules/reports/dashboard-page.ts';
import { queueBoardRoutes } from './modules/operations/queue-board.ts';
import { sharedPageRoutes } from './http/page-files.ts';
import { payrollRoutes } from './modules/payroll/routes.ts';
import { dueProcessRoutes } from './modules/due-process/routes.ts';
import { reportsRoutes } from './modules/reports/routes.ts';
import { claimRoutes } from './modules/claims/routes.ts';

/** A served route and what decides the statuses it can answer, for the openapi.yaml test. */
export interface ServedRoute {
  method: string;
  url: string;
  roles: readonly string[] | undefined;
  rateLimited: boolean;
  validatesQuery: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    servedRoutes: ServedRoute[];
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
  sharedPageRoutes,
  staffPageRoutes,
  evidenceRoutes,
  payrollRoutes,
  dueProcessRoutes,
  reportsRoutes,
  claimRoutes,
  dashboardPageRoutes,
  queueBoardRoutes,
];

export async function buildApp(deps: AppDeps, opts: { logger?: false; extraRoutes?: RouteModule[] } = {}) {
  const { config } = deps;
  const app = Fastify({
    ...(opts.logger === false ? { logger: false } : { loggerInstance: deps.logger as FastifyBaseLogger }),
    bodyLimit: config.bodyLimitBytes,
    // No client holds a connection, and what its request holds, for ever: the whole request must
    // arrive within requestTimeout (Node answers 408 through clientErrorHandler), a body must keep
    // arriving (useBodyIdleTimeout), and a connection silent both ways is closed.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    // Given to Node's server at its creation too: then its headers timeout is min(60 s, requestTimeout).
    // Set only afterwards (all Fastify does), the headers timeout stays 60 s, and Node, finding it
    // above the request timeout, swaps the two: a 2 s request timeout acted as 60 s. Node checks
    // every 30 s by default, which would overrun a short timeout by as much.
    http: { requestTimeout: config.requestTimeoutMs, connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(config.requestTimeoutMs / 10))) },
    trustProxy: config.trustProxy,
    routerOptions: { maxParamLength: 200 },
    frameworkErrors,
    clientErrorHandler,
  });

  app.setValidatorCompiler(({ schema }) => compileRequestSchema(schema));

  // The routes served, for the test that holds them against openapi.yaml.
  const served: ServedRoute[] = [];
  app.decorate('servedRoutes', served);
  app.addHook('onRoute', (r) => {
    const about = {
      roles: r.config?.roles,
      rateLimited: (r.config as { rateLimit?: unknown } | undefined)?.rateLimit !== false, // the limit is global
      validatesQuery: Boolean((r.schema as { querystring?: unknown } | undefined)?.querystring),
    };
    for (const m of [r.method].flat()) if (m !== 'HEAD') served.push({ method: m, url: r.url, ...about });
  });

  // Bulk and batch bodies are streamed to the handler, never buffered whole.
  app.addContentTypeParser(['application/x-ndjson', 'text/csv'], (_req, payload, done) => done(null, payload));

  useErrorShape(app);
  useConnectionCloseOnShutdown(app);
  useBodyIdleTimeout(app, config.bodyIdleTimeoutMs);
  useStorableText(app);
  await useSecurityHeaders(app);
  await useRateLimit(app, config.rateLimitPerSecond);
  const failures = createAuthFailureLimiter({ limit: config.authFailureLimit, windowMs: config.authFailureWindowMs });
  await app.register(metricsPlugin, { queues: deps.queues, token: config.metricsToken, failures, replica: deps.readReplica, auditIndex: deps.auditIndex });
  await app.register(authPlugin, { authenticate: (secret) => deps.auth.authenticate(secret), failures });
  if (deps.readReplica) useReadRouting(app, deps.readReplica);

  await app.register(swagger, { mode: 'static', specification: { path: path.join(ROOT, 'openapi.yaml'), baseDir: ROOT } });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  for (const routes of [...ROUTES, ...(opts.extraRoutes ?? [])]) await app.register(async (scope) => routes(scope, deps));
  return app;
}
