// Validation of one event, the same for JSON pushes, batch lines and pulled pages. Pure:
// the caller gives "now" (the injected clock). Values come in raw (JSON values or CSV
// strings) and leave canonical: upper-case ID, UTC instant, nulls for absent options.
import { isKnownIdentityCheck, IDENTITY_CHECKS } from '../../domain/evidence.ts';
import { isDueProcessRole, kindsOf, type Catalogue } from '../../domain/catalogue.ts';
import { parseNationalId, NATIONAL_ID_MESSAGES } from '../../domain/national-id.ts';
import { daysInMonth, isIsoDate } from '../../domain/calendar.ts';
import { isStorableText } from '../../domain/text.ts';
import { REMINDER_CODE_ALPHABET, REMINDER_CODE_LENGTH, normaliseReminderCode } from '../../domain/reminder-code.ts';

export interface EventRecord {
  nationalId: string;
  source: string;
  kind: string;
  sourceRef: string;
  occurredAt: string; // ISO 8601 UTC
  identityCheck: string;
  location: string | null;
  deathDate: string | null;
  /** Self-service results only: the code of the reminder answered. Kept in memory, never stored. */
  reminderCode?: string | null;
}

export interface RawEvent {
  nationalId?: unknown;
  source?: unknown;
  kind?: unknown;
  occurredAt?: unknown;
  sourceRef?: unknown;
  identityCheck?: unknown;
  location?: unknown;
  deathDate?: unknown;
  reminderCode?: unknown;
}

export const EVENT_FIELDS = ['nationalId', 'source', 'kind', 'occurredAt', 'sourceRef', 'identityCheck', 'location', 'deathDate'] as const;
export type EventField = (typeof EVENT_FIELDS)[number];
/**
 * Fields a JSON push or a pulled page may add: the reminder code of a self-service result.
 * Not a batch column: a batch file is stored as it came, and a code must never be stored in clear.
 */
export const PUSH_FIELDS = [...EVENT_FIELDS, 'reminderCode'] as const;
export const SNAKE: Record<EventField, string> = {
  nationalId: 'national_id',
  source: 'source',
  kind: 'kind',
  occurredAt: 'occurred_at',
  sourceRef: 'source_ref',
  identityCheck: 'identity_check',
  location: 'location',
  deathDate: 'death_date',
};

export type Checked = { ok: true; value: EventRecord } | { ok: false; code: string; message: string };

export interface ValidateContext {
  now: Date;
  /** The sources and kinds of the policy in force: the only ones accepted. */
  catalogue: Catalogue;
  /** The batch's or interface's source: a line may leave `source` out. */
  pathSource?: string;
  /** How fields are named in messages: JSON camelCase, CSV snake_case, or a mapped file's own columns. */
  naming?: 'camel' | 'snake' | ((f: EventField) => string);
}

// ISO 8601 with a mandatory offset; seconds and fractions optional.
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)$/;
const MAX_REF = 128;

export function parseInstant(s: string): Date | null {
  const m = INSTANT.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, se] = m;
  if (+mo! < 1 || +mo! > 12 || +d! < 1 || +d! > 31 || +h! > 23 || +mi! > 59 || (se !== undefined && +se > 59)) return null;
  if (+d! > daysInMonth(+y!, +mo!) || +y! < 1900) return null;
  const t = Date.parse(s.replace(' ', 'T'));
  return Number.isNaN(t) ? null : new Date(t);
}

const fail = (code: string, message: string): Checked => ({ ok: false, code, message });

