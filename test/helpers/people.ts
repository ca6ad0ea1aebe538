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

/** Registers one synthetic pensioner through the API and expects it to be new. */
export async function registerPensioner(
  app: { inject(o: object): Promise<{ statusCode: number; body: string }> },
  key: string,
  id: string,
  over: Record<string, unknown> = {},
): Promise<void> {
  const res = await app.inject({ method: 'PUT', url: `/v1/pensioners/${id}`, headers: auth(key), payload: pensionerBody(over) });
  if (res.statusCode !== 201) throw new Error(`registering a pensioner answered ${res.statusCode}: ${res.body}`);
}
