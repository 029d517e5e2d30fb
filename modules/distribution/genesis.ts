/**
 * distribution genesis in the SDK 0.50 JSON shape, plus a "mint" section (this chain's block-reward
 * step: {inflation, blocks_per_year}). LegacyDec fields are "x.y" strings with 18 decimals.
 */
import {
  DelegatorStartingInfo,
  ValidatorAccumulatedCommission,
  ValidatorCurrentRewards,
  ValidatorHistoricalRewards,
  ValidatorOutstandingRewards,
  ValidatorSlashEvent,
} from "cosmjs-types/cosmos/distribution/v1beta1/distribution";
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString, valAddressFromString, valAddressToString } from "../core/address.ts";
import { readU64be } from "../core/bytes.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { DEC_ONE, type Dec, type DecCoin, decCoinsFromProto, formatDec, parseDecSigned } from "../core/dec.ts";
import { ErrInvalidRequest } from "../core/errors.ts";
import { type DistrParams, type DistributionKeeper, MODULE_NAME, type MintParams, PREFIX, defaultMintParams, defaultParams } from "./keeper.ts";

export interface DistributionGenesis {
  params: DistrParams;
  mint: MintParams;
  communityPool: DecCoin[];
  withdrawInfos: { delegator: Bytes; withdraw: Bytes }[];
  outstanding: { validator: Bytes; rewards: DecCoin[] }[];
  commissions: { validator: Bytes; commission: DecCoin[] }[];
  historical: { validator: Bytes; period: bigint; ratio: DecCoin[]; refCount: number }[];
  current: { validator: Bytes; rewards: DecCoin[]; period: bigint }[];
  startingInfos: { delegator: Bytes; validator: Bytes; previousPeriod: bigint; stake: Dec; height: bigint }[];
  slashEvents: { validator: Bytes; height: bigint; period: bigint; fraction: Dec }[];
}

export function defaultGenesis(): DistributionGenesis {
  return { params: defaultParams(), mint: defaultMintParams(), communityPool: [], withdrawInfos: [], outstanding: [], commissions: [], historical: [], current: [], startingInfos: [], slashEvents: [] };
}

export function validateGenesis(g: DistributionGenesis): void {
  if (g.params.communityTax < 0n || g.params.communityTax > DEC_ONE) throw ErrInvalidRequest.wrap("community tax must be in [0, 1]");
  if (g.mint.inflation < 0n || g.mint.inflation > DEC_ONE) throw ErrInvalidRequest.wrap("inflation must be in [0, 1]");
  if (g.mint.blocksPerYear <= 0n) throw ErrInvalidRequest.wrap("blocks per year must be positive");
  if (g.communityPool.some((c) => c.amount < 0n)) throw ErrInvalidRequest.wrap("negative community pool");
}

export async function initGenesis(ctx: WriteContext, k: DistributionKeeper, g: DistributionGenesis, ensureModuleAccount: (ctx: WriteContext) => void): Promise<void> {
  if (g.communityPool.length > 0 || g.outstanding.length > 0) ensureModuleAccount(ctx);
  k.setParams(ctx, g.params);
  k.setMintParams(ctx, g.mint);
  k.setCommunityPool(ctx, g.communityPool);
  for (const w of g.withdrawInfos) ctx.store(MODULE_NAME).set(new Uint8Array([PREFIX.withdrawAddr, w.delegator.length, ...w.delegator]), w.withdraw);
  for (const o of g.outstanding) k.setOutstanding(ctx, o.validator, o.rewards);
  for (const c of g.commissions) k.setCommission(ctx, c.validator, c.commission);
  for (const h of g.historical) k.setHistorical(ctx, h.validator, h.period, { ratio: h.ratio, refCount: h.refCount });
  for (const c of g.current) k.setCurrent(ctx, c.validator, { rewards: c.rewards, period: c.period });
  for (const s of g.startingInfos) k.setStartingInfo(ctx, s.validator, s.delegator, s);
  for (const e of g.slashEvents) k.setSlashEvent(ctx, e.validator, e);
}

