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

/** Registers pensioners straight into the registry (ingestion tests need only the rows). */
export async function register(t: Pick<TestContext, 'deps'>, _key: string, nationalIds: string[], region = '510104') {
  await t.deps.pool.query(
    `INSERT INTO pensioners (national_id, name, region_code, birth_date, benefit_start_date, monthly_benefit_fen)
     SELECT nid, '测试乙', $2, to_date(substr(nid, 7, 8), 'YYYYMMDD'), '2010-04-01', 300000 FROM unnest($1::text[]) AS nid
     ON CONFLICT (national_id) DO NOTHING`,
    [nationalIds, region],
  );
}

export async function waitForBatch(t: Pick<TestContext, 'app'>, key: string, batchId: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.app.inject({ method: 'GET', url: `/v1/feeds/batches/${batchId}`, headers: { authorization: `Bearer ${key}` } });
    const b = res.json();
    if (b.status === 'completed' || b.status === 'failed') return b;
    if (Date.now() > until) throw new Error(`batch ${batchId} still ${b.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The rescore jobs a batch queued (queued before the batch shows completed). */
export async function rescoreJobsOfBatch(t: TestContext, batchId: string) {
  const jobs = await t.deps.queues.get('rescore').getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']);
  return jobs.filter((j) => j.id!.startsWith(`batch_${batchId}`));
}
