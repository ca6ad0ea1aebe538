// Phase 6: the daily sweep (every pensioner rescored, lifecycle, checks opened) through the
// service's queue, then its floor: the same scoring as one set-based SQL statement (bench/lib.ts).
import pg from 'pg';
import type { Policy } from '../../src/domain/policy.ts';
import { log, pendingJobs, sqlRecompute } from '../lib.ts';
import { bar } from './progress.ts';
import type { Service } from './service.ts';

/**
 * The sweep's first job only pages the pensioners; its return value says how many page jobs
 * it queued, so the bar can show them, and the sweep is done when none is left.
 */
export async function runDailySweep(s: Service): Promise<number> {
  const q = s.queues.get('daily-sweep');
  const t = Date.now();
  const job = await q.add('sweep', {}, { jobId: `bench-sweep-${Date.now()}` });
  let b: ReturnType<typeof bar> | null = null;
  let pagesTotal = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    if (!pagesTotal) {
      const j = await q.getJob(job.id!);
      if (j && (await j.isFailed())) throw new Error(`the sweep failed: ${j.failedReason}`);
      if (j?.returnvalue?.pages !== undefined) {
        pagesTotal = j.returnvalue.pages as number;
        b = bar('sweep   [{bar}] {percentage}% | {value}/{total} pages', pagesTotal);
      }
      continue;
    }
    const left = await pendingJobs(s.queues, 'daily-sweep');
    b!.update(Math.max(0, pagesTotal - left));
    if (left === 0) break;
  }
  b?.update(pagesTotal);
  b?.stop();
  const failed = await q.getJobCounts('failed');
  if (failed.failed) log(`warning: ${failed.failed} sweep jobs failed`);
  const seconds = (Date.now() - t) / 1000;
  log(`daily sweep (every pensioner rescored, checks opened) in ${seconds.toFixed(1)} s`);
  return seconds;
}

export async function sqlRecomputeFloor(s: Service, policy: Policy): Promise<{ seconds: number; pensioners: number }> {
  const c = new pg.Client({ connectionString: s.url });
  await c.connect();
  await c.query('ANALYZE');
  const floor = await sqlRecompute(c, policy, s.now());
  await c.end();
  log(`set-based SQL recompute: ${floor.seconds.toFixed(1)} s (${floor.pensioners.toLocaleString()} pensioners with events)`);
  return floor;
}
