// Interface mappings as read from MAPPINGS_FILE: the canonical form, and a clear error naming
// the field path for every way a mapping can be wrong.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMappings, parseMappings, MappingConfigError, type MappingCatalogue } from '../../src/modules/evidence/mapping-config.ts';
import { loadConfiguredMappings } from '../../src/app-deps.ts';
import { loadDefaultPolicy } from '../../src/domain/policy.ts';
import { isKnownIdentityCheck } from '../../src/domain/evidence.ts';
import { kindSpec } from '../../src/domain/catalogue.ts';

const { catalogue } = loadDefaultPolicy();
const isKnownSource = (s: string) => catalogue.has(s);
const isKnownKind = (s: string, k: string) => kindSpec(catalogue, s, k) !== undefined;
const known: MappingCatalogue = { isSource: isKnownSource, isKind: isKnownKind, isIdentityCheck: isKnownIdentityCheck };

const hospital = (over: Record<string, unknown> = {}) => ({
  name: 'hospital-his',
  source: 'hospital',
  columns: { nationalId: '身份证号', kind: '就诊类型', occurredAt: '就诊日期', sourceRef: '结算单号' },
  dates: { occurredAt: ['yyyy/MM/dd HH:mm'] },
  constants: { identityCheck: 'id_document' },
  codes: { kind: { 入院: 'admission', 出院: 'discharge' } },
  ...over,
});

/** The error a list of mappings gives: its field path and message. */
function errorOf(json: unknown): { path: string; message: string } {
  try {
    parseMappings(json, known);
  } catch (e) {
    if (e instanceof MappingConfigError) return { path: e.path, message: e.message };
    throw e;
  }
  throw new Error('no error');
}

