/**
 * treasury keeper: fee-split policies per model, the largest-remainder split of each inference fee
 * (contributors, trainer, provider, community pool, burn), contributor rewards vesting over epochs in
 * the "treasury" module account, claims, clawback of unvested rewards on proven fraud, and earnings
 * statements per address per epoch. The only writer of "treasury/" keys.
 */
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString, moduleAddress } from "../core/address.ts";
import { compare, readU64be, toKeyString, fromKeyString } from "../core/bytes.ts";
import { type Coin, addCoins, isValidDenom } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { epochOf } from "../core/params.ts";
import { EpochEarnings, type FeeSplitPolicy, ModelPolicy, Params, VestingEntry } from "../../proto/gen/openledger/treasury/v1/types.ts";
import { ErrInvalidSplit, ErrModelNotFound, ErrNotModelOwner } from "./errors.ts";
import { emitTyped } from "./events.ts";
import type { TreasuryBankKeeper, TreasuryCommunityPoolKeeper, TreasuryModelKeeper } from "./expectedKeepers.ts";
import { MODULE_NAME, PARAMS_KEY, VESTING_ACCOUNT, earningsAddrPrefix, earningsKey, policyKey, vestingAddrPrefix, vestingDatanetPrefix, vestingKey } from "./keys.ts";
import { defaultParams, validatePolicy } from "./params.ts";
import { largestRemainder } from "./split.ts";

/** one inference fee to split (TreasurySplitter of modules/compute). */
export interface SplitInput {
  modelId: bigint;
  /** the attribution receipt the shares come from (0 when none). */
  receiptId?: bigint;
  fee: Coin;
  /** the module account holding the escrowed fee (e.g. "compute"); treasury moves the fee out of it. */
  fromModule: string;
  /** the receipt's per-contributor integer shares, used as weights (any scale); zero weights earn nothing. */
  shares: readonly { contributor: Bytes; amount: bigint }[];
  /**
   * the receipt's unassigned weight (attribution's remainder: value nobody may be paid for, e.g. points
   * slashed after the snapshot), on the same scale as the shares: its portion of the contributors' part
   * goes to the community pool instead of to the other contributors.
   */
  remainder?: bigint;
  /** the compute provider that answered. */
  provider: Bytes;
  /** the trainer; default: the model owner. */
  trainer?: Bytes;
}

export interface SplitResult {
  contributors: bigint;
  /** per contributor (address byte order), what started vesting. */
  contributorShares: { contributor: Bytes; amount: bigint }[];
  trainer: bigint;
  provider: bigint;
  community: bigint;
  burned: bigint;
}

export type PolicySource = "treasury" | "model" | "default";

export interface TreasuryKeeper {
  getParams(ctx: ReadContext): Params;
  setParams(ctx: WriteContext, p: Params): void;
  getModelPolicy(ctx: ReadContext, modelId: bigint): ModelPolicy | undefined;
  setModelPolicy(ctx: WriteContext, p: ModelPolicy): void;
  /** the policy that applies to a model: treasury's, else the one registered with the model, else params. */
  effectivePolicy(ctx: ReadContext, modelId: bigint): { policy: FeeSplitPolicy; source: PolicySource; setBy: string };
  /** MsgSetFeePolicy: the model owner or the gov authority. */
  setFeePolicy(ctx: WriteContext, signer: Bytes, isGov: boolean, modelId: bigint, policy: FeeSplitPolicy | undefined): void;
  /** splits one fee; Σ parts = fee exactly. Pulls the fee from input.fromModule. */
  split(ctx: WriteContext, input: SplitInput): Promise<SplitResult>;
  /** pays every vested, unclaimed reward of `addr`; returns what was paid. */
  claim(ctx: WriteContext, addr: Bytes): Promise<Coin[]>;
  /** forfeits the unvested rewards `addr` earned from `datanetId`'s models to the community pool. */
  clawback(ctx: WriteContext, addr: Bytes, datanetId: bigint, reason: string): Promise<Coin[]>;
  vestingEntries(ctx: ReadContext, addr: Bytes): Promise<VestingEntry[]>;
  /** vested amount of an entry at epoch `now`. */
  vestedOf(e: VestingEntry, now: bigint): bigint;
  getEarnings(ctx: ReadContext, addr: Bytes, epoch: bigint, denom: string): EpochEarnings | undefined;
  setEarnings(ctx: WriteContext, e: EpochEarnings): void;
  setVesting(ctx: WriteContext, e: VestingEntry): void;
  /** Σ (total − claimed) of every vesting entry, per denom: what the vesting account must hold. */
  vestingLiabilities(ctx: ReadContext): Promise<Coin[]>;
  vestingAddress(): Bytes;
}

