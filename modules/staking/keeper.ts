/**
 * staking keeper (cosmos-sdk x/staking keeper, SDK 0.50 semantics): validators, delegations, unbonding
 * delegations, redelegations, pools, the validator-set diff returned by EndBlock, slash/jail. The only
 * writer of staking keys. Iteration is by key bytes (deterministic).
 */
import { Params as ProtoParams } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Bytes, Timestamp, ValidatorUpdate } from "../core/abci.ts";
import { accAddressToString, valAddressToString } from "../core/address.ts";
import { concat, fromUtf8, readU64be, u64be, utf8 } from "../core/bytes.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { DEC_ONE, type Dec, decMulTruncate, decQuoRoundUp, decTruncateInt, formatDec } from "../core/dec.ts";
import { ErrInsufficientFunds, ErrInvalidRequest } from "../core/errors.ts";
import {
  ErrBadRedelegationDst,
  ErrDelegatorShareExRateInvalid,
  ErrMaxRedelegationEntries,
  ErrMaxUnbondingDelegationEntries,
  ErrNoDelegation,
  ErrNoValidatorFound,
  ErrNotEnoughDelegationShares,
  ErrSelfRedelegation,
  ErrTinyRedelegationAmount,
  ErrTransitiveRedelegation,
} from "./errors.ts";
import type { StakingAccountKeeper, StakingBankKeeper, StakingHooks } from "./expectedKeepers.ts";
import {
  BONDED_POOL_NAME,
  LAST_TOTAL_POWER_KEY,
  MODULE_NAME,
  NOT_BONDED_POOL_NAME,
  PARAMS_KEY,
  PREFIX,
  UNBONDING_ID_KEY,
  delegationByValKey,
  delegationKey,
  delegationsByValPrefix,
  delegationsOfPrefix,
  historicalInfoKey,
  lastValidatorPowerKey,
  redByDstKey,
  redBySrcKey,
  redKey,
  redQueueKey,
  redsBySrcPrefix,
  splitLp,
  timeFromKey,
  ubdByValKey,
  ubdKey,
  ubdQueueKey,
  ubdsByValPrefix,
  validatorByConsKey,
  validatorByPowerKey,
  validatorKey,
  validatorQueueKey,
} from "./keys.ts";
import { type StoredValidator, encodeHistoricalInfo, historicalHeader, sortByVotingPower } from "./historicalInfo.ts";
import { POWER_REDUCTION, type StakingParams, defaultParams } from "./params.ts";
import {
  BOND_STATUS,
  type BondStatusValue,
  type Del,
  type Red,
  type Ubd,
  type Val,
  addDuration,
  cmpTime,
  consAddressOf,
  decodeDel,
  decodeRed,
  decodeUbd,
  decodeVal,
  encodeDel,
  encodeRed,
  encodeUbd,
  encodeVal,
  isBonded,
  sharesFromTokens,
  tokensFromSharesTruncInt,
} from "./types.ts";

