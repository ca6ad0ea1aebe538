// The ingest-batch and rescore workers, as their own process, so bench:ingest can read its
// peak RSS: rescoring holds back while the file is merged (RESCORE_DEFER_MAX_MS), then runs here.
import { loadConfig } from '../src/config.ts';
import { createDatabase } from '../src/infra/database.ts';
import { createQueues } from '../src/infra/queue.ts';
import { systemClock } from '../src/infra/clock.ts';
import { createDeps } from '../src/app-deps.ts';
import { createIngestBatchWorker } from '../jobs/ingest-batch.ts';
import { createRescoreWorker } from '../jobs/rescore.ts';

const config = loadConfig();
const database = createDatabase(config.databaseUrl!, { max: 4, applicationName: 'bench-ingest-worker' });
const queues = createQueues({ redisUrl: config.redisUrl, databaseUrl: config.databaseUrl!, prefix: config.queuePrefix });
const deps = createDeps({ config, database, queues, clock: systemClock });
const w = createIngestBatchWorker(deps, { concurrency: 1 });
const r = createRescoreWorker(deps);
await Promise.all([w.waitUntilReady(), r.waitUntilReady()]);
process.stdout.write('ready\n');
process.on(
  'SIGTERM',
  () =>
    void Promise.all([w.close(), r.close()])
      .then(() => queues.close())
      .then(() => database.close())
      .then(() => process.exit(0)),
);
