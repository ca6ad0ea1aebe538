// A worker process for the kill test: runs the ingest-batch worker on the database and
// queue prefix given in the environment until it is killed.
import { loadConfig } from '../../src/config.ts';
import { createDatabase } from '../../src/infra/database.ts';
import { createQueues } from '../../src/infra/queue.ts';
import { systemClock } from '../../src/infra/clock.ts';
import { createDeps } from '../../src/app-deps.ts';
import { createIngestBatchWorker } from '../../jobs/ingest-batch.ts';

const config = loadConfig();
const database = createDatabase(config.databaseUrl!, { max: 4 });
const queues = createQueues({ redisUrl: config.redisUrl, databaseUrl: config.databaseUrl!, prefix: config.queuePrefix });
const clock = process.env.CLOCK ? { now: () => new Date(process.env.CLOCK!) } : systemClock;
const deps = createDeps({ config, database, queues, clock });
const delay = Number(process.env.INGEST_CHUNK_DELAY_MS ?? 0);
createIngestBatchWorker(deps, {
  chunkLines: Number(process.env.INGEST_CHUNK_LINES ?? 1000),
  lockDuration: 1000,
  stalledInterval: 500,
  afterChunk: () => new Promise((r) => setTimeout(r, delay)),
});
process.stdout.write('worker ready\n');
