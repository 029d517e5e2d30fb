/** the auth AppModule declaration. */
import type { Bytes } from "../core/abci.ts";
import { type AppModule, defineModule } from "../core/module.ts";
import { type AuthGenesis, defaultGenesis, exportGenesis, genesisFromJson, genesisToJson, initGenesis, validateGenesis } from "./genesis.ts";
import type { AuthKeeper } from "./keeper.ts";
import { MODULE_NAME } from "./keys.ts";
import { createAuthMsgHandlers } from "./msgServer.ts";
import { type AuthParams, defaultParams, validateParams } from "./params.ts";
import { createAuthQueries } from "./queryServer.ts";

export function createAuthAppModule(k: AuthKeeper, authority: Bytes, perms: Readonly<Record<string, readonly string[]>>): AppModule<AuthParams, AuthGenesis> {
  return defineModule<AuthParams, AuthGenesis>({
    name: MODULE_NAME,
    consensusVersion: 1,
    msgs: createAuthMsgHandlers(k, authority),
    queries: createAuthQueries(k, (n) => perms[n] ?? []),
    genesis: {
      defaultGenesis,
      validateGenesis,
      initGenesis: (ctx, g) => initGenesis(ctx, k, g),
      exportGenesis: (ctx) => exportGenesis(ctx, k),
      fromJson: genesisFromJson,
      toJson: genesisToJson,
    },
    params: { defaultParams, validateParams },
  });
}
