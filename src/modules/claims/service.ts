// The recovery ledger: claims reconciled from decisions (set-based, for the few a change
// concerns), and the bureau's steps on a claim — notice, repayments in instalments, write-off
// with four eyes — and the payroll freeze's offset against back pay. Each change is one transaction with its event.
import type { Executor, Transact } from '../../infra/database.ts';
import type { Clock } from '../../infra/clock.ts';
import { isIsoDate, monthOf, shanghaiDate, type YearMonth } from '../../domain/calendar.ts';
import { constantBenefit } from '../../domain/benefit-history.ts';
import {
  allocateOffset,
  claimsOwed,
  reconcileClaims,
  replayedPaid,
  settledStatus,
  LISTED_CLAIM_STATUSES,
  type ClaimStatus,
  type PaidIn,
} from '../../domain/claims.ts';
import { conflict, invalid, notFound } from '../../domain/errors.ts';
import type { Decision } from '../../domain/lifecycle.ts';
import { formatYuan, parseYuan } from '../../domain/money.ts';
import type { Principal } from '../../domain/principal.ts';
import type { AuditWriter } from '../audit/repository.ts';
import type { FourEyesService } from '../four-eyes/service.ts';
import type { BenefitRepository } from '../pensioners/benefit-repository.ts';
import type { ClaimEventRow, ClaimRepository, ClaimRow, NewEvent } from './repository.ts';

type Q = Executor;

/** A person whose decision was just taken, as reconciliation needs them. */
export interface DecidedPerson {
  pensionerId: string;
  regionCode: string;
  decision: Decision;
}

/**
 * The seam for frozen payroll runs: for each pensioner, the months a frozen run line says were
 * paid (true) or not (false). A month it does not name is replayed from the decision.
 */
export type FrozenRunsPaid = (q: Q, pensionerIds: string[]) => Promise<Map<string, Map<YearMonth, boolean>>>;

export interface ClaimServiceDeps {
  transaction: Transact;
  repo: ClaimRepository;
  benefits: Pick<BenefitRepository, 'histories'>;
  /** Decisions of pensioners as known at `now` (certification), for reconciling after a benefit change. */
  decisions: (q: Q, ids: string[], now: Date) => Promise<Map<string, Decision>>;
  frozenRunsPaid?: FrozenRunsPaid;
  fourEyes: Pick<FourEyesService, 'request'>;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
}

export const REPAYMENT_METHODS = ['bank_transfer', 'cash', 'pension_withholding', 'court_enforcement'] as const;

const outstandingOf = (c: ClaimRow) => {
  const left = BigInt(c.amount_fen) - BigInt(c.repaid_fen) - BigInt(c.offset_fen) - BigInt(c.written_off_fen);
  return left > 0n ? left : 0n;
};
const settledOf = (c: ClaimRow) => BigInt(c.repaid_fen) + BigInt(c.offset_fen) + BigInt(c.written_off_fen);

function claimView(c: ClaimRow, events: ClaimEventRow[]) {
  return {
    id: c.id,
    nationalId: c.national_id,
    regionCode: c.region_code,
    reason: c.reason,
    amount: formatYuan(c.amount_fen),
    outstanding: formatYuan(outstandingOf(c)),
    status: c.status,
    openedAt: c.opened_at.toISOString(),
    history: events.map((e) => ({
      at: e.at.toISOString(),
      event: e.kind,
      amount: e.amount_fen === null ? null : formatYuan(e.amount_fen),
      reason: e.reason,
      by: e.actor,
      ...(e.detail ? { detail: e.detail } : {}),
    })),
  };
}

const OPEN: readonly ClaimStatus[] = ['open', 'notified'];

