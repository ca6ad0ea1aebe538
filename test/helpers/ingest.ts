// Shared by the ingestion tests: registering pensioners in bulk and waiting on batches.
import type { TestContext } from './context.ts';
import { makeNationalId } from '../../src/domain/national-id.ts';

export function ids(n: number, region = '510104', birth = '1950-03-07', offset = 0): string[] {
  const out: string[] = [];
  for (let i = offset; i < offset + n; i++) {
    // vary the birth day so more than 1000 people fit one region
    const day = String(1 + (Math.floor(i / 1000) % 28)).padStart(2, '0');
    out.push(makeNationalId(region, `${birth.slice(0, 8)}${day}`, i % 1000));
  }
  return out;
}

export async function register(t: TestContext, key: string, nationalIds: string[], region = '510104') {
  const body = nationalIds
    .map((nationalId) => JSON.stringify({ nationalId, name: '测试乙', regionCode: region, benefitStartDate: '2010-04-01', monthlyBenefit: '3000.00' }))
    .join('\n');
  const res = await t.app.inject({ method: 'POST', url: '/v1/pensioners/bulk', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' }, payload: body });
  if (res.statusCode !== 200 || res.json().rejected.length) throw new Error(`registration failed: ${res.body.slice(0, 500)}`);
}

export async function waitForBatch(t: TestContext, key: string, batchId: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.app.inject({ method: 'GET', url: `/v1/feeds/batches/${batchId}`, headers: { authorization: `Bearer ${key}` } });
    const b = res.json();
    if (b.status === 'completed' || b.status === 'failed') return b;
    if (Date.now() > until) throw new Error(`batch ${batchId} still ${b.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
