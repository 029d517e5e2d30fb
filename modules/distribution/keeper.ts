/**
 * distribution keeper (cosmos-sdk x/distribution, F1 fee distribution): per-validator periods with
 * cumulative reward ratios (18-decimal Dec), delegator starting infos, slash events, commission, the
 * community pool, and the block-reward mint step (inflation param; may be zero).
 */
import {
  DelegatorStartingInfo,
  FeePool,
  Params as ProtoParams,
  ValidatorAccumulatedCommission,
  ValidatorCurrentRewards,
  ValidatorHistoricalRewards,
  ValidatorOutstandingRewards,
  ValidatorSlashEvent,
} from "cosmjs-types/cosmos/distribution/v1beta1/distribution";
import type { Bytes } from "../core/abci.ts";
import { BlockIdFlag } from "../core/abci.ts";
import { accAddressToString, valAddressToString } from "../core/address.ts";
import { concat, fromUtf8, lengthPrefixed, readU64be, u64be, utf8 } from "../core/bytes.ts";
import { type Coin, formatCoins } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import {
  DEC_ONE,
  type Dec,
  type DecCoin,
  addDecCoins,
  decCoinsFromCoins,
  decCoinsFromProto,
  decCoinsToProto,
  decMulTruncate,
  decQuoTruncate,
  formatDecCoins,
  intersectDecCoins,
  isAnyNegativeDecCoins,
  mulDecCoins,
  mulDecCoinsTruncate,
  quoDecCoinsTruncate,
  subDecCoins,
  truncateDecCoins,
} from "../core/dec.ts";
import { ErrInvalidRequest, ErrLogic } from "../core/errors.ts";
import { ErrBadDistribution, ErrEmptyDelegationDistInfo, ErrNoValidatorCommission, ErrNoValidatorExists, ErrSetWithdrawAddrDisabled } from "./errors.ts";
import type { DistrAccountKeeper, DistrBankKeeper, DistrStakingKeeper, DistrValidator } from "./expectedKeepers.ts";

export const MODULE_NAME = "distribution";
export const MINT_MODULE_NAME = "mint";
export const FEE_COLLECTOR = "fee_collector";

export const PREFIX = {
  /** 0x00 → FeePool (proto): the community pool */
  feePool: 0x00,
  /** 0x02 | lp(val) → ValidatorOutstandingRewards */
  outstanding: 0x02,
  /** 0x03 | lp(del) → withdraw address */
  withdrawAddr: 0x03,
  /** 0x04 | lp(val) | lp(del) → DelegatorStartingInfo */
  startingInfo: 0x04,
  /** 0x05 | lp(val) | u64be(period) → ValidatorHistoricalRewards */
  historical: 0x05,
  /** 0x06 | lp(val) → ValidatorCurrentRewards */
  current: 0x06,
  /** 0x07 | lp(val) → ValidatorAccumulatedCommission */
  commission: 0x07,
  /** 0x08 | lp(val) | u64be(height) | u64be(period) → ValidatorSlashEvent */
  slashEvents: 0x08,
  /** 0x09 → Params (proto) */
  params: 0x09,
  /** 0x0a → mint params (JSON {inflation, blocks_per_year}) */
  mintParams: 0x0a,
} as const;

export interface DistrParams {
  communityTax: Dec;
  baseProposerReward: Dec;
  bonusProposerReward: Dec;
  withdrawAddrEnabled: boolean;
}

/** the block-reward step: provision per block = floor(supply(bond denom) × inflation / blocks_per_year). */
export interface MintParams {
  inflation: Dec;
  blocksPerYear: bigint;
}

export function defaultParams(): DistrParams {
  return { communityTax: 20000000000000000n, baseProposerReward: 0n, bonusProposerReward: 0n, withdrawAddrEnabled: true };
}

export function defaultMintParams(): MintParams {
  return { inflation: 70000000000000000n, blocksPerYear: 6311520n };
}

export interface SlashEvent {
  height: bigint;
  period: bigint;
  fraction: Dec;
}

