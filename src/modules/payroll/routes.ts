// GET /v1/payroll/{YYYY-MM}: what that month's payroll run holds, resumes and stops (the frozen
// run, or a preview); POST …/freeze freezes it now (admin); GET …/export streams the frozen run.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { narrowRegion } from '../../domain/region.ts';
import { invalid } from '../../domain/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import type { AuditWriter } from '../audit/repository.ts';
import type { PayrollService } from './service.ts';
import type { PayrollFreezeService } from './freeze.ts';
import { EXPORT_CHARSETS, EXPORT_FORMATS, type ExportCharset, type ExportFormat, type PayrollExportService } from './export.ts';
import { requireMonthUpToNext } from '../../http/month-param.ts';

export interface PayrollRouteDeps {
  payroll: Pick<PayrollService, 'list' | 'state'>;
  payrollFreeze: Pick<PayrollFreezeService, 'freeze'>;
  payrollExport: Pick<PayrollExportService, 'open'>;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
}

const Params = Type.Object({ month: Type.String({ maxLength: 16 }) }, { additionalProperties: false });
const Query = Type.Object({ region: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })) }, { additionalProperties: false });
const ExportQuery = Type.Object(
  {
    region: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })),
    format: Type.Optional(Type.String({ maxLength: 16 })),
    charset: Type.Optional(Type.String({ maxLength: 16 })),
  },
  { additionalProperties: false },
);

const oneOf = <T extends string>(raw: string | undefined, allowed: readonly T[], fallback: T, code: string): T => {
  const v = (raw ?? fallback).toLowerCase();
  if (!(allowed as readonly string[]).includes(v)) throw invalid(code, `must be one of ${allowed.join(', ')}`);
  return v as T;
};

export async function payrollRoutes(app: FastifyInstance, deps: PayrollRouteDeps) {
  const { payroll } = deps;

  app.get<{ Params: { month: string }; Querystring: { region?: string } }>(
    '/v1/payroll/:month',
    { schema: { params: Params, querystring: Query }, config: { roles: ['bureau', 'admin'] } },
    async (req) => {
      const now = deps.clock.now();
      const month = requireMonthUpToNext(req.params.month, now, 'payroll lists');
      const scope = narrowRegion(req.principal.regionPrefix, req.query.region);
      if (scope === false) return { month, holds: [], resumptions: [], stops: [], ...(await payroll.state(month)) };
      const { pensionerIds, ...list } = await payroll.list(month, scope, now);
      await deps.audit.record(
        pensionerIds.map((id) => ({ keyId: req.principal.keyId, role: req.principal.role, action: 'payroll.read', pensionerId: id, detail: { month } })),
      );
      return list;
    },
  );

  app.post<{ Params: { month: string } }>('/v1/payroll/:month/freeze', { schema: { params: Params }, config: { roles: ['admin'] } }, async (req, reply) => {
    const now = deps.clock.now();
    const month = requireMonthUpToNext(req.params.month, now, 'payroll runs');
    const { run } = await deps.payrollFreeze.freeze(month, now, `key:${req.principal.keyId}`);
    await deps.audit.record({ keyId: req.principal.keyId, role: req.principal.role, action: 'payroll.freeze', pensionerId: null, detail: { month } });
    return reply.code(201).send({
      month,
      state: 'frozen',
      frozenAt: run.frozenAt.toISOString(),
      counts: { paid: run.paid, holds: run.holds, resumptions: run.resumptions, stops: run.stops },
    });
  });

  app.get<{ Params: { month: string }; Querystring: { region?: string; format?: string; charset?: string } }>(
    '/v1/payroll/:month/export',
    { schema: { params: Params, querystring: ExportQuery }, config: { roles: ['bureau', 'admin'] } },
    async (req, reply) => {
      const now = deps.clock.now();
      const month = requireMonthUpToNext(req.params.month, now, 'payroll runs');
      const format = oneOf<ExportFormat>(req.query.format, EXPORT_FORMATS, 'ndjson', 'invalid_format');
      const charset = oneOf<ExportCharset>(req.query.charset, EXPORT_CHARSETS, 'utf-8', 'invalid_charset');
      const scope = narrowRegion(req.principal.regionPrefix, req.query.region);
      const detail = { month, format };
      const { body } = await deps.payrollExport.open(month, scope, {
        format,
        charset,
        beforePage: (lines) =>
          deps.audit.record(
            [...new Set(lines.map((l) => l.pensioner_id))].map((id) => ({
              keyId: req.principal.keyId,
              role: req.principal.role,
              action: 'payroll.export',
              pensionerId: id,
              detail,
            })),
          ),
      });
      const type = format === 'csv' ? 'text/csv' : 'application/x-ndjson';
      return reply.type(`${type}; charset=${charset}`).header('content-disposition', `attachment; filename="payroll-${month}.${format}"`).send(body);
    },
  );
}
