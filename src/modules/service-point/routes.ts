import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { AppDeps } from '../../app-deps.ts';
import { PageQuery } from '../../http/paging.ts';
import { NationalIdParam } from '../pensioners/schemas.ts';
import { InPersonBody, type InPersonBodyT } from '../manual-checks/schemas.ts';

const EvidenceQuery = Type.Object({ limit: PageQuery.limit, cursor: PageQuery.cursor }, { additionalProperties: false });

export async function servicePointRoutes(app: FastifyInstance, deps: AppDeps) {
  const { servicePoint } = deps;

  app.post<{ Params: { nationalId: string }; Body: InPersonBodyT }>(
    '/v1/pensioners/:nationalId/in-person-checks',
    { schema: { params: NationalIdParam, body: InPersonBody }, config: { roles: ['staff', 'admin'] } },
    async (req, reply) => reply.code(201).send(await servicePoint.recordInPersonCheck(req.params.nationalId, req.body, req.principal)),
  );

  app.get<{ Params: { nationalId: string }; Querystring: { limit?: number; cursor?: string } }>(
    '/v1/pensioners/:nationalId/evidence',
    { schema: { params: NationalIdParam, querystring: EvidenceQuery }, config: { roles: ['staff', 'bureau', 'admin'] } },
    async (req) => servicePoint.evidence(req.params.nationalId, req.query, req.principal),
  );
}
