// Phase 3: the pension registry, registered through POST /v1/pensioners/bulk as a bureau would.
import { log } from '../lib.ts';
import { bar, sec } from './progress.ts';
import type { Service } from './service.ts';
import { ndjsonLines, type Province } from './simulation.ts';

const CHUNK = 100_000;

export interface Registration {
  created: number;
  updated: number;
  rejected: number;
  seconds: number;
}

async function sendChunk(s: Service, lines: string[], registration: Registration): Promise<void> {
  const r = await fetch(`${s.base}/v1/pensioners/bulk`, {
    method: 'POST',
    headers: { ...s.admin, 'content-type': 'application/x-ndjson' },
    body: lines.join('\n') + '\n',
  });
  const a = (await r.json()) as { created: number; updated: number; rejected: unknown[] };
  if (r.status !== 200) throw new Error(`bulk registration: ${r.status} ${JSON.stringify(a)}`);
  registration.created += a.created;
  registration.updated += a.updated;
  registration.rejected += a.rejected.length;
}

/** Also counts pensioners per county: each county's staff capacity is proportional to it. */
export async function registerPensioners(p: Province, s: Service): Promise<{ registration: Registration; pensionersByCounty: Map<string, number> }> {
  const t = Date.now();
  const registration: Registration = { created: 0, updated: 0, rejected: 0, seconds: 0 };
  const pensionersByCounty = new Map<string, number>();
  const b = bar('register [{bar}] {percentage}% | {value}/{total} pensioners', p.manifest.registry.lines);
  let chunk: string[] = [];
  const send = async () => {
    if (chunk.length === 0) return;
    await sendChunk(s, chunk, registration);
    b.increment(chunk.length);
    chunk = [];
  };
  for await (const line of ndjsonLines(p, p.manifest.registry.path)) {
    chunk.push(line);
    const county = (JSON.parse(line) as { regionCode: string }).regionCode;
    pensionersByCounty.set(county, (pensionersByCounty.get(county) ?? 0) + 1);
    if (chunk.length >= CHUNK) await send();
  }
  await send();
  b.stop();
  registration.seconds = sec(Date.now() - t);
  log(`registered ${registration.created.toLocaleString()} (rejected ${registration.rejected}) in ${registration.seconds} s`);
  return { registration, pensionersByCounty };
}