/** splits a key "prefix | lp(a) [| lp(b)] [| u64 …]". */
function lp(key: Bytes, at: number): [Bytes, number] {
  const n = key[at] as number;
  return [Uint8Array.from(key.subarray(at + 1, at + 1 + n)), at + 1 + n];
}

export async function exportGenesis(ctx: ReadContext, k: DistributionKeeper): Promise<DistributionGenesis> {
  const g = defaultGenesis();
  g.params = k.getParams(ctx);
  g.mint = k.getMintParams(ctx);
  g.communityPool = k.getCommunityPool(ctx);
  for await (const [key, v] of k.iterate(ctx, PREFIX.withdrawAddr)) g.withdrawInfos.push({ delegator: lp(key, 1)[0], withdraw: Uint8Array.from(v) });
  for await (const [key, v] of k.iterate(ctx, PREFIX.outstanding)) g.outstanding.push({ validator: lp(key, 1)[0], rewards: decCoinsFromProto(ValidatorOutstandingRewards.decode(v).rewards) });
  for await (const [key, v] of k.iterate(ctx, PREFIX.commission)) g.commissions.push({ validator: lp(key, 1)[0], commission: decCoinsFromProto(ValidatorAccumulatedCommission.decode(v).commission) });
  for await (const [key, v] of k.iterate(ctx, PREFIX.historical)) {
    const [val, o] = lp(key, 1);
    const h = ValidatorHistoricalRewards.decode(v);
    g.historical.push({ validator: val, period: readU64be(key, o), ratio: decCoinsFromProto(h.cumulativeRewardRatio), refCount: h.referenceCount });
  }
  for await (const [key, v] of k.iterate(ctx, PREFIX.current)) {
    const c = ValidatorCurrentRewards.decode(v);
    g.current.push({ validator: lp(key, 1)[0], rewards: decCoinsFromProto(c.rewards), period: c.period });
  }
  for await (const [key, v] of k.iterate(ctx, PREFIX.startingInfo)) {
    const [val, o] = lp(key, 1);
    const [del] = lp(key, o);
    const s = DelegatorStartingInfo.decode(v);
    g.startingInfos.push({ validator: val, delegator: del, previousPeriod: s.previousPeriod, stake: BigInt(s.stake || "0"), height: s.height });
  }
  for await (const [key, v] of k.iterate(ctx, PREFIX.slashEvents)) {
    const [val, o] = lp(key, 1);
    const e = ValidatorSlashEvent.decode(v);
    g.slashEvents.push({ validator: val, height: readU64be(key, o), period: e.validatorPeriod, fraction: BigInt(e.fraction || "0") });
  }
  return g;
}

const dcJson = (cs: readonly DecCoin[]) => cs.map((c) => ({ denom: c.denom, amount: formatDec(c.amount) }));
const dcFrom = (x: unknown): DecCoin[] => (Array.isArray(x) ? x : []).map((c: Record<string, unknown>) => ({ denom: String(c.denom), amount: parseDecSigned(String(c.amount)) })).filter((c) => c.amount !== 0n);
const arr = (x: unknown): Record<string, any>[] => (Array.isArray(x) ? x : []);

