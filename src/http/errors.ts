// Every 4xx/5xx body is {"error": {"code", "message", "details"?}}. Services raise domain
// errors (src/domain/errors.ts); this edge gives each kind its status. AppError is for what
// only the edge knows: authentication, rate limits, the router.
import { DomainError, type ErrorKind } from '../domain/errors.ts';

export class AppError extends Error {
  /** Fastify reads (and, for an error a body stream raised while it parsed the body, overwrites with 400) statusCode; the answer uses status. */
  readonly statusCode: number;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.statusCode = status;
  }
}

export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported: 415,
  unavailable: 503,
};

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** The status and body of an error the app knows, or undefined for anything else. */
export function knownError(err: unknown): { status: number; body: ReturnType<typeof errorBody> } | undefined {
  if (err instanceof DomainError) return { status: STATUS_OF_KIND[err.kind], body: errorBody(err.code, err.message, err.details) };
  if (err instanceof AppError) return { status: err.status, body: errorBody(err.code, err.message, err.details) };
  return undefined;
}
