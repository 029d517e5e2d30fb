/** What treasury needs from other modules (wired in modules/app.ts). */
import type { Bytes } from "../core/abci.ts";
import type { Coin } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";

/** bank: pull the escrowed fee, pay shares, burn, and the vesting balance for the invariant. */
export interface TreasuryBankKeeper {
  sendCoinsFromModuleToModule(ctx: WriteContext, from: string, to: string, coins: readonly Coin[]): void;
  sendCoinsFromModuleToAccount(ctx: WriteContext, moduleName: string, to: Bytes, coins: readonly Coin[]): void;
  burnCoins(ctx: WriteContext, moduleName: string, coins: readonly Coin[]): void;
  sendCoinsFromAccountToModule(ctx: WriteContext, from: Bytes, moduleName: string, coins: readonly Coin[]): void;
  getAllBalances(ctx: ReadContext, addr: Bytes): Promise<Coin[]>;
}

/** distribution's community pool (SDK FundCommunityPool): the pool stays distribution's, so Cosmos REST paths see it. */
export interface TreasuryCommunityPoolKeeper {
  fundCommunityPool(ctx: WriteContext, from: Bytes, coins: readonly Coin[]): void;
}

export interface TreasuryModel {
  id: bigint;
  owner: string;
  datanetId: bigint;
  /** the policy registered with the model (attribution's FeePolicy), if any. */
  feePolicy?: { dataBps: number; trainerBps: number; providerBps: number; communityBps: number; burnBps: number } | undefined;
}

/** attribution's models: owner (who may set the policy; the default trainer) and datanet (vesting, clawback). */
export interface TreasuryModelKeeper {
  getModel(ctx: ReadContext, id: bigint): TreasuryModel | undefined;
}

/** attribution's PoA entry point (only for the injected paid-inference source of tests and the demo). */
export interface TreasuryAttributionKeeper {
  attributeInference(
    ctx: WriteContext,
    req: { modelId: bigint; queryEmbedding: Int16Array; label: number; fee: Coin },
  ): Promise<{ receiptId: bigint; shares: { contributor: Bytes; amount: bigint }[]; remainder: bigint }>;
}

/**
 * A paid, verified inference (what compute produces for each accepted job). Until compute drives the
 * loop, a deterministic source of these may be injected (tests): treasury's EndBlock escrows each fee
 * from the payer, attributes it through attribution and splits it, exactly as compute will.
 */
export interface PaidInference {
  payer: Bytes;
  provider: Bytes;
  trainer?: Bytes;
  modelId: bigint;
  queryEmbedding: Int16Array;
  label: number;
  fee: Coin;
}

export interface PaidInferenceSource {
  take(ctx: WriteContext): readonly PaidInference[];
}
