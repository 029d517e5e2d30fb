/** the staking AppModule declaration. */
import type { Bytes } from "../core/abci.ts";
import { type AppModule, defineModule } from "../core/module.ts";
import type { StakingAccountKeeper, StakingBankKeeper, StakingHooks } from "./expectedKeepers.ts";
import { type StakingGenesis, defaultGenesis, exportGenesis, genesisFromJson, genesisToJson, initGenesis, validateGenesis } from "./genesis.ts";
import { delegatorSharesInvariant, modulePoolsInvariant } from "./invariants.ts";
import type { StakingKeeper } from "./keeper.ts";
import { MODULE_NAME } from "./keys.ts";
import { createStakingMsgHandlers } from "./msgServer.ts";
import { type StakingParams, defaultParams, validateParams } from "./params.ts";
import { createStakingQueries } from "./queryServer.ts";

export function createStakingAppModule(k: StakingKeeper, ak: StakingAccountKeeper, bk: StakingBankKeeper, hooks: { current: StakingHooks[] }, authority: Bytes): AppModule<StakingParams, StakingGenesis> {
  return defineModule<StakingParams, StakingGenesis>({
    name: MODULE_NAME,
    consensusVersion: 1,
    msgs: createStakingMsgHandlers(k, authority),
    queries: createStakingQueries(k),
    genesis: {
      defaultGenesis,
      validateGenesis,
      initGenesis: (ctx, g) => initGenesis(ctx, k, ak, bk, hooks, g),
      exportGenesis: (ctx) => exportGenesis(ctx, k),
      fromJson: genesisFromJson,
      toJson: genesisToJson,
    },
    params: { defaultParams, validateParams },
    // SDK BeginBlocker: TrackHistoricalInfo (this block's header and the last validator set)
    beginBlock: (ctx) => k.trackHistoricalInfo(ctx),
    // the only module that returns validator updates
    endBlock: (ctx) => k.endBlock(ctx),
    invariants: { "module-accounts": modulePoolsInvariant(k), "delegator-shares": delegatorSharesInvariant(k) },
  });
}
