// One logger for the API and the workers. Logs carry no personal data: national IDs in
// URLs and messages are masked, bodies and auth headers are never logged.
import { pino, type DestinationStream, type Logger } from 'pino';
import { maskIdsInText } from '../domain/masking.ts';

export type { Logger };

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: maskIdsInText(req.url), id: req.id }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: (err: Error) => ({ type: err.name, message: maskIdsInText(err.message), stack: err.stack && maskIdsInText(err.stack) }),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
