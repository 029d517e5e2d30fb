/**
 * CometBFT 0.38 block data structures (tendermint.types), as TS values. Encodings and hashes
 * (header hash = RFC-6962 Merkle root of the cdc-encoded fields, BlockID, canonical vote sign-bytes)
 * live in node/types/encoding.ts and node/types/hash.ts; JSON shapes in node/rpc/json.ts.
 */
import type { Bytes, Timestamp } from "../../modules/core/abci.ts";

export type { Bytes, Timestamp };

export interface PartSetHeader {
  total: number;
  hash: Bytes;
}

export interface BlockID {
  hash: Bytes;
  partSetHeader: PartSetHeader;
}

export interface Consensus {
  block: bigint;
  app: bigint;
}

export interface Header {
  version: Consensus;
  chainId: string;
  height: bigint;
  time: Timestamp;
  lastBlockId: BlockID;
  lastCommitHash: Bytes;
  dataHash: Bytes;
  validatorsHash: Bytes;
  nextValidatorsHash: Bytes;
  consensusHash: Bytes;
  appHash: Bytes;
  lastResultsHash: Bytes;
  evidenceHash: Bytes;
  proposerAddress: Bytes;
}

/** 1 absent, 2 commit, 3 nil. */
export type BlockIdFlagValue = 1 | 2 | 3;

export interface CommitSig {
  blockIdFlag: BlockIdFlagValue;
  validatorAddress: Bytes;
  timestamp: Timestamp;
  signature: Bytes;
}

export interface Commit {
  height: bigint;
  round: number;
  blockId: BlockID;
  signatures: CommitSig[];
}

/** a precommit with its vote extension (CometBFT ExtendedCommitSig). */
export interface ExtendedCommitSig extends CommitSig {
  extension: Bytes;
  extensionSignature: Bytes;
}

export interface ExtendedCommit {
  height: bigint;
  round: number;
  blockId: BlockID;
  extendedSignatures: ExtendedCommitSig[];
}

export interface DuplicateVoteEvidence {
  type: "duplicate_vote";
  /** tendermint.types.DuplicateVoteEvidence protobuf bytes. */
  raw: Bytes;
}

export interface LightClientAttackEvidence {
  type: "light_client_attack";
  /** tendermint.types.LightClientAttackEvidence protobuf bytes. */
  raw: Bytes;
}

/** an item of the block's evidence list (tendermint.types.Evidence oneof: 1 duplicate vote, 2 light client attack). */
export type Evidence = DuplicateVoteEvidence | LightClientAttackEvidence;

export interface Block {
  header: Header;
  data: { txs: Bytes[] };
  evidence: { evidence: Evidence[] };
  lastCommit: Commit;
}

export interface BlockMeta {
  blockId: BlockID;
  blockSize: number;
  header: Header;
  numTxs: number;
}

export interface Validator {
  /** SHA-256(pubkey)[0:20] for ed25519. */
  address: Bytes;
  pubKey: { type: "ed25519"; value: Bytes };
  votingPower: bigint;
  proposerPriority: bigint;
}

export const SignedMsgType = { Unknown: 0, Prevote: 1, Precommit: 2, Proposal: 32 } as const;
export type SignedMsgType = (typeof SignedMsgType)[keyof typeof SignedMsgType];

export interface Vote {
  type: SignedMsgType;
  height: bigint;
  round: number;
  /** nil vote: hash empty and partSetHeader {0, empty}. */
  blockId: BlockID;
  timestamp: Timestamp;
  validatorAddress: Bytes;
  validatorIndex: number;
  signature: Bytes;
  extension: Bytes;
  extensionSignature: Bytes;
}

export const EMPTY_BLOCK_ID: BlockID = Object.freeze({
  hash: new Uint8Array(0),
  partSetHeader: Object.freeze({ total: 0, hash: new Uint8Array(0) }),
}) as BlockID;

/** a proposal (CometBFT types.Proposal): type is always SignedMsgType.Proposal (32). */
export interface Proposal {
  type: typeof SignedMsgType.Proposal;
  height: bigint;
  round: number;
  /** -1 when there is no proof-of-lock round. */
  polRound: number;
  blockId: BlockID;
  timestamp: Timestamp;
  signature: Bytes;
}
