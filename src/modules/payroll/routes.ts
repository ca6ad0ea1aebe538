// GET /v1/payroll/{YYYY-MM}: what that month's payroll run must hold, resume and stop.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { narrowRegion } from '../../domain/region.ts';
import type { Clock } from '../../infra/clock.ts';
import type { AuditWriter } from '../audit/repository.ts';
import type { PayrollService } from './service.ts';
import { requireMonthUpToNext } from '../../http/month-param.ts';

export interface PayrollRouteDeps {
  payroll: Pick<PayrollService, 'list'>;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
}

const Params = Type.Object({ month: Type.String({ maxLength: 16 }) }, { additionalProperties: false });
const Query = Type.Object({ region: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })) }, { additionalProperties: false });

export async function payrollRoutes(app: FastifyInstance, deps: PayrollRouteDeps) {
  const { payroll } = deps;

  app.get<{ Params: { month: string }; Querystring: { region?: string } }>(
    '/v1/payroll/:month',
    { schema: { params: Params, querystring: Query }, config: { roles: ['bureau', 'admin'] } },
    async (req) => {
      const now = deps.clock.now();
      const month = requireMonthUpToNext(req.params.month, now, 'payroll lists');
      const scope = narrowRegion(req.principal.regionPrefix, req.query.region);
      if (scope === false) return { month, holds: [], resumptions: [], stops: [] };
      const { pensionerIds, ...list } = await payroll.list(month, scope, now);
      await deps.audit.record(
        pensionerIds.map((id) => ({ keyId: req.principal.keyId, role: req.principal.role, action: 'payroll.read', pensionerId: id, detail: { month } })),
      );
      return list;
    },
  );
}
