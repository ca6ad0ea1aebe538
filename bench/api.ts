// npm run bench:api [-- --pensioners 1000000 --seconds 20 --connections 50 --rounds 3 --database NAME]
// Status lookups through the service (auth and audit on) against a bare Fastify + pg
// primary-key lookup, on the same machine in the same run; and the 1000-ID batch query.
// --database reads an existing bench database instead of loading a fresh one: after
// `bench:score -- --pensioners N --keep`, `--database pc_bench_score --pensioners N` measures
// lookups of certification rows as the province has them, each with its evidence.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { mkdirSync, writeFileSync } from 'node:fs';
import {
  benchNationalId,
  compareLookups,
  cpuOver,
  createKeys,
  existingDatabase,
  freshDatabase,
  load,
  loadPensioners,
  log,
  rssOf,
  serviceUrl,
  startProcess,
  waitFor,
} from './lib.ts';

const { values: args } = parseArgs({
  options: {
    pensioners: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    'keep-db': { type: 'boolean', default: false },
    database: { type: 'string' },
  },
});
const N = Number(args.pensioners);
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const ROUNDS = Number(args.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds must be a whole number ≥ 1, not ${args.rounds}`);

const t0 = Date.now();
log(args.database ? `reading ${args.database}…` : `loading ${N} pensioners…`);
const url = args.database ? await existingDatabase(args.database) : await freshDatabase('pc_bench_api');
if (!args.database) await loadPensioners(url, N, (d) => log(`  ${d}`));
// This development server runs with autovacuum off; in production autovacuum would have
// processed the freshly loaded tables (hint bits, visibility map) long before lookups, and
// index-only scans depend on it. Both servers under test read the vacuumed tables.
const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query('VACUUM (ANALYZE) pensioners, certifications');
await admin.end();
log(`loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const secret = (await createKeys(url, [{ role: 'bureau', name: 'bench' }]))[0]!;

const pick = () => benchNationalId(Math.floor(Math.random() * N));
const SERVICE_PORT = 3101;
const service = startProcess('src/main.ts', {
  DATABASE_URL: serviceUrl(url),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  ROLE: 'api',
  PORT: String(SERVICE_PORT),
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_SECOND: '1000000',
  QUEUE_PREFIX: 'benchapi',
});
await waitFor(`http://127.0.0.1:${SERVICE_PORT}/readyz`);
await new Promise((r) => setTimeout(r, 1000));

const auth = { authorization: `Bearer ${secret}` };
const {
  bare: bareResult,
  service: serviceResult,
  ratio,
  cpu,
  rounds,
} = await compareLookups({
  databaseUrl: url,
  serviceBase: `http://127.0.0.1:${SERVICE_PORT}`,
  secret,
  pick,
  seconds: SECONDS,
  connections: CONNECTIONS,
  servicePid: service.child.pid,
  rounds: ROUNDS,
  log,
});

log('service POST /v1/certifications/query with 1000 IDs, one payroll client…');
const { result: batch, cpu: batchCpu } = await cpuOver(url, service.child.pid!, () =>
  load({
    url: `http://127.0.0.1:${SERVICE_PORT}`,
    connections: 1,
    duration: Math.max(10, Math.round(SECONDS / 2)),
    requests: [
      {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        setupRequest: (req: any) => ({ ...req, path: '/v1/certifications/query', body: JSON.stringify({ nationalIds: Array.from({ length: 1000 }, pick) }) }),
      },
    ],
  }),
);
const serviceRss = rssOf(service.child.pid!);
service.child.kill('SIGTERM');
await service.exited;

const result = {
  machine: { cores: (await import('node:os')).cpus().length, node: process.version },
  pensioners: N,
  database: args.database ?? 'pc_bench_api (loaded fresh)',
  connections: CONNECTIONS,
  seconds: SECONDS,
  bare: bareResult,
  service: serviceResult,
  ratio,
  cpuPerLookup: cpu,
  rounds,
  batchQuery1000: { ...batch, cpu: batchCpu },
  serviceRssBytes: serviceRss,
};
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/api.json', JSON.stringify(result, null, 2));
const roundsNote = rounds ? `, the median of ${rounds.length} rounds: ${rounds.map((r) => r.ratio).join(', ')}` : '';
const md = `| measure | bare Fastify + pg | service (auth + audit) |
|---|---|---|
| status lookups req/s | ${bareResult.requestsPerSecond} | ${serviceResult.requestsPerSecond} (${result.ratio}× of bare${roundsNote}; goal ≥ 0.7) |
| p99 ms | ${bareResult.p99} | ${serviceResult.p99} |
| errors / non-2xx | ${bareResult.errors} / ${bareResult.non2xx} | ${serviceResult.errors} / ${serviceResult.non2xx} |
| CPU per lookup, ms (Node + PostgreSQL) | ${cpu ? `${cpu.bare.totalMs} (${cpu.bare.serverMs} + ${cpu.bare.databaseMs})` : ''} | ${cpu ? `${cpu.service.totalMs} (${cpu.service.serverMs} + ${cpu.service.databaseMs}); bare ÷ service ${cpu.ratio}` : ''} |
| 1000-ID batch query (one client) | | ${batch.requestsPerSecond} req/s, p99 ${batch.p99} ms (goal < 20 ms); CPU ${batchCpu.totalMs} ms a query (${batchCpu.serverMs} + ${batchCpu.databaseMs}) |
`;
writeFileSync('bench-results/api.md', md);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n\n${md}`);
process.exit(0);
