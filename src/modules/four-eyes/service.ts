// The four-eyes step of an irreversible action, inside the caller's transaction:
//   pending: true  — recorded as a proposal; the caller changes nothing else (answers 202)
//   pending: false — a second key completed it; the caller performs the action in the same
//                    transaction (answers 200)
// and a conflict `same_actor` when the proposer asks again. Both steps are audited with the key
// that took them, in the same transaction.
import { conflict } from '../../domain/errors.ts';
import { nextStep, type FourEyesAction } from '../../domain/four-eyes.ts';
import type { Principal } from '../../domain/principal.ts';
import type { Executor } from '../../infra/database.ts';
import type { Clock } from '../../infra/clock.ts';
import type { ProposalRepository } from './repository.ts';

export interface FourEyesRequest {
  action: FourEyesAction;
  /** What the action is on, unique within the action (a claim id, a pensioner id). */
  subject: string;
  regionCode: string;
  pensionerId: string | null;
  /** What the key asked for (a reason, a month): kept with the proposal and its check. */
  payload: Record<string, unknown>;
  principal: Principal;
}

export type FourEyesOutcome =
  { pending: true; proposalId: string } | { pending: false; proposalId: string; proposedBy: string; proposal: Record<string, unknown> };

export interface FourEyesService {
  request(trx: Executor, req: FourEyesRequest): Promise<FourEyesOutcome>;
}

export function createFourEyesService(deps: { proposals: ProposalRepository; clock: Clock }): FourEyesService {
  const { proposals, clock } = deps;

  async function audit(trx: Executor, req: FourEyesRequest, step: 'proposed' | 'completed', detail: Record<string, unknown>) {
    await proposals.audit(trx, {
      keyId: req.principal.keyId,
      role: req.principal.role,
      action: `four_eyes.${step}`,
      pensionerId: req.pensionerId,
      detail: { action: req.action, subject: req.subject, keyName: req.principal.name, ...detail },
    });
  }

  return {
    async request(trx, req) {
      const now = clock.now();
      for (;;) {
        const open = await proposals.lockOpen(trx, req.action, req.subject);
        const step = nextStep(open?.proposedBy ?? null, req.principal.keyId);
        if (step === 'same_actor') throw conflict('same_actor', 'this key proposed it: another bureau or admin key of the region must complete it');
        if (step === 'complete' && open) {
          await proposals.complete(trx, open.id, req.principal.keyId, now, req.payload);
          await audit(trx, req, 'completed', { proposalId: open.id, proposedBy: open.proposedBy, payload: req.payload });
          return { pending: false, proposalId: open.id, proposedBy: open.proposedBy, proposal: open.payload };
        }
        const id = await proposals.insert(trx, {
          action: req.action,
          subject: req.subject,
          regionCode: req.regionCode,
          pensionerId: req.pensionerId,
          payload: req.payload,
          proposedBy: req.principal.keyId,
          at: now,
        });
        // Another key proposed the same thing in the same instant: read it again and decide.
        if (id === null) continue;
        await audit(trx, req, 'proposed', { proposalId: id, payload: req.payload });
        return { pending: true, proposalId: id };
      }
    },
  };
}