export interface StakingKeeper {
  getParams(ctx: ReadContext): StakingParams;
  setParams(ctx: WriteContext, p: StakingParams): void;
  bondDenom(ctx: ReadContext): string;
  powerReduction(): bigint;
  getValidator(ctx: ReadContext, val: Bytes): Val | undefined;
  getValidatorByConsAddr(ctx: ReadContext, cons: Bytes): Val | undefined;
  iterateValidators(ctx: ReadContext): AsyncIterable<Val>;
  /** saves the validator and keeps the by-power index right (old: the stored version, if any). */
  saveValidator(ctx: WriteContext, v: Val): void;
  /** a new validator (status unbonded, no tokens) with its indexes; calls afterValidatorCreated. */
  createValidator(ctx: WriteContext, v: Val): Promise<void>;
  /** the consensus-address index; with callHook, afterValidatorCreated (genesis of a new chain). */
  createValidatorIndexes(ctx: WriteContext, v: Val, callHook: boolean): Promise<void>;
  insertValidatorQueue(ctx: WriteContext, v: Val): void;
  getDelegation(ctx: ReadContext, del: Bytes, val: Bytes): Del | undefined;
  iterateDelegatorDelegations(ctx: ReadContext, del: Bytes): AsyncIterable<Del>;
  iterateValidatorDelegations(ctx: ReadContext, val: Bytes): AsyncIterable<Del>;
  iterateAllDelegations(ctx: ReadContext): AsyncIterable<Del>;
  getUnbondingDelegation(ctx: ReadContext, del: Bytes, val: Bytes): Ubd | undefined;
  iterateAllUnbondingDelegations(ctx: ReadContext): AsyncIterable<Ubd>;
  getRedelegation(ctx: ReadContext, del: Bytes, src: Bytes, dst: Bytes): Red | undefined;
  iterateAllRedelegations(ctx: ReadContext): AsyncIterable<Red>;
  setDelegation(ctx: WriteContext, d: Del): void;
  setUnbondingDelegation(ctx: WriteContext, u: Ubd): void;
  setRedelegation(ctx: WriteContext, r: Red): void;
  insertUbdQueue(ctx: WriteContext, t: Timestamp, del: Bytes, val: Bytes): void;
  insertRedQueue(ctx: WriteContext, t: Timestamp, del: Bytes, src: Bytes, dst: Bytes): void;
  /** SDK Keeper.Delegate: returns the shares issued. tokenSrc: where the tokens come from when !fromAccount. */
  delegate(ctx: WriteContext, del: Bytes, amount: bigint, tokenSrc: BondStatusValue, v: Val, fromAccount: boolean): Promise<Dec>;
  /** SDK Keeper.Unbond: removes shares, returns the tokens they were worth (still in the validator's pool). */
  unbond(ctx: WriteContext, del: Bytes, val: Bytes, shares: Dec): Promise<bigint>;
  /** shares for `amount` tokens of del's delegation, capped at the delegation (SDK ValidateUnbondAmount). */
  validateUnbondAmount(ctx: ReadContext, del: Bytes, val: Bytes, amount: bigint): Dec;
  undelegate(ctx: WriteContext, del: Bytes, val: Bytes, shares: Dec): Promise<{ completionTime: Timestamp; amount: bigint }>;
  beginRedelegation(ctx: WriteContext, del: Bytes, src: Bytes, dst: Bytes, shares: Dec): Promise<Timestamp>;
  cancelUnbonding(ctx: WriteContext, del: Bytes, val: Bytes, creationHeight: bigint, amount: bigint): Promise<void>;
  /** EndBlock: the validator-set diff, then mature validators, unbondings and redelegations. */
  endBlock(ctx: WriteContext): Promise<ValidatorUpdate[]>;
  /** the diff of the power-ordered top max_validators vs the last set (SDK ApplyAndReturnValidatorSetUpdates). */
  applyAndReturnValidatorSetUpdates(ctx: WriteContext): Promise<ValidatorUpdate[]>;
  getLastValidatorPowers(ctx: ReadContext): Promise<{ operator: Bytes; power: bigint }[]>;
  setLastValidatorPower(ctx: WriteContext, val: Bytes, power: bigint): void;
  getLastTotalPower(ctx: ReadContext): bigint;
  setLastTotalPower(ctx: WriteContext, p: bigint): void;
  /** burns slashFactor of the stake at infractionHeight (unbondings and redelegations since then included). */
  slash(ctx: WriteContext, cons: Bytes, infractionHeight: bigint, power: bigint, slashFactor: Dec): Promise<bigint>;
  jail(ctx: WriteContext, cons: Bytes): void;
  unjail(ctx: WriteContext, cons: Bytes): void;
  totalBondedTokens(ctx: ReadContext): bigint;
  notBondedTokens(ctx: ReadContext): bigint;
  poolAddress(name: string): Bytes;
  nextUnbondingId(ctx: WriteContext): bigint;
  /** the HistoricalInfo kept for `height` (proto bytes), undefined when none is (pruned, before the chain kept any, historical_entries 0). */
  getHistoricalInfoBytes(ctx: ReadContext, height: bigint): Bytes | undefined;
  /** the last bonded validator set (SDK GetLastValidators): the validators of the last-power index, in its key order, with their stored bytes. */
  getLastValidators(ctx: ReadContext): Promise<StoredValidator[]>;
  /** BeginBlock (SDK TrackHistoricalInfo): prunes entries beyond historical_entries, then keeps this block's header and validator set. */
  trackHistoricalInfo(ctx: WriteContext): Promise<void>;
  /** SDK Validator.TokensFromShares (rounded Dec). */
  tokensFromShares(v: Val, shares: Dec): Dec;
  consensusPower(v: Val): bigint;
}

export interface StakingKeeperDeps {
  accountKeeper: StakingAccountKeeper;
  bankKeeper: StakingBankKeeper;
}

const ZERO_TIME: Timestamp = { seconds: 0n, nanos: 0 };
/** the value of index and queue keys: ICS-23 proofs need non-empty values (a leaf op of an empty value cannot be proven). */
const PRESENT = Uint8Array.of(1);

