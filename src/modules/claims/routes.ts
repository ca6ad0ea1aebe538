// The recovery ledger over HTTP (bureau and admin keys): list claims, record a notice, a
// repayment, a write-off (four eyes: 202 while pending, 200 once a second key completes it);
// and the benefit adjustments import that amends them.
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import Type from 'typebox';
import { unsupported } from '../../domain/errors.ts';
import { narrowRegion } from '../../domain/region.ts';
import { CLAIM_STATUSES, type ClaimStatus } from '../../domain/claims.ts';
import type { Config } from '../../config.ts';
import { readLines } from '../../http/ndjson.ts';
import { cursorOf, PageQuery } from '../../http/paging.ts';
import type { BenefitAdjustments } from '../pensioners/adjustments.ts';
import { REPAYMENT_METHODS, type ClaimService } from './service.ts';

export interface ClaimRouteDeps {
  claims: Pick<ClaimService, 'list' | 'notify' | 'repay' | 'writeOff'>;
  benefitAdjustments: Pick<BenefitAdjustments, 'importLines'>;
  config: Pick<Config, 'batchLimitBytes'>;
}

const ROLES = { roles: ['bureau', 'admin'] as const };
const claimCursor = cursorOf(['id']);
const isReadable = (body: unknown): body is Readable => typeof (body as { pipe?: unknown } | null)?.pipe === 'function';

const ListQuery = Type.Object({ ...PageQuery, status: Type.Optional(Type.Union(CLAIM_STATUSES.map((s) => Type.Literal(s)))) }, { additionalProperties: false });
const IdParam = Type.Object({ id: Type.String({ maxLength: 32 }) }, { additionalProperties: false });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
const RepaymentBody = Type.Object(
  {
    amount: Type.String({ pattern: '^[0-9]{1,12}(\\.[0-9]{1,2})?$' }),
    paidOn: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }),
    method: Type.Union(REPAYMENT_METHODS.map((m) => Type.Literal(m))),
  },
  { additionalProperties: false },
);
const WriteOffBody = Type.Object({ reason: Text(500) }, { additionalProperties: false });
const NoticeBody = Type.Object({ note: Type.Optional(Text(500)) }, { additionalProperties: false });

type Id = { Params: { id: string } };

export async function claimRoutes(app: FastifyInstance, deps: ClaimRouteDeps) {
  const { claims } = deps;

  app.get<{ Querystring: { status?: ClaimStatus; region?: string; limit?: number; cursor?: string } }>(
    '/v1/claims',
    { schema: { querystring: ListQuery }, config: ROLES },
    async (req) => {
      const limit = req.query.limit ?? 100;
      const after = claimCursor.decode(req.query.cursor)?.[0];
      const scope = narrowRegion(req.principal.regionPrefix, req.query.region);
      if (scope === false) return { items: [], nextCursor: null };
      const { items, nextAfter } = await claims.list({ status: req.query.status, scope, limit, afterId: after }, req.principal);
      return { items, nextCursor: nextAfter === null ? null : claimCursor.encode([nextAfter]) };
    },
  );

  app.post<Id & { Body: { note?: string } }>('/v1/claims/:id/notify', { schema: { params: IdParam, body: NoticeBody }, config: ROLES }, async (req) =>
    claims.notify(req.params.id, req.body?.note, req.principal),
  );

  app.post<Id & { Body: { amount: string; paidOn: string; method: string } }>(
    '/v1/claims/:id/repayments',
    { schema: { params: IdParam, body: RepaymentBody }, config: ROLES },
    async (req, reply) => reply.code(201).send(await claims.repay(req.params.id, req.body, req.principal)),
  );

  app.post<Id & { Body: { reason: string } }>(
    '/v1/claims/:id/write-off',
    { schema: { params: IdParam, body: WriteOffBody }, config: ROLES },
    async (req, reply) => {
      const result = await claims.writeOff(req.params.id, req.body.reason, req.principal);
      return result.pending ? reply.code(202).send({ pending: true }) : reply.code(200).send(result);
    },
  );

  app.post('/v1/benefit-adjustments', { config: ROLES, bodyLimit: deps.config.batchLimitBytes }, async (req) => {
    if (!isReadable(req.body)) throw unsupported('unsupported_media_type', 'benefit adjustments are application/x-ndjson, one adjustment per line');
    return deps.benefitAdjustments.importLines(readLines(req.body, { maxBytes: deps.config.batchLimitBytes, maxLineChars: 64 * 1024 }), req.principal);
  });
}
