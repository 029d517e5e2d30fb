/**
 * Store interfaces of the state machine. Reads are synchronous (the node's LevelDB backend uses
 * classic-level's getSync and every layer above caches), iteration is async and ordered by key bytes,
 * writes are buffered and reach disk only through CommitStore.commit (one atomic batch).
 */
import type { Bytes } from "../abci.ts";

export type KV = readonly [key: Bytes, value: Bytes];

export interface IterateOptions {
  /** only keys that start with these bytes (combined with gte/lt when given). */
  prefix?: Bytes;
  /** inclusive lower bound. */
  gte?: Bytes;
  /** exclusive upper bound. */
  lt?: Bytes;
  reverse?: boolean;
  /** stop after this many entries. */
  limit?: number;
}

export interface KVStoreReader {
  get(key: Bytes): Bytes | undefined;
  has(key: Bytes): boolean;
  /** ordered by key bytes (ascending unless reverse). */
  iterate(opts?: IterateOptions): AsyncIterable<KV>;
}

export interface KVStore extends KVStoreReader {
  set(key: Bytes, value: Bytes): void;
  delete(key: Bytes): void;
}

/** A write-buffering layer over a parent store (Cosmos CacheKVStore): discard by dropping it. */
export interface CacheStore extends KVStore {
  /** a nested layer over this one. */
  branch(): CacheStore;
  /** flushes this layer's writes into its parent, then empties this layer. */
  write(): void;
  /** number of buffered writes (puts + deletes). */
  readonly size: number;
}

export type BatchOp = { type: "put"; key: Bytes; value: Bytes } | { type: "del"; key: Bytes };

/**
 * What node/ provides to the state machine: a raw ordered key-value database (LevelDB on disk;
 * MemoryBackend in tests). Implementations: node/storage/levelBackend.ts, modules/core/store/memory.ts.
 */
export interface KvBackend {
  get(key: Bytes): Bytes | undefined;
  iterate(opts?: IterateOptions): AsyncIterable<KV>;
  /** atomic; with sync the data is on stable storage when the promise resolves. */
  write(ops: readonly BatchOp[], opts: { sync: boolean }): Promise<void>;
  close(): Promise<void>;
}

export type ProofResult =
  | { kind: "exist"; key: Bytes; value: Bytes; proof: Bytes }
  | { kind: "nonexist"; key: Bytes; proof: Bytes };

/**
 * The authenticated, versioned application store (implemented in commitStore.ts): a flat latest-state
 * table for fast reads and iteration, plus a Merkle tree whose root is the app hash. Writes of a block
 * go to `working()`; `workingRoot()` hashes only the dirty nodes; `commit()` persists the write set,
 * the new tree nodes, the version's root and `meta` in one atomic, synced batch.
 */
export interface CommitStore {
  /** last committed version (block height); 0n before the first commit. */
  readonly version: bigint;
  /** root hash of the last committed version (the empty-tree hash before any commit). */
  readonly root: Bytes;
  /** read-only view of the last committed state (CheckTx and queries read this). */
  committed(): KVStoreReader;
  /** the uncommitted layer of the block being executed; reads fall through to committed state. */
  working(): CacheStore;
  /** root hash of committed state + working writes; cached until the working layer changes. */
  workingRoot(): Bytes;
  /** persists the working layer as `version` (must be > this.version) together with `meta` entries. */
  commit(version: bigint, meta?: readonly KV[]): Promise<Bytes>;
  /** drops uncommitted writes. */
  discard(): void;
  /** a metadata value written by commit (not part of the tree). */
  getMeta(key: Bytes): Bytes | undefined;
  /** the value of `key` at a committed `version` (walks that version's tree). */
  getAt(key: Bytes, version: bigint): Bytes | undefined;
  /** ICS-23 CommitmentProof bytes (cosmos.ics23.v1) of key's existence or absence at `version`. */
  prove(key: Bytes, version: bigint): ProofResult;
  /** root hash of a committed version, undefined when unknown (pruned or in the future). */
  rootAt(version: bigint): Bytes | undefined;
  /**
   * the keys (latin1 key strings, toKeyString) whose committed value the last commit changed (a write
   * that left a value as it was is not one); undefined when the store does not know (CheckTx's recheck
   * memo then rechecks every tx in full).
   */
  lastChangedKeys?(): readonly string[] | undefined;
  close(): Promise<void>;
}
