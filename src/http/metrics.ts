// Prometheus metrics: HTTP latency by route, and queue depths read at scrape time. With a
// token, only a scraper presenting it reads them (queue depths and route names are not for
// whoever reaches the port); wrong tokens count as failed authentications of the address.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Histogram, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queues } from '../infra/queue.ts';
import type { ReadReplica } from '../infra/read-replica.ts';
import { AppError } from './errors.ts';
import { bearerKey, refuseBarredAddress } from './auth-plugin.ts';
import type { AuthFailureLimiter } from './auth-failures.ts';

// Digests have one length, so timingSafeEqual compares them without revealing the token's.
const digest = (s: string) => createHash('sha256').update(s).digest();

/** An onRequest hook admitting only `Authorization: Bearer <token>`. */
function requireToken(token: string, failures: AuthFailureLimiter) {
  const expected = digest(token);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    refuseBarredAddress(failures, req, reply);
    const given = bearerKey(req.headers.authorization);
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
    failures.fail(req.ip);
    reply.header('www-authenticate', 'Bearer');
    throw new AppError(401, 'unauthorized', 'metrics need Authorization: Bearer <METRICS_TOKEN>');
  };
}

export const metricsPlugin = fp(async function metrics(
  app: FastifyInstance,
  opts: {
    queues: Queues;
    token: string | undefined;
    failures: AuthFailureLimiter;
    replica?: Pick<ReadReplica, 'state'>;
    /** The audit index's lag (src/modules/audit/reads-index.ts). */
    auditIndex?: { behindSeconds(): Promise<number> };
  },
) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      try {
        const depths = await opts.queues.depths();
        for (const [queue, counts] of Object.entries(depths)) {
          for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
        }
      } catch {
        /* the queue being down shows in /readyz; the scrape still answers */
      }
    },
  });

  const auditIndex = opts.auditIndex;
  if (auditIndex) {
    new Gauge({
      name: 'audit_index_behind_seconds',
      help: "How long ago the audit index's horizon is (+Inf: never run); the nightly audit-index job keeps it under a day and a minute",
      registers: [registry],
      async collect() {
        try {
          this.set(await auditIndex.behindSeconds());
        } catch {
          /* the database being down shows in /readyz; the scrape still answers */
        }
      },
    });
  }

  const replica = opts.replica;
  if (replica) {
    new Gauge({
      name: 'database_standby_lag_seconds',
      help: 'At most how far the read standby is behind the primary (+Inf: down or unknown); above DATABASE_READ_MAX_LAG_MS it is not read',
      registers: [registry],
      collect() {
        this.set(replica.state().lagMs / 1000);
      },
    });
    new Gauge({
      name: 'database_reads',
      help: 'Reads of the read paths since the start, by the server that answered them',
      labelNames: ['server'],
      registers: [registry],
      collect() {
        const { served } = replica.state();
        for (const [server, n] of Object.entries(served)) this.set({ server }, n);
      },
    });
  }

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    latency.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  const onRequest = opts.token === undefined ? [] : [requireToken(opts.token, opts.failures)];
  app.get('/metrics', { logLevel: 'warn', onRequest }, async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
});
