/** staking: validators, delegations, unbonding, redelegation, the validator set returned by EndBlock. */
import type { Bytes } from "../core/abci.ts";
import type { AppModule } from "../core/module.ts";
import type { StakingAccountKeeper, StakingBankKeeper, StakingHooks } from "./expectedKeepers.ts";
import type { StakingGenesis } from "./genesis.ts";
import { type StakingKeeper, createStakingKeeper } from "./keeper.ts";
import { createStakingAppModule } from "./module.ts";
import type { StakingParams } from "./params.ts";

export type { StakingKeeper } from "./keeper.ts";
export type { StakingGenesis } from "./genesis.ts";
export type { StakingParams } from "./params.ts";
export type { StakingHooks, StakingAccountKeeper, StakingBankKeeper } from "./expectedKeepers.ts";
export type { Val as StakingValidator, Del as StakingDelegation } from "./types.ts";
export { BOND_STATUS, consAddressOf, rfc3339 } from "./types.ts";
export { MODULE_NAME as STAKING_MODULE_NAME, BONDED_POOL_NAME, NOT_BONDED_POOL_NAME } from "./keys.ts";
export { POWER_REDUCTION } from "./params.ts";
export { genesisToJson as stakingGenesisToJson, genesisFromJson as stakingGenesisFromJson, defaultGenesis as defaultStakingGenesis, validatorToJson } from "./genesis.ts";

export interface StakingDeps {
  accountKeeper: StakingAccountKeeper;
  bankKeeper: StakingBankKeeper;
  authority: Bytes;
}

export interface StakingModule {
  module: AppModule<StakingParams, StakingGenesis>;
  keeper: StakingKeeper;
  /** registers hooks (distribution, slashing) once, in order; frozen at the first block. */
  setHooks(hooks: readonly StakingHooks[]): void;
}

export function createStakingModule(deps: StakingDeps): StakingModule {
  const hooks: { current: StakingHooks[] } = { current: [] };
  const keeper = createStakingKeeper({ accountKeeper: deps.accountKeeper, bankKeeper: deps.bankKeeper }, hooks);
  return {
    module: createStakingAppModule(keeper, deps.accountKeeper, deps.bankKeeper, hooks, deps.authority),
    keeper,
    setHooks(h) {
      if (hooks.current.length > 0) throw new Error("staking hooks already set");
      hooks.current = Object.freeze([...h]) as StakingHooks[];
    },
  };
}
