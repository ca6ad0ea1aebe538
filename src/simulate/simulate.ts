// Writes a synthetic province: registry, ground truth, department feed files and a manifest.
// Streams: people are regenerated from (seed, index) in passes over windows of arrival days,
// so only the files of one window are open and nothing but small write buffers is held.
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import iconv from 'iconv-lite';
import type { IsoDate } from '../domain/calendar.ts';
import { DEPARTMENT_MAPPINGS } from './departments.ts';
import { FEED_FORMATS, SOURCES_IN_ORDER, feedPath, feedEvent, serializeLine } from './format.ts';
import type { FeedEvent } from './vocabulary.ts';
import {
  PERSONAS,
  SimulationContext,
  type StartMode,
  type FeedLine,
  type LineClass,
  type Persona,
  type SimPerson,
  type SimulationOptions,
  type Source,
} from './model.ts';

export { SimulationContext, feedEvent, serializeLine, FEED_FORMATS };
export type { FeedEvent, FeedLine, SimPerson, SimulationOptions };

export interface SimulationSink {
  /** Opens an output file, `relPath` relative to the output root ('/'-separated). */
  open(relPath: string): Writable;
}

/** Writes under a directory, creating folders as needed. */
export function directorySink(dir: string): SimulationSink {
  return {
    open(relPath) {
      const full = path.join(dir, ...relPath.split('/'));
      mkdirSync(path.dirname(full), { recursive: true });
      return createWriteStream(full);
    },
  };
}

/** Expected outcome of a file's lines, in the terms of the batch status (CONTRACT.md). */
export interface LineCounts {
  /** Good events of registered pensioners, first copy. */
  accepted: number;
  /** Exact re-sent copies of a pensioner's line (same source and sourceRef). */
  duplicates: number;
  /** Well-formed lines of people who are not pensioners (re-sent copies included). */
  unmatched: number;
  /** Lines to reject: bad check digit, unknown kind, future time, malformed, missing field. */
  rejected: number;
}

export interface ManifestFile {
  path: string;
  source: Source;
  contentType: string;
  charset: 'utf-8' | 'gbk';
  /** Simulated date (Asia/Shanghai) on which the department delivers the file. */
  arrivesOn: IsoDate;
  arrivesAt: string;
  /** Data lines (a CSV header not counted). */
  lines: number;
  bytes: number;
  expected: LineCounts;
  /** The interface mapping (in `mappings`) the department's own columns are read with. */
  mapping?: string;
}

export interface Manifest {
  version: 1;
  generator: 'simulate-province';
  seed: number;
  pensioners: number;
  nonPensioners: number;
  start: IsoDate;
  end: IsoDate;
  days: number;
  /** Where the registry's certifications come from (SimulationOptions); absent in manifests written before it existed: legacy. */
  startCertifications?: StartMode;
  timezone: 'Asia/Shanghai';
  registry: { path: string; contentType: string; charset: 'utf-8'; lines: number; bytes: number };
  truth: { path: string; contentType: string; charset: 'utf-8'; lines: number; bytes: number };
  /** The interface mappings of the departments that export in their own columns: the service's MAPPINGS_FILE. */
  mappings: { path: string };
  files: ManifestFile[];
}

export interface SimulationSummary {
  manifest: Manifest;
  personas: Record<Persona, number>;
  deaths: number;
  deathsRecorded: number;
  cardUsedAfterDeath: number;
  custodialSentences: number;
  lapsedAtStart: number;
  lines: LineCounts & { total: number; bySource: Record<Source, number> };
  files: number;
  bytes: number;
  passes: number;
}

export interface WriteOptions {
  /** Arrival days per pass (default 92): bounds the files open at once (≈ 3 per day). */
  windowDays?: number;
  onProgress?: (done: number, total: number) => void;
}

const FLUSH_CHARS = 64 * 1024;

class BufferedFile {
  private parts: string[] = [];
  private pending = 0;
  bytes = 0;
  lines = 0;
  private error: Error | null = null;

  constructor(
    private readonly stream: Writable,
    private readonly charset: 'utf-8' | 'gbk',
  ) {
    stream.on('error', (err: Error) => {
      this.error = err;
    });
  }

