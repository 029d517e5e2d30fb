/** the bank AppModule declaration. */
import type { Bytes } from "../core/abci.ts";
import { type AppModule, defineModule } from "../core/module.ts";
import { type BankGenesis, defaultGenesis, exportGenesis, genesisFromJson, genesisToJson, initGenesis, validateGenesis } from "./genesis.ts";
import { nonNegativeBalancesInvariant, totalSupplyInvariant } from "./invariants.ts";
import type { BankKeeper } from "./keeper.ts";
import { MODULE_NAME } from "./keys.ts";
import { createBankMsgHandlers } from "./msgServer.ts";
import { type BankParams, defaultParams, validateParams } from "./params.ts";
import { createBankQueries } from "./queryServer.ts";

export function createBankAppModule(k: BankKeeper, authority: Bytes): AppModule<BankParams, BankGenesis> {
  return defineModule<BankParams, BankGenesis>({
    name: MODULE_NAME,
    consensusVersion: 1,
    msgs: createBankMsgHandlers(k, authority),
    queries: createBankQueries(k),
    genesis: {
      defaultGenesis,
      validateGenesis,
      initGenesis: (ctx, g) => initGenesis(ctx, k, g),
      exportGenesis: (ctx) => exportGenesis(ctx, k),
      fromJson: genesisFromJson,
      toJson: genesisToJson,
    },
    params: { defaultParams, validateParams },
    invariants: { "total-supply": totalSupplyInvariant(k), "nonnegative-outstanding": nonNegativeBalancesInvariant(k) },
  });
}
