import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppDeps } from '../../app-deps.ts';
import { errorBody } from '../../http/errors.ts';

export async function healthRoutes(app: FastifyInstance, deps: AppDeps) {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { logLevel: 'warn' }, async (_req, reply) => {
    const checks = await Promise.allSettled([
      Promise.race([sql`select 1`.execute(deps.db), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 2000))]),
      deps.queues.ping(2000),
    ]);
    const [database, queue] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'unreachable'));
    if (database === 'ok' && queue === 'ok') return { status: 'ready', database, queue };
    return reply.code(503).send({ ...errorBody('not_ready', 'a dependency is unreachable'), database, queue });
  });
}
