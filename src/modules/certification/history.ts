// The decision history of one pensioner: every change of outcome with the score, evidence
// and policy version that made it, newest first, so a person can be told why.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { sql } from 'kysely';
import type { AppDeps } from '../../app-deps.ts';
import { notFound } from '../../domain/errors.ts';
import { requireNationalId } from '../../http/national-id-param.ts';
import { decodeCursor, encodeCursor } from '../../http/paging.ts';
import { inRegionSql } from '../../infra/region-sql.ts';
import { NationalIdParam } from '../pensioners/schemas.ts';

const HistoryQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })), cursor: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

export async function decisionHistoryRoutes(app: FastifyInstance, deps: AppDeps) {
  app.get<{ Params: { nationalId: string }; Querystring: { limit?: number; cursor?: string } }>(
    '/v1/pensioners/:nationalId/decisions',
    { schema: { params: NationalIdParam, querystring: HistoryQuery }, config: { roles: ['bureau', 'admin'] } },
    async (req) => {
      const nid = requireNationalId(req.params.nationalId);
      const person = await deps.db
        .selectFrom('pensioners')
        .select('id')
        .where('national_id', '=', nid)
        .where(inRegionSql('region_code', req.principal.regionPrefix) as any)
        .executeTakeFirst();
      if (!person) throw notFound();
      const limit = req.query.limit ?? 100;
      const after = decodeCursor(req.query.cursor, 1);
      const rows = await sql<{
        id: string;
        decided_at: Date;
        status: string;
        certified_at: string | null;
        certified_until: string | null;
        method: string | null;
        score: number;
        policy_version: string;
        evidence: unknown;
        actor: string;
        detail: unknown;
      }>`
        SELECT id::text AS id, decided_at, status, certified_at, certified_until, method, score, policy_version, evidence, actor, detail
        FROM decisions WHERE pensioner_id = ${person.id} ${after ? sql`AND id < ${after[0]}::bigint` : sql``}
        ORDER BY id DESC LIMIT ${limit + 1}`.execute(deps.db);
      await deps.audit.record({ keyId: req.principal.keyId, role: req.principal.role, action: 'decisions.read', pensionerId: String(person.id) });
      const page = rows.rows.slice(0, limit);
      return {
        items: page.map((r) => ({
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
        nextCursor: rows.rows.length > limit ? encodeCursor([page[page.length - 1]!.id]) : null,
      };
    },
  );
}
