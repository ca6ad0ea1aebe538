// GET /v1/reports/summary?region=&month=: the bureau's summary of one region and month.
// GET /v1/reports/dashboard?region=: the figures behind the bureau dashboard page (a year).
// GET /v1/reports/claims?region=: outstanding overpayment claims by region and age of claim.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { shanghaiDate } from '../../domain/calendar.ts';
import { narrowRegion } from '../../domain/region.ts';
import type { Clock } from '../../infra/clock.ts';
import type { AuditWriter } from '../audit/repository.ts';
import { emptySummary, type ReportsService } from './service.ts';
import { emptyDashboard, type DashboardService } from './dashboard.ts';
import { requireMonthUpToNext } from '../../http/month-param.ts';
import type { ClaimService } from '../claims/service.ts';

export interface ReportsRouteDeps {
  reports: Pick<ReportsService, 'currentMonth' | 'summary'>;
  dashboard: Pick<DashboardService, 'dashboard'>;
  claims: Pick<ClaimService, 'outstanding'>;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
}

const DashboardQuery = Type.Object({ region: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })) }, { additionalProperties: false });

const Query = Type.Object(
  { region: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })), month: Type.Optional(Type.String({ maxLength: 16 })) },
  { additionalProperties: false },
);

export async function reportsRoutes(app: FastifyInstance, deps: ReportsRouteDeps) {
  const { reports } = deps;

  app.get<{ Querystring: { region?: string; month?: string } }>(
    '/v1/reports/summary',
    { schema: { querystring: Query }, config: { roles: ['bureau', 'admin'] } },
    async (req) => {
      const now = deps.clock.now();
      const month = req.query.month === undefined ? reports.currentMonth(now) : requireMonthUpToNext(req.query.month, now, 'summaries');
      const scope = narrowRegion(req.principal.regionPrefix, req.query.region);
      if (scope === false) return emptySummary(req.query.region ?? null, month, shanghaiDate(now));
      const summary = await reports.summary(scope, month, now);
      // Aggregates only, no person's data: one audit row for the read.
      await deps.audit.record({
        keyId: req.principal.keyId,
        role: req.principal.role,
        action: 'reports.summary',
        pensionerId: null,
        detail: { region: scope, month },
      });
      return summary;
    },
  );

  app.get<{ Querystring: { region?: string } }>(
    '/v1/reports/dashboard',
    { schema: { querystring: DashboardQuery }, config: { roles: ['bureau', 'admin'] } },
    async (req) => {
      const now = deps.clock.now();
      const scope = narrowRegion(req.principal.regionPrefix, req.query.region);
      if (scope === false) return emptyDashboard(req.query.region ?? null, now);
      const figures = await deps.dashboard.dashboard(scope, now);
      // Aggregates only, no person's data: one audit row for the read.
      await deps.audit.record({
        keyId: req.principal.keyId,
        role: req.principal.role,
        action: 'reports.dashboard',
        pensionerId: null,
        detail: { region: scope },
      });
      return figures;
    },
  );

  app.get<{ Querystring: { region?: string } }>(
    '/v1/reports/claims',
    { schema: { querystring: DashboardQuery }, config: { roles: ['bureau', 'admin'] } },
    async (req) => {
      const asOf = shanghaiDate(deps.clock.now());
      const scope = narrowRegion(req.principal.regionPrefix, req.query.region);
      const rows = scope === false ? [] : await deps.claims.outstanding(scope);
      // Aggregates only, no person's data: one audit row for the read.
      await deps.audit.record({ keyId: req.principal.keyId, role: req.principal.role, action: 'reports.claims', pensionerId: null, detail: { region: scope } });
      return { region: req.query.region ?? null, asOf, rows };
    },
  );
}
