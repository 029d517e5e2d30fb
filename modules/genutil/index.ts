/**
 * genutil: the genesis transactions. At InitChain each gentx of app_state.genutil.gen_txs is delivered as
 * a signed tx (ante + MsgCreateValidator, account number 0 as in the SDK), then staking's validator set
 * is returned to the node (InitChain's validators). Runs after every module it depends on.
 */
import type { ValidatorUpdate } from "../core/abci.ts";
import type { WriteContext } from "../core/context.ts";
import { registerError } from "../core/errors.ts";
import { type AppModule, defineModule } from "../core/module.ts";
import { gentxFromJson } from "./gentx.ts";

export { gentxToJson, gentxFromJson, gentxBodyBytes, gentxAuthInfoBytes, msgCreateValidatorToJson, msgCreateValidatorFromJson, MSG_CREATE_VALIDATOR_URL } from "./gentx.ts";

export const GENUTIL_MODULE_NAME = "genutil";
export const ErrInvalidGenTx = registerError("genutil", 2, "invalid gentx");

export interface GenutilStakingKeeper {
  applyAndReturnValidatorSetUpdates(ctx: WriteContext): Promise<ValidatorUpdate[]>;
}

export interface GenutilGenesis {
  genTxs: unknown[];
}

export function createGenutilModule(deps: { stakingKeeper: GenutilStakingKeeper }): AppModule<unknown, GenutilGenesis> {
  return defineModule<unknown, GenutilGenesis>({
    name: GENUTIL_MODULE_NAME,
    consensusVersion: 1,
    msgs: [],
    queries: [],
    genesis: {
      defaultGenesis: () => ({ genTxs: [] }),
      validateGenesis(g) {
        for (const [i, t] of g.genTxs.entries()) {
          try {
            gentxFromJson(t);
          } catch (e: unknown) {
            throw ErrInvalidGenTx.wrap(`gen_txs[${i}]: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
      },
      async initGenesis(ctx, g) {
        if (g.genTxs.length === 0) return;
        if (ctx.deliverTx === undefined) throw ErrInvalidGenTx.wrap("this runtime cannot deliver gentxs");
        for (const [i, t] of g.genTxs.entries()) {
          const r = await ctx.deliverTx(gentxFromJson(t));
          if (r.code !== 0) throw ErrInvalidGenTx.wrap(`gen_txs[${i}] failed: ${r.codespace}:${r.code}: ${r.log}`);
        }
        return deps.stakingKeeper.applyAndReturnValidatorSetUpdates(ctx);
      },
      exportGenesis: async () => ({ genTxs: [] }),
      fromJson: (j) => ({ genTxs: Array.isArray((j as { gen_txs?: unknown[] } | undefined)?.gen_txs) ? [...((j as { gen_txs: unknown[] }).gen_txs)] : [] }),
      toJson: (g) => ({ gen_txs: g.genTxs }),
    },
  });
}
