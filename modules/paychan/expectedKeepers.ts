/** What paychan needs from other modules (wired in modules/app.ts). */
import type { Bytes } from "../core/abci.ts";
import type { Coin } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";

/** bank: deposits into the escrow account, redemptions and refunds out of it, and its balance for the invariant. */
export interface PaychanBankKeeper {
  sendCoinsFromAccountToModule(ctx: WriteContext, from: Bytes, moduleName: string, coins: readonly Coin[]): void;
  sendCoinsFromModuleToAccount(ctx: WriteContext, moduleName: string, to: Bytes, coins: readonly Coin[]): void;
  getAllBalances(ctx: ReadContext, addr: Bytes): Promise<Coin[]>;
}
