// npm run simulate -- --pensioners N --seed S --out DIR [--start 2025-11-01] [--days 365]
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { isIsoDate } from '../domain/calendar.ts';
import { PERSONAS, START_MODES, type StartMode } from './model.ts';
import { directorySink, simulateProvince, type SimulationSummary } from './simulate.ts';

function integer(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be an integer`);
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}`);
    return n;
  };
}

function startMode(v: string): StartMode {
  if (!(START_MODES as readonly string[]).includes(v)) throw new InvalidArgumentError(`one of ${START_MODES.join(', ')}`);
  return v as StartMode;
}

function date(v: string): string {
  if (!isIsoDate(v)) throw new InvalidArgumentError('expected YYYY-MM-DD');
  return v;
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

export function formatSummary(s: SimulationSummary, outDir: string, seconds: number): string {
  const m = s.manifest;
  const pct = (n: number, d: number): string => (d === 0 ? '0.0%' : `${((100 * n) / d).toFixed(1)}%`);
  const lines = [
    `Simulated province written to ${outDir} in ${seconds.toFixed(1)} s (${s.passes} pass${s.passes === 1 ? '' : 'es'})`,
    `  period          ${m.start} .. ${m.end} (${m.days} days), seed ${m.seed}`,
    `  pensioners      ${m.pensioners} (+${m.nonPensioners} non-pensioners in the feeds)`,
    `  personas        ${PERSONAS.map((p) => `${p} ${pct(s.personas[p], m.pensioners)}`).join(', ')}`,
    `  deaths          ${s.deaths} (${pct(s.deaths, m.pensioners)}); death record arrives for ${s.deathsRecorded}; card used after death for ${s.cardUsedAfterDeath}`,
    `  custodial       ${s.custodialSentences} sentences; lapsed at start: ${s.lapsedAtStart}`,
    `  feed lines      ${s.lines.total} (${Object.entries(s.lines.bySource)
      .map(([source, n]) => `${source} ${n}`)
      .join(', ')})`,
    `                  expected: accepted ${s.lines.accepted}, duplicates ${s.lines.duplicates} (${pct(s.lines.duplicates, s.lines.total)}), unmatched (non-pensioners) ${s.lines.unmatched} (${pct(s.lines.unmatched, s.lines.total)}), rejected ${s.lines.rejected} (${pct(s.lines.rejected, s.lines.total)})`,
    `  files           ${s.files} feed files + registry.ndjson, truth.ndjson, mappings.json, manifest.json; ${formatBytes(s.bytes)} in all`,
  ];
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('simulate')
    .description('Generate a synthetic province of pensioners with ground truth and department feed files')
    .requiredOption('--pensioners <n>', 'number of pensioners', integer('pensioners', 0, 50_000_000))
    .option('--seed <s>', 'random seed (same seed, same bytes)', integer('seed', -2147483648, 4294967295), 1)
    .requiredOption('--out <dir>', 'output directory')
    .option('--start <date>', 'first simulated day (Asia/Shanghai)', date, '2025-11-01')
    .option('--days <n>', 'length of the simulated period in days', integer('days', 1, 3660), 365)
    .option(
      '--start-certifications <mode>',
      'registry certifications as the service left them after a year (steady) or spread over the year before (legacy: a first year)',
      startMode,
      'steady',
    )
    .option('--window-days <n>', 'arrival days written per pass (bounds open files)', integer('window-days', 1, 3660), 92)
    .option('--no-progress', 'no progress bar')
    .showHelpAfterError();
  program.parse(argv);
  const opts = program.opts<{
    pensioners: number;
    seed: number;
    out: string;
    start: string;
    days: number;
    startCertifications: StartMode;
    windowDays: number;
    progress: boolean;
  }>();

  const outDir = path.resolve(opts.out);
  mkdirSync(outDir, { recursive: true });
  const bar =
    opts.progress && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { stream: process.stderr, format: 'simulate [{bar}] {percentage}% | {value}/{total} people·passes | ETA {eta}s', hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : null;
  const started = process.hrtime.bigint();
  let barStarted = false;
  const summary = await simulateProvince(
    {
      pensioners: opts.pensioners,
      seed: opts.seed,
      start: opts.start,
      days: opts.days,
      startCertifications: opts.startCertifications,
      windowDays: opts.windowDays,
      onProgress: (done, total) => {
        if (!bar) return;
        if (!barStarted) {
          bar.start(total, 0);
          barStarted = true;
        }
        bar.update(done);
      },
    },
    directorySink(outDir),
  );
  if (bar && barStarted) bar.stop();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(formatSummary(summary, outDir, seconds) + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv).catch((err: unknown) => {
    process.stderr.write(`simulate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
