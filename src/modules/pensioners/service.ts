// Registering pensioners one by one or in bulk, and reading one back. Each write and the
// certification it implies commit together.
import type { CycleRules } from '../../domain/cycle.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Transact } from '../../infra/database.ts';
import { compileRecordSchema, fieldErrors } from '../../infra/validation.ts';
import { monthOf, shanghaiDate, type IsoDate } from '../../domain/calendar.ts';
import { inRegion } from '../../domain/region.ts';
import { unstorableTextPath } from '../../domain/text.ts';
import { DomainError, invalid, notFound } from '../../domain/errors.ts';
import type { Principal } from '../../domain/principal.ts';
import type { AuditWriter } from '../audit/repository.ts';
import type { CertificationService } from '../certification/service.ts';
import type { CertificationRepository } from '../certification/repository.ts';
import type { PensionerRepository, UpsertResult } from './repository.ts';
import type { BenefitRepository } from './benefit-repository.ts';
import { PensionerLine, type PensionerBodyT, type PensionerLineT } from './schemas.ts';
import { checkPensioner, type PensionerRecord } from './validate.ts';
import { pensionerView } from './view.ts';

const CHUNK = 1000;
const MAX_LISTED_REJECTS = 10_000;

const validLine = compileRecordSchema<PensionerLineT>(PensionerLine);

export interface Reject {
  line: number;
  code: string;
  message: string;
}

/** One line of a bulk body, as the HTTP edge read it. */
export interface BulkLine {
  line: number;
  text: string;
  tooLong?: boolean;
}

/** A bulk line checked: the record to store, a reject, or nothing (a blank line). */
function checkLine(
  { line, text, tooLong }: BulkLine,
  today: IsoDate,
  scope: string | null,
  cycle?: CycleRules,
): { rec: PensionerRecord } | { reject: Reject } | null {
  if (tooLong) return { reject: { line, code: 'malformed_line', message: 'line is longer than 65536 characters' } };
  if (text.trim() === '') return null;
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return { reject: { line, code: 'malformed_line', message: 'line is not valid JSON' } };
  }
  const bad = unstorableTextPath(obj);
  if (bad !== null) return { reject: { line, code: 'invalid_text', message: `${bad || 'line'} holds a NUL or a broken character` } };
  if (!validLine(obj)) return { reject: { line, code: 'invalid_field', message: fieldErrors(validLine.errors)[0]?.message ?? 'invalid record' } };
  const { nationalId, ...fields } = obj;
  const checked = checkPensioner(nationalId, fields, today, cycle);
  if (!checked.ok) return { reject: { line, code: checked.code, message: checked.message } };
  if (!inRegion(checked.value.regionCode, scope)) return { reject: { line, code: 'outside_region', message: 'regionCode is outside the region of this key' } };
  return { rec: checked.value };
}

/**
 * The history rows a registration writes: its amount from the month it names, else from the
 * benefit start for a new person (their first amount) and from the current month for others.
 */
function benefitRows(rows: PensionerRecord[], stored: UpsertResult[], now: Date) {
  const byId = new Map(rows.map((r) => [r.nationalId, r]));
  return stored.map((s) => {
    const rec = byId.get(s.nationalId)!;
    const effectiveMonth = rec.benefitEffectiveMonth ?? (s.inserted ? monthOf(rec.benefitStartDate) : monthOf(shanghaiDate(now)));
    return { pensionerId: s.id, effectiveMonth, amountFen: rec.monthlyBenefitFen };
  });
}

export interface PensionerServiceDeps {
  transaction: Transact;
  repo: Pick<PensionerRepository, 'upsert' | 'idsByNationalIds'>;
  certification: Pick<CertificationService, 'rescore'>;
  /** The benefit history each registration writes (absent: only the registry's one figure). */
  benefits?: Pick<BenefitRepository, 'record'>;
  certificationRepo: Pick<CertificationRepository, 'viewByNationalId'>;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  /** The policy's cycle, for the certification assumed when a person is registered without one. */
  cycle?: CycleRules;
}

