import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { PageQuery, cursorOf } from '../../http/paging.ts';
import { requireNationalId } from '../../http/national-id-param.ts';
import { NationalIdParam } from '../pensioners/schemas.ts';
import { InPersonBody, type InPersonBodyT } from './schemas.ts';
import type { ServicePointService } from './service.ts';

const EvidenceQuery = Type.Object({ limit: PageQuery.limit, cursor: PageQuery.cursor }, { additionalProperties: false });
/** Evidence pages: newest first by (occurred_at, event id). */
const evidenceCursor = cursorOf(['timestamp', 'id']);

export interface ServicePointRouteDeps {
  servicePoint: Pick<ServicePointService, 'recordInPersonCheck' | 'evidence'>;
}

export async function servicePointRoutes(app: FastifyInstance, deps: ServicePointRouteDeps) {
  const { servicePoint } = deps;

  app.post<{ Params: { nationalId: string }; Body: InPersonBodyT }>(
    '/v1/pensioners/:nationalId/in-person-checks',
    { schema: { params: NationalIdParam, body: InPersonBody }, config: { roles: ['staff', 'admin'] } },
    async (req, reply) => reply.code(201).send(await servicePoint.recordInPersonCheck(requireNationalId(req.params.nationalId), req.body, req.principal)),
  );

  app.get<{ Params: { nationalId: string }; Querystring: { limit?: number; cursor?: string } }>(
    '/v1/pensioners/:nationalId/evidence',
    { schema: { params: NationalIdParam, querystring: EvidenceQuery }, config: { roles: ['staff', 'bureau', 'admin'] } },
    async (req) => {
      const nationalId = requireNationalId(req.params.nationalId);
      const after = evidenceCursor.decode(req.query.cursor);
      const { next, ...page } = await servicePoint.evidence(nationalId, { limit: req.query.limit, after }, req.principal);
      return { ...page, nextCursor: next ? evidenceCursor.encode(next) : null };
    },
  );
}
