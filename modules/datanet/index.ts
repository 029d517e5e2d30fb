/** datanet: community datasets with provenance, bonded contributions, curation, challenges and snapshots. */
import type { Bytes } from "../core/abci.ts";
import type { AppModule } from "../core/module.ts";
import type { DatanetBankKeeper, DatanetCommunityPoolKeeper } from "./expectedKeepers.ts";
import type { DatanetGenesis } from "./genesis.ts";
import { type DatanetKeeper, createDatanetKeeper } from "./keeper.ts";
import { createDatanetAppModule } from "./module.ts";
import type { DatanetParams } from "./params.ts";

export type { DatanetKeeper, SnapshotPoint, CreateDatanetInput } from "./keeper.ts";
export type { DatanetGenesis } from "./genesis.ts";
export type { DatanetParams } from "./params.ts";
export type { DatanetBankKeeper, DatanetCommunityPoolKeeper, DatanetHooks } from "./expectedKeepers.ts";
export { MODULE_NAME as DATANET_MODULE_NAME, ESCROW_ACCOUNT as DATANET_ESCROW_ACCOUNT } from "./keys.ts";
export { genesisToJson as datanetGenesisToJson, defaultGenesis as defaultDatanetGenesis } from "./genesis.ts";
export { encodePointV1, pointHashV1, featuresToBytes, featuresFromBytes, SCHEMA_VECTOR_LABEL_V1 } from "./point.ts";
export { merkleRoot, snapshotLeafHash } from "./merkle.ts";

/** what attribution may see of datanet. */
export type DatanetSnapshotKeeper = Pick<DatanetKeeper, "getSnapshot" | "snapshotPoints" | "getDatanet">;

export interface DatanetDeps {
  bank: DatanetBankKeeper;
  /** distribution's community pool; without it slashed stake is burned. */
  communityPool?: DatanetCommunityPoolKeeper;
  /** the gov module account: MsgUpdateParams, and may resolve any challenge. */
  authority: Bytes;
}

export function createDatanetModule(deps: DatanetDeps): { module: AppModule<DatanetParams, DatanetGenesis>; keeper: DatanetKeeper } {
  const keeper = createDatanetKeeper({ bank: deps.bank, ...(deps.communityPool !== undefined ? { communityPool: deps.communityPool } : {}) });
  return { module: createDatanetAppModule(keeper, deps.bank, deps.authority), keeper };
}
