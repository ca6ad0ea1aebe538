import type { FastifyInstance } from 'fastify';
import { invalid } from '../../domain/errors.ts';
import { cursorOf } from '../../http/paging.ts';
import { requireNationalId } from '../../http/national-id-param.ts';
import { compileRecordSchema, fieldErrors } from '../../infra/validation.ts';
import { NationalIdParam } from '../pensioners/schemas.ts';
import { CheckIdParam, ClaimBody, FlagBody, QueueQuery, ResolveBody, type ClaimBodyT, type FlagBodyT, type QueueQueryT, type ResolveBodyT } from './schemas.ts';
import type { ManualCheckService } from './service.ts';

const validClaim = compileRecordSchema<ClaimBodyT>(ClaimBody);
/** Queue pages: by (priority, a non-negative integer checked as an 'id' part; opened_at; check id). */
const queueCursor = cursorOf(['id', 'timestamp', 'uuid']);

export interface ManualCheckRouteDeps {
  manualChecks: Pick<ManualCheckService, 'list' | 'get' | 'claim' | 'resolve' | 'flag'>;
}

export async function manualCheckRoutes(app: FastifyInstance, deps: ManualCheckRouteDeps) {
  const { manualChecks } = deps;

  app.get<{ Querystring: QueueQueryT }>(
    '/v1/manual-checks',
    { schema: { querystring: QueueQuery }, config: { roles: ['staff', 'bureau', 'admin'] } },
    async (req) => {
      const { cursor, ...q } = req.query;
      const { next, ...page } = await manualChecks.list({ ...q, after: queueCursor.decode(cursor) }, req.principal);
      return { ...page, nextCursor: next ? queueCursor.encode(next) : null };
    },
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
        const [first] = fieldErrors(validClaim.errors, 'body');
        throw invalid('invalid_request', `invalid body: ${first?.message ?? 'is invalid'}`);
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
      const { created, check } = await manualChecks.flag(requireNationalId(req.params.nationalId), req.body, req.principal);
      return reply.code(created ? 201 : 200).send(check);
    },
  );
}
