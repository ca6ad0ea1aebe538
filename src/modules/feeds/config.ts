// The department interfaces of the provincial data-sharing platform that workers pull,
// read from the JSON file named by FEEDS_FILE:
// [{"name": "sc-hospital", "source": "hospital", "baseUrl": "https://…/api/events",
//   "token": "…" | "tokenEnv": "SC_HOSPITAL_TOKEN", "schedule": "*/15 * * * *",
//   "pageSize": 1000, "ratePerSecond": 5, "timeoutMs": 30000, "regionPrefix": "51"}]
import { readFileSync } from 'node:fs';
import type { Catalogue } from '../../domain/catalogue.ts';

export interface FeedInterface {
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

export class FeedConfigError extends Error {}

/** `catalogue`: the sources of the policy in force, the only ones an interface may bring. */
export function parseFeeds(json: unknown, catalogue: Catalogue, env: NodeJS.ProcessEnv = process.env): FeedInterface[] {
  if (!Array.isArray(json)) throw new FeedConfigError('feeds file must hold a JSON array of interfaces');
  const names = new Set<string>();
  return json.map((f: Record<string, unknown>, i) => {
    const where = `feeds[${i}]`;
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
    const baseUrl = str('baseUrl')!;
    try {
      new URL(baseUrl);
    } catch {
      throw new FeedConfigError(`${where}.baseUrl is not a URL`);
    }
    const tokenEnv = str('tokenEnv', false);
    const token = str('token', false) ?? (tokenEnv ? (env[tokenEnv] ?? null) : null);
    if (tokenEnv && !token) throw new FeedConfigError(`${where}.tokenEnv names ${tokenEnv}, which is not set`);
    const regionPrefix = str('regionPrefix', false);
    if (regionPrefix && !/^\d{1,6}$/.test(regionPrefix)) throw new FeedConfigError(`${where}.regionPrefix must be 1-6 digits`);
    return {
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

export function loadFeeds(file: string | undefined, catalogue: Catalogue): FeedInterface[] {
  if (!file) return [];
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new FeedConfigError(`cannot read feeds file ${file}: ${(e as Error).message}`);
  }
  return parseFeeds(json, catalogue);
}
