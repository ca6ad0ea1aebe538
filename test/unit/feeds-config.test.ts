// FEEDS_FILE: match interfaces ("mode": "match") need every field the contract names, and a
// fault names the entry and the field.
import { loadDefaultPolicy } from '../../src/domain/policy.ts';
import { describe, expect, it } from 'vitest';
import { parseFeeds, parseInterfaces, FeedConfigError } from '../../src/modules/feeds/config.ts';

const good = {
  mode: 'match',
  name: 'sc-bank-match',
  source: 'bank',
  url: 'https://platform.example/bank/match',
  token: 't0ken',
  cron: '0 3 * * *',
  pageSize: 1000,
  withoutStrongMonths: 6,
};
const without = (k: string) => Object.fromEntries(Object.entries(good).filter(([key]) => key !== k));
const parse =
  (entry: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
  () =>
    parseInterfaces([entry], catalogue, env);

const { catalogue } = loadDefaultPolicy();

describe('match interfaces in FEEDS_FILE', () => {
  it('reads a match interface, with defaults for the optional fields', () => {
    expect(parseInterfaces([good], catalogue, {})).toEqual([
      {
        mode: 'match',
        name: 'sc-bank-match',
        source: 'bank',
        url: 'https://platform.example/bank/match',
        token: 't0ken',
        schedule: '0 3 * * *',
        pageSize: 1000,
        withoutStrongMonths: 6,
        overlapDays: 3,
        regions: [],
        ratePerSecond: 5,
        timeoutMs: 30_000,
      },
    ]);
    const [m] = parseInterfaces([{ ...without('token'), tokenEnv: 'BANK_TOKEN', regions: ['5101', '510703'] }], catalogue, { BANK_TOKEN: 'from-env' });
    expect(m).toMatchObject({ token: 'from-env', regions: ['5101', '510703'] });
  });

  it('keeps pulls and match interfaces apart, and names must differ across both', () => {
    const pull = { name: 'sc-rail', source: 'travel', baseUrl: 'https://platform.example/rail' };
    expect(parseInterfaces([pull, good], catalogue, {}).map((f) => f.mode)).toEqual(['pull', 'match']);
    expect(parseFeeds([pull, good], catalogue, {}).map((f) => f.name)).toEqual(['sc-rail']);
    expect(() => parseInterfaces([good, { ...pull, name: good.name }], catalogue, {})).toThrow(/feeds\[1\]\.name sc-bank-match is used twice/);
  });

  it.each([
    ['url', /feeds\[0\]\.url is required for a match interface/],
    ['token', /feeds\[0\]\.token \(or tokenEnv\) is required for a match interface/],
    ['cron', /feeds\[0\]\.cron is required for a match interface/],
    ['pageSize', /feeds\[0\]\.pageSize is required for a match interface/],
    ['withoutStrongMonths', /feeds\[0\]\.withoutStrongMonths is required for a match interface/],
    ['name', /feeds\[0\]\.name must be a non-empty string/],
    ['source', /feeds\[0\]\.source must be a non-empty string/],
  ])('requires %s', (field, message) => {
    expect(parse(without(field))).toThrow(FeedConfigError);
    expect(parse(without(field))).toThrow(message);
  });

  it.each([
    [{ mode: 'targeted' }, /feeds\[0\]\.mode must be "pull" or "match"/],
    [{ url: 'ftp://platform.example/x' }, /feeds\[0\]\.url is not an http\(s\) URL/],
    [{ url: 'not a url' }, /feeds\[0\]\.url is not an http\(s\) URL/],
    [{ source: 'astrology' }, /feeds\[0\]\.source astrology is not a known source/],
    [{ cron: 'daily' }, /feeds\[0\]\.cron must be a cron pattern of 5 or 6 fields/],
    [{ pageSize: 0 }, /feeds\[0\]\.pageSize must be a whole number from 1 to 10000/],
    [{ pageSize: 20_000 }, /feeds\[0\]\.pageSize must be a whole number from 1 to 10000/],
    [{ pageSize: '100' }, /feeds\[0\]\.pageSize must be a whole number/],
    [{ withoutStrongMonths: 1.5 }, /feeds\[0\]\.withoutStrongMonths must be a whole number from 1 to 24/],
    [{ overlapDays: -1 }, /feeds\[0\]\.overlapDays must be a whole number from 0 to 365/],
    [{ regions: '5101' }, /feeds\[0\]\.regions must be a list of region prefixes/],
    [{ regions: ['51x'] }, /feeds\[0\]\.regions must be a list of region prefixes/],
    [{ baseUrl: 'https://platform.example/x' }, /feeds\[0\]\.baseUrl is not a field of a match interface/],
    [{ token: undefined, tokenEnv: 'NOT_SET' }, /feeds\[0\]\.tokenEnv names NOT_SET, which is not set/],
  ])('refuses %j', (over, message) => {
    expect(parse({ ...good, ...over })).toThrow(message);
  });

  it('refuses an entry that is not an object', () => {
    expect(() => parseInterfaces([null], catalogue, {})).toThrow(/feeds\[0\] must be an object/);
  });
});
