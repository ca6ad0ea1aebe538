// Keyset pages: `items`, `nextCursor` (null on the last page), `limit` at most 1000. The one
// cursor codec of the service: a cursor is the last row's sort key, each part checked on the
// way back in, so a tampered cursor is a 400 invalid_cursor and never reaches SQL.
import { isRowId, isUuid } from '../domain/ids.ts';
import Type from 'typebox';
import { invalid } from '../domain/errors.ts';
import { isIsoDate } from '../domain/calendar.ts';
import { keysetPage } from '../domain/paging.ts';

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  region: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })),
};

/** A timestamptz as PostgreSQL prints it (cursor keys are exact to the microsecond). */
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(?:[+-](\d{2})(?::?(\d{2}))?|Z)?$/;

/** What each part of a sort key may be; anything else is not a cursor this service issued. */
export const KEY_PARTS: Record<'id' | 'date' | 'timestamp' | 'uuid', (v: string) => boolean> = {
  /** A bigint id (PostgreSQL's bigint holds up to 19 digits). */
  id: isRowId,
  /** A calendar date PostgreSQL accepts, year 0001 to 9999. */
  date: (v: string) => isIsoDate(v) && v >= '0001-01-01',
  timestamp: (v: string) => {
    const m = PG_TIMESTAMP.exec(v);
    // PostgreSQL refuses a UTC offset beyond ±15:59 ("time zone displacement out of range").
    const offsetOk = m !== null && +(m[5] ?? 0) <= 15 && +(m[6] ?? 0) < 60;
    return !!m && offsetOk && KEY_PARTS.date(v.slice(0, 10)) && +m[1]! < 24 && +m[2]! < 60 && +m[3]! < 60;
  },
  uuid: isUuid,
};
export type KeyPart = keyof typeof KEY_PARTS;

export interface Cursor<K extends readonly KeyPart[]> {
  /** The sort key after which the next page starts, or undefined for the first page. */
  decode(cursor: string | undefined): { [I in keyof K]: string } | undefined;
  encode(key: { [I in keyof K]: string }): string;
  /** One page from rows fetched with `limit + 1`: the extra row only says there is a next page. */
  page<T>(rows: T[], limit: number, keyOf: (row: T) => { [I in keyof K]: string }): { items: T[]; nextCursor: string | null };
}

export function cursorOf<const K extends readonly KeyPart[]>(parts: K): Cursor<K> {
  type Key = { [I in keyof K]: string };
  const bad = () => invalid('invalid_cursor', 'cursor is not one this service issued');
  const encode = (key: Key) => Buffer.from(JSON.stringify(key)).toString('base64url');
  return {
    encode,
    decode(cursor) {
      if (!cursor) return undefined;
      let key: unknown;
      try {
        key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        throw bad();
      }
      const ok = Array.isArray(key) && key.length === parts.length && key.every((v, i) => typeof v === 'string' && KEY_PARTS[parts[i]!](v));
      if (!ok) throw bad();
      return key as Key;
    },
    page(rows, limit, keyOf) {
      const { items, next } = keysetPage(rows, limit, keyOf);
      return { items, nextCursor: next === null ? null : encode(next) };
    },
  };
}
