/** treasury: fee-split policies, the split of each inference fee, vesting contributor rewards, claims, clawback, earnings statements. */
import type { Bytes } from "../core/abci.ts";
import type { AppModule } from "../core/module.ts";
import type { PaidInferenceSource, TreasuryAttributionKeeper, TreasuryBankKeeper, TreasuryCommunityPoolKeeper, TreasuryModelKeeper } from "./expectedKeepers.ts";
import type { TreasuryGenesis } from "./genesis.ts";
import { type TreasuryKeeper, createTreasuryKeeper } from "./keeper.ts";
import { createTreasuryAppModule } from "./module.ts";
import type { TreasuryParams } from "./params.ts";

export type { TreasuryKeeper, SplitInput, SplitResult, PolicySource } from "./keeper.ts";
export type { TreasuryGenesis } from "./genesis.ts";
export type { TreasuryParams } from "./params.ts";
export type { TreasuryBankKeeper, TreasuryCommunityPoolKeeper, TreasuryModelKeeper, TreasuryModel, TreasuryAttributionKeeper, PaidInference, PaidInferenceSource } from "./expectedKeepers.ts";
export { MODULE_NAME as TREASURY_MODULE_NAME, VESTING_ACCOUNT as TREASURY_VESTING_ACCOUNT } from "./keys.ts";
export { genesisToJson as treasuryGenesisToJson, defaultGenesis as defaultTreasuryGenesis } from "./genesis.ts";
export { largestRemainder } from "./split.ts";
export { validatePolicy, defaultPolicy } from "./params.ts";

/** what compute may call (its TreasurySplitter). */
export type TreasurySplitKeeper = Pick<TreasuryKeeper, "split">;

/** datanet's slash hook: a contribution proven fraudulent claws back its contributor's unvested rewards from that datanet. */
export function treasuryDatanetHooks(k: TreasuryKeeper) {
  return {
    async afterContributionSlashed(ctx: Parameters<TreasuryKeeper["clawback"]>[0], e: { contributionId: bigint; datanetId: bigint; contributor: Bytes }): Promise<void> {
      await k.clawback(ctx, e.contributor, e.datanetId, `contribution ${e.contributionId} slashed`);
    },
  };
}

export interface TreasuryDeps {
  bank: TreasuryBankKeeper;
  communityPool: TreasuryCommunityPoolKeeper;
  models: TreasuryModelKeeper;
  /** the gov module account: MsgUpdateParams, and may set any model's policy. */
  authority: Bytes;
  /** tests / demo until compute drives the loop: paid inferences attributed and split in EndBlock. */
  paidInferences?: { source: PaidInferenceSource; attribution: TreasuryAttributionKeeper };
}

export function createTreasuryModule(deps: TreasuryDeps): { module: AppModule<TreasuryParams, TreasuryGenesis>; keeper: TreasuryKeeper } {
  const keeper = createTreasuryKeeper({ bank: deps.bank, communityPool: deps.communityPool, models: deps.models });
  return { module: createTreasuryAppModule(keeper, deps.bank, deps.authority, deps.paidInferences), keeper };
}