export interface DistributionKeeper {
  getParams(ctx: ReadContext): DistrParams;
  setParams(ctx: WriteContext, p: DistrParams): void;
  getMintParams(ctx: ReadContext): MintParams;
  setMintParams(ctx: WriteContext, p: MintParams): void;
  getCommunityPool(ctx: ReadContext): DecCoin[];
  setCommunityPool(ctx: WriteContext, c: readonly DecCoin[]): void;
  getOutstanding(ctx: ReadContext, val: Bytes): DecCoin[];
  setOutstanding(ctx: WriteContext, val: Bytes, c: readonly DecCoin[]): void;
  getCommission(ctx: ReadContext, val: Bytes): DecCoin[];
  setCommission(ctx: WriteContext, val: Bytes, c: readonly DecCoin[]): void;
  getCurrent(ctx: ReadContext, val: Bytes): { rewards: DecCoin[]; period: bigint } | undefined;
  setCurrent(ctx: WriteContext, val: Bytes, c: { rewards: readonly DecCoin[]; period: bigint }): void;
  getHistorical(ctx: ReadContext, val: Bytes, period: bigint): { ratio: DecCoin[]; refCount: number } | undefined;
  setHistorical(ctx: WriteContext, val: Bytes, period: bigint, h: { ratio: readonly DecCoin[]; refCount: number }): void;
  getStartingInfo(ctx: ReadContext, val: Bytes, del: Bytes): { previousPeriod: bigint; stake: Dec; height: bigint } | undefined;
  setStartingInfo(ctx: WriteContext, val: Bytes, del: Bytes, s: { previousPeriod: bigint; stake: Dec; height: bigint }): void;
  setSlashEvent(ctx: WriteContext, val: Bytes, e: SlashEvent): void;
  getWithdrawAddr(ctx: ReadContext, del: Bytes): Bytes;
  setWithdrawAddr(ctx: WriteContext, del: Bytes, to: Bytes): void;
  /** raw records in key order (genesis export). */
  iterate(ctx: ReadContext, prefix: number): AsyncIterable<readonly [Bytes, Bytes]>;

  initializeValidator(ctx: WriteContext, val: Bytes): void;
  incrementValidatorPeriod(ctx: WriteContext, v: DistrValidator): bigint;
  initializeDelegation(ctx: WriteContext, val: Bytes, del: Bytes): void;
  /** endRatio: the cumulative ratio of endingPeriod when it is not stored yet (read-only queries). */
  calculateDelegationRewards(ctx: ReadContext, v: DistrValidator, d: { delegator: Bytes; shares: Dec }, endingPeriod: bigint, endRatio?: readonly DecCoin[]): Promise<DecCoin[]>;
  /** rewards as a query sees them (no state change: the current period is closed virtually). */
  queryDelegationRewards(ctx: ReadContext, val: Bytes, del: Bytes): Promise<DecCoin[]>;
  withdrawDelegationRewards(ctx: WriteContext, val: Bytes, del: Bytes): Promise<Coin[]>;
  withdrawValidatorCommission(ctx: WriteContext, val: Bytes): Coin[];
  allocateTokensToValidator(ctx: WriteContext, v: DistrValidator, tokens: readonly DecCoin[]): void;
  /** moves the fee collector's balance here and splits it by signed power (SDK AllocateTokens). */
  allocateTokens(ctx: WriteContext, votes: readonly { address: Bytes; power: bigint }[]): Promise<void>;
  /** mints the block provision into the fee collector (0 when inflation is 0 or nothing is bonded). */
  mintBlockProvision(ctx: WriteContext): bigint;
  fundCommunityPool(ctx: WriteContext, from: Bytes, coins: readonly Coin[]): void;
  /** pays from the community pool (gov spends, treasury grants). */
  distributeFromCommunityPool(ctx: WriteContext, to: Bytes, coins: readonly Coin[]): void;
  /** the community pool's whole coins (truncated). */
  communityPoolCoins(ctx: ReadContext): Coin[];
  /** pool → another module account (grants escrow); supply unchanged. */
  distributeFromCommunityPoolToModule(ctx: WriteContext, moduleName: string, coins: readonly Coin[]): void;
  /** another module account → pool (grants clawback). */
  fundCommunityPoolFromModule(ctx: WriteContext, moduleName: string, coins: readonly Coin[]): void;
  beginBlock(ctx: WriteContext): Promise<void>;
  /** staking hooks */
  hooks: {
    afterValidatorCreated(ctx: WriteContext, val: Bytes): Promise<void>;
    afterValidatorRemoved(ctx: WriteContext, cons: Bytes, val: Bytes): Promise<void>;
    beforeDelegationCreated(ctx: WriteContext, del: Bytes, val: Bytes): Promise<void>;
    beforeDelegationSharesModified(ctx: WriteContext, del: Bytes, val: Bytes): Promise<void>;
    afterDelegationModified(ctx: WriteContext, del: Bytes, val: Bytes): Promise<void>;
    beforeValidatorSlashed(ctx: WriteContext, val: Bytes, fraction: Dec): Promise<void>;
  };
}

