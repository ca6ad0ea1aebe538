// What one flush of the audit writer inserts. The entries of a flush share their moment: `at`
// is the inserting transaction's start. So the entries of one key that differ only in the
// person (fifty status lookups that arrived together, a batch query, a payroll page) lose nothing
// as one row naming them all, and cost one insert instead of one each: migrations/20261207T000000.

export interface AuditEntry {
  keyId: string | null;
  role: string | null;
  action: string;
  pensionerId: string | number | bigint | null;
  detail?: Record<string, unknown> | null;
  /** The people of a read that returns many at once (then `pensionerId` is null). */
  pensionerIds?: readonly string[];
}

export interface AuditRow {
  key_id: string | null;
  role: string | null;
  action: string;
  pensioner_id: string | null;
  detail: Record<string, unknown> | null;
  pensioner_ids: string[] | null;
}

const peopleOf = (e: AuditEntry): string[] => (e.pensionerIds ? [...e.pensionerIds] : e.pensionerId == null ? [] : [String(e.pensionerId)]);

/** The rows of one flush, in the order of the entries; entries about no one are rows of their own. */
export function auditRows(entries: readonly AuditEntry[]): AuditRow[] {
  const rows: AuditRow[] = [];
  const byWho = new Map<string, AuditRow>();
  for (const e of entries) {
    const people = peopleOf(e);
    const row: AuditRow = { key_id: e.keyId, role: e.role, action: e.action, pensioner_id: null, detail: e.detail ?? null, pensioner_ids: null };
    if (people.length === 0) {
      rows.push(row);
      continue;
    }
    // The same detail (a payroll page's month) is the same entry but for the person.
    const who = JSON.stringify([e.keyId, e.role, e.action, row.detail]);
    const same = byWho.get(who);
    if (same) same.pensioner_ids!.push(...people);
    else {
      row.pensioner_ids = people;
      byWho.set(who, row);
      rows.push(row);
    }
  }
  // A row naming one person is the ordinary row, found through the per-person index.
  for (const r of rows) if (r.pensioner_ids?.length === 1) [r.pensioner_id, r.pensioner_ids] = [r.pensioner_ids[0]!, null];
  return rows;
}