export function createStakingKeeper(deps: StakingKeeperDeps, hooks: { current: StakingHooks[] }): StakingKeeper {
  const bk = deps.bankKeeper;
  const ak = deps.accountKeeper;
  const rs = (ctx: ReadContext) => ctx.store(MODULE_NAME);
  const ws = (ctx: WriteContext) => ctx.store(MODULE_NAME);
  const H = () => hooks.current;

  const potentialPower = (v: Val) => v.tokens / POWER_REDUCTION;
  const setPowerIndex = (ctx: WriteContext, v: Val) => ws(ctx).set(validatorByPowerKey(potentialPower(v), v.operator), v.operator);
  const deletePowerIndex = (ctx: WriteContext, v: Val) => ws(ctx).delete(validatorByPowerKey(potentialPower(v), v.operator));

  const coin = (ctx: ReadContext, amount: bigint) => [{ denom: k.bondDenom(ctx), amount }];
  const moveTokens = (ctx: WriteContext, from: string, to: string, amount: bigint) => {
    if (amount > 0n) bk.sendCoinsFromModuleToModule(ctx, from, to, coin(ctx, amount));
  };
  const burn = (ctx: WriteContext, pool: string, amount: bigint) => {
    if (amount > 0n) bk.burnCoins(ctx, pool, coin(ctx, amount));
  };

  async function removeValidator(ctx: WriteContext, v: Val): Promise<void> {
    if (isBonded(v) || v.tokens > 0n) return;
    ws(ctx).delete(validatorKey(v.operator));
    ws(ctx).delete(validatorByConsKey(consAddressOf(v.consPubKey)));
    deletePowerIndex(ctx, v);
    for (const h of H()) await h.afterValidatorRemoved?.(ctx, consAddressOf(v.consPubKey), v.operator);
  }

  async function bondValidator(ctx: WriteContext, v: Val): Promise<Val> {
    if (v.status === BOND_STATUS.unbonding) ws(ctx).delete(validatorQueueKey(v.unbondingTime, v.operator));
    const nv: Val = { ...v, status: BOND_STATUS.bonded, unbondingHeight: 0n, unbondingTime: ZERO_TIME };
    k.saveValidator(ctx, nv);
    for (const h of H()) await h.afterValidatorBonded?.(ctx, consAddressOf(v.consPubKey), v.operator);
    return nv;
  }

  async function beginUnbondingValidator(ctx: WriteContext, v: Val): Promise<Val> {
    const t = addDuration(ctx.block.time, k.getParams(ctx).unbondingTime);
    const nv: Val = { ...v, status: BOND_STATUS.unbonding, unbondingHeight: ctx.block.height, unbondingTime: t };
    k.saveValidator(ctx, nv);
    ws(ctx).set(validatorQueueKey(t, v.operator), PRESENT);
    for (const h of H()) await h.afterValidatorBeginUnbonding?.(ctx, consAddressOf(v.consPubKey), v.operator);
    return nv;
  }

  async function completeUnbonding(ctx: WriteContext, del: Bytes, val: Bytes): Promise<void> {
    const ubd = k.getUnbondingDelegation(ctx, del, val);
    if (ubd === undefined) return;
    let total = 0n;
    const keep = ubd.entries.filter((e) => {
      if (cmpTime(e.completionTime, ctx.block.time) > 0) return true;
      total += e.balance;
      return false;
    });
    if (total > 0n) bk.sendCoinsFromModuleToAccount(ctx, NOT_BONDED_POOL_NAME, del, coin(ctx, total));
    k.setUnbondingDelegation(ctx, { ...ubd, entries: keep });
    ctx.events.emit("complete_unbonding", { amount: `${total}${k.bondDenom(ctx)}`, validator: valAddressToString(val), delegator: accAddressToString(del) });
  }

  async function completeRedelegation(ctx: WriteContext, del: Bytes, src: Bytes, dst: Bytes): Promise<void> {
    const red = k.getRedelegation(ctx, del, src, dst);
    if (red === undefined) return;
    let total = 0n;
    const keep = red.entries.filter((e) => {
      if (cmpTime(e.completionTime, ctx.block.time) > 0) return true;
      total += e.initialBalance;
      return false;
    });
    k.setRedelegation(ctx, { ...red, entries: keep });
    ctx.events.emit("complete_redelegation", { amount: `${total}${k.bondDenom(ctx)}`, delegator: accAddressToString(del), source_validator: valAddressToString(src), destination_validator: valAddressToString(dst) });
  }

  /** keys of a time-ordered queue whose time ≤ now (collected first: the loop deletes). */
  async function matureQueue(ctx: WriteContext, prefix: number, parts: number): Promise<{ key: Bytes; parts: Bytes[] }[]> {
    const out: { key: Bytes; parts: Bytes[] }[] = [];
    for await (const [key] of rs(ctx).iterate({ prefix: Uint8Array.of(prefix) })) {
      const t = timeFromKey(key.subarray(1, 13));
      if (cmpTime(t, ctx.block.time) > 0) break;
      out.push({ key: Uint8Array.from(key), parts: splitLp(key.subarray(13), parts).map((b) => Uint8Array.from(b)) });
    }
    return out;
  }

  const k: StakingKeeper = {
    getParams(ctx) {
      const b = rs(ctx).get(PARAMS_KEY);
      if (b === undefined) return defaultParams();
      const p = ProtoParams.decode(b);
      return { unbondingTime: p.unbondingTime, maxValidators: p.maxValidators, maxEntries: p.maxEntries, historicalEntries: p.historicalEntries, bondDenom: p.bondDenom, minCommissionRate: BigInt(p.minCommissionRate || "0") };
    },
    setParams(ctx, p) {
      ws(ctx).set(PARAMS_KEY, ProtoParams.encode({ ...p, minCommissionRate: p.minCommissionRate.toString() }).finish());
    },
    bondDenom: (ctx) => k.getParams(ctx).bondDenom,
    powerReduction: () => POWER_REDUCTION,
    getValidator(ctx, val) {
      const b = rs(ctx).get(validatorKey(val));
      return b === undefined ? undefined : decodeVal(b);
    },
    getValidatorByConsAddr(ctx, cons) {
      const val = rs(ctx).get(validatorByConsKey(cons));
      return val === undefined ? undefined : k.getValidator(ctx, val);
    },
    async *iterateValidators(ctx) {
      for await (const [, v] of rs(ctx).iterate({ prefix: Uint8Array.of(PREFIX.validators) })) yield decodeVal(v);
    },
    saveValidator(ctx, v) {
      const old = k.getValidator(ctx, v.operator);
      if (old !== undefined && !old.jailed) deletePowerIndex(ctx, old);
      ws(ctx).set(validatorKey(v.operator), encodeVal(v));
      if (!v.jailed) setPowerIndex(ctx, v);
    },
    async createValidator(ctx, v) {
      k.saveValidator(ctx, v);
      await k.createValidatorIndexes(ctx, v, true);
    },
    async createValidatorIndexes(ctx, v, callHook) {
      ws(ctx).set(validatorByConsKey(consAddressOf(v.consPubKey)), v.operator);
      if (callHook) for (const h of H()) await h.afterValidatorCreated?.(ctx, v.operator);
    },
    insertValidatorQueue(ctx, v) {
      ws(ctx).set(validatorQueueKey(v.unbondingTime, v.operator), PRESENT);
    },
    getDelegation(ctx, del, val) {
      const b = rs(ctx).get(delegationKey(del, val));
      return b === undefined ? undefined : decodeDel(b);
    },
    async *iterateDelegatorDelegations(ctx, del) {
      for await (const [, v] of rs(ctx).iterate({ prefix: delegationsOfPrefix(del) })) yield decodeDel(v);
    },
    async *iterateValidatorDelegations(ctx, val) {
      const p = delegationsByValPrefix(val);
      for await (const [key] of rs(ctx).iterate({ prefix: p })) {
        const [del] = splitLp(key.subarray(p.length), 1);
        const d = k.getDelegation(ctx, del as Bytes, val);
        if (d !== undefined) yield d;
      }
    },
    async *iterateAllDelegations(ctx) {
      for await (const [, v] of rs(ctx).iterate({ prefix: Uint8Array.of(PREFIX.delegations) })) yield decodeDel(v);
    },
    getUnbondingDelegation(ctx, del, val) {
      const b = rs(ctx).get(ubdKey(del, val));
      return b === undefined ? undefined : decodeUbd(b);
    },
    async *iterateAllUnbondingDelegations(ctx) {
      for await (const [, v] of rs(ctx).iterate({ prefix: Uint8Array.of(PREFIX.unbondingDelegations) })) yield decodeUbd(v);
    },
    getRedelegation(ctx, del, src, dst) {
      const b = rs(ctx).get(redKey(del, src, dst));
      return b === undefined ? undefined : decodeRed(b);
    },
    async *iterateAllRedelegations(ctx) {
      for await (const [, v] of rs(ctx).iterate({ prefix: Uint8Array.of(PREFIX.redelegations) })) yield decodeRed(v);
    },
    setDelegation(ctx, d) {
      if (d.shares === 0n) {
        ws(ctx).delete(delegationKey(d.delegator, d.validator));
        ws(ctx).delete(delegationByValKey(d.validator, d.delegator));
        return;
      }
      ws(ctx).set(delegationKey(d.delegator, d.validator), encodeDel(d));
      ws(ctx).set(delegationByValKey(d.validator, d.delegator), PRESENT);
    },
    setUnbondingDelegation(ctx, u) {
      if (u.entries.length === 0) {
        ws(ctx).delete(ubdKey(u.delegator, u.validator));
        ws(ctx).delete(ubdByValKey(u.validator, u.delegator));
        return;
      }
      ws(ctx).set(ubdKey(u.delegator, u.validator), encodeUbd(u));
      ws(ctx).set(ubdByValKey(u.validator, u.delegator), PRESENT);
    },
    setRedelegation(ctx, r) {
      if (r.entries.length === 0) {
        ws(ctx).delete(redKey(r.delegator, r.src, r.dst));
        ws(ctx).delete(redBySrcKey(r.src, r.delegator, r.dst));
        ws(ctx).delete(redByDstKey(r.dst, r.delegator, r.src));
        return;
      }
      ws(ctx).set(redKey(r.delegator, r.src, r.dst), encodeRed(r));
      ws(ctx).set(redBySrcKey(r.src, r.delegator, r.dst), PRESENT);
      ws(ctx).set(redByDstKey(r.dst, r.delegator, r.src), PRESENT);
    },
    insertUbdQueue(ctx, t, del, val) {
      ws(ctx).set(ubdQueueKey(t, del, val), PRESENT);
    },
    insertRedQueue(ctx, t, del, src, dst) {
      ws(ctx).set(redQueueKey(t, del, src, dst), PRESENT);
    },
    nextUnbondingId(ctx) {
      const b = rs(ctx).get(UNBONDING_ID_KEY);
      const id = (b === undefined ? 0n : readU64be(b)) + 1n;
      ws(ctx).set(UNBONDING_ID_KEY, u64be(id));
      return id;
    },

    async delegate(ctx, del, amount, tokenSrc, v0, fromAccount) {
      if (v0.tokens === 0n && v0.delegatorShares > 0n) throw ErrDelegatorShareExRateInvalid.wrap();
      const existing = k.getDelegation(ctx, del, v0.operator);
      for (const h of H()) {
        if (existing === undefined) await h.beforeDelegationCreated?.(ctx, del, v0.operator);
        else await h.beforeDelegationSharesModified?.(ctx, del, v0.operator);
      }
      // hooks may not change the validator, but re-read for safety
      const v = k.getValidator(ctx, v0.operator) ?? v0;
      if (fromAccount) {
        bk.sendCoinsFromAccountToModule(ctx, del, isBonded(v) ? BONDED_POOL_NAME : NOT_BONDED_POOL_NAME, coin(ctx, amount));
      } else if (tokenSrc === BOND_STATUS.bonded && !isBonded(v)) {
        moveTokens(ctx, BONDED_POOL_NAME, NOT_BONDED_POOL_NAME, amount);
      } else if (tokenSrc !== BOND_STATUS.bonded && isBonded(v)) {
        moveTokens(ctx, NOT_BONDED_POOL_NAME, BONDED_POOL_NAME, amount);
      }
      const issued = v.delegatorShares === 0n ? amount * DEC_ONE : sharesFromTokens(v, amount);
      k.saveValidator(ctx, { ...v, tokens: v.tokens + amount, delegatorShares: v.delegatorShares + issued });
      const d: Del = { delegator: del, validator: v.operator, shares: (existing?.shares ?? 0n) + issued };
      k.setDelegation(ctx, d);
      for (const h of H()) await h.afterDelegationModified?.(ctx, del, v.operator);
      return issued;
    },

    async unbond(ctx, del, val, shares) {
      const d = k.getDelegation(ctx, del, val);
      if (d === undefined) throw ErrNoDelegation.wrap();
      if (d.shares < shares) throw ErrNotEnoughDelegationShares.wrap(`invalid shares amount: ${formatDec(d.shares)} < ${formatDec(shares)}`);
      if (k.getValidator(ctx, val) === undefined) throw ErrNoValidatorFound.wrap();
      for (const h of H()) await h.beforeDelegationSharesModified?.(ctx, del, val);
      const remaining = d.shares - shares;
      let v = k.getValidator(ctx, val) as Val;
      if (remaining === 0n) {
        for (const h of H()) await h.beforeDelegationRemoved?.(ctx, del, val);
        k.setDelegation(ctx, { ...d, shares: 0n });
      } else {
        k.setDelegation(ctx, { ...d, shares: remaining });
        for (const h of H()) await h.afterDelegationModified?.(ctx, del, val);
      }
      // self-delegation below the minimum jails the validator (SDK Unbond)
      const isSelf = del.length === val.length && del.every((b, i) => b === val[i]);
      if (isSelf && !v.jailed && tokensFromSharesTruncInt(v, remaining) < v.minSelfDelegation) {
        k.jail(ctx, consAddressOf(v.consPubKey));
        v = k.getValidator(ctx, val) as Val;
      }
      // SDK Validator.RemoveDelShares
      const remainingShares = v.delegatorShares - shares;
      let issued: bigint;
      if (remainingShares === 0n) issued = v.tokens;
      else issued = tokensFromSharesTruncInt(v, shares);
      const nv: Val = { ...v, tokens: v.tokens - issued, delegatorShares: remainingShares };
      k.saveValidator(ctx, nv);
      if (nv.delegatorShares === 0n && nv.status === BOND_STATUS.unbonded) await removeValidator(ctx, nv);
      return issued;
    },

    validateUnbondAmount(ctx, del, val, amount) {
      const v = k.getValidator(ctx, val);
      if (v === undefined) throw ErrNoValidatorFound.wrap();
      const d = k.getDelegation(ctx, del, val);
      if (d === undefined) throw ErrNoDelegation.wrap();
      if (v.tokens === 0n) throw ErrInvalidRequest.wrap("invalid shares amount");
      const shares = (v.delegatorShares * amount) / v.tokens;
      if (shares > d.shares) throw ErrInvalidRequest.wrap("invalid shares amount");
      return shares;
    },

    async undelegate(ctx, del, val, shares) {
      const v = k.getValidator(ctx, val);
      if (v === undefined) throw ErrNoDelegation.wrap();
      const params = k.getParams(ctx);
      const ubd = k.getUnbondingDelegation(ctx, del, val);
      if (ubd !== undefined && ubd.entries.length >= params.maxEntries) throw ErrMaxUnbondingDelegationEntries.wrap();
      const wasBonded = isBonded(v);
      const amount = await k.unbond(ctx, del, val, shares);
      if (wasBonded) moveTokens(ctx, BONDED_POOL_NAME, NOT_BONDED_POOL_NAME, amount);
      const completionTime = addDuration(ctx.block.time, params.unbondingTime);
      const entry = { creationHeight: ctx.block.height, completionTime, initialBalance: amount, balance: amount, unbondingId: k.nextUnbondingId(ctx) };
      const cur = k.getUnbondingDelegation(ctx, del, val) ?? { delegator: del, validator: val, entries: [] };
      // SDK: an entry of the same height and completion time is merged
      const same = cur.entries.find((e) => e.creationHeight === entry.creationHeight && cmpTime(e.completionTime, completionTime) === 0);
      if (same !== undefined) {
        same.initialBalance += amount;
        same.balance += amount;
      } else cur.entries.push(entry);
      k.setUnbondingDelegation(ctx, cur);
      k.insertUbdQueue(ctx, completionTime, del, val);
      return { completionTime, amount };
    },

    async beginRedelegation(ctx, del, src, dst, shares) {
      if (src.length === dst.length && src.every((b, i) => b === dst[i])) throw ErrSelfRedelegation.wrap();
      const dstVal = k.getValidator(ctx, dst);
      if (dstVal === undefined) throw ErrBadRedelegationDst.wrap();
      const srcVal = k.getValidator(ctx, src);
      if (srcVal === undefined) throw ErrBadRedelegationDst.wrap("redelegation source validator not found");
      // no transitive redelegation: an immature redelegation *into* src from this delegator blocks
      for await (const [key] of rs(ctx).iterate({ prefix: concat(Uint8Array.of(PREFIX.redelegationsByDst), Uint8Array.of(src.length), src, Uint8Array.of(del.length), del) })) {
        void key;
        throw ErrTransitiveRedelegation.wrap();
      }
      const params = k.getParams(ctx);
      const existing = k.getRedelegation(ctx, del, src, dst);
      if (existing !== undefined && existing.entries.length >= params.maxEntries) throw ErrMaxRedelegationEntries.wrap();
      const returnAmount = await k.unbond(ctx, del, src, shares);
      if (returnAmount === 0n) throw ErrTinyRedelegationAmount.wrap();
      const srcNow = k.getValidator(ctx, src) ?? { ...srcVal, status: BOND_STATUS.unbonded as BondStatusValue };
      const dstNow = k.getValidator(ctx, dst) as Val;
      const sharesCreated = await k.delegate(ctx, del, returnAmount, srcNow.status, dstNow, false);
      let completionTime: Timestamp;
      if (srcNow.status === BOND_STATUS.bonded) completionTime = addDuration(ctx.block.time, params.unbondingTime);
      else if (srcNow.status === BOND_STATUS.unbonding) completionTime = srcNow.unbondingTime;
      else return ctx.block.time; // unbonded source: completes immediately, no entry
      const cur: Red = k.getRedelegation(ctx, del, src, dst) ?? { delegator: del, src, dst, entries: [] };
      cur.entries.push({ creationHeight: ctx.block.height, completionTime, initialBalance: returnAmount, sharesDst: sharesCreated, unbondingId: k.nextUnbondingId(ctx) });
      k.setRedelegation(ctx, cur);
      k.insertRedQueue(ctx, completionTime, del, src, dst);
      return completionTime;
    },

    async cancelUnbonding(ctx, del, val, creationHeight, amount) {
      const v = k.getValidator(ctx, val);
      if (v === undefined) throw ErrNoValidatorFound.wrap();
      if (v.jailed) throw ErrInvalidRequest.wrap("cannot cancel unbonding delegation of a jailed validator");
      const ubd = k.getUnbondingDelegation(ctx, del, val);
      if (ubd === undefined) throw ErrInvalidRequest.wrap("unbonding delegation not found");
      const i = ubd.entries.findIndex((e) => e.creationHeight === creationHeight && cmpTime(e.completionTime, ctx.block.time) > 0);
      const e = ubd.entries[i];
      if (e === undefined) throw ErrInvalidRequest.wrap(`unbonding delegation entry is not found at block height ${creationHeight}`);
      if (e.balance < amount) throw ErrInvalidRequest.wrap("amount is greater than the unbonding delegation entry balance");
      await k.delegate(ctx, del, amount, BOND_STATUS.unbonding, v, false);
      e.balance -= amount;
      e.initialBalance -= amount;
      if (e.balance === 0n) ubd.entries.splice(i, 1);
      k.setUnbondingDelegation(ctx, ubd);
    },

    async applyAndReturnValidatorSetUpdates(ctx) {
      const params = k.getParams(ctx);
      const last = new Map<string, { operator: Bytes; power: bigint }>();
      for (const lp of await k.getLastValidatorPowers(ctx)) last.set(Buffer.from(lp.operator).toString("hex"), lp);
      const updates: ValidatorUpdate[] = [];
      let toBonded = 0n;
      let toNotBonded = 0n;
      let count = 0;
      let total = 0n;
      const ordered: Bytes[] = [];
      for await (const [, val] of rs(ctx).iterate({ prefix: Uint8Array.of(PREFIX.validatorsByPower) })) {
        if (ordered.length >= params.maxValidators) break;
        ordered.push(Uint8Array.from(val));
      }
      for (const val of ordered) {
        if (count >= params.maxValidators) break;
        let v = k.getValidator(ctx, val);
        if (v === undefined || v.jailed) continue;
        if (potentialPower(v) === 0n) break;
        if (v.status !== BOND_STATUS.bonded) {
          toBonded += v.tokens;
          v = await bondValidator(ctx, v);
        }
        const hex = Buffer.from(val).toString("hex");
        const old = last.get(hex);
        const np = potentialPower(v);
        if (old === undefined || old.power !== np) {
          updates.push({ pubKey: { type: "ed25519", bytes: v.consPubKey }, power: np });
          k.setLastValidatorPower(ctx, val, np);
        }
        last.delete(hex);
        count++;
        total += np;
      }
      const gone = [...last.values()].sort((a, b) => Buffer.compare(a.operator, b.operator));
      for (const g of gone) {
        const v = k.getValidator(ctx, g.operator);
        ws(ctx).delete(lastValidatorPowerKey(g.operator));
        if (v === undefined) continue;
        if (v.status === BOND_STATUS.bonded) {
          toNotBonded += v.tokens;
          await beginUnbondingValidator(ctx, v);
        }
        updates.push({ pubKey: { type: "ed25519", bytes: v.consPubKey }, power: 0n });
      }
      if (toBonded > toNotBonded) moveTokens(ctx, NOT_BONDED_POOL_NAME, BONDED_POOL_NAME, toBonded - toNotBonded);
      else if (toNotBonded > toBonded) moveTokens(ctx, BONDED_POOL_NAME, NOT_BONDED_POOL_NAME, toNotBonded - toBonded);
      if (updates.length > 0 || k.getLastTotalPower(ctx) !== total) k.setLastTotalPower(ctx, total);
      return updates;
    },

    async endBlock(ctx) {
      const updates = await k.applyAndReturnValidatorSetUpdates(ctx);
      for (const m of await matureQueue(ctx, PREFIX.validatorQueue, 1)) {
        ws(ctx).delete(m.key);
        const v = k.getValidator(ctx, m.parts[0] as Bytes);
        if (v === undefined || v.status !== BOND_STATUS.unbonding) continue;
        const nv: Val = { ...v, status: BOND_STATUS.unbonded };
        k.saveValidator(ctx, nv);
        if (nv.delegatorShares === 0n) await removeValidator(ctx, nv);
      }
      for (const m of await matureQueue(ctx, PREFIX.unbondingQueue, 2)) {
        ws(ctx).delete(m.key);
        await completeUnbonding(ctx, m.parts[0] as Bytes, m.parts[1] as Bytes);
      }
      for (const m of await matureQueue(ctx, PREFIX.redelegationQueue, 3)) {
        ws(ctx).delete(m.key);
        await completeRedelegation(ctx, m.parts[0] as Bytes, m.parts[1] as Bytes, m.parts[2] as Bytes);
      }
      return updates;
    },

    async getLastValidatorPowers(ctx) {
      const out: { operator: Bytes; power: bigint }[] = [];
      for await (const [key, v] of rs(ctx).iterate({ prefix: Uint8Array.of(PREFIX.lastValidatorPower) })) {
        const [op] = splitLp(key.subarray(1), 1);
        out.push({ operator: Uint8Array.from(op as Bytes), power: BigInt(fromUtf8(v)) });
      }
      return out;
    },
    getHistoricalInfoBytes(ctx, height) {
      if (height < 0n || height > 0xffffffffffffffffn) return undefined;
      return rs(ctx).get(historicalInfoKey(height));
    },
    async getLastValidators(ctx) {
      const out: StoredValidator[] = [];
      for await (const [key] of rs(ctx).iterate({ prefix: Uint8Array.of(PREFIX.lastValidatorPower) })) {
        const op = splitLp(key.subarray(1), 1)[0] as Bytes;
        const raw = rs(ctx).get(validatorKey(op));
        // the SDK panics on a last validator without a record; the index and the records are written together
        if (raw === undefined) throw new Error(`staking: last validator ${valAddressToString(op)} has no validator record`);
        out.push({ raw, val: decodeVal(raw) });
      }
      return out;
    },
    async trackHistoricalInfo(ctx) {
      const entries = BigInt(k.getParams(ctx).historicalEntries);
      const height = ctx.block.height;
      // prune: entries to delete are one contiguous range below the kept ones, so walk down from the newest
      // height to drop and stop at the first missing one (SDK TrackHistoricalInfo). One deviation: the SDK
      // starts at height − entries, which with entries = 0 is this height (never stored yet), so it would
      // stop at once and keep every old entry forever; here the walk starts at most at height − 1, which
      // changes nothing for entries ≥ 1 and lets historical_entries = 0 drop what earlier blocks kept.
      const start = entries === 0n ? height - 1n : height - entries;
      for (let h = start; h >= 0n; h--) {
        const key = historicalInfoKey(h);
        if (!rs(ctx).has(key)) break;
        ws(ctx).delete(key);
      }
      if (entries === 0n) return;
      const sorted = sortByVotingPower(await k.getLastValidators(ctx), k.consensusPower);
      ws(ctx).set(historicalInfoKey(height), encodeHistoricalInfo(historicalHeader(ctx.block), sorted));
    },
    setLastValidatorPower(ctx, val, power) {
      ws(ctx).set(lastValidatorPowerKey(val), utf8(power.toString()));
    },
    getLastTotalPower(ctx) {
      const b = rs(ctx).get(LAST_TOTAL_POWER_KEY);
      return b === undefined ? 0n : BigInt(fromUtf8(b));
    },
    setLastTotalPower(ctx, p) {
      ws(ctx).set(LAST_TOTAL_POWER_KEY, utf8(p.toString()));
    },

    async slash(ctx, cons, infractionHeight, power, slashFactor) {
      if (slashFactor < 0n || slashFactor > DEC_ONE) throw ErrInvalidRequest.wrap("slash factor must be in [0, 1]");
      const amount = power * POWER_REDUCTION;
      const slashAmount = decTruncateInt(amount * slashFactor);
      const v0 = k.getValidatorByConsAddr(ctx, cons);
      if (v0 === undefined) {
        ctx.logger.info({ cons: Buffer.from(cons).toString("hex") }, "slash: validator not found (unbonded and removed?)");
        return 0n;
      }
      if (v0.status === BOND_STATUS.unbonded) return 0n;
      if (infractionHeight > ctx.block.height) throw ErrInvalidRequest.wrap("impossible attempt to slash future infraction");
      let remaining = slashAmount;
      if (infractionHeight < ctx.block.height) {
        // unbonding delegations from the validator
        const ubdPrefix = ubdsByValPrefix(v0.operator);
        const dels: Bytes[] = [];
        for await (const [key] of rs(ctx).iterate({ prefix: ubdPrefix })) dels.push(Uint8Array.from(splitLp(key.subarray(ubdPrefix.length), 1)[0] as Bytes));
        for (const del of dels) {
          const ubd = k.getUnbondingDelegation(ctx, del, v0.operator);
          if (ubd === undefined) continue;
          let burned = 0n;
          let total = 0n;
          for (const e of ubd.entries) {
            if (e.creationHeight < infractionHeight) continue;
            if (cmpTime(e.completionTime, ctx.block.time) <= 0) continue;
            const s = decTruncateInt(e.initialBalance * slashFactor);
            total += s;
            const b = s < e.balance ? s : e.balance;
            e.balance -= b;
            burned += b;
          }
          if (total === 0n) continue;
          k.setUnbondingDelegation(ctx, ubd);
          burn(ctx, NOT_BONDED_POOL_NAME, burned);
          remaining -= total;
        }
        // redelegations from the validator
        const redPrefix = redsBySrcPrefix(v0.operator);
        const reds: Bytes[][] = [];
        for await (const [key] of rs(ctx).iterate({ prefix: redPrefix })) reds.push(splitLp(key.subarray(redPrefix.length), 2).map((b) => Uint8Array.from(b)));
        for (const [del, dst] of reds) {
          const red = k.getRedelegation(ctx, del as Bytes, v0.operator, dst as Bytes);
          if (red === undefined) continue;
          let total = 0n;
          for (const e of red.entries) {
            if (e.creationHeight < infractionHeight) continue;
            if (cmpTime(e.completionTime, ctx.block.time) <= 0) continue;
            total += decTruncateInt(e.initialBalance * slashFactor);
            let sharesToUnbond = decMulTruncate(slashFactor, e.sharesDst);
            if (sharesToUnbond === 0n) continue;
            const d = k.getDelegation(ctx, del as Bytes, dst as Bytes);
            if (d === undefined) continue;
            if (sharesToUnbond > d.shares) sharesToUnbond = d.shares;
            const dstVal = k.getValidator(ctx, dst as Bytes);
            const tokens = await k.unbond(ctx, del as Bytes, dst as Bytes, sharesToUnbond);
            burn(ctx, dstVal !== undefined && isBonded(dstVal) ? BONDED_POOL_NAME : NOT_BONDED_POOL_NAME, tokens);
          }
          remaining -= total;
        }
      }
      const v = k.getValidatorByConsAddr(ctx, cons) as Val;
      let toBurn = remaining < v.tokens ? remaining : v.tokens;
      if (toBurn < 0n) toBurn = 0n;
      if (toBurn === 0n) return 0n;
      let fraction = decQuoRoundUp(toBurn * DEC_ONE, v.tokens * DEC_ONE);
      if (fraction > DEC_ONE) fraction = DEC_ONE;
      for (const h of H()) await h.beforeValidatorSlashed?.(ctx, v.operator, fraction);
      const after = k.getValidator(ctx, v.operator) as Val;
      k.saveValidator(ctx, { ...after, tokens: after.tokens - toBurn });
      burn(ctx, isBonded(after) ? BONDED_POOL_NAME : NOT_BONDED_POOL_NAME, toBurn);
      ctx.logger.info({ validator: valAddressToString(v.operator), burned: toBurn.toString() }, "validator slashed");
      return toBurn;
    },

    jail(ctx, cons) {
      const v = k.getValidatorByConsAddr(ctx, cons);
      if (v === undefined || v.jailed) return;
      deletePowerIndex(ctx, v);
      ws(ctx).set(validatorKey(v.operator), encodeVal({ ...v, jailed: true }));
    },
    unjail(ctx, cons) {
      const v = k.getValidatorByConsAddr(ctx, cons);
      if (v === undefined || !v.jailed) return;
      const nv = { ...v, jailed: false };
      ws(ctx).set(validatorKey(v.operator), encodeVal(nv));
      setPowerIndex(ctx, nv);
    },
    totalBondedTokens: (ctx) => bk.getBalance(ctx, ak.moduleAddress(BONDED_POOL_NAME), k.bondDenom(ctx)),
    notBondedTokens: (ctx) => bk.getBalance(ctx, ak.moduleAddress(NOT_BONDED_POOL_NAME), k.bondDenom(ctx)),
    poolAddress: (name) => ak.moduleAddress(name),
    tokensFromShares(v, shares) {
      if (v.delegatorShares === 0n) return 0n;
      // SDK: shares.MulInt(tokens).Quo(delegatorShares)
      const num = shares * v.tokens;
      return (num * DEC_ONE) / v.delegatorShares;
    },
    consensusPower: (v) => (isBonded(v) ? potentialPower(v) : 0n),
  };
  void ErrInsufficientFunds;
  return k;
}
