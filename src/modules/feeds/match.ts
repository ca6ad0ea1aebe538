// Targeted comparison (批量比对) with a match interface: instead of taking a department's whole
// feed, a run sends it the national IDs of the pensioners who need evidence, a page at a time,
// and stores only the records it answers for them.
//
// The interface: POST {url} with Authorization: Bearer {token} and {"nationalIds": [...],
// "since": "YYYY-MM-DD"} → {"events": [...]} in the event format (source may be left out).
//
// `since`: someone asked in the interface's previous clean run (every page answered) is asked
// for records since that run began, less `overlapDays` (records a department posts late);
// anyone else for records since `withoutStrongMonths` before this run. A page whose people
// differ so is sent as two requests (each with its own `since`), stored together.
//
// A run is a row of `batches` (with `interface` set), so it reads like a batch: counts,
// rejects, status. Its cursor (feed_cursors, "<run id>:<last pensioner id asked>") moves in the
// transaction that stores the page's answer, so a retry after a 429, a 5xx or a crash resumes
// at the page that failed, never from the start and never storing a page twice. National IDs
// leave the service only in the request body: not in logs, jobs, audit rows or the run record.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../infra/clock.ts';
import type { Executor, Transact } from '../../infra/database.ts';
import type { Logger } from '../../infra/logger.ts';
import { addDays, addMonths, shanghaiDate, type IsoDate } from '../../domain/calendar.ts';
import { viaMatch } from '../../domain/origin.ts';
import type { Catalogue } from '../../domain/catalogue.ts';
import type { EventRecord } from '../evidence/validate.ts';
import type { EvidenceRepository, Reject } from '../evidence/repository.ts';
import { MAX_LISTED_REJECTS } from '../evidence/batch-merge.ts';
import type { RescoringService } from '../rescoring/service.ts';
import type { AuditWriter } from '../audit/repository.ts';
import { reminderCodes, type SelfServiceOutcome, type SelfServiceResults } from '../self-service/service.ts';
import type { MatchInterface } from './config.ts';
import type { FeedCursorRepository } from './repository.ts';
import type { AskedPerson, MatchRepository, OpenRun, PreviousRun } from './match-repository.ts';
import { MalformedPageError, UpstreamError, requestJson, validateAnswered } from './service.ts';

export interface MatchServiceDeps {
  db: Executor;
  transaction: Transact;
  cursors: FeedCursorRepository;
  repo: MatchRepository;
  batches: Pick<EvidenceRepository, 'mergeRows' | 'recordChunk' | 'complete' | 'get'>;
  rescoring: Pick<RescoringService, 'markPending' | 'queue'>;
  audit: Pick<AuditWriter, 'record'>;
  /** Acts on new self-service results (failed face checks, reminder codes) in the page's transaction, as pulls do. */
  selfService: Pick<SelfServiceResults, 'record' | 'audit'>;
  clock: Clock;
  /** The sources and kinds of the policy in force. */
  catalogue: Catalogue;
  logger?: Pick<Logger, 'warn'>;
}

export interface MatchResult {
  /** The run worked on; null when the run a job was queued for has ended. */
  runId: string | null;
  completed: boolean;
  pages: number;
  asked: number;
  received: number;
  accepted: number;
  failedPages: number;
}

/** A run's position: the run and the last pensioner id whose page is stored. */
interface Position {
  run: OpenRun;
  after: string;
}

/** The `since` of people newly asked (`fresh`) and of people asked in the previous clean run (`again`). */
interface Windows {
  fresh: IsoDate;
  again: IsoDate;
  previous: PreviousRun | null;
}

/** One request of a page: its people and what the interface answered about them. */
interface Answer {
  people: AskedPerson[];
  events: Record<string, unknown>[];
}

const cursorText = (p: { run: { id: string }; after: string }) => `${p.run.id}:${p.after}`;
export function parseMatchCursor(c: string | null | undefined): { runId: string; after: string } | null {
  const m = /^([0-9a-f-]{36}):(\d+)$/.exec(c ?? '');
  return m ? { runId: m[1]!, after: m[2]! } : null;
}

/** The answer's events, checked as a whole: anything else fails the page (nothing of it is stored). */
function answeredEvents(body: unknown, name: string): Record<string, unknown>[] {
  const b = body as { events?: unknown };
  if (typeof body !== 'object' || body === null || !Array.isArray(b.events)) throw new MalformedPageError(`${name}: the answer has no events array`);
  if (b.events.some((e) => typeof e !== 'object' || e === null || Array.isArray(e))) throw new MalformedPageError(`${name}: an event is not an object`);
  return b.events as Record<string, unknown>[];
}

