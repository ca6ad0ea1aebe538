// The department interfaces of the provincial data-sharing platform that workers pull,
// read from the JSON file named by FEEDS_FILE:
// [{"name": "sc-hospital", "source": "hospital", "baseUrl": "https://…/api/events",
//   "token": "…" | "tokenEnv": "SC_HOSPITAL_TOKEN", "schedule": "*/15 * * * *",
//   "pageSize": 1000, "ratePerSecond": 5, "timeoutMs": 30000, "regionPrefix": "51"}]
// and match interfaces (targeted comparison, ./match.ts), which are asked about the people who
// need evidence instead of sending everything:
// [{"mode": "match", "name": "sc-bank-match", "source": "bank", "url": "https://…/match",
//   "token": "…" | "tokenEnv": "…", "cron": "0 3 * * *", "pageSize": 1000,
//   "withoutStrongMonths": 6, "overlapDays": 3, "regions": ["5101"], "ratePerSecond": 5, "timeoutMs": 30000}]
import { readFileSync } from 'node:fs';
import type { Catalogue } from '../../domain/catalogue.ts';

/** A pull interface (the default mode): the department sends everything it has, paged by its cursor. */
export interface FeedInterface {
  mode?: 'pull';
  name: string;
  source: string;
  baseUrl: string;
  token: string | null;
  schedule: string;
  pageSize: number;
  ratePerSecond: number;
  timeoutMs: number;
  regionPrefix: string | null;
}

/** A match interface: sent the national IDs of the people who need evidence, it answers with their records. */
export interface MatchInterface {
  mode: 'match';
  name: string;
  source: string;
  url: string;
  token: string;
  /** Cron (Asia/Shanghai) of its runs; `cron` in the file. */
  schedule: string;
  /** National IDs per request, at most. */
  pageSize: number;
  /** Who is asked: due, suspended, or no strong record in this many months; also how far back `since` goes for someone newly asked. */
  withoutStrongMonths: number;
  /** Someone asked in the previous run is asked again only for records since that run, less these days (records a department posts late). */
  overlapDays: number;
  /** Region prefixes whose people are asked; empty: the whole province. */
  regions: string[];
  ratePerSecond: number;
  timeoutMs: number;
}

export type DepartmentInterface = FeedInterface | MatchInterface;

export class FeedConfigError extends Error {}

export const MAX_MATCH_PAGE = 10_000;
const MATCH_FIELDS = new Set([
  'mode',
  'name',
  'source',
  'url',
  'token',
  'tokenEnv',
  'cron',
  'pageSize',
  'withoutStrongMonths',
  'overlapDays',
  'regions',
  'ratePerSecond',
  'timeoutMs',
]);
const REGION_PREFIX = /^\d{1,6}$/;

/** The pull interfaces of a feeds file (match interfaces are left out). */
export function parseFeeds(json: unknown, catalogue: Catalogue, env: NodeJS.ProcessEnv = process.env): FeedInterface[] {
  return parseInterfaces(json, catalogue, env).filter((f): f is FeedInterface => f.mode !== 'match');
}

