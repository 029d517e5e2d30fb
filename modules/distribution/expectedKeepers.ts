/** What distribution needs from auth, bank and staking (wired in modules/app.ts). */
import type { Bytes } from "../core/abci.ts";
import type { Coin } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import type { Dec } from "../core/dec.ts";

export interface DistrAccountKeeper {
  getModuleAccount(ctx: WriteContext, name: string): { address: Bytes };
  moduleAddress(name: string): Bytes;
}

export interface DistrBankKeeper {
  getBalance(ctx: ReadContext, addr: Bytes, denom: string): bigint;
  getAllBalances(ctx: ReadContext, addr: Bytes): Promise<Coin[]>;
  getSupply(ctx: ReadContext, denom: string): bigint;
  sendCoinsFromAccountToModule(ctx: WriteContext, from: Bytes, moduleName: string, coins: readonly Coin[]): void;
  sendCoinsFromModuleToAccount(ctx: WriteContext, moduleName: string, to: Bytes, coins: readonly Coin[]): void;
  sendCoinsFromModuleToModule(ctx: WriteContext, from: string, to: string, coins: readonly Coin[]): void;
  mintCoins(ctx: WriteContext, moduleName: string, coins: readonly Coin[]): void;
  isBlockedAddr(addr: Bytes): boolean;
}

/** the validator facts distribution reads (staking's record, narrowed). */
export interface DistrValidator {
  operator: Bytes;
  tokens: bigint;
  delegatorShares: Dec;
  commission: { rate: Dec };
}

export interface DistrStakingKeeper {
  getValidator(ctx: ReadContext, val: Bytes): DistrValidator | undefined;
  getValidatorByConsAddr(ctx: ReadContext, cons: Bytes): DistrValidator | undefined;
  getDelegation(ctx: ReadContext, del: Bytes, val: Bytes): { delegator: Bytes; validator: Bytes; shares: Dec } | undefined;
  iterateDelegatorDelegations(ctx: ReadContext, del: Bytes): AsyncIterable<{ delegator: Bytes; validator: Bytes; shares: Dec }>;
  totalBondedTokens(ctx: ReadContext): bigint;
  bondDenom(ctx: ReadContext): string;
}
