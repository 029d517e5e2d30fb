/** attribution: models bound to datanet snapshots, their embedding indexes, and PoA receipts. The pure engine is ./engine. */
import type { Bytes } from "../core/abci.ts";
import type { AppModule } from "../core/module.ts";
import type { AttributionDatanetKeeper } from "./expectedKeepers.ts";
import type { AttributionGenesis } from "./genesis.ts";
import { type AttributionKeeper, createAttributionKeeper } from "./keeper.ts";
import { type InferenceSource, createAttributionAppModule } from "./module.ts";
import type { AttributionParams } from "./params.ts";

export type { AttributionKeeper, AttributeInferenceRequest, AttributeInferenceResult, RegisterModelInput } from "./keeper.ts";
export type { AttributionGenesis } from "./genesis.ts";
export type { AttributionParams } from "./params.ts";
export type { AttributionDatanetKeeper, AttributionSnapshot } from "./expectedKeepers.ts";
export type { InferenceSource } from "./module.ts";
export { MODULE_NAME as ATTRIBUTION_MODULE_NAME } from "./keys.ts";
export { SUPPORTED_METHODS } from "./params.ts";
export { queryHash, MAX_TAU } from "./keeper.ts";
export { indexSampleSeed, sampleIndexRows, verifyIndexRows, DEFAULT_REPLAY_TOLERANCE, type RowMismatch, type RowVerification } from "./replay.ts";
export { pointLeafHash, merkleRoot as receiptPointsRoot } from "./merkle.ts";
export { genesisToJson as attributionGenesisToJson, defaultGenesis as defaultAttributionGenesis } from "./genesis.ts";

/** what treasury / compute may call. */
export type AttributionInferenceKeeper = Pick<AttributionKeeper, "attributeInference" | "getModel" | "getReceipt" | "getIndexRows" | "sampleIndexRows" | "verifyIndexRows" | "adoptIndexBuild">;

export interface AttributionDeps {
  datanet: AttributionDatanetKeeper;
  /** the gov module account (MsgUpdateParams). */
  authority: Bytes;
  /** verified inferences to attribute in EndBlock (tests, until compute lands). */
  inferenceSource?: InferenceSource;
}

export function createAttributionModule(deps: AttributionDeps): { module: AppModule<AttributionParams, AttributionGenesis>; keeper: AttributionKeeper } {
  const keeper = createAttributionKeeper({ datanet: deps.datanet });
  return { module: createAttributionAppModule(keeper, deps.authority, deps.inferenceSource), keeper };
}
