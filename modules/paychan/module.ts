/** the paychan AppModule declaration; EndBlock settles the channels whose window ends. */
import type { Bytes } from "../core/abci.ts";
import { coinsEqual, formatCoins } from "../core/coins.ts";
import { type AppModule, defineModule } from "../core/module.ts";
import type { PaychanBankKeeper } from "./expectedKeepers.ts";
import { type PaychanGenesis, defaultGenesis, exportGenesis, genesisFromJson, genesisToJson, initGenesis, validateGenesis } from "./genesis.ts";
import type { PaychanKeeper } from "./keeper.ts";
import { MODULE_NAME } from "./keys.ts";
import { createPaychanMsgHandlers } from "./msgServer.ts";
import { type PaychanParams, defaultParams, validateParams } from "./params.ts";
import { createPaychanQueries } from "./queryServer.ts";

export function createPaychanAppModule(k: PaychanKeeper, bank: PaychanBankKeeper, authority: Bytes): AppModule<PaychanParams, PaychanGenesis> {
  return defineModule<PaychanParams, PaychanGenesis>({
    name: MODULE_NAME,
    consensusVersion: 1,
    msgs: createPaychanMsgHandlers(k, authority),
    queries: createPaychanQueries(k),
    genesis: {
      defaultGenesis,
      validateGenesis,
      initGenesis: (ctx, g) => initGenesis(ctx, k, g),
      exportGenesis: (ctx) => exportGenesis(ctx, k),
      fromJson: genesisFromJson,
      toJson: genesisToJson,
    },
    params: { defaultParams, validateParams },
    endBlock: async (ctx) => {
      await k.settleDue(ctx);
    },
    invariants: {
      "escrow-balance": async (ctx) => {
        const owed = await k.escrowLiabilities(ctx);
        const held = await bank.getAllBalances(ctx, k.escrowAddress());
        return coinsEqual(owed, held) ? null : `paychan escrow holds ${formatCoins(held) || "nothing"} but open deposits sum to ${formatCoins(owed) || "nothing"}`;
      },
    },
  });
}
