/**
 * Node-side storage contracts. The node keeps one LevelDB (data/node.db) with numbered buckets
 * (node/storage/buckets.ts); the app keeps its own (data/application.db). Components stage writes into
 * a shared Batch so that one height's block, results, tx index and state land in one atomic write.
 */
import type { Bytes } from "../../modules/core/abci.ts";
import type { IterateOptions, KV } from "../../modules/core/store/types.ts";

export interface Batch {
  put(key: Bytes, value: Bytes): void;
  del(key: Bytes): void;
}

/** a bucket of the node database: keys are prefixed with the bucket's number. */
export interface Bucket {
  get(key: Bytes): Bytes | undefined;
  iterate(opts?: IterateOptions): AsyncIterable<KV>;
  /** stages a put into `batch`, prefixed with this bucket. */
  put(batch: Batch, key: Bytes, value: Bytes): void;
  del(batch: Batch, key: Bytes): void;
}