export function validateEvent(raw: RawEvent, ctx: ValidateContext): Checked {
  const naming = ctx.naming;
  const name = typeof naming === 'function' ? naming : (f: EventField) => (naming === 'snake' ? SNAKE[f] : f);
  const present = (v: unknown) => v !== undefined && v !== null && v !== '';
  for (const f of ['nationalId', 'kind', 'occurredAt', 'sourceRef', 'identityCheck'] as const) {
    if (!present(raw[f])) return fail('missing_field', `missing field: ${name(f)}`);
  }
  if (!present(raw.source) && !ctx.pathSource) return fail('missing_field', `missing field: ${name('source')}`);
  for (const f of EVENT_FIELDS) {
    if (present(raw[f]) && typeof raw[f] !== 'string') return fail('invalid_field', `${name(f)} must be a string`);
    if (present(raw[f]) && !isStorableText(raw[f] as string)) return fail('invalid_text', `${name(f)} holds a NUL or a broken character`);
  }
  const r = raw as Record<EventField, string | undefined | null>;

  const checked = parseNationalId(r.nationalId!);
  if (!checked.ok) return fail('invalid_national_id', NATIONAL_ID_MESSAGES[checked.error]);
  const nid = checked.value.nationalId;

  const source = present(r.source) ? r.source! : ctx.pathSource!;
  const sourceSpec = ctx.catalogue.get(source);
  if (!sourceSpec) return fail('unknown_source', `unknown source: ${source}`);
  if (ctx.pathSource && source !== ctx.pathSource) return fail('source_mismatch', `source ${source} differs from the batch's source ${ctx.pathSource}`);
  const kind = sourceSpec.kinds.get(r.kind!);
  // The bureau's decisions are written by the service after its four-eyes checks, never fed.
  if (isDueProcessRole(kind?.role ?? null)) return fail('not_a_feed_kind', `${source}.${r.kind} is recorded through its own route, not as evidence`);
  if (!kind) return fail('unknown_kind', `unknown kind for ${source}: ${r.kind} (one of ${kindsOf(ctx.catalogue, source).join(', ')})`);

  const at = parseInstant(r.occurredAt!);
  if (!at) return fail('bad_timestamp', `${name('occurredAt')} must be an ISO 8601 instant with an offset, e.g. 2026-03-01T09:30:00+08:00`);
  if (at.getTime() > ctx.now.getTime()) return fail('future_timestamp', `${name('occurredAt')} is in the future`);

  const ref = r.sourceRef!;
  // eslint-disable-next-line no-control-regex
  if (ref.length > MAX_REF || /[\u0000-\u001f\u007f]/.test(ref))
    return fail('invalid_field', `${name('sourceRef')} must be at most ${MAX_REF} printable characters`);
  if (!isKnownIdentityCheck(r.identityCheck!)) return fail('invalid_field', `${name('identityCheck')} must be one of ${IDENTITY_CHECKS.join(', ')}`);

  let location: string | null = null;
  if (present(r.location)) {
    if (!/^\d{6}$/.test(r.location!)) return fail('invalid_field', `${name('location')} must be a 6-digit region code`);
    location = r.location!;
  }
  let deathDate: string | null = null;
  if (present(r.deathDate)) {
    if (kind.role !== 'death_record') return fail('invalid_field', `${name('deathDate')} is only for death events`);
    if (!isIsoDate(r.deathDate!)) return fail('invalid_field', `${name('deathDate')} must be a date YYYY-MM-DD`);
    if (r.deathDate! > at.toISOString().slice(0, 10) && at.getTime() - Date.parse(`${r.deathDate}T00:00:00+08:00`) < 0) {
      return fail('invalid_field', `${name('deathDate')} is after ${name('occurredAt')}`);
    }
    deathDate = r.deathDate!;
  }
  const code = reminderCode(raw.reminderCode, source);
  if (code !== null && !code.ok) return code;
  return {
    ok: true,
    value: {
      nationalId: nid,
      source,
      kind: r.kind!,
      sourceRef: ref,
      occurredAt: at.toISOString(),
      identityCheck: r.identityCheck!,
      location,
      deathDate,
      ...(code ? { reminderCode: code.value } : {}),
    },
  };
}

/** The optional reminder code of a self-service result, normalised; null when absent. */
function reminderCode(v: unknown, source: string): { ok: true; value: string } | Extract<Checked, { ok: false }> | null {
  if (v === undefined || v === null || v === '') return null;
  if (source !== 'self_service') return { ok: false, code: 'invalid_field', message: 'reminderCode is only for self_service results' };
  const code = typeof v === 'string' ? normaliseReminderCode(v) : null;
  if (code === null) {
    return { ok: false, code: 'invalid_field', message: `reminderCode must be ${REMINDER_CODE_LENGTH} characters of ${REMINDER_CODE_ALPHABET}` };
  }
  return { ok: true, value: code };
}
