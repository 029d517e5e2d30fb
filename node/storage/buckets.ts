/**
 * Buckets of the node database (data/node.db): one-byte key prefixes, numbered once and never reused
 * (Lodestar buckets.ts). Retired numbers stay listed as comments. Keys inside a bucket are described
 * by the repository that owns it.
 */
export const BUCKET = {
  /** block store: height (u64be) → BlockMeta protobuf. */
  blockMeta: 0x01,
  /** block store: height (u64be) → Block protobuf. */
  block: 0x02,
  /** block store: header hash → height (u64be). */
  blockHash: 0x03,
  /** block store: height → Commit of `height` carried by block height+1 (canonical commit). */
  blockCommit: 0x04,
  /** block store: height → the seen commit this node decided `height` with. */
  seenCommit: 0x05,
  /** block store: height → ExtendedCommit (precommits with vote extensions) of `height`. */
  extendedCommit: 0x06,
  /** block store: "state" → {base, height}. */
  blockStoreState: 0x07,

  /** state store: "state" → ChainState. */
  chainState: 0x10,
  /** state store: height → validator set info (the set, or the last height it changed). */
  validators: 0x11,
  /** state store: height → consensus params info (the params, or the last height they changed). */
  consensusParams: 0x12,
  /** state store: height → FinalizeBlock response (cosmjs-types ResponseFinalizeBlock protobuf). */
  finalizeBlockResponse: 0x13,

  /** tx index (node/storage/txIndex.ts): records by hash, positions, event attributes. */
  txIndex: 0x20,
  /** block event index (block_search), reserved. */
  blockIndex: 0x21,

  /** evidence pool, reserved. */
  evidence: 0x30,
  /** consensus: misc persisted values (e.g. double-sign check markers), reserved. */
  consensus: 0x40,
} as const;

export type BucketId = (typeof BUCKET)[keyof typeof BUCKET];
