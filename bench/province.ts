// npm run bench [-- --pensioners 100000 --seed 1 --start steady|legacy --dir DIR --parallel 4 --seconds 15 --no-redis --keep-db
//                   --visits 25 --unreachable 0.05 --workers 1 --visit-when-due --visit-lead-days 30 --no-ceiling]
// The province end to end, through the public API of a running service (API and worker in
// their own processes): register the registry at the simulation's start; then the year a month
// at a time (bench/province/year.ts) — the service clock stepped to each month's first day,
// the pensioners' answers to last month's reminders pushed as self-service face checks, the
// month's department files uploaded (those in their own columns with their interface mapping),
// service-point staff working the manual-check queue, the daily sweep and its reminders; then
// measure throughput against the same machine's floors (raw COPY + merge, bare Fastify + pg
// lookup, set-based SQL recompute) and the decisions against the simulation's truth. The truth
// is read by this script only (to play the world), never by the service.
// Each phase is a module in bench/province/, run here in order.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadDefaultPolicy } from '../src/domain/policy.ts';
import { autovacuumStandIn, log } from './lib.ts';
import { parseOptions } from './province/options.ts';
import { simulatedProvince } from './province/simulation.ts';
import { startService } from './province/service.ts';
import { registerPensioners } from './province/register.ts';
import { measureCeiling } from './province/ceiling.ts';
import { sqlRecomputeFloor } from './province/sweep.ts';
import { readCertifications } from './province/certifications.ts';
import { readManualChecks, readServiceReports } from './province/service-reports.ts';
import { qualityFigures, tallyAgainstTruth } from './province/quality.ts';
import { measureLookups } from './province/lookups.ts';
import { writeReport } from './province/report.ts';
import { simulateTheYear, smsGateway } from './province/year.ts';

const options = parseOptions();
const province = await simulatedProvince(options);
const sms = await smsGateway();
const service = await startService(options, province, new Date(`${province.manifest.start}T00:00:00+08:00`), {
  SMS_GATEWAY_URL: sms.url,
  MAPPINGS_FILE: path.join(province.dir, province.manifest.mappings.path),
});
const { registration, pensionersByCounty } = await registerPensioners(province, service);
const policy = loadDefaultPolicy();
const ceiling = options.noCeiling ? null : await measureCeiling(province, service, policy);

// Through ingestion and the sweeps, as on a production server (bench/lib.ts).
const autovacuum = autovacuumStandIn(service.url);
const year = await simulateTheYear(options, province, service, sms, pensionersByCounty);
await autovacuum.stop();
log(`autovacuum stand-in: ${autovacuum.vacuums} vacuums during the year`);
const sqlFloor = await sqlRecomputeFloor(service, policy);
// Who had to act, for diagnoses against the simulation (bench/first-year.ts): national ID, and whether by a reminder answer.
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/province-acted.tsv', [...year.acted].map((id) => `${id}\t${year.answered.has(id) ? 'answered' : 'visited'}`).join('\n') + '\n');

const state = await readCertifications(service, options.pensioners);
const checks = await readManualChecks(service);
const serviceReports = await readServiceReports(service, year.today);
const quality = qualityFigures(await tallyAgainstTruth(province, state, year.acted, year.answered), options, year, checks);

const { lookups, rss } = await measureLookups(options, service, [...state.keys()]);
await service.stop({ keepDb: options.keepDb });
await sms.close();
writeReport({ options, province, registration, ceiling, year, sqlFloor, lookups, rss, quality, service: serviceReports });
process.exit(0);
