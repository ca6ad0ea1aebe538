// The shapes of the ids the service hands out, checked before any of them reaches SQL.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Up to 18 digits: always within PostgreSQL's bigint, whatever the digits. */
const ROW_ID = /^\d{1,18}$/;

/** A key, batch or check id. */
export const isUuid = (v: string): boolean => UUID.test(v);
/** A pensioner, event or decision id (bigint). */
export const isRowId = (v: string): boolean => ROW_ID.test(v);

/** Row ids as PostgreSQL writes them (no leading zeros) in numeric order: as text they sort 1, 10, 2. */
export const byRowId = (ids: readonly string[]): string[] => [...ids].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
