import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { unsupported } from '../../domain/errors.ts';
import type { Config } from '../../config.ts';
import { requireNationalId } from '../../http/national-id-param.ts';
import { readLines } from '../../http/ndjson.ts';
import { NationalIdParam, PensionerBody, type PensionerBodyT } from './schemas.ts';
import type { PensionerService } from './service.ts';

const isReadable = (body: unknown): body is Readable => typeof (body as { pipe?: unknown } | null)?.pipe === 'function';

export interface PensionerRouteDeps {
  pensioners: Pick<PensionerService, 'register' | 'registerBulk' | 'read'>;
  config: Pick<Config, 'batchLimitBytes'>;
}

export async function pensionerRoutes(app: FastifyInstance, deps: PensionerRouteDeps) {
  const { pensioners, config } = deps;

  app.put<{ Params: { nationalId: string }; Body: PensionerBodyT }>(
    '/v1/pensioners/:nationalId',
    { schema: { params: NationalIdParam, body: PensionerBody }, config: { roles: ['bureau', 'admin'] } },
    async (req, reply) => {
      const { created } = await pensioners.register(req.params.nationalId, req.body, req.principal);
      return reply.code(created ? 201 : 200).send({ nationalId: requireNationalId(req.params.nationalId), created });
    },
  );

  app.post('/v1/pensioners/bulk', { config: { roles: ['bureau', 'admin'] }, bodyLimit: config.batchLimitBytes }, async (req) => {
    // Only a streamed body (NDJSON) is read line by line; JSON arrives parsed, and is not a file of lines.
    if (!isReadable(req.body)) throw unsupported('unsupported_media_type', 'bulk registration is application/x-ndjson, one pensioner per line');
    return pensioners.registerBulk(readLines(req.body, { maxBytes: config.batchLimitBytes, maxLineChars: 64 * 1024 }), req.principal);
  });

  app.get<{ Params: { nationalId: string } }>(
    '/v1/pensioners/:nationalId',
    { schema: { params: NationalIdParam }, config: { roles: ['bureau', 'staff', 'admin'] } },
    async (req) => pensioners.read(requireNationalId(req.params.nationalId), req.principal),
  );
}
