/** distribution invariants: nothing negative; the module account holds exactly Σ outstanding + community pool (truncated). */
import { type Coin, coinsEqual, formatCoins } from "../core/coins.ts";
import type { ReadContext } from "../core/context.ts";
import { type DecCoin, addDecCoins, decCoinsFromProto, isAnyNegativeDecCoins, truncateDecCoins } from "../core/dec.ts";
import type { Invariant } from "../core/module.ts";
import { ValidatorOutstandingRewards } from "cosmjs-types/cosmos/distribution/v1beta1/distribution";
import type { DistrAccountKeeper, DistrBankKeeper } from "./expectedKeepers.ts";
import { type DistributionKeeper, MODULE_NAME, PREFIX } from "./keeper.ts";

export function nonNegativeOutstandingInvariant(k: DistributionKeeper): Invariant {
  return async (ctx: ReadContext) => {
    for await (const [, v] of k.iterate(ctx, PREFIX.outstanding)) if (isAnyNegativeDecCoins(decCoinsFromProto(ValidatorOutstandingRewards.decode(v).rewards))) return "negative outstanding rewards";
    if (isAnyNegativeDecCoins(k.getCommunityPool(ctx))) return "negative community pool";
    return null;
  };
}

export function moduleAccountInvariant(k: DistributionKeeper, ak: DistrAccountKeeper, bk: DistrBankKeeper): Invariant {
  return async (ctx: ReadContext) => {
    let expected: DecCoin[] = k.getCommunityPool(ctx);
    for await (const [, v] of k.iterate(ctx, PREFIX.outstanding)) expected = addDecCoins(expected, decCoinsFromProto(ValidatorOutstandingRewards.decode(v).rewards));
    const want: Coin[] = truncateDecCoins(expected).coins;
    const have = await bk.getAllBalances(ctx, ak.moduleAddress(MODULE_NAME));
    if (!coinsEqual(want, have)) return `distribution module account holds ${formatCoins(have)}, expected ${formatCoins(want)} (Σ outstanding + community pool)`;
    return null;
  };
}