/** Every interface of a feeds file, each checked; the first fault throws, naming the entry and field. */
/** `catalogue`: the sources of the policy in force, the only ones an interface may bring. */
export function parseInterfaces(json: unknown, catalogue: Catalogue, env: NodeJS.ProcessEnv = process.env): DepartmentInterface[] {
  if (!Array.isArray(json)) throw new FeedConfigError('feeds file must hold a JSON array of interfaces');
  const names = new Set<string>();
  return json.map((f: Record<string, unknown>, i): DepartmentInterface => {
    const where = `feeds[${i}]`;
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new FeedConfigError(`${where} must be an object`);
    const str = (k: string, required = true) => {
      const v = f[k];
      if (v === undefined && !required) return null;
      if (typeof v !== 'string' || !v) throw new FeedConfigError(`${where}.${k} must be a non-empty string`);
      return v;
    };
    const num = (k: string, def: number) => {
      const v = f[k] ?? def;
      if (typeof v !== 'number' || !(v > 0)) throw new FeedConfigError(`${where}.${k} must be a positive number`);
      return v;
    };
    const name = str('name')!;
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) throw new FeedConfigError(`${where}.name must be lower-case letters, digits, - or _`);
    if (names.has(name)) throw new FeedConfigError(`${where}.name ${name} is used twice`);
    names.add(name);
    const source = str('source')!;
    if (!catalogue.has(source)) throw new FeedConfigError(`${where}.source ${source} is not a known source`);
    const tokenEnv = str('tokenEnv', false);
    const token = str('token', false) ?? (tokenEnv ? (env[tokenEnv] ?? null) : null);
    if (tokenEnv && !token) throw new FeedConfigError(`${where}.tokenEnv names ${tokenEnv}, which is not set`);
    const mode = f.mode ?? 'pull';
    if (mode === 'match') return matchInterface(f, where, { name, source, token, str, num });
    if (mode !== 'pull') throw new FeedConfigError(`${where}.mode must be "pull" or "match"`);
    const baseUrl = str('baseUrl')!;
    if (!isUrl(baseUrl)) throw new FeedConfigError(`${where}.baseUrl is not a URL`);
    const regionPrefix = str('regionPrefix', false);
    if (regionPrefix && !REGION_PREFIX.test(regionPrefix)) throw new FeedConfigError(`${where}.regionPrefix must be 1-6 digits`);
    return {
      mode: 'pull',
      name,
      source,
      baseUrl,
      token,
      schedule: str('schedule', false) ?? '*/15 * * * *',
      pageSize: Math.min(num('pageSize', 1000), 1000),
      ratePerSecond: num('ratePerSecond', 5),
      timeoutMs: num('timeoutMs', 30_000),
      regionPrefix,
    };
  });
}

const isUrl = (s: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(s).protocol);
  } catch {
    return false;
  }
};

interface Common {
  name: string;
  source: string;
  token: string | null;
  str: (k: string, required?: boolean) => string | null;
  num: (k: string, def: number) => number;
}

/** The fields of a match interface: all named in CONTRACT.md are required, unknown ones refused. */
function matchInterface(f: Record<string, unknown>, where: string, c: Common): MatchInterface {
  for (const k of Object.keys(f)) if (!MATCH_FIELDS.has(k)) throw new FeedConfigError(`${where}.${k} is not a field of a match interface`);
  const int = (k: string, max: number, o: { min?: number; def?: number } = {}) => {
    const v = f[k] ?? o.def;
    const min = o.min ?? 1;
    if (v === undefined) throw new FeedConfigError(`${where}.${k} is required for a match interface`);
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max)
      throw new FeedConfigError(`${where}.${k} must be a whole number from ${min} to ${max}`);
    return v as number;
  };
  const required = (k: string) => {
    if (f[k] === undefined) throw new FeedConfigError(`${where}.${k} is required for a match interface`);
    return c.str(k)!;
  };
  const url = required('url');
  if (!isUrl(url)) throw new FeedConfigError(`${where}.url is not an http(s) URL`);
  if (!c.token) throw new FeedConfigError(`${where}.token (or tokenEnv) is required for a match interface`);
  const cron = required('cron');
  if (!/^\S+( \S+){4,5}$/.test(cron.trim())) throw new FeedConfigError(`${where}.cron must be a cron pattern of 5 or 6 fields, e.g. "0 3 * * *"`);
  const regions = f.regions ?? [];
  if (!Array.isArray(regions) || regions.some((r) => typeof r !== 'string' || !REGION_PREFIX.test(r))) {
    throw new FeedConfigError(`${where}.regions must be a list of region prefixes of 1-6 digits`);
  }
  return {
    mode: 'match',
    name: c.name,
    source: c.source,
    url,
    token: c.token,
    schedule: cron.trim(),
    pageSize: int('pageSize', MAX_MATCH_PAGE),
    withoutStrongMonths: int('withoutStrongMonths', 24),
    overlapDays: int('overlapDays', 365, { min: 0, def: 3 }),
    regions: regions as string[],
    ratePerSecond: c.num('ratePerSecond', 5),
    timeoutMs: c.num('timeoutMs', 30_000),
  };
}

export function loadFeeds(file: string | undefined, catalogue: Catalogue): DepartmentInterface[] {
  if (!file) return [];
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new FeedConfigError(`cannot read feeds file ${file}: ${(e as Error).message}`);
  }
  return parseInterfaces(json, catalogue);
}
