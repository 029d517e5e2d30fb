/** what grants needs from other modules (wired in modules/app.ts). */
import type { Bytes } from "../core/abci.ts";
import type { Coin } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";

export interface GrantsBankKeeper {
  sendCoinsFromModuleToAccount(ctx: WriteContext, moduleName: string, to: Bytes, coins: readonly Coin[]): void;
  getAllBalances(ctx: ReadContext, addr: Bytes): Coin[] | Promise<Coin[]>;
  isBlockedAddr(addr: Bytes): boolean;
}

/** distribution's community pool. */
export interface GrantsCommunityPoolKeeper {
  /** the pool's whole coins (truncated DecCoins). */
  communityPoolCoins(ctx: ReadContext): Coin[];
  /** pool → the module account `moduleName` (throws if the pool is short). */
  distributeFromCommunityPoolToModule(ctx: WriteContext, moduleName: string, coins: readonly Coin[]): void;
  /** module account `moduleName` → pool. */
  fundCommunityPoolFromModule(ctx: WriteContext, moduleName: string, coins: readonly Coin[]): void;
}