export interface TreasuryKeeperDeps {
  bank: TreasuryBankKeeper;
  communityPool: TreasuryCommunityPoolKeeper;
  models: TreasuryModelKeeper;
}

const zeroEarnings = (address: string, epoch: bigint, denom: string): EpochEarnings => ({ address, epoch, denom, asContributor: "0", asTrainer: "0", asProvider: "0", claimed: "0", clawedBack: "0", splits: 0n });
const add = (a: string, b: bigint) => (BigInt(a) + b).toString();

export function createTreasuryKeeper(deps: TreasuryKeeperDeps): TreasuryKeeper {
  const rs = (ctx: ReadContext) => ctx.store(MODULE_NAME);
  const ws = (ctx: WriteContext) => ctx.store(MODULE_NAME);
  const vestingAddr = moduleAddress(VESTING_ACCOUNT);
  const epochNow = (ctx: ReadContext & { runtimeParams?: WriteContext["runtimeParams"] }) => epochOf(ctx.block.height, (ctx as WriteContext).runtimeParams);

  const bumpEarnings = (ctx: WriteContext, addr: Bytes, epoch: bigint, denom: string, f: (e: EpochEarnings) => EpochEarnings) => {
    const a = accAddressToString(addr);
    k.setEarnings(ctx, f(k.getEarnings(ctx, addr, epoch, denom) ?? zeroEarnings(a, epoch, denom)));
  };
  const toPool = (ctx: WriteContext, coin: Coin) => {
    if (coin.amount > 0n) deps.communityPool.fundCommunityPool(ctx, vestingAddr, [coin]);
  };

  const k: TreasuryKeeper = {
    getParams(ctx) {
      const b = rs(ctx).get(PARAMS_KEY);
      return b === undefined ? defaultParams() : Params.decode(b);
    },
    setParams(ctx, p) {
      ws(ctx).set(PARAMS_KEY, Params.encode(p).finish());
    },
    getModelPolicy(ctx, modelId) {
      const b = rs(ctx).get(policyKey(modelId));
      return b === undefined ? undefined : ModelPolicy.decode(b);
    },
    setModelPolicy(ctx, p) {
      ws(ctx).set(policyKey(p.modelId), ModelPolicy.encode(p).finish());
    },
    effectivePolicy(ctx, modelId) {
      const set = k.getModelPolicy(ctx, modelId);
      if (set?.policy !== undefined) return { policy: set.policy, source: "treasury", setBy: set.setBy };
      const m = deps.models.getModel(ctx, modelId);
      const fp = m?.feePolicy;
      if (m !== undefined && fp !== undefined) {
        const p = { contributorsBps: fp.dataBps, trainerBps: fp.trainerBps, providerBps: fp.providerBps, communityBps: fp.communityBps, burnBps: fp.burnBps };
        try {
          return { policy: validatePolicy(p), source: "model", setBy: m.owner };
        } catch {
          // an invalid registered policy falls back to the default
        }
      }
      return { policy: k.getParams(ctx).defaultPolicy ?? defaultParams().defaultPolicy!, source: "default", setBy: "" };
    },
    setFeePolicy(ctx, signer, isGov, modelId, policy) {
      const m = deps.models.getModel(ctx, modelId);
      if (m === undefined) throw ErrModelNotFound.wrap(`model ${modelId}`);
      const who = accAddressToString(signer);
      if (!isGov && m.owner !== who) throw ErrNotModelOwner.wrap(`${who} may not set the fee policy of model ${modelId}`);
      const p = validatePolicy(policy);
      k.setModelPolicy(ctx, { modelId, policy: p, setBy: who, height: ctx.block.height });
      emitTyped(ctx, "EventFeePolicySet", { modelId, setBy: who, contributorsBps: p.contributorsBps, trainerBps: p.trainerBps, providerBps: p.providerBps, communityBps: p.communityBps, burnBps: p.burnBps });
    },

    async split(ctx, input) {
      const { fee } = input;
      if (!isValidDenom(fee.denom)) throw ErrInvalidSplit.wrap(`invalid fee denom ${JSON.stringify(fee.denom)}`);
      if (fee.amount < 0n) throw ErrInvalidSplit.wrap("fee must not be negative");
      const m = deps.models.getModel(ctx, input.modelId);
      if (m === undefined) throw ErrModelNotFound.wrap(`model ${input.modelId}`);
      const { policy } = k.effectivePolicy(ctx, input.modelId);
      // the five parts, in a fixed order (ties of the largest-remainder step go to the earlier part)
      const [cPart, tPart, pPart, poolPart, burnPart] = largestRemainder(fee.amount, [policy.contributorsBps, policy.trainerBps, policy.providerBps, policy.communityBps, policy.burnBps].map(BigInt)) as [bigint, bigint, bigint, bigint, bigint];
      // contributors: by the receipt's shares, in address byte order (one row per distinct address)
      const merged = new Map<string, bigint>();
      for (const s of input.shares) {
        if (s.amount < 0n) throw ErrInvalidSplit.wrap("a share must not be negative");
        if (s.contributor.length === 0) throw ErrInvalidSplit.wrap("a share has no contributor");
        const key = toKeyString(s.contributor);
        merged.set(key, (merged.get(key) ?? 0n) + s.amount);
      }
      const rows = [...merged.entries()].filter(([, w]) => w > 0n).sort(([a], [b]) => compare(fromKeyString(a), fromKeyString(b)));
      const rem = input.remainder ?? 0n;
      if (rem < 0n) throw ErrInvalidSplit.wrap("remainder must not be negative");
      // the unassigned weight takes the last slot (ties of the largest-remainder step go to contributors)
      const amounts = largestRemainder(cPart, [...rows.map(([, w]) => w), rem]);
      const contributorShares = rows.map(([a], i) => ({ contributor: fromKeyString(a), amount: amounts[i] as bigint }));
      const unassigned = rows.length === 0 && rem === 0n ? cPart : (amounts[rows.length] as bigint);
      const community = poolPart + unassigned;
      const trainer = input.trainer ?? accAddressFromString(m.owner);

      if (fee.amount > 0n && input.fromModule !== VESTING_ACCOUNT) deps.bank.sendCoinsFromModuleToModule(ctx, input.fromModule, VESTING_ACCOUNT, [fee]);
      const coin = (amount: bigint): Coin => ({ denom: fee.denom, amount });
      const epoch = epochNow(ctx);
      const params = k.getParams(ctx);
      const paid = new Set<string>();
      const mark = (addr: Bytes, f: (e: EpochEarnings) => EpochEarnings) => {
        const key = toKeyString(addr);
        const first = !paid.has(key);
        paid.add(key);
        bumpEarnings(ctx, addr, epoch, fee.denom, (e) => {
          const next = f(e);
          return first ? { ...next, splits: next.splits + 1n } : next;
        });
      };
      for (const s of contributorShares) {
        if (s.amount === 0n) continue;
        // stays in the vesting account: one entry per (address, datanet, epoch, denom)
        const vk = vestingKey(s.contributor, m.datanetId, epoch, fee.denom);
        const b = rs(ctx).get(vk);
        const cur = b === undefined ? undefined : VestingEntry.decode(b);
        k.setVesting(ctx, cur === undefined
          ? { address: accAddressToString(s.contributor), datanetId: m.datanetId, epoch, denom: fee.denom, total: s.amount.toString(), claimed: "0", vestingEpochs: params.vestingEpochs }
          : { ...cur, total: add(cur.total, s.amount) });
        mark(s.contributor, (e) => ({ ...e, asContributor: add(e.asContributor, s.amount) }));
      }
      if (tPart > 0n) {
        deps.bank.sendCoinsFromModuleToAccount(ctx, VESTING_ACCOUNT, trainer, [coin(tPart)]);
        mark(trainer, (e) => ({ ...e, asTrainer: add(e.asTrainer, tPart) }));
      }
      if (pPart > 0n) {
        deps.bank.sendCoinsFromModuleToAccount(ctx, VESTING_ACCOUNT, input.provider, [coin(pPart)]);
        mark(input.provider, (e) => ({ ...e, asProvider: add(e.asProvider, pPart) }));
      }
      toPool(ctx, coin(community));
      if (burnPart > 0n) deps.bank.burnCoins(ctx, VESTING_ACCOUNT, [coin(burnPart)]);
      const contributors = cPart - unassigned;
      emitTyped(ctx, "EventFeeSplit", {
        modelId: input.modelId,
        receiptId: input.receiptId ?? 0n,
        denom: fee.denom,
        fee: fee.amount,
        contributors,
        trainer: tPart,
        provider: pPart,
        community,
        burned: burnPart,
        epoch,
      });
      return { contributors, contributorShares: contributorShares.filter((s) => s.amount > 0n), trainer: tPart, provider: pPart, community, burned: burnPart };
    },

    async claim(ctx, addr) {
      const now = epochNow(ctx);
      let paid: Coin[] = [];
      const entries = await k.vestingEntries(ctx, addr);
      for (const e of entries) {
        const vested = k.vestedOf(e, now);
        const due = vested - BigInt(e.claimed);
        if (due > 0n) {
          paid = addCoins(paid, [{ denom: e.denom, amount: due }]);
        }
        const next = { ...e, claimed: vested.toString() };
        if (vested === BigInt(e.total)) ws(ctx).delete(vestingKey(addr, e.datanetId, e.epoch, e.denom));
        else if (due > 0n) k.setVesting(ctx, next);
      }
      if (paid.length > 0) {
        deps.bank.sendCoinsFromModuleToAccount(ctx, VESTING_ACCOUNT, addr, paid);
        for (const c of paid) bumpEarnings(ctx, addr, now, c.denom, (e) => ({ ...e, claimed: add(e.claimed, c.amount) }));
      }
      emitTyped(ctx, "EventClaimed", { claimant: accAddressToString(addr), amount: paid.map((c) => `${c.amount}${c.denom}`).join(","), epoch: now });
      return paid;
    },

    async clawback(ctx, addr, datanetId, reason) {
      const now = epochNow(ctx);
      let taken: Coin[] = [];
      const list: VestingEntry[] = [];
      for await (const [, v] of rs(ctx).iterate({ prefix: vestingDatanetPrefix(addr, datanetId) })) list.push(VestingEntry.decode(v));
      for (const e of list) {
        const vested = k.vestedOf(e, now);
        const unvested = BigInt(e.total) - vested;
        if (unvested <= 0n) continue;
        taken = addCoins(taken, [{ denom: e.denom, amount: unvested }]);
        // what vested stays claimable; the rest is gone
        if (BigInt(e.claimed) === vested) ws(ctx).delete(vestingKey(addr, e.datanetId, e.epoch, e.denom));
        else k.setVesting(ctx, { ...e, total: vested.toString(), vestingEpochs: 0n });
      }
      for (const c of taken) {
        toPool(ctx, c);
        bumpEarnings(ctx, addr, now, c.denom, (e) => ({ ...e, clawedBack: add(e.clawedBack, c.amount) }));
      }
      if (taken.length > 0) emitTyped(ctx, "EventClawback", { address: accAddressToString(addr), datanetId, amount: taken.map((c) => `${c.amount}${c.denom}`).join(","), reason, epoch: now });
      return taken;
    },

    async vestingEntries(ctx, addr) {
      const out: VestingEntry[] = [];
      for await (const [, v] of rs(ctx).iterate({ prefix: vestingAddrPrefix(addr) })) out.push(VestingEntry.decode(v));
      return out;
    },
    vestedOf(e, now) {
      const total = BigInt(e.total);
      if (e.vestingEpochs === 0n) return total;
      const elapsed = now > e.epoch ? now - e.epoch : 0n;
      if (elapsed >= e.vestingEpochs) return total;
      return (total * elapsed) / e.vestingEpochs;
    },
    getEarnings(ctx, addr, epoch, denom) {
      const b = rs(ctx).get(earningsKey(addr, epoch, denom));
      return b === undefined ? undefined : EpochEarnings.decode(b);
    },
    setEarnings(ctx, e) {
      ws(ctx).set(earningsKey(accAddressFromString(e.address), e.epoch, e.denom), EpochEarnings.encode(e).finish());
    },
    setVesting(ctx, e) {
      ws(ctx).set(vestingKey(accAddressFromString(e.address), e.datanetId, e.epoch, e.denom), VestingEntry.encode(e).finish());
    },
    async vestingLiabilities(ctx) {
      let owed: Coin[] = [];
      for await (const [, v] of rs(ctx).iterate({ prefix: Uint8Array.of(0x02) })) {
        const e = VestingEntry.decode(v);
        const due = BigInt(e.total) - BigInt(e.claimed);
        if (due > 0n) owed = addCoins(owed, [{ denom: e.denom, amount: due }]);
      }
      return owed;
    },
    vestingAddress: () => vestingAddr,
  };
  void readU64be;
  void earningsAddrPrefix;
  return Object.freeze(k);
}
