// Prometheus metrics: HTTP latency by route, and queue depths read at scrape time.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Histogram, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queues } from '../infra/queue.ts';

export const metricsPlugin = fp(async function metrics(app: FastifyInstance, opts: { queues: Queues }) {
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

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    latency.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { logLevel: 'warn' }, async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
});