export function genesisToJson(g: DistributionGenesis): unknown {
  return {
    params: { community_tax: formatDec(g.params.communityTax), base_proposer_reward: formatDec(g.params.baseProposerReward), bonus_proposer_reward: formatDec(g.params.bonusProposerReward), withdraw_addr_enabled: g.params.withdrawAddrEnabled },
    fee_pool: { community_pool: dcJson(g.communityPool) },
    delegator_withdraw_infos: g.withdrawInfos.map((w) => ({ delegator_address: accAddressToString(w.delegator), withdraw_address: accAddressToString(w.withdraw) })),
    previous_proposer: "",
    outstanding_rewards: g.outstanding.map((o) => ({ validator_address: valAddressToString(o.validator), outstanding_rewards: dcJson(o.rewards) })),
    validator_accumulated_commissions: g.commissions.map((c) => ({ validator_address: valAddressToString(c.validator), accumulated: { commission: dcJson(c.commission) } })),
    validator_historical_rewards: g.historical.map((h) => ({ validator_address: valAddressToString(h.validator), period: h.period.toString(), rewards: { cumulative_reward_ratio: dcJson(h.ratio), reference_count: h.refCount } })),
    validator_current_rewards: g.current.map((c) => ({ validator_address: valAddressToString(c.validator), rewards: { rewards: dcJson(c.rewards), period: c.period.toString() } })),
    delegator_starting_infos: g.startingInfos.map((s) => ({
      delegator_address: accAddressToString(s.delegator),
      validator_address: valAddressToString(s.validator),
      starting_info: { previous_period: s.previousPeriod.toString(), stake: formatDec(s.stake), height: s.height.toString() },
    })),
    validator_slash_events: g.slashEvents.map((e) => ({ validator_address: valAddressToString(e.validator), height: e.height.toString(), period: e.period.toString(), validator_slash_event: { validator_period: e.period.toString(), fraction: formatDec(e.fraction) } })),
    mint: { inflation: formatDec(g.mint.inflation), blocks_per_year: g.mint.blocksPerYear.toString() },
  };
}

export function genesisFromJson(j: unknown): DistributionGenesis {
  const o = (j ?? {}) as Record<string, any>;
  const d = defaultGenesis();
  const p = o.params as Record<string, any> | undefined;
  const m = o.mint as Record<string, any> | undefined;
  return {
    params:
      p === undefined
        ? d.params
        : {
            communityTax: parseDecSigned(String(p.community_tax ?? "0")),
            baseProposerReward: parseDecSigned(String(p.base_proposer_reward ?? "0")),
            bonusProposerReward: parseDecSigned(String(p.bonus_proposer_reward ?? "0")),
            withdrawAddrEnabled: p.withdraw_addr_enabled !== false,
          },
    mint: m === undefined ? d.mint : { inflation: parseDecSigned(String(m.inflation ?? "0")), blocksPerYear: BigInt(String(m.blocks_per_year ?? d.mint.blocksPerYear)) },
    communityPool: dcFrom(o.fee_pool?.community_pool),
    withdrawInfos: arr(o.delegator_withdraw_infos).map((w) => ({ delegator: accAddressFromString(w.delegator_address), withdraw: accAddressFromString(w.withdraw_address) })),
    outstanding: arr(o.outstanding_rewards).map((x) => ({ validator: valAddressFromString(x.validator_address), rewards: dcFrom(x.outstanding_rewards) })),
    commissions: arr(o.validator_accumulated_commissions).map((x) => ({ validator: valAddressFromString(x.validator_address), commission: dcFrom(x.accumulated?.commission) })),
    historical: arr(o.validator_historical_rewards).map((x) => ({ validator: valAddressFromString(x.validator_address), period: BigInt(x.period), ratio: dcFrom(x.rewards?.cumulative_reward_ratio), refCount: Number(x.rewards?.reference_count ?? 0) })),
    current: arr(o.validator_current_rewards).map((x) => ({ validator: valAddressFromString(x.validator_address), rewards: dcFrom(x.rewards?.rewards), period: BigInt(x.rewards?.period ?? "0") })),
    startingInfos: arr(o.delegator_starting_infos).map((x) => ({
      delegator: accAddressFromString(x.delegator_address),
      validator: valAddressFromString(x.validator_address),
      previousPeriod: BigInt(x.starting_info?.previous_period ?? "0"),
      stake: parseDecSigned(String(x.starting_info?.stake ?? "0")),
      height: BigInt(x.starting_info?.height ?? "0"),
    })),
    slashEvents: arr(o.validator_slash_events).map((x) => ({ validator: valAddressFromString(x.validator_address), height: BigInt(x.height), period: BigInt(x.validator_slash_event?.validator_period ?? x.period), fraction: parseDecSigned(String(x.validator_slash_event?.fraction ?? "0")) })),
  };
}
