// Names of the administrative divisions behind GB/T 2260 six-digit codes, from the Ministry
// of Civil Affairs' list of county-level and higher divisions of November 2020, as shipped
// by administrative-division-cn. That list is a clean single edition of the standard; the
// fresher packages mix in statistical-only codes (development zones, 市辖区 placeholders) or
// keep abolished codes beside their successors. Codes created after it have no name here,
// so callers must cope with undefined.
import { dataOf202011 } from 'administrative-division-cn';

/** The edition the names come from (year-month of the Ministry of Civil Affairs' list). */
export const REGION_TABLE_EDITION = '2020-11';

const NAMES: ReadonlyMap<string, string> = new Map(dataOf202011.map((d) => [d.code, d.name]));

const CODE = /^\d{6}$/;

/**
 * Official name of a division, qualified by the division above it for a county-level code
 * ('510104' → '成都市锦江区'); a province- or prefecture-level code gets its own name.
 * Undefined for anything not in the table.
 */
export function regionName(code: string): string | undefined {
  if (!CODE.test(code)) return undefined;
  const own = NAMES.get(code);
  if (own === undefined || code.endsWith('00')) return own;
  // Districts of the four municipalities and counties governed directly by a province
  // (仙桃市, 石河子市) have no prefecture in the list: their province qualifies them, as in
  // '北京市朝阳区'.
  const parent = NAMES.get(`${code.slice(0, 4)}00`) ?? NAMES.get(`${code.slice(0, 2)}0000`);
  return parent === undefined ? own : parent + own;
}
