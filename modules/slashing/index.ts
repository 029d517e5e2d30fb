/** slashing: liveness (downtime window → slash + jail), double-sign evidence (slash + jail forever + tombstone), unjail. */
import type { Bytes } from "../core/abci.ts";
import type { WriteContext } from "../core/context.ts";
import { type AppModule, defineModule } from "../core/module.ts";
import type { SlashingStakingKeeper } from "./expectedKeepers.ts";
import { type SlashingGenesis, defaultGenesis, exportGenesis, genesisFromJson, genesisToJson, initGenesis, validateGenesis } from "./genesis.ts";
import { MODULE_NAME, type SlashingKeeper, type SlashingParams, createSlashingKeeper, defaultParams } from "./keeper.ts";
import { createSlashingMsgHandlers } from "./msgServer.ts";
import { validateParams } from "./params.ts";
import { createSlashingQueries } from "./queryServer.ts";

export type { SlashingKeeper, SlashingParams, SigningInfo } from "./keeper.ts";
export type { SlashingGenesis } from "./genesis.ts";
export type { SlashingStakingKeeper, SlashingValidator } from "./expectedKeepers.ts";
export { MODULE_NAME as SLASHING_MODULE_NAME, DOUBLE_SIGN_JAIL_END } from "./keeper.ts";
export { genesisToJson as slashingGenesisToJson, defaultGenesis as defaultSlashingGenesis } from "./genesis.ts";

export interface SlashingDeps {
  stakingKeeper: SlashingStakingKeeper;
  authority: Bytes;
}

export function createSlashingModule(deps: SlashingDeps): {
  module: AppModule<SlashingParams, SlashingGenesis>;
  keeper: SlashingKeeper;
  /** staking hooks: a signing info for each newly bonded validator (SDK AfterValidatorBonded). */
  hooks: { afterValidatorBonded(ctx: WriteContext, cons: Bytes, val: Bytes): Promise<void> };
} {
  const keeper = createSlashingKeeper(deps.stakingKeeper);
  const module = defineModule<SlashingParams, SlashingGenesis>({
    name: MODULE_NAME,
    consensusVersion: 1,
    msgs: createSlashingMsgHandlers(keeper, deps.stakingKeeper, deps.authority),
    queries: createSlashingQueries(keeper),
    genesis: {
      defaultGenesis,
      validateGenesis,
      initGenesis: (ctx, g) => initGenesis(ctx, keeper, g),
      exportGenesis: (ctx) => exportGenesis(ctx, keeper),
      fromJson: genesisFromJson,
      toJson: genesisToJson,
    },
    params: { defaultParams, validateParams },
    beginBlock: (ctx) => keeper.beginBlock(ctx),
  });
  const hooks = {
    async afterValidatorBonded(ctx: WriteContext, cons: Bytes, _val: Bytes) {
      if (keeper.getSigningInfo(ctx, cons) !== undefined) return;
      keeper.setSigningInfo(ctx, { address: cons, startHeight: ctx.block.height, indexOffset: 0n, jailedUntil: { seconds: 0n, nanos: 0 }, tombstoned: false, missedBlocksCounter: 0n });
    },
  };
  return { module, keeper, hooks };
}
