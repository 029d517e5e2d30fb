/** the datanet AppModule declaration. */
import type { Bytes } from "../core/abci.ts";
import { type AppModule, defineModule } from "../core/module.ts";
import type { DatanetBankKeeper } from "./expectedKeepers.ts";
import { type DatanetGenesis, defaultGenesis, exportGenesis, genesisFromJson, genesisToJson, initGenesis, validateGenesis } from "./genesis.ts";
import { escrowInvariant } from "./invariants.ts";
import type { DatanetKeeper } from "./keeper.ts";
import { MODULE_NAME } from "./keys.ts";
import { createDatanetMsgHandlers } from "./msgServer.ts";
import { type DatanetParams, defaultParams, validateParams } from "./params.ts";
import { createDatanetQueries } from "./queryServer.ts";

export function createDatanetAppModule(k: DatanetKeeper, bank: DatanetBankKeeper, authority: Bytes): AppModule<DatanetParams, DatanetGenesis> {
  return defineModule<DatanetParams, DatanetGenesis>({
    name: MODULE_NAME,
    consensusVersion: 1,
    msgs: createDatanetMsgHandlers(k, authority),
    queries: createDatanetQueries(k),
    genesis: {
      defaultGenesis,
      validateGenesis,
      initGenesis: (ctx, g) => initGenesis(ctx, k, g),
      exportGenesis: (ctx) => exportGenesis(ctx, k),
      fromJson: genesisFromJson,
      toJson: genesisToJson,
    },
    params: { defaultParams, validateParams },
    invariants: { "escrow-balance": escrowInvariant(k, bank) },
  });
}
