// One more daily-sweep worker process for bench:score (--processes), started the way a
// deployment adds worker processes: same database and queue, its own clock pinned by CLOCK_START.
import { loadConfig } from '../src/config.ts';
import { createDatabase } from '../src/infra/database.ts';
import { createQueues } from '../src/infra/queue.ts';
import { startingClock } from '../src/infra/clock.ts';
import { createDeps } from '../src/app-deps.ts';
import { createDailySweepWorker } from '../jobs/daily-sweep.ts';

const config = loadConfig();
const database = createDatabase(config.databaseUrl!, { max: 10, applicationName: 'bench-sweep-worker' });
const queues = createQueues({ redisUrl: config.redisUrl, databaseUrl: config.databaseUrl!, prefix: config.queuePrefix });
const deps = createDeps({ config, database, queues, clock: startingClock(config.clockStart!) });
const w = createDailySweepWorker(deps, { concurrency: Number(process.env.SWEEP_CONCURRENCY ?? 2) });
await w.waitUntilReady();
process.stdout.write('ready\n');
process.on(
  'SIGTERM',
  () =>
    void w
      .close()
      .then(() => queues.close())
      .then(() => deps.audit.close())
      .then(() => database.close())
      .then(() => process.exit(0)),
);
