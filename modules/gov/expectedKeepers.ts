/** what gov needs from other modules (wired in modules/app.ts). */
import type { Bytes } from "../core/abci.ts";
import type { Coin } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import type { MsgHandler } from "../core/module.ts";

export interface GovBankKeeper {
  sendCoinsFromAccountToModule(ctx: WriteContext, from: Bytes, moduleName: string, coins: readonly Coin[]): void;
  sendCoinsFromModuleToAccount(ctx: WriteContext, moduleName: string, to: Bytes, coins: readonly Coin[]): void;
  burnCoins(ctx: WriteContext, moduleName: string, coins: readonly Coin[]): void;
}

export interface GovValidator {
  operator: Bytes;
  /** 3 = bonded */
  status: number;
  tokens: bigint;
  /** 18-decimal Dec */
  delegatorShares: bigint;
}

export interface GovStakingKeeper {
  iterateValidators(ctx: ReadContext): AsyncIterable<GovValidator>;
  iterateDelegatorDelegations(ctx: ReadContext, del: Bytes): AsyncIterable<{ delegator: Bytes; validator: Bytes; shares: bigint }>;
  totalBondedTokens(ctx: ReadContext): bigint;
}

/** the app's message router (the runtime's msg routes), set once in modules/app.ts. */
export type GovMsgRouter = (typeUrl: string) => MsgHandler | undefined;
