// npm run bench [-- --pensioners 100000 --seed 1 --dir DIR --parallel 4 --seconds 15 --no-redis --keep-db
//                   --visits 25 --unreachable 0.05 --workers 1]
// The province end to end, through the public API of a running service (API and worker in
// their own processes, the service clock set to the simulation's end): register the
// registry, upload every department file in arrival order, wait for ingestion and
// rescoring, run the daily sweep; read what data alone decided; let service-point staff work
// the manual-check queue (bench/staff-visits.ts); then measure throughput against the same machine's floors
// (raw COPY + merge, bare Fastify + pg lookup, set-based SQL recompute) and the decisions
// against the simulation's truth. The truth is read by this script only, never by the service.
// Each phase is a module in bench/province/, run here in order.
import { loadDefaultPolicy } from '../src/domain/policy.ts';
import { autovacuumStandIn, log } from './lib.ts';
import { parseOptions } from './province/options.ts';
import { simulatedProvince } from './province/simulation.ts';
import { startService } from './province/service.ts';
import { registerPensioners } from './province/register.ts';
import { measureCeiling } from './province/ceiling.ts';
import { ingestTheYear } from './province/ingest.ts';
import { runDailySweep, sqlRecomputeFloor } from './province/sweep.ts';
import { readCertifications } from './province/certifications.ts';
import { staffWork } from './province/staff-work.ts';
import { readManualChecks, readServiceReports } from './province/service-reports.ts';
import { qualityFigures, tallyAgainstTruth } from './province/quality.ts';
import { measureLookups } from './province/lookups.ts';
import { writeReport } from './province/report.ts';

const options = parseOptions();
const province = await simulatedProvince(options);
const service = await startService(options, province);
const { registration, pensionersByCounty } = await registerPensioners(province, service);
const policy = loadDefaultPolicy();
const ceiling = await measureCeiling(province, service, policy);

// Through ingestion and the sweep, as on a production server (bench/lib.ts).
const autovacuum = autovacuumStandIn(service.url);
const ingest = await ingestTheYear(province, service, options.parallelUploads);
const sweepSeconds = await runDailySweep(service);
await autovacuum.stop();
log(`autovacuum stand-in: ${autovacuum.vacuums} vacuums during ingestion and the sweep`);
const sqlFloor = await sqlRecomputeFloor(service, policy);

const state = await readCertifications(service, options.pensioners);
const work = await staffWork(options, province, service, pensionersByCounty);
const checks = await readManualChecks(service);
const serviceReports = await readServiceReports(service, work.today);
const quality = qualityFigures(await tallyAgainstTruth(province, state, work.statusAfterVisits), options, work, checks);

const { lookups, rss } = await measureLookups(options, service, [...state.keys()]);
await service.stop({ keepDb: options.keepDb });
writeReport({ options, province, registration, ceiling, ingest, sweepSeconds, sqlFloor, lookups, rss, quality, service: serviceReports });
process.exit(0);
