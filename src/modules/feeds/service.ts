// Pulling a department interface: pages since the cursor kept in feed_cursors. Each page
// is stored by the same set-based merge as pushes, and the cursor advances in the same
// transaction, so a crash between pages loses nothing and repeats nothing.
//
// The interface: GET {baseUrl}?since={cursor}&limit={pageSize} with Authorization: Bearer
// {token} → {"events": [...], "nextCursor": string|null, "hasMore"?: boolean}. Events are
// shaped as in the contract (source may be left out); other fields are ignored.
import type pg from 'pg';
import type { Clock } from '../../infra/clock.ts';
import { validateEvent, EVENT_FIELDS, type EventRecord, type RawEvent } from '../evidence/validate.ts';
import type { EvidenceRepository } from '../evidence/repository.ts';
import type { FeedInterface } from './config.ts';

export class ThrottledError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`the interface asked us to wait ${retryAfterMs} ms (429)`);
  }
}
export class MalformedPageError extends Error {}
export class UpstreamError extends Error {}

export interface PullResult {
  pages: number;
  accepted: number;
  duplicates: number;
  unmatched: number;
  rejected: number;
  cursor: string | null;
}

export function parseRetryAfter(h: string | null, now: Date): number {
  if (!h) return 1000;
  if (/^\d+$/.test(h.trim())) return Number(h) * 1000;
  const t = Date.parse(h);
  return Number.isNaN(t) ? 1000 : Math.max(0, t - now.getTime());
}

export function createFeedService(deps: {
  pool: pg.Pool;
  repo: EvidenceRepository;
  clock: Clock;
  enqueueRescore: (ids: string[], key: string) => Promise<number>;
}) {
  const { pool, repo, clock, enqueueRescore } = deps;

  async function cursorOf(feed: string): Promise<string | null> {
    const r = await pool.query('SELECT cursor FROM feed_cursors WHERE feed = $1', [feed]);
    return r.rows[0]?.cursor ?? null;
  }

  async function fetchPage(f: FeedInterface, cursor: string | null) {
    const url = new URL(f.baseUrl);
    if (cursor !== null) url.searchParams.set('since', cursor);
    url.searchParams.set('limit', String(f.pageSize));
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept: 'application/json', ...(f.token ? { authorization: `Bearer ${f.token}` } : {}) },
        signal: AbortSignal.timeout(f.timeoutMs),
      });
    } catch (e) {
      throw new UpstreamError(`${f.name}: ${(e as Error).name === 'TimeoutError' ? `no answer within ${f.timeoutMs} ms` : (e as Error).message}`);
    }
    if (res.status === 429) {
      void res.body?.cancel().catch(() => {});
      throw new ThrottledError(parseRetryAfter(res.headers.get('retry-after'), clock.now()));
    }
    if (!res.ok) {
      void res.body?.cancel().catch(() => {});
      throw new UpstreamError(`${f.name}: HTTP ${res.status}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new MalformedPageError(`${f.name}: the page is not JSON`);
    }
    const b = body as { events?: unknown; nextCursor?: unknown; hasMore?: unknown };
    if (typeof body !== 'object' || body === null || !Array.isArray(b.events)) throw new MalformedPageError(`${f.name}: the page has no events array`);
    if (!(b.nextCursor === null || typeof b.nextCursor === 'string')) throw new MalformedPageError(`${f.name}: nextCursor must be a string or null`);
    if (b.events.some((e) => typeof e !== 'object' || e === null || Array.isArray(e))) throw new MalformedPageError(`${f.name}: an event is not an object`);
    if (b.events.length > 0 && b.nextCursor === null) throw new MalformedPageError(`${f.name}: a page with events must give the next cursor`);
    return { events: b.events as Record<string, unknown>[], nextCursor: b.nextCursor as string | null, hasMore: b.hasMore !== false && b.events.length > 0 };
  }

  return {
    cursorOf,

    /** One run: pages until the interface has no more (or maxPages), each committed with its cursor. */
    async pull(f: FeedInterface, o: { maxPages?: number; beforePage?: () => Promise<void> } = {}): Promise<PullResult> {
      const out: PullResult = { pages: 0, accepted: 0, duplicates: 0, unmatched: 0, rejected: 0, cursor: await cursorOf(f.name) };
      const maxPages = o.maxPages ?? 1000;
      while (out.pages < maxPages) {
        await o.beforePage?.();
        const page = await fetchPage(f, out.cursor);
        const now = clock.now();
        const rows: EventRecord[] = [];
        for (const e of page.events) {
          const raw: Record<string, unknown> = {};
          for (const k of EVENT_FIELDS) if (k in e) raw[k] = e[k];
          const c = validateEvent(raw as RawEvent, { now, pathSource: f.source });
          if (c.ok) rows.push(c.value);
          else out.rejected++;
        }
        const from = out.cursor;
        const c = await pool.connect();
        let m;
        try {
          await c.query('BEGIN');
          const cur = await c.query('SELECT cursor FROM feed_cursors WHERE feed = $1 FOR UPDATE', [f.name]);
          if ((cur.rows[0]?.cursor ?? null) !== from) throw new UpstreamError(`${f.name}: the cursor moved under this run (another pull is running)`);
          m = await repo.mergeRows(c, rows, { regionPrefix: f.regionPrefix, receivedAt: now });
          if (page.nextCursor !== null) {
            await c.query(
              `INSERT INTO feed_cursors (feed, cursor, updated_at) VALUES ($1, $2, $3)
               ON CONFLICT (feed) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
              [f.name, page.nextCursor, now],
            );
          }
          await c.query('COMMIT');
        } catch (e) {
          await c.query('ROLLBACK').catch(() => {});
          throw e;
        } finally {
          c.release();
        }
        out.pages++;
        out.accepted += m.inserted;
        out.duplicates += m.matched - m.inserted;
        out.unmatched += rows.length - m.matched;
        if (page.nextCursor !== null) out.cursor = page.nextCursor;
        if (m.firstId) await enqueueRescore(m.touched.sort(), `pull_${m.firstId}`);
        if (!page.hasMore || page.nextCursor === from) break;
      }
      return out;
    },
  };
}
export type FeedService = ReturnType<typeof createFeedService>;
