/**
 * gov keeper (cosmos-sdk x/gov v1): proposals, deposits, votes, the stake-weighted tally and the
 * EndBlock queues. Passed proposals run their messages as the gov authority through the app's msg
 * router, in a branch that is written only if every message succeeds.
 */
import { Deposit, Params, Proposal, type TallyResult, Vote, type WeightedVoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { Bytes, Timestamp } from "../core/abci.ts";
import { accAddressFromString, accAddressToString } from "../core/address.ts";
import { equal, readU64be, toHex, u64be } from "../core/bytes.ts";
import { type Coin, addCoins, amountOf, coinsFromProto, coinsToProto, formatCoins, isAllGte } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { DEC_ONE, type Dec, decMul, decMulIntFloor, decQuo, decTruncateInt } from "../core/dec.ts";
import { AppError } from "../core/errors.ts";
import { EventManager } from "../core/events.ts";
import { CacheKVStore } from "../core/store/cache.ts";
import type { KVStore } from "../core/store/types.ts";
import { ErrInactiveProposal, ErrInvalidDepositDenom, ErrInvalidProposal, ErrInvalidProposer, ErrInvalidProposalMsg, ErrInvalidSigner, ErrMinDepositTooSmall, ErrUnknownProposal, ErrUnroutableProposalMsg } from "./errors.ts";
import type { GovBankKeeper, GovMsgRouter, GovStakingKeeper } from "./expectedKeepers.ts";
import { MODULE_NAME, NEXT_ID_KEY, PARAMS_KEY, PREFIX, depositKey, depositsPrefix, proposalKey, queueEnd, queueKey, voteKey, votesPrefix } from "./keys.ts";
import { dec, defaultParams, type GovParams } from "./params.ts";

export const STATUS = { unspecified: 0, depositPeriod: 1, votingPeriod: 2, passed: 3, rejected: 4, failed: 5 } as const;
export const OPTION = { unspecified: 0, yes: 1, abstain: 2, no: 3, noWithVeto: 4 } as const;
const BONDED = 3;

export interface TallyOutcome {
  passes: boolean;
  burnDeposits: boolean;
  tally: TallyResult;
}

export interface GovKeeperDeps {
  bank: GovBankKeeper;
  staking: GovStakingKeeper;
  authority: Bytes;
  /**
   * type URLs of protocol-rule changes (PoA method versions, attribution params): a proposal carrying
   * one needs the expedited threshold (peers.md §4.11: PoA-rule changes use a higher threshold).
   */
  criticalMsgTypes?: ReadonlySet<string>;
}

export function addDuration(t: Timestamp, d: { seconds: bigint; nanos: number } | undefined): Timestamp {
  const ns = (d?.seconds ?? 0n) * 1_000_000_000n + BigInt(d?.nanos ?? 0) + BigInt(t.nanos);
  return { seconds: t.seconds + ns / 1_000_000_000n, nanos: Number(ns % 1_000_000_000n) };
}

export const emptyTally = (): TallyResult => ({ yesCount: "0", abstainCount: "0", noCount: "0", noWithVetoCount: "0" });

/** a branch of ctx: every store it opens buffers its writes until write() (SDK CacheContext). */
export function branchContext(ctx: WriteContext): { ctx: WriteContext; write(): void } {
  const caches = new Map<string, CacheKVStore>();
  const events = new EventManager();
  const bctx: WriteContext = {
    ...ctx,
    events,
    store(namespace: string): KVStore {
      let c = caches.get(namespace);
      if (c === undefined) {
        c = new CacheKVStore(ctx.store(namespace));
        caches.set(namespace, c);
      }
      return c;
    },
  };
  return {
    ctx: bctx,
    write() {
      for (const c of caches.values()) c.write();
      ctx.events.emitEvents(events.events);
    },
  };
}

export function createGovKeeper(deps: GovKeeperDeps) {
  let router: GovMsgRouter | null = null;
  const s = (ctx: ReadContext) => ctx.store(MODULE_NAME);
  const w = (ctx: WriteContext) => ctx.store(MODULE_NAME);

  const k = {
    authority: deps.authority,
    setRouter(r: GovMsgRouter): void {
      if (router !== null) throw new Error("gov: msg router already set");
      router = r;
    },
    route(typeUrl: string) {
      if (router === null) throw new Error("gov: msg router not set");
      return router(typeUrl);
    },
    getParams(ctx: ReadContext): GovParams {
      const b = s(ctx).get(PARAMS_KEY);
      return b === undefined ? defaultParams() : Params.decode(b);
    },
    setParams(ctx: WriteContext, p: GovParams): void {
      w(ctx).set(PARAMS_KEY, Params.encode(p).finish());
    },
    getNextProposalId(ctx: ReadContext): bigint {
      const b = s(ctx).get(NEXT_ID_KEY);
      return b === undefined ? 1n : readU64be(b);
    },
    setNextProposalId(ctx: WriteContext, id: bigint): void {
      w(ctx).set(NEXT_ID_KEY, u64be(id));
    },
    getProposal(ctx: ReadContext, id: bigint): Proposal | undefined {
      const b = s(ctx).get(proposalKey(id));
      return b === undefined ? undefined : Proposal.decode(b);
    },
    setProposal(ctx: WriteContext, p: Proposal): void {
      w(ctx).set(proposalKey(p.id), Proposal.encode(p).finish());
    },
    async *iterateProposals(ctx: ReadContext): AsyncIterable<Proposal> {
      for await (const [, v] of s(ctx).iterate({ prefix: Uint8Array.of(PREFIX.proposals) })) yield Proposal.decode(v);
    },
    getDeposit(ctx: ReadContext, id: bigint, depositor: Bytes): Deposit | undefined {
      const b = s(ctx).get(depositKey(id, depositor));
      return b === undefined ? undefined : Deposit.decode(b);
    },
    setDeposit(ctx: WriteContext, d: Deposit): void {
      w(ctx).set(depositKey(d.proposalId, accAddressFromString(d.depositor)), Deposit.encode(d).finish());
    },
    async deposits(ctx: ReadContext, id: bigint): Promise<Deposit[]> {
      const out: Deposit[] = [];
      for await (const [, v] of s(ctx).iterate({ prefix: depositsPrefix(id) })) out.push(Deposit.decode(v));
      return out;
    },
    getVote(ctx: ReadContext, id: bigint, voter: Bytes): Vote | undefined {
      const b = s(ctx).get(voteKey(id, voter));
      return b === undefined ? undefined : Vote.decode(b);
    },
    setVote(ctx: WriteContext, v: Vote): void {
      w(ctx).set(voteKey(v.proposalId, accAddressFromString(v.voter)), Vote.encode(v).finish());
    },
    async votes(ctx: ReadContext, id: bigint): Promise<Vote[]> {
      const out: Vote[] = [];
      for await (const [, v] of s(ctx).iterate({ prefix: votesPrefix(id) })) out.push(Vote.decode(v));
      return out;
    },
    async deleteVotes(ctx: WriteContext, id: bigint): Promise<void> {
      for (const v of await k.votes(ctx, id)) w(ctx).delete(voteKey(id, accAddressFromString(v.voter)));
    },

    /** SDK ValidateProposalMsgs: routable, decodable, signed by the gov authority only, validateBasic. */
    validateProposalMsgs(msgs: readonly Any[]): void {
      for (const [i, any] of msgs.entries()) {
        const h = k.route(any.typeUrl);
        if (h === undefined) throw ErrUnroutableProposalMsg.wrap(`message ${i}: ${any.typeUrl}`);
        let m: unknown;
        try {
          m = h.decode(any.value);
        } catch (e: unknown) {
          throw ErrInvalidProposalMsg.wrap(`message ${i}: cannot decode ${any.typeUrl}: ${e instanceof Error ? e.message : String(e)}`);
        }
        const signers = h.signers(m);
        if (signers.length !== 1 || !equal(signers[0] as Bytes, deps.authority)) {
          throw ErrInvalidSigner.wrap(`message ${i} (${any.typeUrl}): expected ${accAddressToString(deps.authority)}`);
        }
        h.validateBasic?.(m);
      }
    },

    submitProposal(ctx: WriteContext, o: { messages: Any[]; metadata: string; title: string; summary: string; proposer: Bytes; expedited: boolean }): Proposal {
      k.validateProposalMsgs(o.messages);
      const params = k.getParams(ctx);
      const id = k.getNextProposalId(ctx);
      k.setNextProposalId(ctx, id + 1n);
      const now = ctx.block.time;
      const p = Proposal.fromPartial({
        id,
        messages: o.messages,
        status: STATUS.depositPeriod,
        finalTallyResult: emptyTally(),
        submitTime: now,
        depositEndTime: addDuration(now, params.maxDepositPeriod),
        totalDeposit: [],
        metadata: o.metadata,
        title: o.title,
        summary: o.summary,
        proposer: accAddressToString(o.proposer),
        expedited: o.expedited,
        failedReason: "",
      });
      k.setProposal(ctx, p);
      w(ctx).set(queueKey(PREFIX.inactiveQueue, p.depositEndTime as Timestamp, id), Uint8Array.of());
      return p;
    },

    minDepositOf(params: GovParams, expedited: boolean): Coin[] {
      return coinsFromProto(expedited ? params.expeditedMinDeposit : params.minDeposit);
    },

    /** SDK validateInitialDeposit: at least min_deposit × min_initial_deposit_ratio. */
    validateInitialDeposit(ctx: ReadContext, deposit: readonly Coin[], expedited: boolean): void {
      const params = k.getParams(ctx);
      const ratio = dec(params.minInitialDepositRatio, "min initial deposit ratio");
      if (ratio === 0n) return;
      const required = k.minDepositOf(params, expedited).map((c) => ({ denom: c.denom, amount: decMulIntFloor(ratio, c.amount) })).filter((c) => c.amount > 0n);
      if (!isAllGte(deposit, required)) throw ErrMinDepositTooSmall.wrap(`was (${formatCoins(deposit)}), need (${formatCoins(required)})`);
    },

    /** adds a deposit; returns true if the proposal entered its voting period. */
    addDeposit(ctx: WriteContext, id: bigint, depositor: Bytes, amount: readonly Coin[]): boolean {
      const p = k.getProposal(ctx, id);
      if (p === undefined) throw ErrUnknownProposal.wrap(`${id}`);
      if (p.status !== STATUS.depositPeriod && p.status !== STATUS.votingPeriod) throw ErrInactiveProposal.wrap(`${id}`);
      const params = k.getParams(ctx);
      const min = k.minDepositOf(params, p.expedited);
      for (const c of amount) {
        if (min.find((m) => m.denom === c.denom) === undefined) throw ErrInvalidDepositDenom.wrap(`deposited ${formatCoins([c])}, but gov accepts only the denoms of ${formatCoins(min)}`);
      }
      const ratio = dec(params.minDepositRatio, "min deposit ratio");
      if (ratio > 0n && amount.length > 0) {
        const enough = min.some((m) => amountOf(amount, m.denom) >= decMulIntFloor(ratio, m.amount));
        if (!enough) throw ErrMinDepositTooSmall.wrap(`received ${formatCoins(amount)} but need at least ${decMulIntFloor(ratio, min[0]?.amount ?? 0n)}${min[0]?.denom} (min deposit ratio)`);
      }
      if (amount.length > 0) deps.bank.sendCoinsFromAccountToModule(ctx, depositor, MODULE_NAME, amount);
      const total = addCoins(coinsFromProto(p.totalDeposit), amount);
      p.totalDeposit = coinsToProto(total);
      let activated = false;
      if (p.status === STATUS.depositPeriod && isAllGte(total, min)) {
        w(ctx).delete(queueKey(PREFIX.inactiveQueue, p.depositEndTime as Timestamp, id));
        p.status = STATUS.votingPeriod;
        p.votingStartTime = ctx.block.time;
        p.votingEndTime = addDuration(ctx.block.time, p.expedited ? params.expeditedVotingPeriod : params.votingPeriod);
        w(ctx).set(queueKey(PREFIX.activeQueue, p.votingEndTime, id), Uint8Array.of());
        activated = true;
      }
      k.setProposal(ctx, p);
      const prev = k.getDeposit(ctx, id, depositor);
      const sum = addCoins(prev === undefined ? [] : coinsFromProto(prev.amount), amount);
      k.setDeposit(ctx, { proposalId: id, depositor: accAddressToString(depositor), amount: coinsToProto(sum) });
      ctx.events.emit("proposal_deposit", [["amount", formatCoins(amount)], ["proposal_id", id.toString()], ["depositor", accAddressToString(depositor)]]);
      return activated;
    },

    async refundAndDeleteDeposits(ctx: WriteContext, id: bigint): Promise<void> {
      for (const d of await k.deposits(ctx, id)) {
        const depositor = accAddressFromString(d.depositor);
        const amt = coinsFromProto(d.amount);
        if (amt.length > 0) deps.bank.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, depositor, amt);
        w(ctx).delete(depositKey(id, depositor));
      }
    },

    async deleteAndBurnDeposits(ctx: WriteContext, id: bigint): Promise<void> {
      let total: Coin[] = [];
      for (const d of await k.deposits(ctx, id)) {
        total = addCoins(total, coinsFromProto(d.amount));
        w(ctx).delete(depositKey(id, accAddressFromString(d.depositor)));
      }
      if (total.length > 0) deps.bank.burnCoins(ctx, MODULE_NAME, total);
    },

    /** charges ratio of every deposit (burned, or sent to dest) and refunds the rest (SDK ChargeDeposit). */
    async chargeDeposits(ctx: WriteContext, id: bigint, ratio: Dec, dest: string): Promise<void> {
      let charged: Coin[] = [];
      for (const d of await k.deposits(ctx, id)) {
        const depositor = accAddressFromString(d.depositor);
        const amt = coinsFromProto(d.amount);
        const fee = amt.map((c) => ({ denom: c.denom, amount: decMulIntFloor(ratio, c.amount) })).filter((c) => c.amount > 0n);
        const refund = amt.map((c) => ({ denom: c.denom, amount: c.amount - amountOf(fee, c.denom) })).filter((c) => c.amount > 0n);
        charged = addCoins(charged, fee);
        if (refund.length > 0) deps.bank.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, depositor, refund);
        w(ctx).delete(depositKey(id, depositor));
      }
      if (charged.length === 0) return;
      if (dest === "") deps.bank.burnCoins(ctx, MODULE_NAME, charged);
      else deps.bank.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, accAddressFromString(dest), charged);
    },

    deleteProposal(ctx: WriteContext, p: Proposal): void {
      if (p.depositEndTime !== undefined) w(ctx).delete(queueKey(PREFIX.inactiveQueue, p.depositEndTime, p.id));
      if (p.votingEndTime !== undefined) w(ctx).delete(queueKey(PREFIX.activeQueue, p.votingEndTime, p.id));
      w(ctx).delete(proposalKey(p.id));
    },

    async cancelProposal(ctx: WriteContext, id: bigint, proposer: Bytes): Promise<void> {
      const p = k.getProposal(ctx, id);
      if (p === undefined) throw ErrUnknownProposal.wrap(`${id}`);
      if (!equal(accAddressFromString(p.proposer), proposer)) throw ErrInvalidProposer.wrap(`invalid proposer ${accAddressToString(proposer)}`);
      if (p.status !== STATUS.depositPeriod && p.status !== STATUS.votingPeriod) throw ErrInvalidProposal.wrap(`proposal ${id} cannot be canceled in status ${p.status}`);
      const params = k.getParams(ctx);
      await k.chargeDeposits(ctx, id, dec(params.proposalCancelRatio, "proposal cancel ratio"), params.proposalCancelDest);
      await k.deleteVotes(ctx, id);
      k.deleteProposal(ctx, p);
    },

    /** the SDK tally: bonded validators vote their shares less the shares of delegators who voted themselves. */
    async tally(ctx: ReadContext, p: Proposal): Promise<TallyOutcome & { voters: Bytes[] }> {
      const params = k.getParams(ctx);
      const vals = new Map<string, { tokens: bigint; shares: Dec; deductions: Dec; options: WeightedVoteOption[] | null }>();
      for await (const v of deps.staking.iterateValidators(ctx)) {
        if (v.status === BONDED) vals.set(toHex(v.operator), { tokens: v.tokens, shares: v.delegatorShares, deductions: 0n, options: null });
      }
      const results: Dec[] = [0n, 0n, 0n, 0n, 0n];
      let total: Dec = 0n;
      const voters: Bytes[] = [];
      const weigh = (power: Dec, options: readonly WeightedVoteOption[]) => {
        for (const o of options) results[o.option] = (results[o.option] ?? 0n) + decMul(power, dec(o.weight, "vote weight"));
        total += power;
      };
      for (const vote of await k.votes(ctx, p.id)) {
        const voter = accAddressFromString(vote.voter);
        voters.push(voter);
        const own = vals.get(toHex(voter));
        if (own !== undefined) own.options = vote.options;
        for await (const d of deps.staking.iterateDelegatorDelegations(ctx, voter)) {
          const v = vals.get(toHex(d.validator));
          if (v === undefined || v.shares === 0n) continue;
          v.deductions += d.shares;
          weigh(decQuo(d.shares * v.tokens, v.shares), vote.options);
        }
      }
      for (const v of vals.values()) {
        if (v.options === null || v.shares === 0n) continue;
        weigh(decQuo((v.shares - v.deductions) * v.tokens, v.shares), v.options);
      }
      const tally: TallyResult = {
        yesCount: decTruncateInt(results[OPTION.yes] ?? 0n).toString(),
        abstainCount: decTruncateInt(results[OPTION.abstain] ?? 0n).toString(),
        noCount: decTruncateInt(results[OPTION.no] ?? 0n).toString(),
        noWithVetoCount: decTruncateInt(results[OPTION.noWithVeto] ?? 0n).toString(),
      };
      const bonded = deps.staking.totalBondedTokens(ctx);
      if (bonded === 0n) return { passes: false, burnDeposits: false, tally, voters };
      if (decQuo(total, bonded * DEC_ONE) < dec(params.quorum, "quorum")) return { passes: false, burnDeposits: params.burnVoteQuorum, tally, voters };
      const abstain = results[OPTION.abstain] ?? 0n;
      if (total - abstain === 0n) return { passes: false, burnDeposits: false, tally, voters };
      if (decQuo(results[OPTION.noWithVeto] ?? 0n, total) > dec(params.vetoThreshold, "veto threshold")) return { passes: false, burnDeposits: params.burnVoteVeto, tally, voters };
      const critical = p.messages.some((m) => deps.criticalMsgTypes?.has(m.typeUrl) === true);
      const threshold = dec(p.expedited || critical ? params.expeditedThreshold : params.threshold, "threshold");
      const passes = decQuo(results[OPTION.yes] ?? 0n, total - abstain) > threshold;
      return { passes, burnDeposits: false, tally, voters };
    },

    /** runs the proposal's messages as the gov authority in a branch; written only if all succeed. */
    async execute(ctx: WriteContext, p: Proposal): Promise<string | null> {
      const b = branchContext(ctx);
      try {
        for (const [i, any] of p.messages.entries()) {
          const h = k.route(any.typeUrl);
          if (h === undefined) throw ErrUnroutableProposalMsg.wrap(`message ${i}: ${any.typeUrl}`);
          await h.handle(b.ctx, h.decode(any.value));
        }
      } catch (e: unknown) {
        return e instanceof AppError ? e.log : e instanceof Error ? e.message : String(e);
      }
      b.write();
      return null;
    },

    async dueIds(ctx: ReadContext, prefix: number, now: Timestamp): Promise<{ key: Bytes; id: bigint }[]> {
      const out: { key: Bytes; id: bigint }[] = [];
      for await (const [key] of s(ctx).iterate({ prefix: Uint8Array.of(prefix), lt: queueEnd(prefix, now) })) out.push({ key: Uint8Array.from(key), id: readU64be(key, 17) });
      return out;
    },

    async endBlock(ctx: WriteContext): Promise<void> {
      const now = ctx.block.time;
      const params = k.getParams(ctx);
      for (const { key, id } of await k.dueIds(ctx, PREFIX.inactiveQueue, now)) {
        w(ctx).delete(key);
        const p = k.getProposal(ctx, id);
        if (p === undefined) continue;
        if (params.burnProposalDepositPrevote) await k.deleteAndBurnDeposits(ctx, id);
        else await k.refundAndDeleteDeposits(ctx, id);
        k.deleteProposal(ctx, p);
        ctx.events.emit("inactive_proposal", [["proposal_id", id.toString()], ["proposal_result", "proposal_dropped"]]);
      }
      for (const { key, id } of await k.dueIds(ctx, PREFIX.activeQueue, now)) {
        w(ctx).delete(key);
        const p = k.getProposal(ctx, id);
        if (p === undefined) continue;
        const t = await k.tally(ctx, p);
        for (const voter of t.voters) w(ctx).delete(voteKey(id, voter));
        // a failing expedited proposal keeps its deposits: it becomes a regular one
        if (!p.expedited || t.passes) {
          if (t.burnDeposits) await k.deleteAndBurnDeposits(ctx, id);
          else await k.refundAndDeleteDeposits(ctx, id);
        }
        let result: string;
        if (t.passes) {
          const failed = await k.execute(ctx, p);
          if (failed === null) {
            p.status = STATUS.passed;
            result = "proposal_passed";
          } else {
            p.status = STATUS.failed;
            p.failedReason = failed;
            result = "proposal_failed";
          }
          p.finalTallyResult = t.tally;
        } else if (p.expedited) {
          p.expedited = false;
          p.votingEndTime = addDuration(p.votingStartTime ?? now, params.votingPeriod);
          w(ctx).set(queueKey(PREFIX.activeQueue, p.votingEndTime, id), Uint8Array.of());
          result = "expedited_proposal_rejected";
        } else {
          p.status = STATUS.rejected;
          p.finalTallyResult = t.tally;
          result = "proposal_rejected";
        }
        k.setProposal(ctx, p);
        ctx.events.emit("active_proposal", [["proposal_id", id.toString()], ["proposal_result", result]]);
      }
    },
  };
  return k;
}

export type GovKeeper = ReturnType<typeof createGovKeeper>;
