// The export of a frozen payroll run for a bank's system: one line per person and action,
// NDJSON or CSV, in UTF-8 or GBK, read in keyset pages so that however large the run, the
// process holds one page at a time (the stream waits for the client: backpressure).
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import type { Executor } from '../../infra/database.ts';
import type { YearMonth } from '../../domain/calendar.ts';
import { formatYuan } from '../../domain/money.ts';
import { conflict } from '../../domain/errors.ts';
import { paidOf } from '../../domain/payroll-run.ts';
import { lineOf, type FrozenRun, type PayrollRunsRepository, type StoredLine } from './runs-repository.ts';

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export const EXPORT_CHARSETS = ['utf-8', 'gbk'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type ExportCharset = (typeof EXPORT_CHARSETS)[number];

/** Lines read per query. */
export const EXPORT_PAGE = 1000;

// The last four came with offsets and the estate's back pay: a bank reads `net`, what it pays.
const CSV_COLUMNS = [
  'month',
  'nationalId',
  'regionCode',
  'action',
  'amount',
  'status',
  'since',
  'months',
  'deathDate',
  'backPayMonths',
  'backPay',
  'offset',
  'net',
] as const;

/**
 * One exported line as data, amounts in yuan, absent fields left out: `amount` is the month's
 * payment, a resumption's back pay or a stop's overpayment; a stop's `backPayMonths`/`backPay`
 * are owed to the estate; `offset` is the back pay set against claims; `net` what is paid.
 */
function record(month: YearMonth, l: StoredLine): Record<(typeof CSV_COLUMNS)[number], string | number | undefined> {
  const line = lineOf(l);
  const offsetFen = BigInt(l.offset_fen);
  const carriesBackPay = line.action === 'resumption' || line.action === 'stop';
  return {
    month,
    nationalId: l.national_id,
    regionCode: l.region_code,
    action: l.action,
    amount: formatYuan(l.amount_fen),
    status: l.status ?? undefined,
    since: l.since ?? undefined,
    months: l.months ?? undefined,
    deathDate: l.death_date ?? undefined,
    backPayMonths: line.action === 'stop' ? line.backPayMonths : undefined,
    backPay: line.action === 'stop' ? formatYuan(line.backPayFen) : undefined,
    offset: carriesBackPay ? formatYuan(offsetFen) : undefined,
    net: line.action === 'hold' ? formatYuan(0n) : formatYuan(paidOf(line, offsetFen)),
  };
}

// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
const csvField = (v: string | number | undefined) => {
  const s = v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The text of a page of lines in `format`. */
export function formatLines(month: YearMonth, lines: StoredLine[], format: ExportFormat): string {
  if (format === 'ndjson') return lines.map((l) => JSON.stringify(record(month, l)) + '\n').join('');
  return lines
    .map((l) => {
      const r = record(month, l);
      return CSV_COLUMNS.map((c) => csvField(r[c])).join(',') + '\r\n';
    })
    .join('');
}

export const csvHeader = () => CSV_COLUMNS.join(',') + '\r\n';

const encode = (text: string, charset: ExportCharset): Buffer => (charset === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8'));

export interface PayrollExportDeps {
  db: Executor;
  runs: Pick<PayrollRunsRepository, 'run' | 'page'>;
  /** Lines per query (EXPORT_PAGE; smaller in tests). */
  pageSize?: number;
}

export function createPayrollExportService(deps: PayrollExportDeps) {
  const { db, runs } = deps;
  const pageSize = deps.pageSize ?? EXPORT_PAGE;

  /** The lines of a frozen run within `scope`, a page at a time, in pensioner order. */
  async function* pages(month: YearMonth, scope: string | null | false): AsyncGenerator<StoredLine[]> {
    if (scope === false) return; // a region outside the key's: nothing, not an error
    for (let after: { pensionerId: string; action: string } | null = null; ;) {
      const page = await runs.page(db, month, scope, after, pageSize);
      if (page.length === 0) return;
      yield page;
      const last = page.at(-1)!;
      after = { pensionerId: last.pensioner_id, action: last.action };
      if (page.length < pageSize) return;
    }
  }

  return {
    /**
     * The frozen run of `month` (409 not_frozen before its freeze) and its export as a byte
     * stream; `beforePage` runs before each page leaves (the audit of who received whom).
     */
    async open(
      month: YearMonth,
      scope: string | null | false,
      o: { format: ExportFormat; charset: ExportCharset; beforePage: (lines: StoredLine[]) => Promise<void> },
    ): Promise<{ run: FrozenRun; body: Readable }> {
      const run = await runs.run(db, month);
      if (!run) throw conflict('not_frozen', `the payroll run of ${month} is not frozen yet: GET /v1/payroll/${month} previews it`);
      async function* bytes() {
        if (o.format === 'csv') yield encode(csvHeader(), o.charset);
        for await (const page of pages(month, scope)) {
          await o.beforePage(page);
          yield encode(formatLines(month, page, o.format), o.charset);
        }
      }
      return { run, body: Readable.from(bytes(), { objectMode: false }) };
    },
  };
}
export type PayrollExportService = ReturnType<typeof createPayrollExportService>;
