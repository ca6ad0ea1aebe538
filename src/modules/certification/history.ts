// The decision history of one pensioner: every change of outcome with the score, evidence
// and policy version that made it, newest first, so a person can be told why.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { requireNationalId } from '../../http/national-id-param.ts';
import { cursorOf } from '../../http/paging.ts';
import type { AuditWriter } from '../audit/repository.ts';
import { NationalIdParam } from '../pensioners/schemas.ts';
import type { DecisionHistoryService } from './decision-history.ts';

export interface DecisionHistoryRouteDeps {
  decisionHistory: DecisionHistoryService;
  audit: Pick<AuditWriter, 'record'>;
}

const HistoryQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })), cursor: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
/** Decisions are paged by their id, newest first. */
const historyCursor = cursorOf(['id']);

export async function decisionHistoryRoutes(app: FastifyInstance, deps: DecisionHistoryRouteDeps) {
  app.get<{ Params: { nationalId: string }; Querystring: { limit?: number; cursor?: string } }>(
    '/v1/pensioners/:nationalId/decisions',
    { schema: { params: NationalIdParam, querystring: HistoryQuery }, config: { roles: ['bureau', 'admin'] } },
    async (req) => {
      const nid = requireNationalId(req.params.nationalId);
      const limit = req.query.limit ?? 100;
      const after = historyCursor.decode(req.query.cursor);
      const { pensionerId, rows } = await deps.decisionHistory.page(nid, req.principal.regionPrefix, limit + 1, after?.[0]);
      await deps.audit.record({ keyId: req.principal.keyId, role: req.principal.role, action: 'decisions.read', pensionerId });
      const page = historyCursor.page(rows, limit, (r) => [r.id]);
      return {
        items: page.items.map((r) => ({
          decidedAt: r.decided_at.toISOString(),
          status: r.status,
          certifiedAt: r.certified_at,
          certifiedUntil: r.certified_until,
          method: r.method,
          score: Math.round(r.score * 10_000) / 10_000,
          policyVersion: r.policy_version,
          evidence: r.evidence,
          decidedBy: r.actor,
          ...(r.detail ? { detail: r.detail } : {}),
        })),
        nextCursor: page.nextCursor,
      };
    },
  );
}
