// Logs carry no personal data: national IDs in URLs are masked, bodies and auth headers
// are never logged.
import type { FastifyServerOptions } from 'fastify';
import { maskIdsInText } from '../domain/masking.ts';

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: maskIdsInText(req.url), id: req.id }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}