describe('parseMappings', () => {
  it('reads a mapping into its canonical form: zone defaulted, description dropped', () => {
    const m = parseMappings([hospital({ description: '医保结算' })], known).get('hospital-his');
    expect(m).toEqual({
      name: 'hospital-his',
      source: 'hospital',
      columns: { nationalId: '身份证号', kind: '就诊类型', occurredAt: '就诊日期', sourceRef: '结算单号' },
      constants: { identityCheck: 'id_document' },
      dates: { occurredAt: ['yyyy/MM/dd HH:mm'] },
      zone: 'Asia/Shanghai',
      codes: { kind: { 入院: 'admission', 出院: 'discharge' } },
    });
  });

  it('keeps the example file valid', () => {
    const all = loadConfiguredMappings(path.resolve(import.meta.dirname, '../../config/mappings.example.json'), loadDefaultPolicy().catalogue);
    expect([...all.keys()]).toEqual(['hospital-his', 'bank-counter']);
  });

  it.each([
    ['not a list', {}, 'mappings', /JSON array/],
    ['an unknown field', [hospital({ colums: {} })], 'mappings[0].colums', /unknown field/],
    ['a bad name', [hospital({ name: 'Hospital HIS' })], 'mappings[0].name', /lower-case/],
    ['a name used twice', [hospital(), hospital()], 'mappings[1].name', /used twice/],
    ['an unknown source', [hospital({ source: 'astrology' })], 'mappings[0].source', /not a known source/],
    [
      'an unknown field in columns',
      [hospital({ columns: { ...hospital().columns, patientName: '姓名' } })],
      'mappings[0].columns.patientName',
      /unknown field/,
    ],
    ['an empty column name', [hospital({ columns: { ...hospital().columns, sourceRef: '' } })], 'mappings[0].columns.sourceRef', /non-empty/],
    ['a column name with a comma', [hospital({ columns: { ...hospital().columns, sourceRef: '结算,单号' } })], 'mappings[0].columns.sourceRef', /comma/],
    ['a column name with spaces around', [hospital({ columns: { ...hospital().columns, sourceRef: ' 单号' } })], 'mappings[0].columns.sourceRef', /spaces/],
    [
      'a required field read from nowhere',
      [hospital({ constants: {}, columns: hospital().columns })],
      'mappings[0].columns.identityCheck',
      /every event needs identityCheck/,
    ],
    [
      'a field both a column and a constant',
      [hospital({ constants: { identityCheck: 'none', kind: 'admission' } })],
      'mappings[0].constants.kind',
      /also read/,
    ],
    [
      'a constant national ID',
      [hospital({ constants: { identityCheck: 'none', nationalId: '11010519491231002X' } })],
      'mappings[0].constants.nationalId',
      /unknown/,
    ],
    [
      'a constant of an unknown kind',
      [
        hospital({
          columns: { nationalId: '身份证号', occurredAt: '就诊日期', sourceRef: '结算单号' },
          codes: {},
          constants: { identityCheck: 'none', kind: 'haircut' },
        }),
      ],
      'mappings[0].constants.kind',
      /not a kind of hospital/,
    ],
    [
      'a code for an unknown kind',
      [hospital({ codes: { kind: { 入院: 'admission', 理发: 'haircut' } } })],
      'mappings[0].codes.kind.理发',
      /not a kind of hospital/,
    ],
    [
      'a code for an unknown identity check',
      [hospital({ columns: { ...hospital().columns, identityCheck: '核验' }, constants: {}, codes: { identityCheck: { 看了: 'glanced' } } })],
      'mappings[0].codes.identityCheck.看了',
      /not an identity check/,
    ],
    ['an empty code table', [hospital({ codes: { kind: {} } })], 'mappings[0].codes.kind', /at least one/],
    ['codes for a constant', [hospital({ codes: { identityCheck: { 有: 'none' } } })], 'mappings[0].codes.identityCheck', /not read from a column/],
    ['codes for a date', [hospital({ codes: { occurredAt: { 今天: '2026-01-01' } } })], 'mappings[0].codes.occurredAt', /unknown field/],
    [
      'dates for a field not in columns',
      [hospital({ dates: { occurredAt: ['yyyy/MM/dd'], deathDate: ['yyyyMMdd'] } })],
      'mappings[0].dates.deathDate',
      /not read from a column/,
    ],
    ['no formats', [hospital({ dates: { occurredAt: [] } })], 'mappings[0].dates.occurredAt', /list of 1 to 10/],
    ['a format without the day', [hospital({ dates: { occurredAt: ['yyyy/MM', 'HH:mm'] } })], 'mappings[0].dates.occurredAt[0]', /does not read back/],
    ['a time-only format', [hospital({ dates: { occurredAt: ['yyyy/MM/dd', 'HH:mm'] } })], 'mappings[0].dates.occurredAt[1]', /does not read back/],
    [
      'a format luxon refuses (meridiem with a 24-hour clock)',
      [hospital({ dates: { occurredAt: ['yyyy-MM-dd a HH'] } })],
      'mappings[0].dates.occurredAt[0]',
      /does not read back/,
    ],
    ['a format that is not text', [hospital({ dates: { occurredAt: [20260301] } })], 'mappings[0].dates.occurredAt[0]', /non-empty string/],
    ['an unknown zone', [hospital({ zone: 'Mars/Olympus' })], 'mappings[0].zone', /unknown time zone/],
  ])('refuses %s, naming the field', (_what, json, where, why) => {
    const e = errorOf(json);
    expect(e.path).toBe(where);
    expect(e.message).toMatch(why);
    expect(e.message.startsWith(`${where}: `)).toBe(true);
  });

  it('accepts fixed offsets and other zones, and a source a catalogue knows', () => {
    expect(parseMappings([hospital({ zone: 'UTC+8' })], known).get('hospital-his')!.zone).toBe('UTC+8');
    const wider: MappingCatalogue = {
      ...known,
      isSource: (s) => s === 'post_office' || isKnownSource(s),
      isKind: (s, k) => s === 'post_office' || isKnownKind(s, k),
    };
    expect(() => parseMappings([hospital({ source: 'post_office', codes: { kind: { 取款: 'counter_visit' } } })], known)).toThrow();
    expect(parseMappings([hospital({ source: 'post_office', codes: { kind: { 取款: 'counter_visit' } } })], wider).get('hospital-his')!.source).toBe(
      'post_office',
    );
  });
});

describe('loadMappings', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pc-mappings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('no file, no mappings', () => {
    expect(loadMappings(undefined).size).toBe(0);
  });

  it('names MAPPINGS_FILE, the file and the field path', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify([hospital({ dates: { occurredAt: ['yyyy/MM/dd HH:mm', 'MM/dd'] } })]));
    expect(() => loadMappings(file, known)).toThrow(`MAPPINGS_FILE ${file}: mappings[0].dates.occurredAt[1]: luxon format "MM/dd" does not read back`);
    writeFileSync(file, '[{');
    expect(() => loadMappings(file, known)).toThrow(new RegExp(`^MAPPINGS_FILE ${file}: cannot be read: .*JSON`));
    expect(() => loadMappings(path.join(dir, 'none.json'), known)).toThrow(/MAPPINGS_FILE .*none\.json: cannot be read: ENOENT/);
  });
});
