// Registering pensioners one by one or in bulk. Each write and the certification it
// implies commit together.
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { Ajv } from 'ajv';
import type { DB } from '../../infra/db-types.ts';
import type { Clock } from '../../infra/clock.ts';
import { shanghaiDate } from '../../domain/calendar.ts';
import { inRegion } from '../../domain/region.ts';
import { DomainError, invalid, notFound } from '../../domain/errors.ts';
import { readLines } from '../../http/ndjson.ts';
import type { Principal } from '../../domain/principal.ts';
import type { AuditWriter } from '../audit/writer.ts';
import type { CertificationService } from '../certification/service.ts';
import type { PensionerRepository } from './repository.ts';
import { PensionerLine, type PensionerBodyT, type PensionerLineT } from './schemas.ts';
import { checkPensioner, type PensionerRecord } from './validate.ts';

const CHUNK = 1000;
const MAX_LISTED_REJECTS = 10_000;

const ajv = new Ajv({ allErrors: false, strict: false });
const validLine = ajv.compile<PensionerLineT>(PensionerLine);

export interface Reject {
  line: number;
  code: string;
  message: string;
}

function describeAjvError(): string {
  const e = validLine.errors?.[0];
  if (!e) return 'invalid record';
  if (e.keyword === 'additionalProperties') return `unknown field: ${(e.params as { additionalProperty: string }).additionalProperty}`;
  if (e.keyword === 'required') return `missing field: ${(e.params as { missingProperty: string }).missingProperty}`;
  return `${e.instancePath.slice(1) || 'record'} ${e.message ?? 'is invalid'}`;
}

export function createPensionerService(deps: {
  db: Kysely<DB>;
  repo: PensionerRepository;
  certification: CertificationService;
  audit: AuditWriter;
  clock: Clock;
}) {
  const { db, repo, certification, audit, clock } = deps;

  async function store(rows: PensionerRecord[], who: Principal) {
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const result = await repo.upsert(trx, rows, who.regionPrefix);
      await certification.rescore(
        trx,
        result.map((r) => r.id),
        now,
        `key:${who.keyId}`,
      );
      return result;
    });
  }

  return {
    async register(nationalId: string, body: PensionerBodyT, who: Principal) {
      const checked = checkPensioner(nationalId, body, shanghaiDate(clock.now()));
      if (!checked.ok) throw invalid(checked.code, checked.message);
      if (!inRegion(checked.value.regionCode, who.regionPrefix)) {
        throw new DomainError('forbidden', 'outside_region', 'regionCode is outside the region of this key');
      }
      const [result] = await store([checked.value], who);
      if (!result) throw notFound(); // registered in a region this key cannot see
      await audit.record({
        keyId: who.keyId,
        role: who.role,
        action: result.inserted ? 'pensioner.create' : 'pensioner.update',
        pensionerId: result.id,
      });
      return { created: result.inserted };
    },

    async registerBulk(body: Readable, who: Principal, maxBytes: number) {
      const today = shanghaiDate(clock.now());
      let created = 0;
      let updated = 0;
      let rejectedCount = 0;
      const rejected: Reject[] = [];
      const reject = (r: Reject) => {
        rejectedCount++;
        if (rejected.length < MAX_LISTED_REJECTS) rejected.push(r);
      };
      let chunk: { line: number; rec: PensionerRecord }[] = [];
      const inChunk = new Set<string>();

      const flush = async () => {
        if (chunk.length === 0) return;
        const lines = new Map(chunk.map((c) => [c.rec.nationalId, c.line]));
        const result = await store(
          chunk.map((c) => c.rec),
          who,
        );
        const stored = new Set(result.map((r) => r.nationalId));
        for (const r of result) {
          if (r.inserted) created++;
          else updated++;
        }
        for (const [nid, line] of lines)
          if (!stored.has(nid)) reject({ line, code: 'not_found', message: 'pensioner is registered outside the region of this key' });
        await audit.record(
          result.map((r) => ({ keyId: who.keyId, role: who.role, action: r.inserted ? 'pensioner.create' : 'pensioner.update', pensionerId: r.id })),
        );
        chunk = [];
        inChunk.clear();
      };

      for await (const { line, text, tooLong } of readLines(body, { maxBytes, maxLineChars: 64 * 1024 })) {
        if (tooLong) {
          reject({ line, code: 'malformed_line', message: 'line is longer than 65536 characters' });
          continue;
        }
        if (text.trim() === '') continue;
        let obj: unknown;
        try {
          obj = JSON.parse(text);
        } catch {
          reject({ line, code: 'malformed_line', message: 'line is not valid JSON' });
          continue;
        }
        if (!validLine(obj)) {
          reject({ line, code: 'invalid_field', message: describeAjvError() });
          continue;
        }
        const { nationalId, ...fields } = obj;
        const checked = checkPensioner(nationalId, fields, today);
        if (!checked.ok) {
          reject({ line, code: checked.code, message: checked.message });
          continue;
        }
        if (!inRegion(checked.value.regionCode, who.regionPrefix)) {
          reject({ line, code: 'outside_region', message: 'regionCode is outside the region of this key' });
          continue;
        }
        // A person twice in one file: the later line wins, in order.
        if (inChunk.has(checked.value.nationalId)) await flush();
        chunk.push({ line, rec: checked.value });
        inChunk.add(checked.value.nationalId);
        if (chunk.length >= CHUNK) await flush();
      }
      await flush();
      return { created, updated, rejected: rejected.map(({ line, code, message }) => ({ line, code, message })), rejectedCount };
    },
  };
}
export type PensionerService = ReturnType<typeof createPensionerService>;
