import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditRows, type AuditEntry } from '../../src/modules/audit/rows.ts';

const KEY = '6f1c2a4e-0000-4000-8000-000000000001';
const read = (pensionerId: string, o: Partial<AuditEntry> = {}): AuditEntry => ({
  keyId: KEY,
  role: 'bureau',
  action: 'certification.read',
  pensionerId,
  ...o,
});

/** Each (key, role, action, person, detail) a list of rows records, sorted: what an auditor can ask of them. */
const personReads = (rows: ReturnType<typeof auditRows>) =>
  rows.flatMap((r) => (r.pensioner_ids ?? [r.pensioner_id]).map((p) => JSON.stringify([r.key_id, r.role, r.action, p, r.detail]))).sort();
const entryReads = (entries: AuditEntry[]) =>
  entries.map((e) => JSON.stringify([e.keyId, e.role, e.action, e.pensionerId == null ? null : String(e.pensionerId), e.detail ?? null])).sort();

describe('the rows of one audit flush', () => {
  it('are one row for the reads of one key that differ only in the person', () => {
    const rows = auditRows([read('1'), read('2'), read('3', { action: 'pensioner.read' }), read('4')]);
    expect(rows).toEqual([
      { key_id: KEY, role: 'bureau', action: 'certification.read', pensioner_id: null, detail: null, pensioner_ids: ['1', '2', '4'] },
      { key_id: KEY, role: 'bureau', action: 'pensioner.read', pensioner_id: '3', detail: null, pensioner_ids: null },
    ]);
  });

  it('keep entries of other detail apart, and an entry about no one as it is', () => {
    const month = { month: '2026-06' };
    const rows = auditRows([
      read('1', { detail: month }),
      read('2', { detail: { field: 'x' } }),
      read('3', { detail: { month: '2026-06' } }),
      read('4', { keyId: null }),
      { keyId: KEY, role: 'admin', action: 'key.create', pensionerId: null },
    ]);
    expect(rows.map((r) => [r.pensioner_id, r.pensioner_ids, r.detail])).toEqual([
      [null, ['1', '3'], month],
      ['2', null, { field: 'x' }],
      ['4', null, null],
      [null, null, null],
    ]);
  });

  it('record exactly who did what to whom, whatever the entries', () => {
    const entry: fc.Arbitrary<AuditEntry> = fc.record({
      keyId: fc.constantFrom(KEY, null, '6f1c2a4e-0000-4000-8000-000000000002'),
      role: fc.constantFrom('bureau', 'staff', null),
      action: fc.constantFrom('certification.read', 'certification.query', 'pensioner.read'),
      pensionerId: fc.option(fc.integer({ min: 1, max: 40 }).map(String), { nil: null }),
      detail: fc.option(fc.constantFrom({ n: 1 }, { n: 2 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), (entries) => {
        const rows = auditRows(entries);
        expect(personReads(rows)).toEqual(entryReads(entries));
        for (const r of rows) expect(r.pensioner_id === null || r.pensioner_ids === null).toBe(true);
      }),
    );
  });
});
