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
  /** the key prefix byte: a full key is [id, ...key]. */
  readonly id: number;
  get(key: Bytes): Bytes | undefined;
  iterate(opts?: IterateOptions): AsyncIterable<KV>;
  /** stages a put into `batch`, prefixed with this bucket. */
  put(batch: Batch, key: Bytes, value: Bytes): void;
  del(batch: Batch, key: Bytes): void;
}

import type { ConsensusParams, FinalizeBlockResponse } from "../../modules/core/abci.ts";
import type { Block, BlockID, Commit, ExtendedCommit, Validator } from "../types/block.ts";

/** Writer side of the block store (node/storage/blockStore.ts); reads are RpcEnv's BlockStoreReader. */
export interface BlockStoreWriter {
  /** stages block `block.header.height`, its meta and the seen commit that decided it. */
  saveBlock(batch: Batch, block: Block, blockId: BlockID, seenCommit: Commit, extended?: ExtendedCommit): void;
  loadSeenCommit(height: bigint): Commit | undefined;
  loadExtendedCommit(height: bigint): ExtendedCommit | undefined;
}

/** The consensus state after a height (CometBFT state.State, trimmed to what this node uses). */
export interface ChainState {
  chainId: string;
  initialHeight: bigint;
  /** 0n before the first block. */
  lastBlockHeight: bigint;
  lastBlockId: BlockID;
  lastBlockTime: import("../../modules/core/abci.ts").Timestamp;
  /** validators of lastBlockHeight + 1 (those that sign the next block). */
  validators: Validator[];
  nextValidators: Validator[];
  lastValidators: Validator[];
  lastHeightValidatorsChanged: bigint;
  /**
   * Addresses of the proposer each set's last priority increment picked (CometBFT ValidatorSet.Proposer:
   * for `validators`, the round-0 proposer of lastBlockHeight + 1). Optional (added by the state store);
   * when absent, ValidatorSet.getProposer falls back to the highest priority.
   */
  validatorsProposer?: Uint8Array;
  nextValidatorsProposer?: Uint8Array;
  lastValidatorsProposer?: Uint8Array;
  consensusParams: ConsensusParams;
  lastHeightConsensusParamsChanged: bigint;
  /** merkle root of the last block's deterministic tx results (goes into the next header). */
  lastResultsHash: Uint8Array;
  /** app hash after executing lastBlockHeight (goes into the next header). */
  appHash: Uint8Array;
}

export interface StateStoreWriter {
  load(): ChainState | undefined;
  /** stages the state and the per-height validator set / params snapshots it implies. */
  save(batch: Batch, state: ChainState): void;
  saveFinalizeBlockResponse(batch: Batch, height: bigint, res: FinalizeBlockResponse): void;
}
