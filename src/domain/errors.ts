// Errors the services raise in the domain's words; the HTTP edge maps each kind to a status
// (src/http/errors.ts), the CLI prints its message. Services never name an HTTP status.

export type ErrorKind = 'invalid' | 'not_found' | 'forbidden' | 'conflict' | 'too_large' | 'unsupported' | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const invalid = (code: string, message: string, details?: unknown) => new DomainError('invalid', code, message, details);
export const notFound = (what = 'pensioner') => new DomainError('not_found', 'not_found', `${what} not found`);
export const forbidden = (message = 'this key may not do that') => new DomainError('forbidden', 'forbidden', message);
export const conflict = (code: string, message: string) => new DomainError('conflict', code, message);
export const tooLarge = (message: string) => new DomainError('too_large', 'body_too_large', message);
export const unsupported = (code: string, message: string) => new DomainError('unsupported', code, message);
