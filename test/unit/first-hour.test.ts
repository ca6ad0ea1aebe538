// The edges a newcomer meets first: CLI errors in one line, the API's address found from
// configuration, and a body taken as UTF-8 checked as it streams.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { cliErrorLine } from '../../src/cli-errors.ts';
import { ConfigError } from '../../src/config.ts';
import { clientServiceUrl, localUrl, removeServiceAddress, runningServiceUrl, writeServiceAddress } from '../../src/infra/service-address.ts';
import { runningEmbeddedPort } from '../../src/infra/embedded-postgres.ts';
import { utf8Checker } from '../../src/infra/utf8-check.ts';
import { assumedCertification } from '../../src/domain/cycle.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'pc-first-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI errors', () => {
  it('are one line whatever was thrown, never a TypeError about the thrown value', () => {
    for (const thrown of [undefined, null, 'text', 42, new Error('first\n    at stack line'), { code: 'X' }]) {
      const line = cliErrorLine(thrown);
      expect(line).not.toMatch(/\n|TypeError|at stack/);
      expect(line.length).toBeGreaterThan(6);
    }
    expect(cliErrorLine(new ConfigError('configuration error: PORT is invalid'))).toBe('configuration error: PORT is invalid');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(cliErrorLine(refused)).toMatch(/^cannot reach the database .*DATABASE_URL$/);
  });
});

describe("the API's address for the CLI", () => {
  const base = { env: {}, dataDir: path.join(dir, 'none'), host: '127.0.0.1', port: 3100 };
  it('is --url, else PENSION_URL, else the service on DATA_DIR, else HOST:PORT', () => {
    expect(clientServiceUrl({ ...base, url: 'http://x:1/' })).toBe('http://x:1');
    expect(clientServiceUrl({ ...base, env: { PENSION_URL: 'http://y:2' } })).toBe('http://y:2');
    expect(clientServiceUrl(base)).toBe('http://127.0.0.1:3100');
    expect(clientServiceUrl({ ...base, host: '0.0.0.0' })).toBe('http://127.0.0.1:3100');
    writeServiceAddress(dir, localUrl('127.0.0.1', 4321));
    expect(clientServiceUrl({ ...base, dataDir: dir })).toBe('http://127.0.0.1:4321');
    removeServiceAddress(dir);
    expect(runningServiceUrl(dir)).toBeNull();
  });

  it('ignores the address file of a process that is gone', () => {
    writeFileSync(path.join(dir, 'service.json'), JSON.stringify({ url: 'http://127.0.0.1:9', pid: 2 ** 22 + 7 }));
    expect(runningServiceUrl(dir)).toBeNull();
  });

  it("reads the embedded PostgreSQL's port from its postmaster.pid, only while that process lives", () => {
    const pgDir = path.join(dir, 'pg');
    rmSync(pgDir, { recursive: true, force: true });
    expect(runningEmbeddedPort(dir)).toBeNull();
    mkdirSync(pgDir);
    writeFileSync(path.join(pgDir, 'postmaster.pid'), `${process.pid}\n${pgDir}\n1700000000\n55123\n/tmp\n127.0.0.1\n`);
    expect(runningEmbeddedPort(dir)).toBe(55123);
    writeFileSync(path.join(pgDir, 'postmaster.pid'), `${2 ** 22 + 7}\n${pgDir}\n1700000000\n55123\n`);
    expect(runningEmbeddedPort(dir)).toBeNull();
  });
});

describe('UTF-8 check of a streamed body', () => {
  const check = (chunks: Buffer[]) => {
    const c = utf8Checker();
    return chunks.every((b) => c.add(b)) && c.end();
  };
  it('accepts any UTF-8 text however it is cut into chunks', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.array(fc.nat(), { maxLength: 6 }), (text, cuts) => {
        const bytes = Buffer.from(text);
        const at = [...new Set(cuts.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...at].map((from, i) => bytes.subarray(from, [...at, bytes.length][i]));
        return check(chunks);
      }),
    );
  });
  it('refuses GBK, and a character cut off at the end', () => {
    expect(check([iconv.encode('姓名,欧阳明\n', 'gbk')])).toBe(false);
    expect(check([Buffer.from('张').subarray(0, 2)])).toBe(false);
  });
});

describe('a person registered without lastCertifiedAt', () => {
  it('is certified from a recent benefit start, otherwise due on the day of registration', () => {
    expect(assumedCertification('2026-03-01', '2026-06-15')).toBe('2026-03-01');
    expect(assumedCertification('2010-01-01', '2026-06-15')).toBe('2025-08-15');
  });
});