// Long only by its methods, each a short step; they share the deps closed over here.
export function createPensionerService(deps: PensionerServiceDeps) {
  const { transaction, repo, certification, certificationRepo, audit, clock } = deps;

  /**
   * Stores what the key may write. A person registered outside its region is left as is and
   * comes back in `refused` (their row id, for the audit only: the caller is told nothing but
   * "not found", as for an ID registered nowhere it could see).
   */
  async function store(rows: PensionerRecord[], who: Principal) {
    const now = clock.now();
    // Re-runnable: the rows are in memory, so a deadlock retry repeats only the SQL.
    return transaction(
      async (trx) => {
        const stored = await repo.upsert(trx, rows, who.regionPrefix);
        // Before the rescore: it reconciles the claims of the few it concerns with the amounts now in force.
        await deps.benefits?.record(trx, benefitRows(rows, stored, now), `key:${who.keyId}`);
        await certification.rescore(
          trx,
          stored.map((r) => r.id),
          now,
          `key:${who.keyId}`,
        );
        const done = new Set(stored.map((r) => r.nationalId));
        const others = rows.filter((r) => !done.has(r.nationalId)).map((r) => r.nationalId);
        const refused = others.length ? (await repo.idsByNationalIds(trx, others, null)).map((r) => ({ id: String(r.id) })) : [];
        return { stored, refused };
      },
      { retries: 2 },
    );
  }

  /** A refused registration told the key that someone holds the ID: audited as that person's. */
  const auditRefused = (refused: { id: string }[], who: Principal) =>
    audit.record(refused.map((r) => ({ keyId: who.keyId, role: who.role, action: 'pensioner.register_refused', pensionerId: r.id })));

  /** Bulk registration's running totals, and its chunk of records waiting to be stored. */
  function bulkRun(who: Principal) {
    const totals = { created: 0, updated: 0, rejectedCount: 0, rejected: [] as Reject[] };
    let chunk: { line: number; rec: PensionerRecord }[] = [];
    const inChunk = new Set<string>();
    const reject = (r: Reject) => {
      totals.rejectedCount++;
      if (totals.rejected.length < MAX_LISTED_REJECTS) totals.rejected.push(r);
    };
    const flush = async () => {
      if (chunk.length === 0) return;
      const lines = new Map(chunk.map((c) => [c.rec.nationalId, c.line]));
      const { stored, refused } = await store(
        chunk.map((c) => c.rec),
        who,
      );
      const done = new Set(stored.map((r) => r.nationalId));
      for (const r of stored) {
        if (r.inserted) totals.created++;
        else totals.updated++;
      }
      // The words of a 404: nothing says where, or that, the person is registered.
      const { code, message } = notFound();
      for (const [nid, line] of lines) if (!done.has(nid)) reject({ line, code, message });
      await audit.record(
        stored.map((r) => ({ keyId: who.keyId, role: who.role, action: r.inserted ? 'pensioner.create' : 'pensioner.update', pensionerId: r.id })),
      );
      await auditRefused(refused, who);
      chunk = [];
      inChunk.clear();
    };
    const add = async (line: number, rec: PensionerRecord) => {
      // A person twice in one file: the later line wins, in order.
      if (inChunk.has(rec.nationalId)) await flush();
      chunk.push({ line, rec });
      inChunk.add(rec.nationalId);
      if (chunk.length >= CHUNK) await flush();
    };
    return { totals, reject, add, flush };
  }

  return {
    async register(nationalId: string, body: PensionerBodyT, who: Principal) {
      const checked = checkPensioner(nationalId, body, shanghaiDate(clock.now()), deps.cycle);
      if (!checked.ok) throw invalid(checked.code, checked.message);
      if (!inRegion(checked.value.regionCode, who.regionPrefix)) {
        throw new DomainError('forbidden', 'outside_region', 'regionCode is outside the region of this key');
      }
      const { stored, refused } = await store([checked.value], who);
      const [result] = stored;
      if (!result) {
        await auditRefused(refused, who);
        throw notFound(); // registered in a region this key cannot see: answered as any unknown person
      }
      await audit.record({
        keyId: who.keyId,
        role: who.role,
        action: result.inserted ? 'pensioner.create' : 'pensioner.update',
        pensionerId: result.id,
      });
      return { created: result.inserted };
    },

    async registerBulk(lines: AsyncIterable<BulkLine>, who: Principal) {
      const today = shanghaiDate(clock.now());
      const run = bulkRun(who);
      for await (const l of lines) {
        const checked = checkLine(l, today, who.regionPrefix, deps.cycle);
        if (checked === null) continue;
        if ('reject' in checked) run.reject(checked.reject);
        else await run.add(l.line, checked.rec);
      }
      await run.flush();
      const { created, updated, rejected, rejectedCount } = run.totals;
      return { created, updated, rejected: rejected.map(({ line, code, message }) => ({ line, code, message })), rejectedCount };
    },

    /** One pensioner with their certification, as the caller may see them; the read is audited. */
    async read(nationalId: string, who: Principal) {
      const row = await certificationRepo.viewByNationalId(nationalId, who.regionPrefix);
      if (!row) throw notFound();
      await audit.record({ keyId: who.keyId, role: who.role, action: 'pensioner.read', pensionerId: row.pensioner_id });
      return pensionerView(row, shanghaiDate(clock.now()), who.role === 'staff');
    },
  };
}
export type PensionerService = ReturnType<typeof createPensionerService>;
