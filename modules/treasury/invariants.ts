/** treasury invariants (read-only): the vesting account holds exactly the unclaimed vesting rewards. */
import { coinsEqual, formatCoins } from "../core/coins.ts";
import type { ReadContext } from "../core/context.ts";
import type { Invariant } from "../core/module.ts";
import type { TreasuryBankKeeper } from "./expectedKeepers.ts";
import type { TreasuryKeeper } from "./keeper.ts";

export function vestingInvariant(k: TreasuryKeeper, bank: TreasuryBankKeeper): Invariant {
  return async (ctx: ReadContext) => {
    const owed = await k.vestingLiabilities(ctx);
    const held = await bank.getAllBalances(ctx, k.vestingAddress());
    if (coinsEqual(owed, held)) return null;
    return `vesting account holds ${formatCoins(held) || "nothing"} but unclaimed rewards sum to ${formatCoins(owed) || "nothing"}`;
  };
}