/**
 * The answer's valid events about people of the page. An event about anyone not asked in this
 * request is refused (`not_asked`): this path must not let a department send records of people
 * the bureau did not ask about (feed keys are limited to their sources and region; the
 * interface's answer is trusted only for the question it was asked).
 */
function screen(events: Record<string, unknown>[], asked: ReadonlySet<string>, source: string, now: Date, firstLine: number, catalogue: Catalogue) {
  const rows: EventRecord[] = [];
  const rejects: Reject[] = [];
  events.forEach((e, i) => {
    const c = validateAnswered(e, source, now, catalogue);
    if (!c.ok) rejects.push({ line: firstLine + i, code: c.code, message: c.message });
    else if (!asked.has(c.value.nationalId))
      rejects.push({ line: firstLine + i, code: 'not_asked', message: 'the record is about a person who was not asked in this request' });
    else rows.push(c.value);
  });
  return { rows, rejects };
}

// Long only by its methods, each a short step; they share the deps closed over here.
export function createMatchService(deps: MatchServiceDeps) {
  const { db, transaction, cursors, repo, batches, rescoring, clock } = deps;

  /** The run to work on: the one a job names (if still open), else the open one, else a new one. */
  async function position(f: MatchInterface, jobCursor: string | undefined): Promise<Position | null> {
    const named = parseMatchCursor(jobCursor);
    const open = await repo.openRun(db, f.name);
    if (named && open?.id !== named.runId) return null;
    if (open) {
      const stored = parseMatchCursor(await cursors.get(db, f.name));
      return { run: open, after: stored?.runId === open.id ? stored.after : '0' };
    }
    const run = { id: randomUUID(), startedAt: clock.now() };
    const started = await transaction(async (trx) => {
      if (!(await repo.startRun(trx, { id: run.id, iface: f.name, source: f.source, at: run.startedAt }))) return false;
      await cursors.advance(trx, f.name, cursorText({ run, after: '0' }), run.startedAt);
      return true;
    });
    // Another worker opened a run at the same moment: work on that one.
    return started ? { run, after: '0' } : position(f, undefined);
  }

  /** Everything stored for a page commits together, if the run's cursor is still where this page began. */
  function commitPage(f: MatchInterface, at: Position, next: string, write: (trx: Executor) => Promise<string[]>) {
    return transaction(
      async (trx) => {
        if ((await cursors.get(trx, f.name, { forUpdate: true })) !== cursorText(at)) {
          throw new UpstreamError(`${f.name}: the run's cursor moved under this worker (another run of the interface is working)`);
        }
        const touched = await write(trx);
        await cursors.advance(trx, f.name, cursorText({ run: at.run, after: next }), clock.now());
        return touched;
      },
      { retries: 2 },
    );
  }

  async function windowsOf(f: MatchInterface, run: OpenRun): Promise<Windows> {
    const fresh = addMonths(shanghaiDate(run.startedAt), -f.withoutStrongMonths);
    const last = await repo.lastCleanRun(db, f.name);
    if (!last) return { fresh, again: fresh, previous: null };
    const day = shanghaiDate(last.startedAt);
    const since = addDays(day, -f.overlapDays);
    return { fresh, again: since > fresh ? since : fresh, previous: { ...last, day, cutoff: addMonths(day, -f.withoutStrongMonths) } };
  }

  async function ask(f: MatchInterface, run: OpenRun, people: AskedPerson[], since: IsoDate): Promise<Answer> {
    // The disclosure is audited before it is made: how many, to whom; never who.
    await deps.audit.record({
      keyId: null,
      role: 'system',
      action: 'feed.match.send',
      pensionerId: null,
      detail: { interface: f.name, run: run.id, count: people.length, since },
    });
    const body = await requestJson(
      f.url,
      {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json', authorization: `Bearer ${f.token}` },
        body: JSON.stringify({ nationalIds: people.map((p) => p.nationalId), since }),
      },
      f,
      () => clock.now(),
    );
    return { people, events: answeredEvents(body, f.name) };
  }

  /** A page's requests, one per `since` its people need; any malformed answer fails the whole page. */
  async function askPage(f: MatchInterface, run: OpenRun, people: AskedPerson[], w: Windows): Promise<Answer[]> {
    if (w.again === w.fresh) return [await ask(f, run, people, w.fresh)];
    const answers: Answer[] = [];
    const again = people.filter((p) => p.askedBefore);
    const fresh = people.filter((p) => !p.askedBefore);
    if (again.length) answers.push(await ask(f, run, again, w.again));
    if (fresh.length) answers.push(await ask(f, run, fresh, w.fresh));
    return answers;
  }

  /** Stores the answers about one page of people together; returns the records received and accepted. */
  async function storeAnswers(f: MatchInterface, at: Position, people: AskedPerson[], answers: Answer[]) {
    const now = clock.now();
    const run = (await batches.get(db, at.run.id))!;
    const rows: EventRecord[] = [];
    const rejects: Reject[] = [];
    let line = Number(run.lines) + 1;
    for (const a of answers) {
      const s = screen(a.events, new Set(a.people.map((p) => p.nationalId)), f.source, now, line, deps.catalogue);
      rows.push(...s.rows);
      rejects.push(...s.rejects);
      line += a.events.length;
    }
    const received = line - Number(run.lines) - 1;
    let counts = { accepted: 0, duplicates: 0, unmatched: 0, rejected: rejects.length };
    let firstId: string | null = null;
    let acted: SelfServiceOutcome | null = null;
    const touched = await commitPage(f, at, people.at(-1)!.pensionerId, async (trx) => {
      const m = await batches.mergeRows(trx, rows, { regionPrefix: null, receivedAt: now, receivedVia: viaMatch(f.name), batchId: at.run.id });
      await rescoring.markPending(trx, m.touched);
      acted = await deps.selfService.record(trx, m.selfService, reminderCodes(rows), now);
      counts = { accepted: m.inserted, duplicates: m.matched - m.inserted, unmatched: rows.length - m.matched, rejected: rejects.length };
      firstId = m.firstId;
      const listed = rejects.slice(0, Math.max(0, MAX_LISTED_REJECTS - run.rejects.length));
      await batches.recordChunk(trx, at.run.id, { seq: 0, records: received, lines: received, ...counts, newRejects: listed, touched: [] });
      return m.touched;
    });
    // Marked pending with the page; queued after its commit, so a job finds them pending.
    if (firstId) await rescoring.queue(touched, `match_${firstId}`);
    if (acted) await deps.selfService.audit(acted, { keyId: null, role: 'system' });
    await deps.audit.record({
      keyId: null,
      role: 'system',
      action: 'feed.match',
      pensionerId: null,
      detail: { interface: f.name, run: at.run.id, asked: people.length, received, ...counts },
    });
    return { received, accepted: counts.accepted };
  }

  /** A malformed answer fails its page: nothing of it is stored, the run records why and goes on. */
  async function failPage(f: MatchInterface, at: Position, people: AskedPerson[], e: MalformedPageError) {
    const reason = `the page of ${people.length} people after pensioner #${at.after} failed: ${e.message}`;
    await commitPage(f, at, people.at(-1)!.pensionerId, async (trx) => {
      await repo.noteFailedPage(trx, at.run.id, reason);
      return [];
    });
    deps.logger?.warn(
      { interface: f.name, run: at.run.id, after: at.after, asked: people.length, reason: e.message },
      'match interface answered a malformed page',
    );
    await deps.audit.record({
      keyId: null,
      role: 'system',
      action: 'feed.match.failed',
      pensionerId: null,
      detail: { interface: f.name, run: at.run.id, asked: people.length, reason: e.message },
    });
  }

  return {
    /** The interface's cursor as stored: "<run id>:<last pensioner id asked and stored>". */
    cursorOf: (name: string) => cursors.get(db, name),

    /**
     * One run of a match interface, or the rest of it: pages of people who need evidence until
     * none are left, each asked, answered and stored with the cursor. `cursor` is a job's: the
     * run it was queued for, which it continues only while that run is open.
     */
    async run(f: MatchInterface, o: { cursor?: string; beforePage?: () => Promise<void>; maxPages?: number } = {}): Promise<MatchResult> {
      const at = await position(f, o.cursor);
      const out: MatchResult = { runId: at?.run.id ?? null, completed: false, pages: 0, asked: 0, received: 0, accepted: 0, failedPages: 0 };
      if (!at) return out;
      const windows = await windowsOf(f, at.run);
      while (out.pages < (o.maxPages ?? Infinity)) {
        const today = shanghaiDate(clock.now());
        const cutoff = addMonths(today, -f.withoutStrongMonths);
        const people = await repo.needingEvidence(db, { after: at.after, limit: f.pageSize, today, cutoff, regions: f.regions, previous: windows.previous });
        if (people.length === 0) {
          await batches.complete(db, at.run.id, clock.now());
          out.completed = true;
          return out;
        }
        await o.beforePage?.();
        out.pages++;
        out.asked += people.length;
        try {
          const r = await storeAnswers(f, at, people, await askPage(f, at.run, people, windows));
          out.received += r.received;
          out.accepted += r.accepted;
        } catch (e) {
          if (!(e instanceof MalformedPageError)) throw e;
          await failPage(f, at, people, e);
          out.failedPages++;
        }
        at.after = people.at(-1)!.pensionerId;
      }
      return out;
    },
  };
}
export type MatchService = ReturnType<typeof createMatchService>;
