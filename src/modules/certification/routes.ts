import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { shanghaiDate } from '../../domain/calendar.ts';
import { narrowRegion } from '../../domain/region.ts';
import { STATUSES } from '../../domain/lifecycle.ts';
import { parseNationalId } from '../../domain/national-id.ts';
import { invalid, notFound } from '../../domain/errors.ts';
import { requireNationalId } from '../../http/national-id-param.ts';
import { PageQuery, cursorOf } from '../../http/paging.ts';
import { NationalIdParam } from '../pensioners/schemas.ts';
import type { Executor } from '../../infra/database.ts';
import type { Clock } from '../../infra/clock.ts';
import type { AuditWriter } from '../audit/repository.ts';
import type { CertificationRepository } from './repository.ts';
import { certificationView, statusOf } from './view.ts';

export interface CertificationRouteDeps {
  /** Where lists read (the standby's, when there is one). */
  readDb: Executor;
  certificationRepo: Pick<CertificationRepository, 'certificationByNationalId' | 'statusesByNationalIds' | 'list'>;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
}

// Response shapes let Fastify serialize with a compiled stringifier (the hot path of lookups).
const Evidence = Type.Object({ source: Type.String(), kind: Type.String(), occurredAt: Type.String(), weight: Type.Number(), contribution: Type.Number() });
export const CertificationResponse = Type.Object({
  nationalId: Type.String(),
  status: Type.String(),
  certifiedAt: Type.Union([Type.String(), Type.Null()]),
  certifiedUntil: Type.Union([Type.String(), Type.Null()]),
  method: Type.Union([Type.String(), Type.Null()]),
  score: Type.Number(),
  policyVersion: Type.String(),
  evidence: Type.Array(Evidence),
  deathDate: Type.Optional(Type.String()),
  since: Type.Optional(Type.String()),
  openCheck: Type.Optional(Type.Object({ id: Type.String(), reason: Type.String(), priority: Type.Integer() })),
});

const QueryBody = Type.Object({ nationalIds: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 1000 }) }, { additionalProperties: false });
/** Lists are ordered by certifiedUntil, then pensioner id. */
const listCursor = cursorOf(['date', 'id']);
const ListQuery = Type.Object({ status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))), ...PageQuery }, { additionalProperties: false });

/** The national IDs of a batch query, normalised; any invalid one refuses the whole batch, saying which. */
function parseNationalIds(raw: string[]): string[] {
  const ids: string[] = [];
  const bad: { index: number; code: string; message: string }[] = [];
  raw.forEach((value, index) => {
    const r = parseNationalId(value);
    if (r.ok) ids.push(r.value.nationalId);
    else bad.push({ index, code: 'invalid_national_id', message: `not a valid national ID` });
  });
  if (bad.length) throw invalid('invalid_national_id', `${bad.length} national IDs are invalid`, bad);
  return ids;
}

export async function certificationRoutes(app: FastifyInstance, deps: CertificationRouteDeps) {
  const { certificationRepo, audit, clock, readDb } = deps;

  app.get<{ Params: { nationalId: string } }>(
    '/v1/pensioners/:nationalId/certification',
    { schema: { params: NationalIdParam, response: { 200: CertificationResponse } }, config: { roles: ['bureau', 'staff', 'admin'] } },
    async (req) => {
      const nid = requireNationalId(req.params.nationalId);
      const row = await certificationRepo.certificationByNationalId(nid, req.principal.regionPrefix);
      if (!row) throw notFound();
      await audit.record({ keyId: req.principal.keyId, role: req.principal.role, action: 'certification.read', pensionerId: row.pensioner_id });
      return certificationView(row, shanghaiDate(clock.now()), req.principal.role === 'staff');
    },
  );

  app.post<{ Body: { nationalIds: string[] } }>(
    '/v1/certifications/query',
    { schema: { body: QueryBody }, config: { roles: ['bureau', 'admin'], readOnly: true } },
    async (req) => {
      const ids = parseNationalIds(req.body.nationalIds);
      const rows = await certificationRepo.statusesByNationalIds([...new Set(ids)], req.principal.regionPrefix);
      const today = shanghaiDate(clock.now());
      const byId = new Map(rows.map((r) => [r.national_id, r]));
      await audit.record(
        rows.map((r) => ({ keyId: req.principal.keyId, role: req.principal.role, action: 'certification.query', pensionerId: r.pensioner_id })),
      );
      const results = [];
      const notFoundIds = [];
      for (const id of ids) {
        const r = byId.get(id);
        if (r) results.push({ nationalId: id, status: statusOf(r, today), certifiedUntil: r.certified_until });
        else notFoundIds.push(id);
      }
      return { results, notFound: notFoundIds };
    },
  );

  app.get<{ Querystring: { status?: string; region?: string; limit?: number; cursor?: string } }>(
    '/v1/certifications',
    { schema: { querystring: ListQuery }, config: { roles: ['bureau', 'admin'] } },
    async (req) => {
      const scope = narrowRegion(req.principal.regionPrefix, req.query.region);
      if (scope === false) return { items: [], nextCursor: null };
      const limit = req.query.limit ?? 100;
      const after = listCursor.decode(req.query.cursor);
      const today = shanghaiDate(clock.now());
      const rows = await certificationRepo.list(readDb, {
        status: req.query.status,
        scope,
        today,
        limit: limit + 1,
        after: after && { until: after[0]!, id: after[1]! },
      });
      const page = listCursor.page(rows, limit, (r) => [r.certified_until, r.pensioner_id]);
      await audit.record(
        page.items.map((r) => ({ keyId: req.principal.keyId, role: req.principal.role, action: 'certification.list', pensionerId: r.pensioner_id })),
      );
      return { items: page.items.map((r) => certificationView(r, today, false)), nextCursor: page.nextCursor };
    },
  );
}
