/** bank invariants (read-only): total supply == Σ balances (module accounts included). */
import { type Coin, addCoins, coinsEqual, formatCoins } from "../core/coins.ts";
import type { ReadContext } from "../core/context.ts";
import type { Invariant } from "../core/module.ts";
import type { BankKeeper } from "./keeper.ts";

export function totalSupplyInvariant(k: BankKeeper): Invariant {
  return async (ctx: ReadContext) => {
    let sum: Coin[] = [];
    for await (const b of k.iterateAllBalances(ctx)) sum = addCoins(sum, b.coins);
    const supply = await k.getTotalSupply(ctx);
    if (coinsEqual(sum, supply)) return null;
    return `sum of balances ${formatCoins(sum)} != total supply ${formatCoins(supply)}`;
  };
}

export function nonNegativeBalancesInvariant(k: BankKeeper): Invariant {
  return async (ctx: ReadContext) => {
    for await (const b of k.iterateAllBalances(ctx)) for (const c of b.coins) if (c.amount <= 0n) return `non-positive balance ${c.amount}${c.denom}`;
    return null;
  };
}
