/** What datanet needs from other modules (wired in modules/app.ts). */
import type { Bytes } from "../core/abci.ts";
import type { Coin } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";

/** bank: escrow moves, burning slashed stake, and the escrow balance for the invariant. */
export interface DatanetBankKeeper {
  sendCoinsFromAccountToModule(ctx: WriteContext, from: Bytes, moduleName: string, coins: readonly Coin[]): void;
  sendCoinsFromModuleToAccount(ctx: WriteContext, moduleName: string, to: Bytes, coins: readonly Coin[]): void;
  burnCoins(ctx: WriteContext, moduleName: string, coins: readonly Coin[]): void;
  getAllBalances(ctx: ReadContext, addr: Bytes): Promise<Coin[]>;
}

/**
 * distribution's community pool (SDK FundCommunityPool(ctx, amount, sender)). Optional: while no
 * distribution module is wired, slashed stake and forfeited challenge bonds are burned instead.
 */
export interface DatanetCommunityPoolKeeper {
  fundCommunityPool(ctx: WriteContext, amount: readonly Coin[], sender: Bytes): void | Promise<void>;
}

/** hooks of other modules on datanet events (treasury: clawback of unvested rewards when fraud is proven). */
export interface DatanetHooks {
  /** an upheld challenge slashed the contribution (proven fraud). */
  afterContributionSlashed?(ctx: WriteContext, e: { contributionId: bigint; datanetId: bigint; contributor: Bytes }): void | Promise<void>;
}
