// Cursor pages: `items`, `nextCursor` (null on the last page), `limit` at most 1000.
import Type from 'typebox';
import { badRequest } from './errors.ts';

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  region: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })),
};

export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): string[] | undefined {
  if (!cursor) return undefined;
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parts) && parts.length === arity && parts.every((p) => typeof p === 'string')) return parts as string[];
  } catch {
    /* fall through */
  }
  throw badRequest('invalid_cursor', 'cursor is not one this service issued');
}
