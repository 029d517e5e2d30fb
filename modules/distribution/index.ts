/**
 * distribution: fees and block rewards to validators (by the power that signed the previous block) and
 * their delegators (F1), commission, the community pool, withdraw addresses; a minimal mint step.
 */
import type { Bytes } from "../core/abci.ts";
import type { WriteContext } from "../core/context.ts";
import { type AppModule, defineModule } from "../core/module.ts";
import type { DistrAccountKeeper, DistrBankKeeper, DistrStakingKeeper } from "./expectedKeepers.ts";
import { type DistributionGenesis, defaultGenesis, exportGenesis, genesisFromJson, genesisToJson, initGenesis, validateGenesis } from "./genesis.ts";
import { moduleAccountInvariant, nonNegativeOutstandingInvariant } from "./invariants.ts";
import { type DistrParams, type DistributionKeeper, MODULE_NAME, createDistributionKeeper, defaultParams } from "./keeper.ts";
import { createDistributionMsgHandlers } from "./msgServer.ts";
import { createDistributionQueries } from "./queryServer.ts";

export type { DistributionKeeper, DistrParams, MintParams } from "./keeper.ts";
export type { DistributionGenesis } from "./genesis.ts";
export type { DistrAccountKeeper, DistrBankKeeper, DistrStakingKeeper, DistrValidator } from "./expectedKeepers.ts";
export { MODULE_NAME as DISTRIBUTION_MODULE_NAME, MINT_MODULE_NAME } from "./keeper.ts";
export { genesisToJson as distributionGenesisToJson, defaultGenesis as defaultDistributionGenesis } from "./genesis.ts";

export interface DistributionDeps {
  accountKeeper: DistrAccountKeeper;
  bankKeeper: DistrBankKeeper;
  stakingKeeper: DistrStakingKeeper;
  authority: Bytes;
  feeCollector?: string;
}

export function createDistributionModule(deps: DistributionDeps): { module: AppModule<DistrParams, DistributionGenesis>; keeper: DistributionKeeper } {
  const keeper = createDistributionKeeper({ accountKeeper: deps.accountKeeper, bankKeeper: deps.bankKeeper, stakingKeeper: deps.stakingKeeper, ...(deps.feeCollector !== undefined ? { feeCollector: deps.feeCollector } : {}) });
  const ensure = (ctx: WriteContext) => void deps.accountKeeper.getModuleAccount(ctx, MODULE_NAME);
  const module = defineModule<DistrParams, DistributionGenesis>({
    name: MODULE_NAME,
    consensusVersion: 1,
    msgs: createDistributionMsgHandlers(keeper, deps.stakingKeeper, deps.authority),
    queries: createDistributionQueries(keeper, deps.stakingKeeper, deps.bankKeeper),
    genesis: {
      defaultGenesis,
      validateGenesis,
      initGenesis: (ctx, g) => initGenesis(ctx, keeper, g, ensure),
      exportGenesis: (ctx) => exportGenesis(ctx, keeper),
      fromJson: genesisFromJson,
      toJson: genesisToJson,
    },
    params: { defaultParams, validateParams: () => {} },
    beginBlock: (ctx) => keeper.beginBlock(ctx),
    invariants: { "nonnegative-outstanding": nonNegativeOutstandingInvariant(keeper), "module-account": moduleAccountInvariant(keeper, deps.accountKeeper, deps.bankKeeper) },
  });
  return { module, keeper };
}
