// The departments of the match bench (bench/match.ts): a tiny local HTTP server that holds the
// simulated year's records (src/simulate) and gives them out as a department would, either
// whole (a pull interface: every record that has arrived, paged by an offset cursor) or
// matched (a match interface: the records it holds about the IDs it is asked, since a date).
// A record is held from its file's arrival; what it sends is counted per source.
import { createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { shanghaiDate } from '../src/domain/calendar.ts';
import { records } from '../src/modules/evidence/parse.ts';
import type { Manifest } from '../src/simulate/simulate.ts';

export interface HeldRecord {
  arrivesAt: number;
  /** Shanghai date of occurredAt; '' when the line has none the service could read. */
  occurredOn: string;
  nationalId: string;
  event: Record<string, unknown>;
}

export interface Holdings {
  /** Per source, in arrival order. */
  bySource: Map<string, HeldRecord[]>;
  /** Per source, per national ID (upper case). */
  byPerson: Map<string, Map<string, HeldRecord[]>>;
}

/** Every line of every file of the simulation the service could read as an event. */
export async function readHoldings(dir: string, manifest: Manifest): Promise<Holdings> {
  const bySource = new Map<string, HeldRecord[]>();
  const byPerson = new Map<string, Map<string, HeldRecord[]>>();
  const files = [...manifest.files].sort((a, b) => Date.parse(a.arrivesAt) - Date.parse(b.arrivesAt));
  for (const f of files) {
    const arrivesAt = Date.parse(f.arrivesAt);
    const list = bySource.get(f.source) ?? bySource.set(f.source, []).get(f.source)!;
    const people = byPerson.get(f.source) ?? byPerson.set(f.source, new Map()).get(f.source)!;
    for await (const r of records(createReadStream(path.join(dir, f.path)), { contentType: f.contentType, charset: f.charset })) {
      if ('error' in r) continue; // a line no interface could send as JSON either
      const event = { ...r.raw, source: f.source } as Record<string, unknown>;
      const at = Date.parse(String(event.occurredAt ?? ''));
      const nationalId = String(event.nationalId ?? '').toUpperCase();
      const held = { arrivesAt, occurredOn: Number.isNaN(at) ? '' : shanghaiDate(new Date(at)), nationalId, event };
      list.push(held);
      (people.get(nationalId) ?? people.set(nationalId, []).get(nationalId)!).push(held);
    }
  }
  return { bySource, byPerson };
}

export interface Department {
  base: string;
  /** Records sent so far, per source. */
  sent: Map<string, number>;
  /** Of which about people who are not pensioners, and sent before, per source. */
  strangers: Map<string, number>;
  repeats: Map<string, number>;
  seen: Set<HeldRecord>;
  requests: number;
  close(): Promise<void>;
}

const json = (res: import('node:http').ServerResponse, body: unknown) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/**
 * GET /pull/{source}?since=offset&limit=n → {"events", "nextCursor", "hasMore"}.
 * POST /match/{source} {"nationalIds", "since"} → {"events"}.
 * `now()` is the bench's simulated instant: records arrived after it are not held yet.
 */
export async function startDepartment(h: Holdings, now: () => Date, isPensioner: (nationalId: string) => boolean): Promise<Department> {
  const sent = new Map<string, number>();
  const strangers = new Map<string, number>();
  const repeats = new Map<string, number>();
  const seen = new Set<HeldRecord>();
  const add = (m: Map<string, number>, source: string, n: number) => m.set(source, (m.get(source) ?? 0) + n);
  const count = (source: string, page: HeldRecord[]) => {
    add(sent, source, page.length);
    add(strangers, source, page.filter((r) => !isPensioner(r.nationalId)).length);
    add(
      repeats,
      source,
      page.filter((r) => {
        const again = seen.has(r);
        seen.add(r);
        return again;
      }).length,
    );
    return page.map((r) => r.event);
  };
  const dept = { sent, strangers, repeats, seen, requests: 0 } as Department;
  const server: Server = createServer((req, res) => {
    dept.requests++;
    const url = new URL(req.url ?? '/', 'http://department');
    const [, kind, source] = url.pathname.split('/');
    const t = now().getTime();
    if (kind === 'pull') {
      const all = h.bySource.get(source!) ?? [];
      const from = Number(url.searchParams.get('since') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 1000);
      const page: HeldRecord[] = [];
      for (let i = from; i < all.length && page.length < limit && all[i]!.arrivesAt <= t; i++) page.push(all[i]!);
      return json(res, { events: count(source!, page), nextCursor: String(from + page.length), hasMore: page.length === limit });
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const q = JSON.parse(body) as { nationalIds: string[]; since: string };
      const people = h.byPerson.get(source!) ?? new Map<string, HeldRecord[]>();
      const found = q.nationalIds.flatMap((id) => (people.get(id) ?? []).filter((r) => r.arrivesAt <= t && r.occurredOn >= q.since));
      json(res, { events: count(source!, found) });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  dept.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dept.close = () => new Promise<void>((r) => server.close(() => r()));
  return dept;
}
