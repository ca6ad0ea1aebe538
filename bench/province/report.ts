// Phase 12: the report — bench-results/province.json (every figure) and province.md (the goals
// and the measures a reader compares across runs), the latter also on stdout.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { CeilingResult, LookupComparison } from '../lib.ts';
import type { Year } from './year.ts';
import type { Rss } from './lookups.ts';
import type { Options } from './options.ts';
import type { Quality } from './quality.ts';
import type { Registration } from './register.ts';
import type { ServiceReports } from './service-reports.ts';
import type { Province } from './simulation.ts';

export interface Findings {
  options: Options;
  province: Province;
  registration: Registration;
  /** Null with --no-ceiling: ingestion is then reported without its ratio. */
  ceiling: CeilingResult | null;
  year: Year;
  sqlFloor: { seconds: number; pensioners: number };
  lookups: LookupComparison;
  rss: Rss;
  quality: Quality;
  service: ServiceReports;
}

interface Goal {
  goal: string;
  value: number;
  target: string;
  met: boolean;
  fmt: (x: number) => string;
  miss: string;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const ratio = (x: number) => x.toFixed(2);
const mib = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
const ingestRatio = (f: Findings) => (f.ceiling ? f.year.ingest.eventsPerSecond / f.ceiling.eventsPerSecond : NaN);
/** The last sweep of the year (every pensioner rescored on the final state) against the SQL floor on the same state. */
const lastSweep = (f: Findings) => f.year.sweepSeconds.at(-1) ?? 0;
const rescoreRatio = (f: Findings) => lastSweep(f) / f.sqlFloor.seconds;

function goals(f: Findings): Goal[] {
  const { quality, lookups } = f;
  const silent = quality.livingCertifiedSilentlyShare;
  const acted = quality.livingActedPer100;
  const suspended = quality.afterStaffVisits.livingSuspendedShare;
  const strong = quality.silentOfThoseWithStrongRecord;
  const ingest = ingestRatio(f);
  const rescore = rescoreRatio(f);
  const dead = quality.deceasedCertifiedAfterDeath;
  const all: Goal[] = [
    {
      goal: 'living certified silently (by data, without having to act)',
      value: silent,
      target: '≥ 92%',
      met: silent >= 0.92,
      fmt: pct,
      miss: `${pct(0.92 - silent)} short`,
    },
    {
      goal: 'living who had to act (answered a reminder, found by a visit), per 100',
      value: acted,
      target: '≤ 8',
      met: acted <= 8,
      fmt: (x) => x.toFixed(2),
      miss: `${(acted - 8).toFixed(2)} over`,
    },
    {
      goal: 'living suspended at the end of the year (after reminders, self-service, monthly visits)',
      value: suspended,
      target: '< 0.5%',
      met: suspended < 0.005,
      fmt: pct,
      miss: `${pct(suspended - 0.005)} over`,
    },
    { goal: 'deceased certified after their death', value: dead, target: '0', met: dead === 0, fmt: String, miss: `${dead} too many` },
    {
      goal: 'certified silently ÷ living with ≥ 1 strong record in the year',
      value: strong,
      target: '≥ 99.5%',
      met: strong >= 0.995,
      fmt: pct,
      miss: `${pct(0.995 - strong)} short`,
    },
    {
      goal: 'ingest events/s ÷ raw COPY+merge ceiling',
      value: ingest,
      target: '≥ 0.5',
      met: ingest >= 0.5,
      fmt: ratio,
      miss: `${(0.5 - ingest).toFixed(2)} short (${(0.5 / ingest).toFixed(1)}× too slow)`,
    },
    {
      goal: 'status lookups req/s ÷ bare Fastify + pg',
      value: lookups.ratio,
      target: '≥ 0.6',
      met: lookups.ratio >= 0.6,
      fmt: ratio,
      miss: `${(0.6 - lookups.ratio).toFixed(2)} short (${(0.6 / lookups.ratio).toFixed(1)}× too slow)`,
    },
    {
      goal: 'full rescoring (sweep) ÷ set-based SQL',
      value: rescore,
      target: '≤ 2×',
      met: rescore <= 2,
      fmt: (x) => `${x.toFixed(1)}×`,
      miss: `${(rescore / 2).toFixed(1)}× over the goal`,
    },
  ];
  return all.filter((g) => !Number.isNaN(g.value)); // the ingestion ratio, when the ceiling was skipped
}

function result(f: Findings, g: Goal[]) {
  const { options: o, province: p } = f;
  const m = p.manifest;
  return {
    machine: {
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      queue: o.redisUrl ? 'redis' : 'postgres',
      workerProcesses: o.workers,
    },
    simulation: {
      dir: p.dir,
      pensioners: m.pensioners,
      seed: m.seed,
      startCertifications: f.options.start,
      start: m.start,
      end: m.end,
      files: p.files.length,
      lines: p.totalLines,
      simulatedSeconds: p.simulatedSeconds,
      clockStart: p.clockStart,
    },
    registration: f.registration,
    ceiling: f.ceiling,
    ingest: { ...f.year.ingest, ratioToCeiling: Number(ingestRatio(f).toFixed(3)), parallelUploads: o.parallelUploads },
    rescoring: {
      sweepSeconds: Number(lastSweep(f).toFixed(1)),
      monthlySweepSeconds: f.year.sweepSeconds.map((x) => Number(x.toFixed(1))),
      sqlRecomputeSeconds: Number(f.sqlFloor.seconds.toFixed(1)),
      ratio: Number(rescoreRatio(f).toFixed(2)),
      rescoreTailSeconds: f.year.ingest.rescoreTailSeconds,
    },
    reminders: f.year.reminders,
    wallSecondsByPhase: Object.fromEntries(Object.entries(f.year.phases).map(([k, v]) => [k, Number(v.toFixed(1))])),
    lookups: f.lookups,
    rss: f.rss,
    quality: f.quality,
    service: f.service,
    goals: g.map((x) => ({ goal: x.goal, target: x.target, value: x.value, met: x.met })),
  };
}

const list = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');

function measures(f: Findings): string {
  const { registration, ceiling, lookups, rss, quality } = f;
  const ingest = f.year.ingest;
  const rem = f.year.reminders;
  const v = quality.afterStaffVisits;
  const personas = Object.entries(quality.silentShareByPersona)
    .map(([k, x]) => `${k} ${pct(x.share)} (acted ${x.actedPer100} per 100, suspended ${x.suspended} of ${x.n})`)
    .join(', ');
  const sweeps = f.year.sweepSeconds;
  return `| measure | value |
|---|---|
| registration (POST /v1/pensioners/bulk) | ${registration.created.toLocaleString()} in ${registration.seconds} s |
| feed files / lines | ${f.province.files.length} / ${f.province.totalLines.toLocaleString()} |
| accepted / duplicates / unmatched / rejected | ${ingest.accepted.toLocaleString()} / ${ingest.duplicates.toLocaleString()} / ${ingest.unmatched.toLocaleString()} / ${ingest.rejected.toLocaleString()} (simulator expected ${f.province.expectedAccepted.toLocaleString()} accepted) |
| ingest through the API (upload → batches done → rescore queue drained) | ${ingest.eventsPerSecond.toLocaleString()} events/s (${ingest.seconds} s: uploads ${ingest.uploadSeconds} s, batches done at ${ingest.batchesCompletedSeconds} s, rescore tail ${ingest.rescoreTailSeconds} s) |
| … of which ingestion alone (to the last batch completed, rescoring still queued) | ${ingest.eventsPerSecondToBatchesDone.toLocaleString()} events/s ${ceiling ? `= ${(ingest.eventsPerSecondToBatchesDone / ceiling.eventsPerSecond).toFixed(2)} of the ceiling` : ''} |
| raw COPY + merge ceiling (same files, same database) | ${ceiling ? `${ceiling.eventsPerSecond.toLocaleString()} events/s (${ceiling.seconds.toFixed(1)} s: COPY ${ceiling.copySeconds.toFixed(1)} s, merge ${ceiling.mergeSeconds.toFixed(1)} s; ${ceiling.stored.toLocaleString()} stored)` : 'not measured (--no-ceiling)'} |
| the simulated year's wall time by part of the monthly loop | ${Object.entries(f.year.phases)
    .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
    .join(', ')} (restart: the processes stopped and started on the next month's clock; answers: face checks pushed; reminders: the sweep's SMS delivered) |
| daily sweep (full rescoring, lifecycle, checks, reminders), run once a month | last ${lastSweep(f).toFixed(1)} s; ${sweeps.length} sweeps, total ${sweeps.reduce((a, b) => a + b, 0).toFixed(0)} s |
| set-based SQL recompute (score only) | ${f.sqlFloor.seconds.toFixed(1)} s |
| status lookups: service / bare | ${lookups.service.requestsPerSecond} / ${lookups.bare.requestsPerSecond} req/s; p99 ${lookups.service.p99} / ${lookups.bare.p99} ms |
| peak RSS (VmHWM) API / largest worker | ${mib(rss.apiPeakBytes)} / ${mib(rss.workerPeakBytes)} |
| living pensioners (in custody at the end, excluded) | ${quality.living.toLocaleString()} (${quality.livingInCustodyAtEnd}) |
| living certified silently (auto, certified or due, never had to act) | ${quality.livingCertifiedSilently.toLocaleString()} = ${pct(quality.livingCertifiedSilentlyShare)} (certified by data at the end, acted or not: ${quality.livingCertifiedByData.toLocaleString()}); by persona ${personas} |
| living who had to act / with ≥ 1 strong record in the year | ${quality.livingActed.toLocaleString()} (${quality.livingActedPer100} per 100; answered a reminder ${quality.livingAnsweredPer100} per 100, the rest found by a visit) / ${quality.livingWithStrongRecord.toLocaleString()} (silent among them ${pct(quality.silentOfThoseWithStrongRecord)}) |
| reminders sent (of which second round) / answered by a face check / failed face checks / unanswered because dead by then | ${rem.sent.toLocaleString()} (${rem.sentRound2.toLocaleString()}) / ${rem.answeredFace.toLocaleString()} / ${rem.answeredFailed.toLocaleString()} / ${rem.notAnsweredDead}${rem.pushRejected ? `; pushes rejected ${rem.pushRejected}` : ''}${rem.unknownPhone ? `; unknown phones ${rem.unknownPhone}` : ''} |
| living suspended / under review / marked deceased at the end | ${quality.livingSuspended} (${pct(quality.livingSuspendedShare)}) / ${quality.livingHeldForReview} / ${quality.livingMarkedDeceased} |
| staff visits (${v.visitsPerThousandPerMonth} per 1000 pensioners a month × ${v.months} months, ${pct(v.unreachableRate)} nobody at home; made month by month; checks taken: ${v.checksVisited}) | ${v.visits.toLocaleString()} of ${v.capacity.toLocaleString()} possible (${v.visitsPer1000} per 1000 pensioners) in ${v.seconds} s: alive ${v.foundAlive.toLocaleString()}, deceased ${v.foundDeceased.toLocaleString()}, nobody at home ${v.unreachable.toLocaleString()}${v.errors ? `, errors ${v.errors}` : ''} |
| living at the end of the year | suspended ${v.livingSuspended} (${pct(v.livingSuspendedShare)}); ${list(v.livingByStatus)} |
| deceased at the end of the year | ${list(v.deceasedByStatus)} |
| deceased / certified after their death | ${quality.deceased} / ${quality.deceasedCertifiedAfterDeath} |
| deaths recorded within the period: service status | ${quality.deceasedWithRecord}: ${list(quality.deceasedWithRecordByStatus)}; not acted on ${quality.deathsRecordedNotActedOn} |
| deaths not (yet) recorded: service status | ${list(quality.deceasedWithoutRecordByStatus)} |
| months of overpayment before a death is acted on | mean ${quality.overpaymentMonths.mean}, max ${quality.overpaymentMonths.max} (n = ${quality.overpaymentMonths.n}) |
| manual checks opened per 1000 pensioners | ${quality.manualChecks.per1000} (${JSON.stringify(quality.manualChecks.byReason)}) |
`;
}

function markdown(f: Findings, r: ReturnType<typeof result>, g: Goal[]): string {
  const m = f.province.manifest;
  const workers = f.options.workers === 1 ? 'worker' : `${f.options.workers} worker processes`;
  return `# Province benchmark: ${m.pensioners.toLocaleString()} pensioners (seed ${m.seed}, ${m.start} .. ${m.end})

${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, Node ${process.version}, queue on ${r.machine.queue}; API and ${workers} in separate processes, service clock stepped month by month from ${m.start} to ${m.end}. Starting certifications: ${
    f.options.start === 'steady'
      ? 'steady (as the service leaves them after running the year before: README "The synthetic province")'
      : 'legacy (spread over the year before, as on a first day of service: a first year)'
  }.

| goal | target | measured | met |
|---|---|---|---|
${g.map((x) => `| ${x.goal} | ${x.target} | ${x.fmt(x.value)} | ${x.met ? 'yes' : `no: ${x.miss}`} |`).join('\n')}

${measures(f)}
Overpayment months: ${f.quality.overpaymentMonths.method}.
`;
}

export function writeReport(f: Findings): void {
  const g = goals(f);
  const r = result(f, g);
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/province.json', JSON.stringify(r, null, 2));
  const md = markdown(f, r, g);
  writeFileSync('bench-results/province.md', md);
  process.stdout.write(md);
}
