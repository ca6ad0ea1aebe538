import type { FastifyInstance } from 'fastify';
import type { Database } from '../../infra/database.ts';
import type { Queues } from '../../infra/queue.ts';
import { errorBody } from '../../http/errors.ts';

export interface HealthRouteDeps {
  database: Pick<Database, 'ping'>;
  queues: Pick<Queues, 'ping'>;
}

export async function healthRoutes(app: FastifyInstance, deps: HealthRouteDeps) {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { logLevel: 'warn' }, async (_req, reply) => {
    const checks = await Promise.allSettled([deps.database.ping(2000), deps.queues.ping(2000)]);
    const [database, queue] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'unreachable'));
    if (database === 'ok' && queue === 'ok') return { status: 'ready', database, queue };
    return reply.code(503).send({ ...errorBody('not_ready', 'a dependency is unreachable'), database, queue });
  });
}
