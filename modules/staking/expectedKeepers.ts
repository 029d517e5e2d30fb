/** What staking needs from auth and bank, and the hooks other modules register (wired in modules/app.ts). */
import type { Bytes } from "../core/abci.ts";
import type { Coin } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import type { Dec } from "../core/dec.ts";

export interface StakingAccountKeeper {
  getModuleAccount(ctx: WriteContext, name: string): { address: Bytes };
  moduleAddress(name: string): Bytes;
}

export interface StakingBankKeeper {
  getBalance(ctx: ReadContext, addr: Bytes, denom: string): bigint;
  sendCoinsFromAccountToModule(ctx: WriteContext, from: Bytes, moduleName: string, coins: readonly Coin[]): void;
  sendCoinsFromModuleToAccount(ctx: WriteContext, moduleName: string, to: Bytes, coins: readonly Coin[]): void;
  sendCoinsFromModuleToModule(ctx: WriteContext, from: string, to: string, coins: readonly Coin[]): void;
  burnCoins(ctx: WriteContext, moduleName: string, coins: readonly Coin[]): void;
}

/**
 * Staking hooks (SDK StakingHooks): distribution keeps F1 periods, slashing keeps signing infos.
 * Registered once in app.ts; called in registration order.
 */
export interface StakingHooks {
  afterValidatorCreated?(ctx: WriteContext, val: Bytes): Promise<void>;
  afterValidatorBonded?(ctx: WriteContext, cons: Bytes, val: Bytes): Promise<void>;
  afterValidatorBeginUnbonding?(ctx: WriteContext, cons: Bytes, val: Bytes): Promise<void>;
  afterValidatorRemoved?(ctx: WriteContext, cons: Bytes, val: Bytes): Promise<void>;
  beforeDelegationCreated?(ctx: WriteContext, del: Bytes, val: Bytes): Promise<void>;
  beforeDelegationSharesModified?(ctx: WriteContext, del: Bytes, val: Bytes): Promise<void>;
  beforeDelegationRemoved?(ctx: WriteContext, del: Bytes, val: Bytes): Promise<void>;
  afterDelegationModified?(ctx: WriteContext, del: Bytes, val: Bytes): Promise<void>;
  /** fraction: the effective share of the validator's tokens being burned. */
  beforeValidatorSlashed?(ctx: WriteContext, val: Bytes, fraction: Dec): Promise<void>;
}
