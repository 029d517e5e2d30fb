/**
 * grants (launchpad): grants funded by the community pool, paid per milestone after the recipient's
 * claim and the named reviewers' approvals (or a proposal's), unpaid milestones clawed back by proposal.
 */
import type { Bytes } from "../core/abci.ts";
import { coinsEqual, formatCoins } from "../core/coins.ts";
import { type AppModule, defineModule } from "../core/module.ts";
import type { GrantsBankKeeper, GrantsCommunityPoolKeeper } from "./expectedKeepers.ts";
import { type GrantsGenesis, defaultGenesis, exportGenesis, genesisFromJson, genesisToJson, initGenesis, validateGenesis } from "./genesis.ts";
import { type GrantsKeeper, createGrantsKeeper } from "./keeper.ts";
import { MODULE_NAME } from "./keys.ts";
import { createGrantsMsgHandlers } from "./msgServer.ts";
import { createGrantsQueries } from "./queryServer.ts";

export type { GrantsKeeper } from "./keeper.ts";
export type { GrantsGenesis } from "./genesis.ts";
export type { GrantsBankKeeper, GrantsCommunityPoolKeeper } from "./expectedKeepers.ts";
export { MODULE_NAME as GRANTS_MODULE_NAME } from "./keys.ts";
export { MILESTONE } from "./keeper.ts";
export { genesisToJson as grantsGenesisToJson, defaultGenesis as defaultGrantsGenesis } from "./genesis.ts";

export interface GrantsDeps {
  bank: GrantsBankKeeper;
  pool: GrantsCommunityPoolKeeper;
  /** the gov module account: creates grants, claws back, and may approve any claimed milestone. */
  authority: Bytes;
}

export function createGrantsModule(deps: GrantsDeps): { module: AppModule<never, GrantsGenesis>; keeper: GrantsKeeper } {
  const keeper = createGrantsKeeper(deps);
  const module = defineModule<never, GrantsGenesis>({
    name: MODULE_NAME,
    consensusVersion: 1,
    msgs: createGrantsMsgHandlers(keeper),
    queries: createGrantsQueries(keeper, deps.bank),
    genesis: {
      defaultGenesis,
      validateGenesis,
      initGenesis: (ctx, g) => initGenesis(ctx, keeper, g),
      exportGenesis: (ctx) => exportGenesis(ctx, keeper),
      fromJson: genesisFromJson,
      toJson: genesisToJson,
    },
    invariants: {
      // the escrow holds exactly the milestones neither paid nor clawed back
      "escrow-balance": async (ctx) => {
        const owed = await keeper.escrowLiabilities(ctx);
        const held = await deps.bank.getAllBalances(ctx, keeper.escrowAddress());
        return coinsEqual(owed, held) ? null : `grants escrow holds ${formatCoins(held) || "nothing"} but unpaid milestones sum to ${formatCoins(owed) || "nothing"}`;
      },
    },
  });
  return { module, keeper };
}
