// Phase 1: the simulated province — written once per (size, seed) and found again after, since
// simulating is the slow part at large sizes. The truth file is for this bench only, never the service.
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import type cliProgress from 'cli-progress';
import { simulateProvince, directorySink, type Manifest, type ManifestFile } from '../../src/simulate/simulate.ts';
import type { TruthRecord } from '../../src/simulate/model.ts';
import { log } from '../lib.ts';
import { bar, sec } from './progress.ts';
import type { Options } from './options.ts';

export interface Province {
  dir: string;
  manifest: Manifest;
  files: ManifestFile[];
  totalLines: number;
  expectedAccepted: number;
  /** The last file's arrival (or the simulation's end if later): "now" for the service. */
  lastArrival: Date;
  clockStart: string;
  /** Null when an earlier simulation was reused. */
  simulatedSeconds: number | null;
}

function readManifest(dir: string): Manifest | null {
  const f = path.join(dir, 'manifest.json');
  if (!existsSync(f)) return null;
  return JSON.parse(readFileSync(f, 'utf8')) as Manifest;
}

/** An earlier simulation is reused only if it is this one, with every file there at its full size. */
function isWhole(m: Manifest, o: Options): boolean {
  const present = (p: string) => existsSync(path.join(o.dir, p));
  return (
    m.generator === 'simulate-province' &&
    m.pensioners === o.pensioners &&
    m.seed === o.seed &&
    (m.startCertifications ?? 'legacy') === o.start &&
    present(m.registry.path) &&
    present(m.truth.path) &&
    m.files.every((f) => present(f.path) && statSync(path.join(o.dir, f.path)).size === f.bytes)
  );
}

async function simulate(o: Options): Promise<number> {
  log(`simulating ${o.pensioners.toLocaleString()} pensioners (seed ${o.seed}) into ${o.dir}…`);
  mkdirSync(o.dir, { recursive: true });
  const t = Date.now();
  let b: cliProgress.SingleBar | null = null;
  const onProgress = (done: number, total: number) => {
    b ??= bar('simulate [{bar}] {percentage}% | ETA {eta}s', total);
    b.update(done);
  };
  await simulateProvince({ pensioners: o.pensioners, seed: o.seed, startCertifications: o.start, onProgress }, directorySink(o.dir));
  (b as cliProgress.SingleBar | null)?.stop();
  return sec(Date.now() - t);
}

export async function simulatedProvince(o: Options): Promise<Province> {
  let manifest = readManifest(o.dir);
  if (manifest && !isWhole(manifest, o)) {
    throw new Error(
      `${o.dir} holds another simulation (pensioners ${manifest.pensioners}, seed ${manifest.seed}, start ${manifest.startCertifications ?? 'legacy'}) or missing files; choose another --dir`,
    );
  }
  let simulatedSeconds: number | null = null;
  if (!manifest) {
    simulatedSeconds = await simulate(o);
    manifest = readManifest(o.dir)!;
  } else {
    log(`reusing the simulation in ${o.dir} (${manifest.pensioners.toLocaleString()} pensioners, seed ${manifest.seed}, ${manifest.start} .. ${manifest.end})`);
  }
  const files = manifest.files;
  const endInstant = new Date(`${manifest.end}T00:00:00+08:00`);
  const lastArrival = new Date(files.map((f) => new Date(f.arrivesAt).getTime()).reduce((a, b) => Math.max(a, b), endInstant.getTime()));
  return {
    dir: o.dir,
    manifest,
    files,
    totalLines: files.reduce((n, f) => n + f.lines, 0),
    expectedAccepted: files.reduce((n, f) => n + f.expected.accepted, 0),
    lastArrival,
    clockStart: lastArrival.toISOString(),
    simulatedSeconds,
  };
}

export const fileOf = (p: Province, relPath: string) => path.join(p.dir, relPath);

/** The non-empty lines of one of the simulation's NDJSON files, streamed rather than read whole. */
export async function* ndjsonLines(p: Province, relPath: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(fileOf(p, relPath)), crlfDelay: Infinity });
  for await (const line of rl) if (line) yield line;
}

export async function* truthRecords(p: Province): AsyncGenerator<TruthRecord> {
  for await (const line of ndjsonLines(p, p.manifest.truth.path)) yield JSON.parse(line) as TruthRecord;
}

export function inCustodyAtEnd(t: TruthRecord, end: string): boolean {
  return t.custodialPeriods.some((c) => c.start <= end && (c.end === null || c.end >= end));
}
