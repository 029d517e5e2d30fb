/** the treasury AppModule declaration. */
import type { Bytes } from "../core/abci.ts";
import { type AppModule, defineModule } from "../core/module.ts";
import type { PaidInferenceSource, TreasuryAttributionKeeper, TreasuryBankKeeper } from "./expectedKeepers.ts";
import { type TreasuryGenesis, defaultGenesis, exportGenesis, genesisFromJson, genesisToJson, initGenesis, validateGenesis } from "./genesis.ts";
import { vestingInvariant } from "./invariants.ts";
import type { TreasuryKeeper } from "./keeper.ts";
import { MODULE_NAME, VESTING_ACCOUNT } from "./keys.ts";
import { createTreasuryMsgHandlers } from "./msgServer.ts";
import { type TreasuryParams, defaultParams, validateParams } from "./params.ts";
import { createTreasuryQueries } from "./queryServer.ts";

export function createTreasuryAppModule(k: TreasuryKeeper, bank: TreasuryBankKeeper, authority: Bytes, paid?: { source: PaidInferenceSource; attribution: TreasuryAttributionKeeper }): AppModule<TreasuryParams, TreasuryGenesis> {
  return defineModule<TreasuryParams, TreasuryGenesis>({
    name: MODULE_NAME,
    consensusVersion: 1,
    msgs: createTreasuryMsgHandlers(k, authority),
    queries: createTreasuryQueries(k),
    genesis: {
      defaultGenesis,
      validateGenesis,
      initGenesis: (ctx, g) => initGenesis(ctx, k, g),
      exportGenesis: (ctx) => exportGenesis(ctx, k),
      fromJson: genesisFromJson,
      toJson: genesisToJson,
    },
    params: { defaultParams, validateParams },
    invariants: { "vesting-balance": vestingInvariant(k, bank) },
    ...(paid === undefined
      ? {}
      : {
          // the injected paid-inference source (tests, demo): escrow → PoA receipt → split, as compute does
          async endBlock(ctx) {
            for (const p of paid.source.take(ctx)) {
              if (p.fee.amount > 0n) bank.sendCoinsFromAccountToModule(ctx, p.payer, VESTING_ACCOUNT, [p.fee]);
              const r = await paid.attribution.attributeInference(ctx, { modelId: p.modelId, queryEmbedding: p.queryEmbedding, label: p.label, fee: p.fee });
              await k.split(ctx, { modelId: p.modelId, receiptId: r.receiptId, fee: p.fee, fromModule: VESTING_ACCOUNT, shares: r.shares, remainder: r.remainder, provider: p.provider, ...(p.trainer !== undefined ? { trainer: p.trainer } : {}) });
            }
          },
        }),
  });
}
