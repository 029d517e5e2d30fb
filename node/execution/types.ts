/**
 * Consumer-side interfaces of the block executor, producer and handshake (CometBFT state/services.go):
 * what they need from storage, the private validator, the mempool and the event bus. node/node.ts adapts
 * the concrete components (node/storage/*, node/privval/filePV.ts, TxPool, EventBus) to these.
 */
import type { Bytes, ExecTxResult } from "../../modules/core/abci.ts";
import type { BlockStoreReader, BusEvent, StateReader } from "../rpc/env.ts";
import type { Batch, BlockStoreWriter, ChainState, StateStoreWriter } from "../storage/types.ts";
import type { Vote } from "../types/block.ts";

/** a batch of the node database (NodeBatch): staged writes of one step land in one atomic write. */
export interface WritableBatch extends Batch {
  write(sync: boolean): Promise<void>;
}

/** the node database as a batch factory (NodeDb implements it). */
export interface BatchWriter {
  newBatch(): WritableBatch;
}

export type BlockStore = BlockStoreReader & BlockStoreWriter;
export type StateStore = StateStoreWriter &
  StateReader & {
    /** stages the genesis state with the validators of the initial height (CometBFT Bootstrap). */
    bootstrap?(batch: Batch, state: ChainState): void;
  };

export interface TxIndexWriter {
  indexBlock(batch: Batch, height: bigint, txs: readonly Bytes[], results: readonly ExecTxResult[]): void;
}

export interface EventPublisher {
  publish(ev: BusEvent): void;
  /** how many listeners would receive a publish (EventBus): 0 lets the executor skip building the per-tx events. */
  readonly listenerCount?: number;
}

/** what execution needs from the mempool (TxPool implements it). */
export interface ExecutorMempool {
  /** FIFO txs within the byte and gas limits and, when maxTxs ≥ 0, at most maxTxs of them. */
  reapMaxBytesMaxGas(maxBytes: bigint, maxGas: bigint, maxTxs?: number): Bytes[];
  /** exclusive: no CheckTx NEW runs between Commit and the end of update. */
  lock(): Promise<() => void>;
  update(height: bigint, committedTxs: readonly Bytes[], results: readonly ExecTxResult[]): Promise<void>;
  size(): number;
  onTxAvailable(listener: () => void): () => void;
}

/**
 * The private validator (FilePV): signs a vote (and its extension when `signExtension`) only if that is
 * not a double sign (same height/round/step with different sign bytes); returns the signed vote, whose
 * timestamp may be the one stored from an earlier identical signature.
 */
export interface VoteSigner {
  /** SHA-256(pubKey)[0:20]. */
  readonly address: Bytes;
  /** ed25519 public key, 32 bytes. */
  readonly pubKey: Bytes;
  signVote(chainId: string, vote: Vote, signExtension: boolean): Promise<Vote>;
}

/**
 * named crash points of the commit sequence (consensus.md §4.4). A test hook may throw at any of them to
 * simulate a crash there; production passes none.
 */
export const FAIL_POINTS = [
  "afterSign",
  "afterSaveBlock",
  "afterEndHeight",
  "afterFinalize",
  "afterSaveState",
  "afterCommit",
  "afterMempoolUpdate",
] as const;
export type FailPoint = (typeof FAIL_POINTS)[number];
export type FailPointHook = (point: FailPoint, height: bigint) => void | Promise<void>;

export type { ChainState };
