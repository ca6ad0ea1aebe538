import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';
import { invalid } from '../../domain/errors.ts';
import { limitUploadsPerKey } from '../../http/upload-slots.ts';
import { PUSH_FIELDS } from './validate.ts';
import { MAX_PUSH, type EvidenceService } from './service.ts';

const KNOWN = new Set<string>(PUSH_FIELDS);

export interface EvidenceRouteDeps {
  evidence: Pick<EvidenceService, 'push' | 'upload' | 'status'>;
  config: Pick<Config, 'batchLimitBytes' | 'uploadsPerKey'>;
}

export async function evidenceRoutes(app: FastifyInstance, deps: EvidenceRouteDeps) {
  const { evidence, config } = deps;

  app.post('/v1/events', { config: { roles: ['feed', 'admin'] } }, async (req, reply) => {
    const body = req.body;
    if (!Array.isArray(body)) throw invalid('invalid_request', 'the body must be a JSON array of events');
    if (body.length > MAX_PUSH) throw invalid('too_many_events', `at most ${MAX_PUSH} events per request (got ${body.length}); send files as batches`);
    const details: { field: string; message: string }[] = [];
    body.forEach((e, i) => {
      if (typeof e !== 'object' || e === null || Array.isArray(e)) details.push({ field: String(i), message: 'each event must be a JSON object' });
      else for (const k of Object.keys(e)) if (!KNOWN.has(k)) details.push({ field: `${i}.${k}`, message: `unknown field: ${k}` });
    });
    if (details.length) throw invalid('invalid_request', `invalid body: ${details[0]!.message} (element ${details[0]!.field.split('.')[0]})`, details);
    return reply.code(202).send(await evidence.push(body, req.principal));
  });

  app.post<{ Params: { source: string } }>(
    '/v1/feeds/:source/batches',
    // The key's upload slot is taken after authentication (the global onRequest hook) and before the body is read.
    { config: { roles: ['feed', 'admin'] }, bodyLimit: config.batchLimitBytes, onRequest: limitUploadsPerKey(config.uploadsPerKey) },
    async (req, reply) => {
      const body = req.body as AsyncIterable<Buffer>;
      const out = await evidence.upload(req.params.source, req.headers['content-type'], body, req.principal, config.batchLimitBytes);
      return reply.code(202).send(out);
    },
  );

  app.get<{ Params: { batchId: string } }>('/v1/feeds/batches/:batchId', { config: { roles: ['feed', 'admin'] } }, async (req) =>
    evidence.status(req.params.batchId, req.principal),
  );
}
