// Synthetic pensioners: generated IDs with valid check digits, invented names.
import { makeNationalId } from '../../src/domain/national-id.ts';

let seq = 0;
export function syntheticId(region = '510104', birthDate = '1950-03-07'): string {
  seq = (seq + 1) % 1000;
  return makeNationalId(region, birthDate, seq);
}

export function pensionerBody(over: Record<string, unknown> = {}) {
  return {
    name: '测试甲',
    regionCode: '510104',
    benefitStartDate: '2010-04-01',
    monthlyBenefit: '3120.50',
    pensionType: 'enterprise',
    phone: '13800138000',
    ...over,
  };
}

export function auth(key: string) {
  return { authorization: `Bearer ${key}` };
}
