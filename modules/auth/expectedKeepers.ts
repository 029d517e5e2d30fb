/** What auth needs from other modules (wired in modules/app.ts). */
import type { Bytes } from "../core/abci.ts";
import type { Coin } from "../core/coins.ts";
import type { WriteContext } from "../core/context.ts";

/** fee deduction (bank's SendKeeper subset); throws sdk:5 when the balance does not cover `coins`. */
export interface FeeBankKeeper {
  sendCoinsFromAccountToModule(ctx: WriteContext, from: Bytes, moduleName: string, coins: readonly Coin[]): void;
  /** Simulate only: the gas of a fee transfer in `denom`, every value left unchanged (bank's keeper). */
  touchTransferToModule?(ctx: WriteContext, from: Bytes, moduleName: string, denom: string): void;
}
