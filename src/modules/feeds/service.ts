// Pulling a department interface: pages since the cursor kept in feed_cursors. Each page
// is stored by the same set-based merge as pushes, and the cursor advances in the same
// transaction, so a crash between pages loses nothing and repeats nothing.
//
// The interface: GET {baseUrl}?since={cursor}&limit={pageSize} with Authorization: Bearer
// {token} → {"events": [...], "nextCursor": string|null, "hasMore"?: boolean}. Events are
// shaped as in the contract (source may be left out); other fields are ignored.
import type { Clock } from '../../infra/clock.ts';
import { viaPull } from '../../domain/origin.ts';
import type { Catalogue } from '../../domain/catalogue.ts';
import type { Executor, Transact } from '../../infra/database.ts';
import { validateEvent, PUSH_FIELDS, type Checked, type EventRecord, type RawEvent } from '../evidence/validate.ts';
import type { EvidenceRepository } from '../evidence/repository.ts';
import type { RescoringService } from '../rescoring/service.ts';
import type { AuditWriter } from '../audit/repository.ts';
import { reminderCodes, type SelfServiceResults } from '../self-service/service.ts';
import type { FeedInterface } from './config.ts';
import type { FeedCursorRepository } from './repository.ts';

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

export interface FeedServiceDeps {
  db: Executor;
  transaction: Transact;
  cursors: FeedCursorRepository;
  events: Pick<EvidenceRepository, 'mergeRows'>;
  rescoring: Pick<RescoringService, 'markPending' | 'queue'>;
  /** Each page a pull stores is audited with the interface that brought it. */
  audit: Pick<AuditWriter, 'record'>;
  /** Acts on new self-service results (failed face checks, reminder codes) in the page's transaction. */
  selfService: Pick<SelfServiceResults, 'record' | 'audit'>;
  clock: Clock;
  /** The sources and kinds of the policy in force. */
  catalogue: Catalogue;
}

/** An event of an interface's answer, validated; its other fields are ignored (never stored). */
export function validateAnswered(e: Record<string, unknown>, source: string, now: Date, catalogue: Catalogue): Checked {
  const raw: Record<string, unknown> = {};
  for (const k of PUSH_FIELDS) if (k in e) raw[k] = e[k];
  return validateEvent(raw as RawEvent, { now, catalogue, pathSource: source });
}

/** A page's events, validated. */
function validatePage(events: Record<string, unknown>[], f: FeedInterface, now: Date, catalogue: Catalogue): { rows: EventRecord[]; rejected: number } {
  const rows: EventRecord[] = [];
  let rejected = 0;
  for (const e of events) {
    const c = validateAnswered(e, f.source, now, catalogue);
    if (c.ok) rows.push(c.value);
    else rejected++;
  }
  return { rows, rejected };
}

/**
 * A request to a department interface and its JSON answer: 429 → ThrottledError (with its
 * Retry-After), no answer or another failure status → UpstreamError (retried), an answer that
 * is not JSON → MalformedPageError.
 */
export async function requestJson(url: URL | string, init: RequestInit, f: { name: string; timeoutMs: number }, now: () => Date): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(f.timeoutMs) });
  } catch (e) {
    throw new UpstreamError(`${f.name}: ${(e as Error).name === 'TimeoutError' ? `no answer within ${f.timeoutMs} ms` : (e as Error).message}`);
  }
  if (res.status === 429) {
    void res.body?.cancel().catch(() => {});
    throw new ThrottledError(parseRetryAfter(res.headers.get('retry-after'), now()));
  }
  if (!res.ok) {
    void res.body?.cancel().catch(() => {});
    throw new UpstreamError(`${f.name}: HTTP ${res.status}`);
  }
  try {
    return await res.json();
  } catch {
    throw new MalformedPageError(`${f.name}: the page is not JSON`);
  }
}

// Long only by its methods, each a short step; they share the deps closed over here.
export function createFeedService(deps: FeedServiceDeps) {
  const { db, transaction, cursors, events, rescoring, clock } = deps;

  const cursorOf = (feed: string): Promise<string | null> => cursors.get(db, feed);

  /**
   * Stores a page and moves the cursor past it, together. The cursor must still be where this
   * run read it: otherwise another pull of the interface is running. Re-runnable (the page is
   * in memory), so a deadlock with another merge is retried here.
   */
  function storePage(f: FeedInterface, rows: EventRecord[], from: string | null, next: string | null, now: Date) {
    return transaction(
      async (trx) => {
        if ((await cursors.get(trx, f.name, { forUpdate: true })) !== from) {
          throw new UpstreamError(`${f.name}: the cursor moved under this run (another pull is running)`);
        }
        const m = await events.mergeRows(trx, rows, { regionPrefix: f.regionPrefix, receivedAt: now, receivedVia: viaPull(f.name) });
        await rescoring.markPending(trx, m.touched);
        const acted = await deps.selfService.record(trx, m.selfService, reminderCodes(rows), now);
        if (next !== null) await cursors.advance(trx, f.name, next, now);
        return { ...m, acted };
      },
      { retries: 2 },
    );
  }

  async function fetchPage(f: FeedInterface, cursor: string | null) {
    const url = new URL(f.baseUrl);
    if (cursor !== null) url.searchParams.set('since', cursor);
    url.searchParams.set('limit', String(f.pageSize));
    const body = await requestJson(url, { headers: { accept: 'application/json', ...(f.token ? { authorization: `Bearer ${f.token}` } : {}) } }, f, () =>
      clock.now(),
    );
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
        const { rows, rejected } = validatePage(page.events, f, now, deps.catalogue);
        const from = out.cursor;
        const m = await storePage(f, rows, from, page.nextCursor, now);
        out.pages++;
        out.accepted += m.inserted;
        out.duplicates += m.matched - m.inserted;
        out.unmatched += rows.length - m.matched;
        out.rejected += rejected;
        if (page.nextCursor !== null) out.cursor = page.nextCursor;
        // Marked pending with the page; queued after its commit, so a job finds them pending.
        if (m.firstId) await rescoring.queue(m.touched, `pull_${m.firstId}`);
        await deps.selfService.audit(m.acted, { keyId: null, role: 'system' });
        await deps.audit.record({
          keyId: null,
          role: 'system',
          action: 'feed.pull',
          pensionerId: null,
          detail: { interface: f.name, cursor: from, accepted: m.inserted, duplicates: m.matched - m.inserted, unmatched: rows.length - m.matched, rejected },
        });
        if (!page.hasMore || page.nextCursor === from) break;
      }
      return out;
    },
  };
}
export type FeedService = ReturnType<typeof createFeedService>;
