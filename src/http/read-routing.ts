// Which server a request's reads go to: a request that only reads reads for its key (the standby
// unless that key has just written); a request that writes reads the primary, and once it is
// answered its key is remembered as having written. A POST that only reads says so with
// `config: { readOnly: true }` (a batch status query).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ReadReplica } from '../infra/read-replica.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route writes nothing a later read must see (its audit rows aside): its reads may go to the standby. */
    readOnly?: boolean;
  }
}

const READING = new Set(['GET', 'HEAD', 'OPTIONS']);
const writes = (req: FastifyRequest) => !READING.has(req.method) && !req.routeOptions.config?.readOnly;

export function useReadRouting(app: FastifyInstance, replica: ReadReplica): void {
  // Callback style: the handler runs inside readsFor's context (an async hook would leave it).
  app.addHook('preHandler', (req, _reply, done) => {
    const key = (req.principal as { keyId?: string } | null)?.keyId;
    replica.readsFor(key && !writes(req) ? key : null, done);
  });
  app.addHook('onSend', (req, _reply, payload, done) => {
    const key = (req.principal as { keyId?: string } | null)?.keyId;
    if (key && writes(req)) replica.wrote(key);
    done(null, payload);
  });
}
