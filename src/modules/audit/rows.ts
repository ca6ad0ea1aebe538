// What one flush of the audit writer inserts. The entries of a flush share their moment: `at`
// is the inserting transaction's start. So the entries of one key that differ only in the
// person (fifty status lookups that arrived together, a batch query's people, a payroll page)
// lose nothing as one row naming them all, and cost one insert instead of one each:
// migrations/20261207T000000. Callers write one entry per person; the merging is done here only.

export interface AuditEntry {
  keyId: string | null;
  role: string | null;
  action: string;
  pensionerId: string | number | bigint | null;
  detail?: Record<string, unknown> | null;
}

export interface AuditRow {
  key_id: string | null;
  role: string | null;
  action: string;
  pensioner_id: string | null;
  detail: Record<string, unknown> | null;
  pensioner_ids: string[] | null;
}

const NUL = '\u0000';
const part = (v: string | null) => (v === null ? '\u0001' : v);
/** Who did what, with which detail: entries alike in this are one row. A string, not JSON, on the lookups' path. */
const whoOf = (e: AuditEntry) => part(e.keyId) + NUL + part(e.role) + NUL + e.action + NUL + (e.detail ? JSON.stringify(e.detail) : '');

/** The rows of one flush, in the order of the entries; entries about no one are rows of their own. */
export function auditRows(entries: readonly AuditEntry[]): AuditRow[] {
  const rows: AuditRow[] = [];
  const byWho = new Map<string, string[]>();
  for (const e of entries) {
    const row: AuditRow = { key_id: e.keyId, role: e.role, action: e.action, pensioner_id: null, detail: e.detail ?? null, pensioner_ids: null };
    if (e.pensionerId == null) {
      rows.push(row);
      continue;
    }
    const who = whoOf(e);
    const people = byWho.get(who);
    if (people) people.push(String(e.pensionerId));
    else {
      row.pensioner_ids = [String(e.pensionerId)];
      byWho.set(who, row.pensioner_ids);
      rows.push(row);
    }
  }
  // A row naming one person is the ordinary row, found through the per-person index.
  for (const r of rows) if (r.pensioner_ids?.length === 1) [r.pensioner_id, r.pensioner_ids] = [r.pensioner_ids[0]!, null];
  return rows;
}
