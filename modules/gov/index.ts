/**
 * gov (cosmos-sdk x/gov v1): proposals carrying messages, deposits, stake-weighted votes and tally,
 * expedited proposals, cancel; passed proposals execute their messages as the gov authority.
 */
import type { Bytes } from "../core/abci.ts";
import { type AppModule, defineModule } from "../core/module.ts";
import type { GovBankKeeper, GovMsgRouter, GovStakingKeeper } from "./expectedKeepers.ts";
import { type GovGenesis, defaultGenesis, exportGenesis, genesisFromJson, genesisToJson, initGenesis, validateGenesis } from "./genesis.ts";
import { type GovKeeper, createGovKeeper } from "./keeper.ts";
import { MODULE_NAME } from "./keys.ts";
import { createGovMsgHandlers } from "./msgServer.ts";
import { type GovParams, defaultParams, validateParams } from "./params.ts";
import { createGovQueries } from "./queryServer.ts";

export type { GovKeeper, TallyOutcome } from "./keeper.ts";
export type { GovGenesis } from "./genesis.ts";
export type { GovParams } from "./params.ts";
export type { GovBankKeeper, GovMsgRouter, GovStakingKeeper, GovValidator } from "./expectedKeepers.ts";
export { MODULE_NAME as GOV_MODULE_NAME } from "./keys.ts";
export { STATUS as PROPOSAL_STATUS, OPTION as VOTE_OPTION, branchContext } from "./keeper.ts";
export { genesisToJson as govGenesisToJson, genesisFromJson as govGenesisFromJson, defaultGenesis as defaultGovGenesis, paramsToJson as govParamsToJson } from "./genesis.ts";

export interface GovDeps {
  bankKeeper: GovBankKeeper;
  stakingKeeper: GovStakingKeeper;
  /** the gov module account: the only signer proposal messages may have. */
  authority: Bytes;
  /** proposals carrying one of these type URLs need the expedited threshold. */
  criticalMsgTypes?: ReadonlySet<string>;
}

export function createGovModule(deps: GovDeps): {
  module: AppModule<GovParams, GovGenesis>;
  keeper: GovKeeper;
  /** gives gov the app's msg routes (once, in modules/app.ts, after every module is built). */
  setRouter(r: GovMsgRouter): void;
} {
  const keeper = createGovKeeper({ bank: deps.bankKeeper, staking: deps.stakingKeeper, authority: deps.authority, ...(deps.criticalMsgTypes !== undefined ? { criticalMsgTypes: deps.criticalMsgTypes } : {}) });
  const module = defineModule<GovParams, GovGenesis>({
    name: MODULE_NAME,
    consensusVersion: 1,
    msgs: createGovMsgHandlers(keeper),
    queries: createGovQueries(keeper),
    genesis: {
      defaultGenesis,
      validateGenesis,
      initGenesis: (ctx, g) => initGenesis(ctx, keeper, g),
      exportGenesis: (ctx) => exportGenesis(ctx, keeper),
      fromJson: genesisFromJson,
      toJson: genesisToJson,
    },
    params: { defaultParams, validateParams },
    endBlock: (ctx) => keeper.endBlock(ctx),
  });
  return { module, keeper, setRouter: (r) => keeper.setRouter(r) };
}
