// A request body written to a file of its own as it arrives. A client sends at its own speed,
// which may be one byte a minute; what comes after (storing the file in PostgreSQL) must not
// wait on it, so it reads the finished file at disk speed instead. The files hold personal
// data: only the process's user may read them, and they are removed in every path (a crashed
// process's leftovers by sweepSpool at the next start).
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { tooLarge } from '../domain/errors.ts';

const WRITE_BYTES = 1024 * 1024;
const PREFIX = 'upload-';

export interface SpooledBody {
  bytes: number;
  sha256: string;
  /** The file in pieces of `size` bytes (the last one shorter), read from disk. */
  pieces(size: number): AsyncGenerator<Buffer>;
  /** Removes the file; safe to call more than once. */
  remove(): Promise<void>;
}

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  /** Shown the body's first `headBytes` once they are in (`complete` false), or the whole body if shorter; may throw to refuse it. */
  inspectHead?: (head: Buffer, complete: boolean) => void;
  headBytes?: number;
  /** Shown every chunk as it arrives, then `null` at the end; may throw to refuse the body. */
  inspectChunk?: (chunk: Buffer | null) => void;
}

/** Writes `body` to a new file under `dir`, counting, hashing and inspecting it on the way; on any error the file is gone. */
export async function spool(body: AsyncIterable<Buffer>, o: SpoolOptions): Promise<SpooledBody> {
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const file = path.join(o.dir, `${PREFIX}${randomUUID()}`);
  const remove = () => rm(file, { force: true });
  const fh = await open(file, 'wx', 0o600);
  try {
    const { bytes, sha256 } = await writeBody(fh, body, o);
    await fh.close();
    return { bytes, sha256, pieces: (size) => readPieces(file, size), remove };
  } catch (e) {
    await fh.close().catch(() => {});
    await remove();
    throw e;
  }
}

async function writeBody(fh: FileHandle, body: AsyncIterable<Buffer>, o: SpoolOptions) {
  const hash = createHash('sha256');
  const headBytes = o.headBytes ?? 64 * 1024;
  let head: Buffer[] | null = o.inspectHead ? [] : null;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > o.maxBytes) throw tooLarge(`the body exceeds ${o.maxBytes} bytes`);
    hash.update(chunk);
    o.inspectChunk?.(chunk);
    // A bad head is refused before the rest of a large body arrives.
    if (head) {
      head.push(chunk);
      if (bytes >= headBytes) {
        o.inspectHead!(Buffer.concat(head), false);
        head = null;
      }
    }
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= WRITE_BYTES) {
      await fh.writev(pending);
      pending = [];
      pendingBytes = 0;
    }
  }
  if (head) o.inspectHead!(Buffer.concat(head), true);
  o.inspectChunk?.(null);
  if (pending.length) await fh.writev(pending);
  return { bytes, sha256: hash.digest('hex') };
}

async function* readPieces(file: string, size: number): AsyncGenerator<Buffer> {
  const fh = await open(file, 'r');
  try {
    for (let position = 0; ; position += size) {
      const buf = Buffer.allocUnsafe(size);
      const { bytesRead } = await fh.read(buf, 0, size, position);
      if (bytesRead === 0) return;
      yield bytesRead < size ? buf.subarray(0, bytesRead) : buf;
      if (bytesRead < size) return;
    }
  } finally {
    await fh.close();
  }
}

/**
 * Removes the files a process left behind when it died mid-upload. Another process may be
 * spooling into the same directory right now, so only files untouched for `olderThanMs` go:
 * a file is written to as long as its body arrives (the request timeout bounds that), then
 * stored and removed within seconds.
 */
export async function sweepSpool(dir: string, olderThanMs: number, now = Date.now()): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names.filter((n) => n.startsWith(PREFIX))) {
    const file = path.join(dir, name);
    const s = await stat(file).catch(() => null);
    if (s && now - s.mtimeMs > olderThanMs) {
      await rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}
