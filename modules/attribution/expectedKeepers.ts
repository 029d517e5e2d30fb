/** What attribution needs from other modules (wired in modules/app.ts). */
import type { Bytes } from "../core/abci.ts";
import type { ReadContext } from "../core/context.ts";

export interface AttributionSnapshot {
  id: bigint;
  datanetId: bigint;
  root: Bytes;
  count: bigint;
}

/** datanet's snapshots: the root a model binds to, and its leaves (contributor and label per index). */
export interface AttributionDatanetKeeper {
  getSnapshot(ctx: ReadContext, id: bigint): AttributionSnapshot | undefined;
  snapshotPoints(ctx: ReadContext, snapshotId: bigint): AsyncIterable<{ index: bigint; contributor: Bytes; label: number }>;
  /** whether leaf `index` of the snapshot is a contribution slashed since (its points are no longer paid). */
  isLeafSlashed?(ctx: ReadContext, snapshotId: bigint, index: bigint): boolean;
  /** false when no leaf of the snapshot can be slashed (its datanet never had a slash): isLeafSlashed is then skipped. */
  snapshotMaySlash?(ctx: ReadContext, snapshotId: bigint): boolean;
}
