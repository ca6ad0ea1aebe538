// Every error answer in the one shape, {"error": {"code", "message", "details"?}}: domain and
// edge errors with their status, schema failures as 400 with the fields named, Fastify's own
// 4xx with a code, anything else a 500 that logs no request data.
import type { FastifyError, FastifyInstance } from 'fastify';
import { errorBody, knownError } from './errors.ts';
import { fieldErrors } from '../infra/validation.ts';
import { isTransientDatabaseError } from '../infra/database.ts';

const FASTIFY_CODES: Record<number, string> = { 413: 'body_too_large', 415: 'unsupported_media_type', 429: 'rate_limited' };
const MALFORMED_JSON = new Set(['FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY']);

export function useErrorShape(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    // Refused before its body has all arrived (a limit, a timeout, a bad header, a file over the
    // size limit): close once answered, rather than read the rest of a body only to discard it.
    if (req.raw.complete === false) reply.header('connection', 'close');
    const known = knownError(err);
    if (known) return reply.code(known.status).send(known.body);
    if (err.validation) {
      const details = fieldErrors(err.validation as never, err.validationContext);
      return reply.code(400).send(errorBody('invalid_request', `invalid ${err.validationContext ?? 'request'}: ${details[0]?.message ?? ''}`, details));
    }
    if (isTransientDatabaseError(err)) {
      req.log.warn({ err: { message: err.message, code: err.code } }, 'database unavailable');
      return reply.code(503).header('retry-after', '5').send(errorBody('unavailable', 'the database is not reachable right now; retry shortly'));
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      req.log.error({ err: { message: err.message, stack: err.stack } }, 'unhandled error');
      return reply.code(500).send(errorBody('internal_error', 'internal error'));
    }
    const code = FASTIFY_CODES[status] ?? (MALFORMED_JSON.has(err.code) ? 'malformed_json' : 'bad_request');
    return reply.code(status).send(errorBody(code, err.message));
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(errorBody('not_found', 'no such route')));
}

/** The router's own 4xx, by Fastify's code. */
