// Departments that export in their own columns (README "Department files as they come"):
// Chinese headers, their own date formats and code values, GBK for some. The simulation writes
// their files as they come and, next to them, the interface mappings (mappings.json, the
// service's MAPPINGS_FILE) that read them; nothing here is the contract's own CSV.
import type { FeedEvent, RawEvent, Source } from './vocabulary.ts';

/** An interface mapping as the service reads it (src/modules/evidence/mapping-config.ts). */
export interface DepartmentMapping {
  name: string;
  description: string;
  source: Source;
  columns: Record<string, string>;
  dates: { occurredAt: string[] };
  zone: 'Asia/Shanghai';
  constants?: Record<string, string>;
  codes?: Record<string, Record<string, string>>;
}

const CHECKS = { 身份证: 'id_document', 人脸: 'biometric', 刷卡: 'card_pin', 无: 'none' } as const;
const CHECK_CODE: Record<string, string> = Object.fromEntries(Object.entries(CHECKS).map(([k, v]) => [v, k]));

export const DEPARTMENT_MAPPINGS: DepartmentMapping[] = [
  {
    name: 'sc-health-phs',
    description: '卫健 基层公共卫生系统 export: GBK, Chinese headers, dates like 2026/03/01 08:00, services and checks as codes',
    source: 'health',
    columns: { nationalId: '身份证号', kind: '服务项目', occurredAt: '服务时间', sourceRef: '服务记录号', identityCheck: '核验方式', location: '机构区划' },
    dates: { occurredAt: ['yyyy/MM/dd HH:mm'] },
    zone: 'Asia/Shanghai',
    codes: { kind: { 老年人健康体检: 'elderly_checkup', 家庭医生随访: 'family_doctor_visit', 疫苗接种: 'vaccination' }, identityCheck: { ...CHECKS } },
  },
  {
    name: 'sc-civil-affairs',
    description: '民政 社会救助 verification ledger: Chinese headers, local date-times without an offset',
    source: 'civil_affairs',
    columns: { nationalId: '证件号码', kind: '业务类型', occurredAt: '核查时间', sourceRef: '业务编号', location: '行政区划' },
    dates: { occurredAt: ['yyyy-MM-dd HH:mm:ss'] },
    zone: 'Asia/Shanghai',
    constants: { identityCheck: 'id_document' },
    codes: { kind: { 入户核查: 'assistance_visit', 年度核查: 'allowance_verification' } },
  },
  {
    name: 'sc-village-ledger',
    description: '村(居)委会 一张表 ledger: GBK, a date without time (yyyyMMdd), one kind, no identity check',
    source: 'community',
    columns: { nationalId: '公民身份号码', occurredAt: '确认日期', sourceRef: '台账编号' },
    dates: { occurredAt: ['yyyyMMdd'] },
    zone: 'Asia/Shanghai',
    constants: { kind: 'ledger_confirmation', identityCheck: 'none' },
  },
];

const KIND_CODE: Record<string, string> = Object.fromEntries(
  DEPARTMENT_MAPPINGS.flatMap((m) => Object.entries(m.codes?.kind ?? {}).map(([code, kind]) => [`${m.source}:${kind}`, code])),
);

export const DEPARTMENT_HEADERS: Partial<Record<Source, string>> = {
  health: '身份证号,姓名,服务项目,服务时间,核验方式,机构名称,服务记录号,机构区划',
  civil_affairs: '证件号码,姓名,业务类型,核查时间,业务编号,经办机构,行政区划',
  community: '公民身份号码,姓名,台账编号,确认日期,村(社区)',
};

/** `2026-03-01T08:05:09+08:00` in the department's own format (the local time: every simulated time is Asia/Shanghai). */
function localDate(source: Source, iso: string): string {
  const [y, m, d, t] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 19)];
  if (source === 'health') return `${y}/${m}/${d} ${t.slice(0, 5)}`;
  if (source === 'civil_affairs') return `${y}-${m}-${d} ${t}`;
  return `${y}${m}${d}`;
}

/**
 * The fields of one line in the department's columns. An unknown kind is a code the mapping
 * lacks ('其他'); the ledger, whose kind is fixed, gets an unreadable date instead.
 */
export function departmentFields(e: RawEvent, f: FeedEvent, name: string, unknownKind: boolean): string[] {
  const date = f.occurredAt === '' ? '' : localDate(e.source, f.occurredAt);
  const kind = unknownKind ? '其他' : (KIND_CODE[`${e.source}:${f.kind}`] ?? '');
  switch (e.source) {
    case 'health':
      return [f.nationalId, name, kind, date, CHECK_CODE[f.identityCheck] ?? '', e.place, f.sourceRef, f.location ?? ''];
    case 'civil_affairs':
      return [f.nationalId, name, kind, date, f.sourceRef, e.place, f.location ?? ''];
    default:
      return [f.nationalId, name, f.sourceRef, unknownKind ? '00000000' : date, e.place];
  }
}
