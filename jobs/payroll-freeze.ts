// The daily payroll check at 00:30 Shanghai time: once PAYROLL_FREEZE_DAY of the month has come,
// freezes next month's run (a no-op when it is frozen already).
import type { Worker } from 'bullmq';
import type { Clock } from '../src/infra/clock.ts';
import type { Queues } from '../src/infra/queue.ts';
import type { PayrollFreezeService } from '../src/modules/payroll/freeze.ts';

export interface PayrollFreezeDeps {
  queues: Queues;
  clock: Clock;
  payrollFreeze: Pick<PayrollFreezeService, 'freezeDue'>;
}

export function createPayrollFreezeWorker(deps: PayrollFreezeDeps): Worker {
  return deps.queues.worker('payroll-freeze', async () => (await deps.payrollFreeze.freezeDue(deps.clock.now())) ?? { month: null, frozen: false }) as Worker;
}
