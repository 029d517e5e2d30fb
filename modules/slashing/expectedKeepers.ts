/** What slashing needs from staking (wired in modules/app.ts). */
import type { Bytes } from "../core/abci.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import type { Dec } from "../core/dec.ts";

/** the validator facts slashing reads (staking's record, narrowed). */
export interface SlashingValidator {
  operator: Bytes;
  consPubKey: Bytes;
  jailed: boolean;
  /** 1 unbonded, 2 unbonding, 3 bonded */
  status: number;
  tokens: bigint;
  delegatorShares: Dec;
  minSelfDelegation: bigint;
}

export interface SlashingStakingKeeper {
  getValidator(ctx: ReadContext, val: Bytes): SlashingValidator | undefined;
  getValidatorByConsAddr(ctx: ReadContext, cons: Bytes): SlashingValidator | undefined;
  getDelegation(ctx: ReadContext, del: Bytes, val: Bytes): { shares: Dec } | undefined;
  slash(ctx: WriteContext, cons: Bytes, infractionHeight: bigint, power: bigint, slashFactor: Dec): Promise<bigint>;
  jail(ctx: WriteContext, cons: Bytes): void;
  unjail(ctx: WriteContext, cons: Bytes): void;
}