// Long only by its methods, each a short step; they share the deps closed over here.
export function createClaimService(deps: ClaimServiceDeps) {
  const { repo, clock } = deps;

  /** Makes the stored claims of these people what their decisions make them, in `q`. */
  async function reconcile(q: Q, people: DecidedPerson[], now: Date, actor: string): Promise<number> {
    if (people.length === 0) return 0;
    const ids = people.map((p) => p.pensionerId);
    const histories = await deps.benefits.histories(q, ids);
    const stored = await repo.forPensioners(q, ids);
    const frozen = deps.frozenRunsPaid ? await deps.frozenRunsPaid(q, ids) : new Map<string, Map<YearMonth, boolean>>();
    const lastRun = monthOf(shanghaiDate(now));
    const opens: { pensionerId: string; regionCode: string; owed: ReturnType<typeof claimsOwed>[number] }[] = [];
    const updates: Parameters<ClaimRepository['update']>[1] = [];
    const events: NewEvent[] = [];
    for (const p of people) {
      const replay = replayedPaid(p.decision);
      const lines = frozen.get(p.pensionerId);
      const paid: PaidIn = lines ? (m) => lines.get(m) ?? replay(m) : replay;
      const history = histories.get(p.pensionerId) ?? constantBenefit(0n);
      const owed = claimsOwed(p.decision, history, lastRun, paid);
      for (const c of reconcileClaims(stored.get(p.pensionerId) ?? [], owed, p.decision)) {
        if (c.kind === 'open') opens.push({ pensionerId: p.pensionerId, regionCode: p.regionCode, owed: c.owed });
        else {
          const owedNow = c.kind === 'cancel' ? null : c.owed;
          updates.push({ id: c.id, regionCode: p.regionCode, status: c.kind === 'cancel' ? 'cancelled' : c.status, owed: owedNow });
          const kind = c.kind === 'amend' ? 'amended' : c.kind === 'reopen' ? 'reopened' : 'cancelled';
          events.push({ claimId: c.id, kind, amountFen: owedNow?.amountFen ?? null, reason: c.why, detail: owedNow ? { since: owedNow.since } : null });
        }
      }
    }
    const opened = await repo.open(q, opens, now);
    opened.forEach((id, i) =>
      events.push({
        claimId: id,
        kind: 'opened',
        amountFen: opens[i]!.owed.amountFen,
        reason: null,
        detail: { since: opens[i]!.owed.since, months: opens[i]!.owed.months.length },
      }),
    );
    await repo.update(q, updates, now);
    await repo.addEvents(q, events, now, actor);
    return events.length;
  }

  /** A claim the key may act on, locked in `trx`; open or notified unless `anyStatus`. */
  async function lockOpen(trx: Q, id: string, who: Principal) {
    if (!/^[0-9]{1,18}$/.test(id)) throw notFound('claim');
    const c = await repo.lock(trx, id, who.regionPrefix);
    if (!c) throw notFound('claim');
    if (!OPEN.includes(c.status)) throw conflict('claim_closed', `the claim is ${c.status}`);
    return c;
  }

  /** One claim as the answer gives it, read in `trx` after a change. */
  async function view(trx: Q, id: string, who: Principal) {
    const c = (await repo.lock(trx, id, who.regionPrefix))!;
    return claimView(c, await repo.events(trx, [id]));
  }

  const audited = (who: Principal, action: string, c: ClaimRow, detail?: Record<string, unknown>) =>
    deps.audit.record({ keyId: who.keyId, role: who.role, action, pensionerId: c.pensioner_id, detail: { claimId: c.id, ...detail } });

  return {
    reconcile,

    /** After a change that is not a decision (a benefit correction): reconciles those of `ids` it concerns. */
    async reconcileFor(q: Q, ids: string[], now: Date, actor: string): Promise<number> {
      const concerned = await repo.concerned(q, ids);
      if (concerned.length === 0) return 0;
      const decisions = await deps.decisions(
        q,
        concerned.map((c) => c.id),
        now,
      );
      const people = concerned.flatMap((c) => {
        const decision = decisions.get(c.id);
        return decision ? [{ pensionerId: c.id, regionCode: c.regionCode, decision }] : [];
      });
      return reconcile(q, people, now, actor);
    },

    /**
     * Each person's back pay (a resumption's, or a stop's owed to the estate) set against their
     * outstanding claims, oldest first (`allocateOffset`), in `q`: the payroll freeze, inside its
     * transaction, so a run offsets once or not at all. Returns what was offset, by person (the
     * run pays the rest). Each take is an `offset` event; a claim settled by it `recovered`.
     */
    async offsetBackPay(q: Q, items: { pensionerId: string; backPayFen: bigint }[], month: YearMonth, actor: string, now: Date): Promise<Map<string, bigint>> {
      const out = new Map<string, bigint>();
      const wanted = items.filter((i) => i.backPayFen > 0n);
      if (wanted.length === 0) return out;
      const claims = await repo.forPensioners(
        q,
        wanted.map((i) => i.pensionerId),
      );
      for (const { pensionerId, backPayFen } of wanted) {
        const takes = allocateOffset(claims.get(pensionerId) ?? [], backPayFen);
        if (takes.length === 0) continue;
        for (const t of takes) {
          await repo.settle(q, t.claimId, { offsetFen: t.takeFen, status: t.status }, now);
          const events: NewEvent[] = [
            { claimId: t.claimId, kind: 'offset', amountFen: t.takeFen, reason: `offset against the back pay of the ${month} payroll run` },
          ];
          if (t.status === 'recovered') events.push({ claimId: t.claimId, kind: 'recovered', amountFen: null, reason: null });
          await repo.addEvents(q, events, now, actor);
        }
        out.set(
          pensionerId,
          takes.reduce((s, t) => s + t.takeFen, 0n),
        );
      }
      return out;
    },

    /** A page of claims within `scope`, in id order, each with its history; `nextAfter` is the last id when more follow. */
    /** Claims in `status`, or without one in the contract's statuses (a cancelled one only when asked for). */
    async list(f: { status?: ClaimStatus; scope: string | null; limit: number; afterId?: string }, who: Principal) {
      const statuses = f.status ? [f.status] : LISTED_CLAIM_STATUSES;
      const { rows, events } = await deps.transaction(async (trx) => {
        const rows = (await repo.list(trx, { statuses, scope: f.scope, limit: f.limit + 1, afterId: f.afterId })).slice(0, f.limit + 1);
        return {
          rows,
          events: await repo.events(
            trx,
            rows.slice(0, f.limit).map((r) => r.id),
          ),
        };
      });
      const more = rows.length > f.limit;
      const page = rows.slice(0, f.limit);
      const byClaim = new Map<string, ClaimEventRow[]>();
      for (const e of events) byClaim.set(e.claim_id, [...(byClaim.get(e.claim_id) ?? []), e]);
      await deps.audit.record(
        page.map((c) => ({ keyId: who.keyId, role: who.role, action: 'claim.read', pensionerId: c.pensioner_id, detail: { claimId: c.id } })),
      );
      return { items: page.map((c) => claimView(c, byClaim.get(c.id) ?? [])), nextAfter: more ? page.at(-1)!.id : null };
    },

    /** A notice sent to the person or heirs: open → notified. */
    async notify(id: string, note: string | undefined, who: Principal) {
      const now = clock.now();
      const { claim, result } = await deps.transaction(async (trx) => {
        const c = await lockOpen(trx, id, who);
        if (c.status !== 'open') throw conflict('already_notified', 'the claim was already notified');
        await repo.settle(trx, id, { status: 'notified', notified: true }, now);
        await repo.addEvents(trx, [{ claimId: id, kind: 'notified', amountFen: null, reason: note ?? null }], now, `key:${who.keyId}`);
        return { claim: c, result: await view(trx, id, who) };
      });
      await audited(who, 'claim.notify', claim);
      return result;
    },

    /** A repayment (an instalment or the whole): never more than is outstanding. */
    async repay(id: string, body: { amount: string; paidOn: string; method: string }, who: Principal) {
      const now = clock.now();
      let fen: bigint;
      try {
        fen = parseYuan(body.amount);
      } catch {
        throw invalid('invalid_amount', 'amount must be a decimal string in yuan, e.g. "3120.50"');
      }
      if (fen <= 0n) throw invalid('invalid_amount', 'amount must be more than 0');
      if (!isIsoDate(body.paidOn)) throw invalid('invalid_date', 'paidOn is not a real date');
      if (body.paidOn > shanghaiDate(now)) throw invalid('future_date', 'paidOn is in the future');
      const { claim, result } = await deps.transaction(async (trx) => {
        const c = await lockOpen(trx, id, who);
        const outstanding = outstandingOf(c);
        if (fen > outstanding) throw conflict('exceeds_outstanding', `the repayment is more than the ${formatYuan(outstanding)} yuan outstanding`);
        const status = settledStatus({ amountFen: BigInt(c.amount_fen), settledFen: settledOf(c) + fen, notified: c.notified_at !== null, status: c.status });
        await repo.settle(trx, id, { repaidFen: fen, status }, now);
        const events: NewEvent[] = [{ claimId: id, kind: 'repayment', amountFen: fen, reason: null, detail: { paidOn: body.paidOn, method: body.method } }];
        if (status === 'recovered') events.push({ claimId: id, kind: 'recovered', amountFen: null, reason: null });
        await repo.addEvents(trx, events, now, `key:${who.keyId}`);
        return { claim: c, result: await view(trx, id, who) };
      });
      await audited(who, 'claim.repayment', claim, { amount: formatYuan(fen) });
      return result;
    },

    /** Write-off with four eyes: the first key proposes (pending), a second completes it. */
    async writeOff(id: string, reason: string, who: Principal) {
      const now = clock.now();
      const { claim, result } = await deps.transaction(async (trx) => {
        const c = await lockOpen(trx, id, who);
        const step = await deps.fourEyes.request(trx, {
          action: 'claim_write_off',
          subject: id,
          regionCode: c.region_code,
          pensionerId: c.pensioner_id,
          payload: { reason },
          principal: who,
        });
        if (step.pending) return { claim: c, result: { pending: true as const } };
        const left = outstandingOf(c);
        await repo.settle(trx, id, { writtenOffFen: left, status: 'written_off' }, now);
        const detail = { proposalId: step.proposalId, proposedBy: step.proposedBy, proposedReason: step.proposal['reason'] ?? null };
        await repo.addEvents(trx, [{ claimId: id, kind: 'written_off', amountFen: left, reason, detail }], now, `key:${who.keyId}`);
        return { claim: c, result: { pending: false as const, claim: await view(trx, id, who) } };
      });
      await audited(who, result.pending ? 'claim.write_off_proposed' : 'claim.write_off', claim);
      return result;
    },

    /** Outstanding amounts by region and age of claim: figures only. */
    async outstanding(scope: string | null) {
      const rows = await deps.transaction((trx) => repo.outstanding(trx, { scope, today: shanghaiDate(clock.now()) }));
      return rows.map((r) => ({ regionCode: r.region_code, age: r.age, claims: Number(r.claims), outstanding: formatYuan(r.outstanding_fen) }));
    },
  };
}
export type ClaimService = ReturnType<typeof createClaimService>;