  /** Appends text; returns a promise when the stream asks the caller to wait. */
  append(text: string): Promise<void> | undefined {
    this.parts.push(text);
    this.pending += text.length;
    return this.pending >= FLUSH_CHARS ? this.flush() : undefined;
  }

  private flush(): Promise<void> | undefined {
    if (this.error) throw this.error;
    if (this.parts.length === 0) return undefined;
    const text = this.parts.join('');
    this.parts = [];
    this.pending = 0;
    const buf = this.charset === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8');
    this.bytes += buf.length;
    if (this.stream.write(buf)) return undefined;
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        this.stream.off('error', onError);
        resolve();
      };
      const onError = (err: Error): void => {
        this.stream.off('drain', onDrain);
        reject(err);
      };
      this.stream.once('drain', onDrain);
      this.stream.once('error', onError);
    });
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.error) throw this.error;
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }
}

function emptyCounts(): LineCounts {
  return { accepted: 0, duplicates: 0, unmatched: 0, rejected: 0 };
}

const COUNT_KEY: Record<LineClass, keyof LineCounts> = {
  event: 'accepted',
  duplicate: 'duplicates',
  non_pensioner: 'unmatched',
  bad: 'rejected',
};

/** Every person in generation order (pensioners and non-pensioners interleaved). */
export function* generatePeople(ctx: SimulationContext): Generator<SimPerson> {
  ctx.resetPass();
  for (let i = 0; i < ctx.total; i++) yield ctx.generatePerson(i);
}

/**
 * Generates the province described by `options` and writes it to `sink`: registry.ndjson,
 * truth.ndjson, feeds/* and manifest.json. Same options ⇒ same bytes.
 */