export interface DistributionKeeperDeps {
  accountKeeper: DistrAccountKeeper;
  bankKeeper: DistrBankKeeper;
  stakingKeeper: DistrStakingKeeper;
  feeCollector?: string;
}

/** the SDK's margin for rounding when the stake recorded exceeds the current stake by a hair. */
const STAKE_MARGIN = 3n;

export function createDistributionKeeper(deps: DistributionKeeperDeps): DistributionKeeper {
  const bk = deps.bankKeeper;
  const ak = deps.accountKeeper;
  const sk = deps.stakingKeeper;
  const feeCollector = deps.feeCollector ?? FEE_COLLECTOR;
  const rs = (ctx: ReadContext) => ctx.store(MODULE_NAME);
  const ws = (ctx: WriteContext) => ctx.store(MODULE_NAME);
  const key1 = (p: number, a: Bytes) => concat(Uint8Array.of(p), lengthPrefixed(a));
  const key2 = (p: number, a: Bytes, b: Bytes) => concat(Uint8Array.of(p), lengthPrefixed(a), lengthPrefixed(b));

  /** writes bytes, or deletes the key when they are empty (an empty DecCoins record reads back the same; ICS-23 cannot prove empty values). */
  const put = (ctx: WriteContext, key: Bytes, b: Bytes) => (b.length === 0 ? ws(ctx).delete(key) : ws(ctx).set(key, b));
  const getDecCoins = <T>(ctx: ReadContext, key: Bytes, codec: { decode(b: Bytes): T }, pick: (t: T) => { denom: string; amount: string }[]) => {
    const b = rs(ctx).get(key);
    return b === undefined ? [] : decCoinsFromProto(pick(codec.decode(b)));
  };

  const k: DistributionKeeper = {
    getParams(ctx) {
      const b = rs(ctx).get(Uint8Array.of(PREFIX.params));
      if (b === undefined) return defaultParams();
      const p = ProtoParams.decode(b.subarray(1));
      return { communityTax: BigInt(p.communityTax || "0"), baseProposerReward: BigInt(p.baseProposerReward || "0"), bonusProposerReward: BigInt(p.bonusProposerReward || "0"), withdrawAddrEnabled: p.withdrawAddrEnabled };
    },
    setParams(ctx, p) {
      // a leading 0x01 keeps the record non-empty when every field is at its proto default
      ws(ctx).set(Uint8Array.of(PREFIX.params), concat(Uint8Array.of(1), ProtoParams.encode({ communityTax: p.communityTax.toString(), baseProposerReward: p.baseProposerReward.toString(), bonusProposerReward: p.bonusProposerReward.toString(), withdrawAddrEnabled: p.withdrawAddrEnabled }).finish()));
    },
    getMintParams(ctx) {
      const b = rs(ctx).get(Uint8Array.of(PREFIX.mintParams));
      if (b === undefined) return defaultMintParams();
      const j = JSON.parse(fromUtf8(b)) as { inflation: string; blocks_per_year: string };
      return { inflation: BigInt(j.inflation), blocksPerYear: BigInt(j.blocks_per_year) };
    },
    setMintParams(ctx, p) {
      ws(ctx).set(Uint8Array.of(PREFIX.mintParams), utf8(JSON.stringify({ inflation: p.inflation.toString(), blocks_per_year: p.blocksPerYear.toString() })));
    },
    getCommunityPool: (ctx) => getDecCoins(ctx, Uint8Array.of(PREFIX.feePool), FeePool, (f) => f.communityPool),
    setCommunityPool(ctx, c) {
      put(ctx, Uint8Array.of(PREFIX.feePool), FeePool.encode({ communityPool: decCoinsToProto(c) }).finish());
    },
    getOutstanding: (ctx, val) => getDecCoins(ctx, key1(PREFIX.outstanding, val), ValidatorOutstandingRewards, (o) => o.rewards),
    setOutstanding(ctx, val, c) {
      const b = ValidatorOutstandingRewards.encode({ rewards: decCoinsToProto(c) }).finish();
      put(ctx, key1(PREFIX.outstanding, val), b);
    },
    getCommission: (ctx, val) => getDecCoins(ctx, key1(PREFIX.commission, val), ValidatorAccumulatedCommission, (o) => o.commission),
    setCommission(ctx, val, c) {
      put(ctx, key1(PREFIX.commission, val), ValidatorAccumulatedCommission.encode({ commission: decCoinsToProto(c) }).finish());
    },
    getCurrent(ctx, val) {
      const b = rs(ctx).get(key1(PREFIX.current, val));
      if (b === undefined) return undefined;
      const c = ValidatorCurrentRewards.decode(b);
      return { rewards: decCoinsFromProto(c.rewards), period: c.period };
    },
    setCurrent(ctx, val, c) {
      ws(ctx).set(key1(PREFIX.current, val), ValidatorCurrentRewards.encode({ rewards: decCoinsToProto(c.rewards), period: c.period }).finish());
    },
    getHistorical(ctx, val, period) {
      const b = rs(ctx).get(concat(key1(PREFIX.historical, val), u64be(period)));
      if (b === undefined) return undefined;
      const h = ValidatorHistoricalRewards.decode(b);
      return { ratio: decCoinsFromProto(h.cumulativeRewardRatio), refCount: h.referenceCount };
    },
    setHistorical(ctx, val, period, h) {
      const key = concat(key1(PREFIX.historical, val), u64be(period));
      if (h.refCount === 0) ws(ctx).delete(key);
      else ws(ctx).set(key, ValidatorHistoricalRewards.encode({ cumulativeRewardRatio: decCoinsToProto(h.ratio), referenceCount: h.refCount }).finish());
    },
    getStartingInfo(ctx, val, del) {
      const b = rs(ctx).get(key2(PREFIX.startingInfo, val, del));
      if (b === undefined) return undefined;
      const s = DelegatorStartingInfo.decode(b);
      return { previousPeriod: s.previousPeriod, stake: BigInt(s.stake || "0"), height: s.height };
    },
    setStartingInfo(ctx, val, del, s) {
      ws(ctx).set(key2(PREFIX.startingInfo, val, del), DelegatorStartingInfo.encode({ previousPeriod: s.previousPeriod, stake: s.stake.toString(), height: s.height }).finish());
    },
    setSlashEvent(ctx, val, e) {
      ws(ctx).set(concat(key1(PREFIX.slashEvents, val), u64be(e.height), u64be(e.period)), ValidatorSlashEvent.encode({ validatorPeriod: e.period, fraction: e.fraction.toString() }).finish());
    },
    getWithdrawAddr(ctx, del) {
      const b = rs(ctx).get(key1(PREFIX.withdrawAddr, del));
      return b === undefined ? del : Uint8Array.from(b);
    },
    setWithdrawAddr(ctx, del, to) {
      if (!k.getParams(ctx).withdrawAddrEnabled) throw ErrSetWithdrawAddrDisabled.wrap();
      if (bk.isBlockedAddr(to)) throw ErrInvalidRequest.wrap(`${accAddressToString(to)} is not allowed to receive external funds`);
      ws(ctx).set(key1(PREFIX.withdrawAddr, del), to);
      ctx.events.emit("set_withdraw_address", { withdraw_address: accAddressToString(to) });
    },
    async *iterate(ctx, prefix) {
      for await (const kv of rs(ctx).iterate({ prefix: Uint8Array.of(prefix) })) yield kv;
    },

    initializeValidator(ctx, val) {
      k.setHistorical(ctx, val, 0n, { ratio: [], refCount: 1 });
      k.setCurrent(ctx, val, { rewards: [], period: 1n });
      k.setCommission(ctx, val, []);
      k.setOutstanding(ctx, val, []);
    },

    incrementValidatorPeriod(ctx, v) {
      const rewards = k.getCurrent(ctx, v.operator) ?? { rewards: [], period: 1n };
      let current: DecCoin[];
      if (v.tokens === 0n) {
        // no stake: the rewards go to the community pool
        k.setCommunityPool(ctx, addDecCoins(k.getCommunityPool(ctx), rewards.rewards));
        k.setOutstanding(ctx, v.operator, subDecCoins(k.getOutstanding(ctx, v.operator), rewards.rewards));
        current = [];
      } else {
        current = quoDecCoinsTruncate(rewards.rewards, v.tokens * DEC_ONE);
      }
      const prev = k.getHistorical(ctx, v.operator, rewards.period - 1n);
      if (prev === undefined) throw ErrLogic.wrap(`missing historical rewards of period ${rewards.period - 1n}`);
      k.setHistorical(ctx, v.operator, rewards.period - 1n, { ...prev, refCount: prev.refCount - 1 });
      k.setHistorical(ctx, v.operator, rewards.period, { ratio: addDecCoins(prev.ratio, current), refCount: 1 });
      k.setCurrent(ctx, v.operator, { rewards: [], period: rewards.period + 1n });
      return rewards.period;
    },

    initializeDelegation(ctx, val, del) {
      const cur = k.getCurrent(ctx, val);
      const v = sk.getValidator(ctx, val);
      const d = sk.getDelegation(ctx, del, val);
      if (cur === undefined || v === undefined || d === undefined) return;
      const previousPeriod = cur.period - 1n;
      const h = k.getHistorical(ctx, val, previousPeriod);
      if (h !== undefined) k.setHistorical(ctx, val, previousPeriod, { ...h, refCount: h.refCount + 1 });
      // SDK TokensFromSharesTruncated: shares × tokens ÷ delegatorShares, truncated
      const stake = v.delegatorShares === 0n ? 0n : (d.shares * v.tokens * DEC_ONE) / v.delegatorShares;
      k.setStartingInfo(ctx, val, del, { previousPeriod, stake, height: ctx.block.height });
    },

    async calculateDelegationRewards(ctx, v, d, endingPeriod, endRatio) {
      const si = k.getStartingInfo(ctx, v.operator, d.delegator);
      if (si === undefined) throw ErrEmptyDelegationDistInfo.wrap();
      if (si.height === ctx.block.height) return [];
      let startingPeriod = si.previousPeriod;
      let stake = si.stake;
      let rewards: DecCoin[] = [];
      const between = (from: bigint, to: bigint, st: Dec): DecCoin[] => {
        const a = k.getHistorical(ctx, v.operator, from)?.ratio ?? [];
        const b = to === endingPeriod && endRatio !== undefined ? endRatio : (k.getHistorical(ctx, v.operator, to)?.ratio ?? []);
        const diff = subDecCoins(b, a);
        if (isAnyNegativeDecCoins(diff)) throw ErrLogic.wrap("negative rewards should not be possible");
        return mulDecCoinsTruncate(diff, st);
      };
      if (ctx.block.height > si.height) {
        const p = key1(PREFIX.slashEvents, v.operator);
        for await (const [key, val] of rs(ctx).iterate({ prefix: p, gte: concat(p, u64be(si.height)), lt: concat(p, u64be(ctx.block.height + 1n)) })) {
          void key;
          const e = ValidatorSlashEvent.decode(val);
          const end = e.validatorPeriod;
          if (end > startingPeriod) {
            rewards = addDecCoins(rewards, between(startingPeriod, end, stake));
            stake = decMulTruncate(stake, DEC_ONE - BigInt(e.fraction || "0"));
            startingPeriod = end;
          }
        }
      }
      const currentStake = v.delegatorShares === 0n ? 0n : (d.shares * v.tokens * DEC_ONE + v.delegatorShares / 2n) / v.delegatorShares;
      if (stake > currentStake) {
        if (stake <= currentStake + STAKE_MARGIN * 1_000_000n) stake = currentStake;
        else throw ErrLogic.wrap(`calculated final stake for delegator ${accAddressToString(d.delegator)} greater than current stake`);
      }
      return addDecCoins(rewards, between(startingPeriod, endingPeriod, stake));
    },

    async queryDelegationRewards(ctx, val, del) {
      const v = sk.getValidator(ctx, val);
      if (v === undefined) throw ErrNoValidatorExists.wrap();
      const d = sk.getDelegation(ctx, del, val);
      if (d === undefined) throw ErrEmptyDelegationDistInfo.wrap();
      const cur = k.getCurrent(ctx, val) ?? { rewards: [], period: 1n };
      const prev = k.getHistorical(ctx, val, cur.period - 1n)?.ratio ?? [];
      const endRatio = v.tokens === 0n ? prev : addDecCoins(prev, quoDecCoinsTruncate(cur.rewards, v.tokens * DEC_ONE));
      return k.calculateDelegationRewards(ctx, v, d, cur.period, endRatio);
    },

    async withdrawDelegationRewards(ctx, val, del) {
      const v = sk.getValidator(ctx, val);
      if (v === undefined) throw ErrNoValidatorExists.wrap();
      const d = sk.getDelegation(ctx, del, val);
      if (d === undefined) throw ErrEmptyDelegationDistInfo.wrap();
      const si = k.getStartingInfo(ctx, val, del);
      if (si === undefined) throw ErrEmptyDelegationDistInfo.wrap();
      const endingPeriod = k.incrementValidatorPeriod(ctx, v);
      const raw = await k.calculateDelegationRewards(ctx, v, d, endingPeriod);
      const outstanding = k.getOutstanding(ctx, val);
      const rewards = intersectDecCoins(raw, outstanding);
      const { coins, remainder } = truncateDecCoins(rewards);
      if (coins.length > 0) bk.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, k.getWithdrawAddr(ctx, del), coins);
      k.setOutstanding(ctx, val, subDecCoins(outstanding, rewards));
      k.setCommunityPool(ctx, addDecCoins(k.getCommunityPool(ctx), remainder));
      const h = k.getHistorical(ctx, val, si.previousPeriod);
      if (h !== undefined) k.setHistorical(ctx, val, si.previousPeriod, { ...h, refCount: h.refCount - 1 });
      ws(ctx).delete(key2(PREFIX.startingInfo, val, del));
      ctx.events.emit("withdraw_rewards", { amount: formatCoins(coins), validator: valAddressToString(val), delegator: accAddressToString(del) });
      return coins;
    },

    withdrawValidatorCommission(ctx, val) {
      const acc = k.getCommission(ctx, val);
      if (acc.length === 0) throw ErrNoValidatorCommission.wrap();
      const { coins, remainder } = truncateDecCoins(acc);
      k.setCommission(ctx, val, remainder);
      k.setOutstanding(ctx, val, subDecCoins(k.getOutstanding(ctx, val), decCoinsFromCoins(coins)));
      if (coins.length > 0) bk.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, k.getWithdrawAddr(ctx, val), coins);
      ctx.events.emit("withdraw_commission", { amount: formatCoins(coins) });
      return coins;
    },

    allocateTokensToValidator(ctx, v, tokens) {
      const commission = mulDecCoins(tokens, v.commission.rate);
      const shared = subDecCoins(tokens, commission);
      const val = valAddressToString(v.operator);
      k.setCommission(ctx, v.operator, addDecCoins(k.getCommission(ctx, v.operator), commission));
      ctx.events.emit("commission", { amount: formatDecCoins(commission), validator: val });
      const cur = k.getCurrent(ctx, v.operator) ?? { rewards: [], period: 1n };
      k.setCurrent(ctx, v.operator, { rewards: addDecCoins(cur.rewards, shared), period: cur.period });
      ctx.events.emit("rewards", { amount: formatDecCoins(tokens), validator: val });
      k.setOutstanding(ctx, v.operator, addDecCoins(k.getOutstanding(ctx, v.operator), tokens));
    },

    async allocateTokens(ctx, votes) {
      const feeAddr = ak.moduleAddress(feeCollector);
      const collected = await bk.getAllBalances(ctx, feeAddr);
      if (collected.length === 0) return;
      ak.getModuleAccount(ctx, MODULE_NAME);
      bk.sendCoinsFromModuleToModule(ctx, feeCollector, MODULE_NAME, collected);
      const fees = decCoinsFromCoins(collected);
      let total = 0n;
      for (const v of votes) total += v.power;
      if (total === 0n) {
        k.setCommunityPool(ctx, addDecCoins(k.getCommunityPool(ctx), fees));
        return;
      }
      let remaining = fees;
      const multiplier = mulDecCoinsTruncate(fees, DEC_ONE - k.getParams(ctx).communityTax);
      for (const vote of votes) {
        const v = sk.getValidatorByConsAddr(ctx, vote.address);
        if (v === undefined || k.getCurrent(ctx, v.operator) === undefined) continue;
        const fraction = decQuoTruncate(vote.power * DEC_ONE, total * DEC_ONE);
        const reward = mulDecCoinsTruncate(multiplier, fraction);
        k.allocateTokensToValidator(ctx, v, reward);
        remaining = subDecCoins(remaining, reward);
      }
      k.setCommunityPool(ctx, addDecCoins(k.getCommunityPool(ctx), remaining));
    },

    mintBlockProvision(ctx) {
      const mp = k.getMintParams(ctx);
      if (mp.inflation === 0n || mp.blocksPerYear === 0n) return 0n;
      const denom = sk.bondDenom(ctx);
      const bonded = sk.totalBondedTokens(ctx);
      if (bonded === 0n) return 0n;
      const supply = bk.getSupply(ctx, denom);
      const annual = decMulTruncate(supply * DEC_ONE, mp.inflation);
      const provision = annual / mp.blocksPerYear / DEC_ONE;
      if (provision <= 0n) return 0n;
      ak.getModuleAccount(ctx, MINT_MODULE_NAME);
      bk.mintCoins(ctx, MINT_MODULE_NAME, [{ denom, amount: provision }]);
      bk.sendCoinsFromModuleToModule(ctx, MINT_MODULE_NAME, feeCollector, [{ denom, amount: provision }]);
      ctx.events.emit("mint", { bonded_ratio: supply === 0n ? "0" : ((bonded * DEC_ONE) / supply).toString(), inflation: mp.inflation.toString(), annual_provisions: annual.toString(), amount: provision.toString() });
      return provision;
    },

    fundCommunityPool(ctx, from, coins) {
      ak.getModuleAccount(ctx, MODULE_NAME);
      bk.sendCoinsFromAccountToModule(ctx, from, MODULE_NAME, coins);
      k.setCommunityPool(ctx, addDecCoins(k.getCommunityPool(ctx), decCoinsFromCoins(coins)));
    },

    distributeFromCommunityPool(ctx, to, coins) {
      const pool = subDecCoins(k.getCommunityPool(ctx), decCoinsFromCoins(coins));
      if (isAnyNegativeDecCoins(pool)) throw ErrBadDistribution.wrap();
      k.setCommunityPool(ctx, pool);
      bk.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, to, coins);
    },

    communityPoolCoins: (ctx) => truncateDecCoins(k.getCommunityPool(ctx)).coins,

    distributeFromCommunityPoolToModule(ctx, moduleName, coins) {
      const pool = subDecCoins(k.getCommunityPool(ctx), decCoinsFromCoins(coins));
      if (isAnyNegativeDecCoins(pool)) throw ErrBadDistribution.wrap();
      k.setCommunityPool(ctx, pool);
      bk.sendCoinsFromModuleToModule(ctx, MODULE_NAME, moduleName, coins);
    },

    fundCommunityPoolFromModule(ctx, moduleName, coins) {
      bk.sendCoinsFromModuleToModule(ctx, moduleName, MODULE_NAME, coins);
      k.setCommunityPool(ctx, addDecCoins(k.getCommunityPool(ctx), decCoinsFromCoins(coins)));
    },

    async beginBlock(ctx) {
      k.mintBlockProvision(ctx);
      const votes = (ctx.cometInfo?.lastCommit.votes ?? []).filter((v) => v.blockIdFlag === BlockIdFlag.Commit).map((v) => ({ address: v.validator.address, power: v.validator.power }));
      // as the SDK: nothing is allocated in the first block (no previous commit)
      if (ctx.block.height > 1n) await k.allocateTokens(ctx, votes);
    },

    hooks: {
      async afterValidatorCreated(ctx, val) {
        k.initializeValidator(ctx, val);
      },
      async afterValidatorRemoved(ctx, _cons, val) {
        let outstanding = k.getOutstanding(ctx, val);
        const commission = k.getCommission(ctx, val);
        if (commission.length > 0) {
          outstanding = subDecCoins(outstanding, commission);
          const { coins, remainder } = truncateDecCoins(commission);
          k.setCommunityPool(ctx, addDecCoins(k.getCommunityPool(ctx), remainder));
          if (coins.length > 0) bk.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, k.getWithdrawAddr(ctx, val), coins);
        }
        k.setCommunityPool(ctx, addDecCoins(k.getCommunityPool(ctx), outstanding));
        const del: Bytes[] = [];
        for (const p of [PREFIX.historical, PREFIX.slashEvents]) {
          for await (const [key] of rs(ctx).iterate({ prefix: key1(p, val) })) del.push(Uint8Array.from(key));
        }
        for (const key of del) ws(ctx).delete(key);
        ws(ctx).delete(key1(PREFIX.outstanding, val));
        ws(ctx).delete(key1(PREFIX.commission, val));
        ws(ctx).delete(key1(PREFIX.current, val));
      },
      async beforeDelegationCreated(ctx, _del, val) {
        const v = sk.getValidator(ctx, val);
        if (v !== undefined) k.incrementValidatorPeriod(ctx, v);
      },
      async beforeDelegationSharesModified(ctx, del, val) {
        await k.withdrawDelegationRewards(ctx, val, del);
      },
      async afterDelegationModified(ctx, del, val) {
        k.initializeDelegation(ctx, val, del);
      },
      async beforeValidatorSlashed(ctx, val, fraction) {
        if (fraction > DEC_ONE || fraction < 0n) throw ErrLogic.wrap("fraction must be >=0 and <=1");
        const v = sk.getValidator(ctx, val);
        if (v === undefined) return;
        const newPeriod = k.incrementValidatorPeriod(ctx, v);
        const h = k.getHistorical(ctx, val, newPeriod);
        if (h !== undefined) k.setHistorical(ctx, val, newPeriod, { ...h, refCount: h.refCount + 1 });
        k.setSlashEvent(ctx, val, { height: ctx.block.height, period: newPeriod, fraction });
      },
    },
  };
  void readU64be;
  return k;
}
