// Benefit adjustments (an annual increase, 调待, or a correction) as an NDJSON import: one
// line {nationalId, monthlyBenefit, effectiveMonth} per person. Lines are checked one by one
// and rejected with their number, like the other imports; the rest are recorded in chunks,
// each chunk with the claims it changes in one transaction.
import Type from 'typebox';
import type { Clock } from '../../infra/clock.ts';
import type { Executor, Transact } from '../../infra/database.ts';
import { compileRecordSchema, fieldErrors } from '../../infra/validation.ts';
import { isYearMonth, shanghaiDate, type IsoDate, type YearMonth } from '../../domain/calendar.ts';
import { notFound } from '../../domain/errors.ts';
import { parseYuan } from '../../domain/money.ts';
import { NATIONAL_ID_MESSAGES, parseNationalId } from '../../domain/national-id.ts';
import type { Principal } from '../../domain/principal.ts';
import { unstorableTextPath } from '../../domain/text.ts';
import type { AuditWriter } from '../audit/repository.ts';
import type { BenefitRepository } from './benefit-repository.ts';
import type { PensionerRepository } from './repository.ts';
import type { BulkLine, Reject } from './service.ts';

const CHUNK = 1000;
const MAX_LISTED_REJECTS = 10_000;

export const AdjustmentLine = Type.Object(
  {
    nationalId: Type.String({ maxLength: 32 }),
    monthlyBenefit: Type.String({ pattern: '^[0-9]{1,9}(\\.[0-9]{1,2})?$' }),
    effectiveMonth: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$' }),
  },
  { additionalProperties: false },
);
type AdjustmentLineT = Type.Static<typeof AdjustmentLine>;
const validLine = compileRecordSchema<AdjustmentLineT>(AdjustmentLine);

interface Adjustment {
  line: number;
  nationalId: string;
  effectiveMonth: YearMonth;
  amountFen: bigint;
}

function checkLine({ line, text, tooLong }: BulkLine, today: IsoDate): Adjustment | Reject | null {
  const reject = (code: string, message: string): Reject => ({ line, code, message });
  if (tooLong) return reject('malformed_line', 'line is longer than 65536 characters');
  if (text.trim() === '') return null;
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return reject('malformed_line', 'line is not valid JSON');
  }
  if (unstorableTextPath(obj) !== null) return reject('invalid_text', 'line holds a NUL or a broken character');
  if (!validLine(obj)) return reject('invalid_field', fieldErrors(validLine.errors)[0]?.message ?? 'invalid record');
  const id = parseNationalId(obj.nationalId, today);
  if (!id.ok) return reject('invalid_national_id', NATIONAL_ID_MESSAGES[id.error]);
  if (!isYearMonth(obj.effectiveMonth)) return reject('invalid_month', 'effectiveMonth is not a real month (YYYY-MM)');
  return { line, nationalId: id.value.nationalId, effectiveMonth: obj.effectiveMonth, amountFen: parseYuan(obj.monthlyBenefit) };
}

export interface BenefitAdjustmentDeps {
  transaction: Transact;
  pensioners: Pick<PensionerRepository, 'idsByNationalIds'>;
  benefits: Pick<BenefitRepository, 'record'>;
  /** Amends the claims of those a change concerns (claims module). */
  reconcileClaims: (q: Executor, pensionerIds: string[], now: Date, actor: string) => Promise<unknown>;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
}

export function createBenefitAdjustments(deps: BenefitAdjustmentDeps) {
  /** Records a chunk within the key's region; lines for people it cannot see are rejected as not found. */
  async function store(chunk: Adjustment[], who: Principal) {
    const now = clock.now();
    const actor = `key:${who.keyId}`;
    return deps.transaction(
      async (trx) => {
        const found = await deps.pensioners.idsByNationalIds(
          trx,
          chunk.map((a) => a.nationalId),
          who.regionPrefix,
        );
        const idOf = new Map(found.map((r) => [r.national_id, String(r.id)]));
        const rows = chunk.flatMap((a) =>
          idOf.has(a.nationalId) ? [{ pensionerId: idOf.get(a.nationalId)!, effectiveMonth: a.effectiveMonth, amountFen: a.amountFen }] : [],
        );
        const changed = await deps.benefits.record(trx, rows, actor);
        await deps.reconcileClaims(trx, changed, now, actor);
        return { idOf, rows, changed };
      },
      { retries: 2 },
    );
  }
  const { clock } = deps;

  return {
    async importLines(lines: AsyncIterable<BulkLine>, who: Principal) {
      const today = shanghaiDate(clock.now());
      const totals = { recorded: 0, unchanged: 0, rejectedCount: 0, rejected: [] as Reject[] };
      const reject = (r: Reject) => {
        totals.rejectedCount++;
        if (totals.rejected.length < MAX_LISTED_REJECTS) totals.rejected.push(r);
      };
      let chunk: Adjustment[] = [];
      const inChunk = new Set<string>();
      const flush = async () => {
        if (chunk.length === 0) return;
        const { idOf, rows, changed } = await store(chunk, who);
        const { code, message } = notFound();
        for (const a of chunk) if (!idOf.has(a.nationalId)) reject({ line: a.line, code, message });
        totals.recorded += changed.length;
        totals.unchanged += rows.length - changed.length;
        await deps.audit.record(
          rows.map((r) => ({
            keyId: who.keyId,
            role: who.role,
            action: 'pensioner.benefit_adjustment',
            pensionerId: r.pensionerId,
            detail: { effectiveMonth: r.effectiveMonth },
          })),
        );
        chunk = [];
        inChunk.clear();
      };
      for await (const l of lines) {
        const checked = checkLine(l, today);
        if (checked === null) continue;
        if ('code' in checked) reject(checked);
        else {
          // A person twice in one file: the later line wins, in order (one statement writes a row once).
          if (inChunk.has(checked.nationalId)) await flush();
          chunk.push(checked);
          inChunk.add(checked.nationalId);
          if (chunk.length >= CHUNK) await flush();
        }
      }
      await flush();
      return totals;
    },
  };
}
export type BenefitAdjustments = ReturnType<typeof createBenefitAdjustments>;