export async function simulateProvince(options: SimulationOptions & WriteOptions, sink: SimulationSink): Promise<SimulationSummary> {
  const ctx = new SimulationContext(options);
  const windowDays = Math.max(1, Math.floor(options.windowDays ?? 92));
  const passes = Math.max(1, Math.ceil(ctx.days / windowDays));
  const progressTotal = passes * ctx.total;
  let progress = 0;

  const files: ManifestFile[] = [];
  const summary: Omit<SimulationSummary, 'manifest'> = {
    personas: { urban_active: 0, rural: 0, frail: 0, isolated: 0 },
    deaths: 0,
    deathsRecorded: 0,
    cardUsedAfterDeath: 0,
    custodialSentences: 0,
    lapsedAtStart: 0,
    lines: { ...emptyCounts(), total: 0, bySource: Object.fromEntries(SOURCES_IN_ORDER.map((x) => [x, 0])) as Record<Source, number> },
    files: 0,
    bytes: 0,
    passes,
  };
  const lapseBefore = ctx.date(-365);

  const registry = new BufferedFile(sink.open('registry.ndjson'), 'utf-8');
  const truth = new BufferedFile(sink.open('truth.ndjson'), 'utf-8');

  for (let pass = 0; pass < passes; pass++) {
    // Files arriving on days [from, to).
    const from = 1 + pass * windowDays;
    const to = pass === passes - 1 ? ctx.days + 1 : from + windowDays;
    const open = new Map<string, { file: BufferedFile; entry: ManifestFile }>();
    const fileFor = (line: FeedLine): { file: BufferedFile; entry: ManifestFile } => {
      const source = line.event.source;
      const key = `${source}:${line.arrival}`;
      let f = open.get(key);
      if (f === undefined) {
        const fmt = FEED_FORMATS[source];
        const arrivesOn = ctx.date(line.arrival);
        const entry: ManifestFile = {
          path: feedPath(source, arrivesOn),
          source,
          contentType: fmt.contentType,
          charset: fmt.charset,
          arrivesOn,
          arrivesAt: `${arrivesOn}T${fmt.arrivesAt}+08:00`,
          lines: 0,
          bytes: 0,
          expected: emptyCounts(),
          ...(fmt.mapping ? { mapping: fmt.mapping } : {}),
        };
        const file = new BufferedFile(sink.open(entry.path), fmt.charset);
        if (fmt.header !== null) void file.append(fmt.header + '\n');
        f = { file, entry };
        open.set(key, f);
      }
      return f;
    };

    ctx.resetPass();
    for (let i = 0; i < ctx.total; i++) {
      const person = ctx.generatePerson(i);
      const waits: Promise<void>[] = [];
      if (pass === 0 && person.registry !== null && person.truth !== null) {
        const w1 = registry.append(JSON.stringify(person.registry) + '\n');
        const w2 = truth.append(JSON.stringify(person.truth) + '\n');
        registry.lines++;
        truth.lines++;
        if (w1) waits.push(w1);
        if (w2) waits.push(w2);
        const t = person.truth;
        summary.personas[t.persona]++;
        if (t.deathDate !== null) summary.deaths++;
        if (t.deathRecordArrivesOn !== null) summary.deathsRecorded++;
        if (t.cardUsedAfterDeath) summary.cardUsedAfterDeath++;
        summary.custodialSentences += t.custodialPeriods.length;
        const last = person.registry.lastCertifiedAt;
        if (last !== undefined && last < lapseBefore) summary.lapsedAtStart++;
      }
      for (const line of person.lines) {
        if (line.arrival < from || line.arrival >= to) continue;
        const { file, entry } = fileFor(line);
        const w = file.append(serializeLine(ctx, person, line) + '\n');
        if (w) waits.push(w);
        entry.lines++;
        entry.expected[COUNT_KEY[line.cls]]++;
      }
      if (waits.length > 0) await Promise.all(waits);
      progress++;
      if (options.onProgress && (progress % 1000 === 0 || progress === progressTotal)) options.onProgress(progress, progressTotal);
    }
    if (pass === 0) {
      await registry.close();
      await truth.close();
    }
    for (const { file, entry } of open.values()) {
      await file.close();
      entry.bytes = file.bytes;
      files.push(entry);
    }
  }

  const sourceRank = (s: Source): number => SOURCES_IN_ORDER.indexOf(s);
  files.sort((a, b) => (a.arrivesAt < b.arrivesAt ? -1 : a.arrivesAt > b.arrivesAt ? 1 : sourceRank(a.source) - sourceRank(b.source)));
  for (const f of files) {
    summary.lines.accepted += f.expected.accepted;
    summary.lines.duplicates += f.expected.duplicates;
    summary.lines.unmatched += f.expected.unmatched;
    summary.lines.rejected += f.expected.rejected;
    summary.lines.total += f.lines;
    summary.lines.bySource[f.source] += f.lines;
    summary.bytes += f.bytes;
  }
  summary.files = files.length;
  summary.bytes += registry.bytes + truth.bytes;

  const manifest: Manifest = {
    version: 1,
    generator: 'simulate-province',
    seed: ctx.options.seed,
    pensioners: ctx.options.pensioners,
    nonPensioners: ctx.nonPensioners,
    start: ctx.start,
    end: ctx.end,
    days: ctx.days,
    startCertifications: ctx.options.startCertifications,
    timezone: 'Asia/Shanghai',
    registry: { path: 'registry.ndjson', contentType: 'application/x-ndjson', charset: 'utf-8', lines: registry.lines, bytes: registry.bytes },
    truth: { path: 'truth.ndjson', contentType: 'application/x-ndjson', charset: 'utf-8', lines: truth.lines, bytes: truth.bytes },
    mappings: { path: 'mappings.json' },
    files,
  };
  const mappingsFile = new BufferedFile(sink.open(manifest.mappings.path), 'utf-8');
  void mappingsFile.append(JSON.stringify(DEPARTMENT_MAPPINGS, null, 2) + '\n');
  await mappingsFile.close();
  summary.bytes += mappingsFile.bytes;
  const manifestFile = new BufferedFile(sink.open('manifest.json'), 'utf-8');
  void manifestFile.append(JSON.stringify(manifest, null, 2) + '\n');
  await manifestFile.close();
  summary.bytes += manifestFile.bytes;
  return { manifest, ...summary };
}

export { PERSONAS };
