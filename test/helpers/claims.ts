// A pensioner's claims as GET /v1/claims lists them (the recovery ledger), for the tests of
// claims and of the payroll runs that settle them.
import { expect } from 'vitest';
import { auth } from './people.ts';

export interface Claim {
  id: string;
  nationalId: string;
  reason: string;
  amount: string;
  outstanding: string;
  status: string;
  history: { event: string; amount: string | null; reason: string | null; by?: string }[];
}

/** The claims of `nationalId` visible to `key`, in `status` when given. */
export async function claimsOf(
  app: { inject(o: object): Promise<{ statusCode: number; json(): any }> },
  key: string,
  nationalId: string,
  status?: string,
): Promise<Claim[]> {
  const res = await app.inject({ method: 'GET', url: `/v1/claims?limit=1000${status ? `&status=${status}` : ''}`, headers: auth(key) });
  expect(res.statusCode).toBe(200);
  return (res.json().items as Claim[]).filter((c) => c.nationalId === nationalId);
}
