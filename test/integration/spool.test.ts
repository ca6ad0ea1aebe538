// The upload spool on a real file system: what is read back is what arrived, and no path
// (too large, a refused head, a client gone) leaves a file behind.
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spool, sweepSpool } from '../../src/infra/spool.ts';
import { DomainError, invalid } from '../../src/domain/errors.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'pc-spool-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* pieces(...parts: Buffer[]) {
  for (const p of parts) yield p;
}

describe('spool', () => {
  it('reads back exactly what arrived, in pieces of the asked size, with its size and SHA-256', async () => {
    const parts = Array.from({ length: 40 }, (_, i) => Buffer.alloc(100_000 + i, i));
    const whole = Buffer.concat(parts);
    const s = await spool(pieces(...parts), { dir, maxBytes: whole.length });
    expect(s.bytes).toBe(whole.length);
    expect(s.sha256).toBe(createHash('sha256').update(whole).digest('hex'));
    const back: Buffer[] = [];
    for await (const p of s.pieces(1024 * 1024)) back.push(p);
    expect(back.slice(0, -1).every((p) => p.length === 1024 * 1024)).toBe(true);
    expect(Buffer.concat(back).equals(whole)).toBe(true);
    await s.remove();
    await s.remove();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('shows the head once, as soon as it is in, or the whole body if shorter', async () => {
    const seen: [number, boolean][] = [];
    const inspectHead = (head: Buffer, complete: boolean) => void seen.push([head.length, complete]);
    await (await spool(pieces(Buffer.alloc(40_000), Buffer.alloc(40_000), Buffer.alloc(40_000)), { dir, maxBytes: 1e6, inspectHead })).remove();
    await (await spool(pieces(Buffer.from('short')), { dir, maxBytes: 1e6, inspectHead })).remove();
    expect(seen).toEqual([
      [80_000, false],
      [5, true],
    ]);
  });

  it('leaves no file when the body is too large, the head is refused, or the body fails', async () => {
    await expect(spool(pieces(Buffer.alloc(600), Buffer.alloc(600)), { dir, maxBytes: 1000 })).rejects.toMatchObject({ kind: 'too_large' });
    const refuse = () => {
      throw invalid('missing_column', 'no kind');
    };
    await expect(spool(pieces(Buffer.alloc(10)), { dir, maxBytes: 1000, inspectHead: refuse })).rejects.toBeInstanceOf(DomainError);
    async function* broken() {
      yield Buffer.alloc(2 * 1024 * 1024); // written to the file before the failure
      throw new Error('the client went away');
    }
    await expect(spool(broken(), { dir, maxBytes: 1e9 })).rejects.toThrow('the client went away');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('sweepSpool', () => {
  it('removes only spooled files left untouched for longer than asked', async () => {
    const old = path.join(dir, 'upload-old');
    const fresh = path.join(dir, 'upload-fresh');
    const other = path.join(dir, 'someone-elses');
    for (const f of [old, fresh, other]) writeFileSync(f, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(old, twoHoursAgo, twoHoursAgo);
    utimesSync(other, twoHoursAgo, twoHoursAgo);
    expect(await sweepSpool(dir, 3_600_000)).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['someone-elses', 'upload-fresh']);
    rmSync(fresh);
    rmSync(other);
    expect(await sweepSpool(path.join(dir, 'missing'), 0)).toBe(0);
  });
});
