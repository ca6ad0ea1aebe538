import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import type { AppDeps } from '../../app-deps.ts';
import { shanghaiDate } from '../../domain/calendar.ts';
import { notFound } from '../../domain/errors.ts';
import { requireNationalId } from '../../http/national-id-param.ts';
import { NationalIdParam, PensionerBody, type PensionerBodyT } from './schemas.ts';
import { pensionerView } from './view.ts';

export async function pensionerRoutes(app: FastifyInstance, deps: AppDeps) {
  const { pensioners, certificationRepo, audit, clock, config } = deps;

  app.put<{ Params: { nationalId: string }; Body: PensionerBodyT }>(
    '/v1/pensioners/:nationalId',
    { schema: { params: NationalIdParam, body: PensionerBody }, config: { roles: ['bureau', 'admin'] } },
    async (req, reply) => {
      const { created } = await pensioners.register(req.params.nationalId, req.body, req.principal);
      return reply.code(created ? 201 : 200).send({ nationalId: requireNationalId(req.params.nationalId), created });
    },
  );

  app.post('/v1/pensioners/bulk', { config: { roles: ['bureau', 'admin'] }, bodyLimit: config.batchLimitBytes }, async (req) =>
    pensioners.registerBulk(req.body as Readable, req.principal, config.batchLimitBytes),
  );

  app.get<{ Params: { nationalId: string } }>(
    '/v1/pensioners/:nationalId',
    { schema: { params: NationalIdParam }, config: { roles: ['bureau', 'staff', 'admin'] } },
    async (req) => {
      const nid = requireNationalId(req.params.nationalId);
      const row = await certificationRepo.viewByNationalId(nid, req.principal.regionPrefix);
      if (!row) throw notFound();
      await audit.record({ keyId: req.principal.keyId, role: req.principal.role, action: 'pensioner.read', pensionerId: row.pensioner_id });
      return pensionerView(row, shanghaiDate(clock.now()), req.principal.role === 'staff');
    },
  );
}
