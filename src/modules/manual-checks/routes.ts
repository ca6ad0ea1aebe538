import type { FastifyInstance } from 'fastify';
import { Ajv } from 'ajv';
import type { AppDeps } from '../../app-deps.ts';
import { invalid } from '../../domain/errors.ts';
import { NationalIdParam } from '../pensioners/schemas.ts';
import { CheckIdParam, ClaimBody, FlagBody, QueueQuery, ResolveBody, type ClaimBodyT, type FlagBodyT, type QueueQueryT, type ResolveBodyT } from './schemas.ts';

const validClaim = new Ajv({ strict: false }).compile<ClaimBodyT>(ClaimBody);

export async function manualCheckRoutes(app: FastifyInstance, deps: AppDeps) {
  const { manualChecks } = deps;

  app.get<{ Querystring: QueueQueryT }>(
    '/v1/manual-checks',
    { schema: { querystring: QueueQuery }, config: { roles: ['staff', 'bureau', 'admin'] } },
    async (req) => manualChecks.list(req.query, req.principal),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/manual-checks/:id',
    { schema: { params: CheckIdParam }, config: { roles: ['staff', 'bureau', 'admin'] } },
    async (req) => manualChecks.get(req.params.id, req.principal),
  );

  // The body is optional (a claim needs nothing), so it is checked here rather than by schema.
  app.post<{ Params: { id: string } }>(
    '/v1/manual-checks/:id/claim',
    { schema: { params: CheckIdParam }, config: { roles: ['staff', 'admin'] } },
    async (req) => {
      const body = req.body ?? {};
      if (!validClaim(body)) {
        const e = validClaim.errors?.[0];
        const msg =
          e?.keyword === 'additionalProperties'
            ? `unknown field: ${(e.params as { additionalProperty: string }).additionalProperty}`
            : `servicePointId ${e?.message ?? 'is invalid'}`;
        throw invalid('invalid_request', `invalid body: ${msg}`);
      }
      return manualChecks.claim(req.params.id, body.servicePointId ?? null, req.principal);
    },
  );

  app.post<{ Params: { id: string }; Body: ResolveBodyT }>(
    '/v1/manual-checks/:id/resolve',
    { schema: { params: CheckIdParam, body: ResolveBody }, config: { roles: ['staff', 'admin'] } },
    async (req) => {
      const { check, certification } = await manualChecks.resolve(req.params.id, req.body, req.principal);
      return certification ? { ...check, certification } : check;
    },
  );

  app.post<{ Params: { nationalId: string }; Body: FlagBodyT }>(
    '/v1/pensioners/:nationalId/flags',
    { schema: { params: NationalIdParam, body: FlagBody }, config: { roles: ['staff', 'bureau', 'admin'] } },
    async (req, reply) => {
      const { created, check } = await manualChecks.flag(req.params.nationalId, req.body, req.principal);
      return reply.code(created ? 201 : 200).send(check);
    },
  );
}
