/** datanet invariants (read-only): the escrow account holds exactly the bonded stakes plus open challenge bonds. */
import { type Coin, coinsEqual, formatCoins } from "../core/coins.ts";
import type { ReadContext } from "../core/context.ts";
import type { Invariant } from "../core/module.ts";
import type { DatanetBankKeeper } from "./expectedKeepers.ts";
import type { DatanetKeeper } from "./keeper.ts";

export function escrowInvariant(k: DatanetKeeper, bank: DatanetBankKeeper): Invariant {
  return async (ctx: ReadContext) => {
    const owed: Coin[] = await k.escrowLiabilities(ctx);
    const held = await bank.getAllBalances(ctx, k.escrowAddress());
    if (coinsEqual(owed, held)) return null;
    return `escrow holds ${formatCoins(held) || "nothing"} but bonded stakes and open challenge bonds sum to ${formatCoins(owed) || "nothing"}`;
  };
}
