// `feed upload FILE --source S [--charset gbk] [--mapping NAME] [--url URL] [--key KEY]`: streams a file to
// the API with a progress bar, then follows the batch until it is done and prints its counts.
import { createReadStream, statSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../../config.ts';
import { clientServiceUrl } from '../../infra/service-address.ts';

export interface UploadOptions {
  source: string;
  charset?: string;
  /** The interface mapping (MAPPINGS_FILE of the service) the file is read with. */
  mapping?: string;
  url?: string;
  key?: string;
  type?: string;
  quiet?: boolean;
  pollMs?: number;
}

export class UploadError extends Error {}

/** The API as the CLI finds it: PENSION_URL, the service on this DATA_DIR, or PORT/HOST. */
export function defaultUrl(url?: string): string {
  const c = loadConfig();
  return clientServiceUrl({ url, env: process.env, dataDir: c.dataDir, host: c.host, port: c.port });
}

/** fetch, with a refused or unreachable address said in one line with what to do. */
export async function callApi(base: string, url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new UploadError(
      `cannot reach the API at ${base} (${cause?.code ?? cause?.message ?? (e as Error).message}): start it with \`npm start\`, or give its address with --url or PENSION_URL`,
    );
  }
}

export async function uploadFile(file: string, o: UploadOptions, out: NodeJS.WritableStream = process.stdout) {
  const key = o.key;
  if (!key) throw new UploadError('an API key is needed: --key KEY or API_KEY in the environment');
  const base = (o.url ?? defaultUrl()).replace(/\/$/, '');
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new UploadError(`cannot read ${file}`);
  }
  const type = o.type ?? (/\.(ndjson|jsonl)$/i.test(file) ? 'application/x-ndjson' : 'text/csv');
  const bar = o.quiet
    ? null
    : new cliProgress.SingleBar({ format: 'upload |{bar}| {percentage}% {value}/{total} MiB', hideCursor: true }, cliProgress.Presets.shades_classic);
  const mib = (n: number) => Math.round((n / 1048576) * 10) / 10;
  bar?.start(mib(size), 0);
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      sent += chunk.length;
      bar?.update(mib(sent));
      cb(null, chunk);
    },
  });
  const body = Readable.toWeb(createReadStream(file).pipe(counter)) as ReadableStream;
  const query = o.mapping ? `?mapping=${encodeURIComponent(o.mapping)}` : '';
  const res = await callApi(base, `${base}/v1/feeds/${encodeURIComponent(o.source)}/batches${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': `${type}; charset=${o.charset ?? 'utf-8'}`, 'content-length': String(size) },
    body,
    duplex: 'half',
  } as RequestInit);
  bar?.stop();
  const answer = (await res.json().catch(() => ({}))) as { batchId?: string; status?: string; error?: { code: string; message: string } };
  if (res.status !== 202 || !answer.batchId)
    throw new UploadError(`upload refused (${res.status}): ${answer.error ? `${answer.error.code}: ${answer.error.message}` : 'no answer'}`);
  out.write(`batch ${answer.batchId} ${answer.status}\n`);

  for (;;) {
    const r = await callApi(base, `${base}/v1/feeds/batches/${answer.batchId}`, { headers: { authorization: `Bearer ${key}` } });
    const b = (await r.json()) as Record<string, unknown> & { status: string; rejects: { line: number; code: string; message: string }[] };
    if (r.status !== 200) {
      const why = (b as { error?: { code: string; message: string } }).error;
      throw new UploadError(
        `cannot read batch ${answer.batchId} (${r.status}${why ? ` ${why.code}: ${why.message}` : ''}): use the key that uploaded it, or an admin key`,
      );
    }
    if (b.status === 'completed' || b.status === 'failed') {
      out.write(`status ${b.status}: lines ${b.lines}, accepted ${b.accepted}, duplicates ${b.duplicates}, unmatched ${b.unmatched}, rejected ${b.rejected}\n`);
      for (const x of b.rejects.slice(0, 20)) out.write(`  line ${x.line}: ${x.code}: ${x.message}\n`);
      if (b.error) out.write(`error: ${b.error}\n`);
      return b;
    }
    await new Promise((r2) => setTimeout(r2, o.pollMs ?? 500));
  }
}

export function feedCommands(program: Command) {
  const feed = program.command('feed').description('department feeds');
  feed
    .command('upload <file>')
    .description('upload a CSV or NDJSON file of events as a batch, then print its counts')
    .requiredOption('--source <source>', 'a source of the policy in force, e.g. hospital')
    .option('--charset <charset>', 'utf-8 (default) or gbk')
    .option('--mapping <name>', "read the file's own columns, dates and codes through this interface mapping of the service (MAPPINGS_FILE)")
    .option('--type <mediaType>', 'text/csv (default) or application/x-ndjson (default for .ndjson files)')
    .option('--url <url>', 'the API (default: PENSION_URL, else the service running on DATA_DIR, else http://HOST:PORT)')
    .option('--key <key>', 'a feed or admin key (default: API_KEY)')
    .action(async (file: string, o: UploadOptions) => {
      // API_KEY is the operator's shell default for --key, read here by the command: it
      // configures this client, not the service (src/config.ts).
      const b = await uploadFile(file, { ...o, key: o.key ?? process.env.API_KEY, url: defaultUrl(o.url) });
      if (b.status === 'failed') process.exitCode = 1;
    });
}
