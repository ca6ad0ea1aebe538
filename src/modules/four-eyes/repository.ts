// Proposals awaiting a second key, and the audit rows of their steps. The audit rows are written
// in the caller's transaction (not through the group-commit writer): a proposal and its audit
// commit or vanish together, and these steps are rare.
import { sql } from 'kysely';
import type { Executor } from '../../infra/database.ts';
import type { FourEyesAction } from '../../domain/four-eyes.ts';

export interface OpenProposal {
  id: string;
  proposedBy: string;
  proposedAt: Date;
  payload: Record<string, unknown>;
}

export interface NewProposal {
  action: FourEyesAction;
  subject: string;
  regionCode: string;
  pensionerId: string | null;
  payload: Record<string, unknown>;
  proposedBy: string;
  at: Date;
}

export function createProposalRepository() {
  return {
    /** The open proposal for an action on a subject, locked until the caller's transaction ends. */
    async lockOpen(q: Executor, action: FourEyesAction, subject: string): Promise<OpenProposal | null> {
      const { rows } = await sql<{ id: string; proposed_by: string; proposed_at: Date; payload: Record<string, unknown> }>`
        SELECT id, proposed_by, proposed_at, payload FROM proposals
        WHERE action = ${action} AND subject = ${subject} AND checked_at IS NULL
        FOR UPDATE`.execute(q);
      const r = rows[0];
      return r ? { id: String(r.id), proposedBy: r.proposed_by, proposedAt: r.proposed_at, payload: r.payload } : null;
    },

    /** Inserts a proposal; null when another request opened one for the same subject meanwhile. */
    async insert(q: Executor, p: NewProposal): Promise<string | null> {
      const { rows } = await sql<{ id: string }>`
        INSERT INTO proposals (action, subject, region_code, pensioner_id, payload, proposed_by, proposed_at)
        VALUES (${p.action}, ${p.subject}, ${p.regionCode}, ${p.pensionerId}, ${JSON.stringify(p.payload)}::jsonb, ${p.proposedBy}, ${p.at})
        ON CONFLICT (action, subject) WHERE checked_at IS NULL DO NOTHING
        RETURNING id`.execute(q);
      return rows[0] ? String(rows[0].id) : null;
    },

    async complete(q: Executor, id: string, checkedBy: string, at: Date, payload: Record<string, unknown>): Promise<void> {
      await sql`UPDATE proposals SET checked_by = ${checkedBy}, checked_at = ${at}, check_payload = ${JSON.stringify(payload)}::jsonb
        WHERE id = ${id}`.execute(q);
    },

    async audit(q: Executor, e: { keyId: string; role: string; action: string; pensionerId: string | null; detail: Record<string, unknown> }): Promise<void> {
      await sql`INSERT INTO audit_log (key_id, role, action, pensioner_id, detail)
        VALUES (${e.keyId}, ${e.role}, ${e.action}, ${e.pensionerId}, ${JSON.stringify(e.detail)}::jsonb)`.execute(q);
    },
  };
}

export type ProposalRepository = ReturnType<typeof createProposalRepository>;
