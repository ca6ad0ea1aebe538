import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REGION_TABLE_EDITION, regionName } from '../../src/domain/regions.ts';
import { ALL_REGIONS } from '../../src/simulate/regions.ts';

describe('regionName (GB/T 2260)', () => {
  it.each([
    ['510104', '成都市锦江区'],
    ['440305', '深圳市南山区'],
    ['540102', '拉萨市城关区'],
    ['513401', '凉山彝族自治州西昌市'],
    // No prefecture between these and their province or municipality.
    ['110105', '北京市朝阳区'],
    ['500235', '重庆市云阳县'],
    ['429004', '湖北省仙桃市'],
    ['659001', '新疆维吾尔自治区石河子市'],
  ])('names county-level %s as %s', (code, name) => {
    expect(regionName(code)).toBe(name);
  });

  it.each([
    ['510000', '四川省'],
    ['650000', '新疆维吾尔自治区'],
    ['510100', '成都市'],
    ['441900', '东莞市'],
  ])('names province- and prefecture-level %s by itself: %s', (code, name) => {
    expect(regionName(code)).toBe(name);
  });

  it.each(['999999', '510101', '110100', '51', '5101', '', ' 510104', '510104 ', '５１０１０４', '5101040'])('has no name for %j', (code) => {
    expect(regionName(code)).toBeUndefined();
  });

  // Pins the edition: a newer table renames these, and the change should be a deliberate one.
  it(`is the ${REGION_TABLE_EDITION} edition: 会理 is still a county, not yet a city`, () => {
    expect(REGION_TABLE_EDITION).toBe('2020-11');
    expect(regionName('513425')).toBe('凉山彝族自治州会理县');
    expect(regionName('513402')).toBeUndefined();
  });

  it('never throws, and names only six-digit codes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^\d{6}$/)), (code) => {
        const name = regionName(code);
        if (name !== undefined) {
          expect(code).toMatch(/^\d{6}$/);
          expect(name.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the simulator against the table', () => {
  it.each(ALL_REGIONS.map((r) => [r.code, r]))('%s has the same full name and city as GB/T 2260', (_code, r) => {
    expect(regionName(r.code)).toBe(r.fullName);
    expect(r.fullName.startsWith(r.city)).toBe(true);
  });
});
