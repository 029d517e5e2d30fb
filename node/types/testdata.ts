/** Sample values of node/types for tests (every field non-zero, so that encodings exercise all fields). */
import { sha256 } from "../../modules/core/hash.ts";
import { utf8 } from "../../modules/core/bytes.ts";
import type { Block, BlockID, Commit, ExtendedCommit, Header, Vote } from "./block.ts";

export function h(s: string): Uint8Array {
  return sha256(utf8(s));
}

export function sampleBlockId(tag = "b"): BlockID {
  return { hash: h(`${tag}-hash`), partSetHeader: { total: 3, hash: h(`${tag}-parts`) } };
}

export function sampleHeader(height = 3n): Header {
  return {
    version: { block: 11n, app: 2n },
    chainId: "openledger-test-1",
    height,
    time: { seconds: 1570983284n, nanos: 123_000_000 },
    lastBlockId: sampleBlockId("last"),
    lastCommitHash: h("last_commit_hash"),
    dataHash: h("data_hash"),
    validatorsHash: h("validators_hash"),
    nextValidatorsHash: h("next_validators_hash"),
    consensusHash: h("consensus_hash"),
    appHash: h("app_hash"),
    lastResultsHash: h("last_results_hash"),
    evidenceHash: h("evidence_hash"),
    proposerAddress: h("proposer").subarray(0, 20),
  };
}

export function sampleCommit(height = 2n): Commit {
  return {
    height,
    round: 1,
    blockId: sampleBlockId("last"),
    signatures: [
      { blockIdFlag: 2, validatorAddress: h("v1").subarray(0, 20), timestamp: { seconds: 1570983283n, nanos: 5 }, signature: new Uint8Array(64).fill(7) },
      { blockIdFlag: 1, validatorAddress: new Uint8Array(0), timestamp: { seconds: -62135596800n, nanos: 0 }, signature: new Uint8Array(0) },
      { blockIdFlag: 3, validatorAddress: h("v3").subarray(0, 20), timestamp: { seconds: 1570983284n, nanos: 0 }, signature: new Uint8Array(64).fill(9) },
    ],
  };
}

export function sampleExtendedCommit(height = 2n): ExtendedCommit {
  const c = sampleCommit(height);
  return {
    height: c.height,
    round: c.round,
    blockId: c.blockId,
    extendedSignatures: c.signatures.map((s, i) => ({
      ...s,
      extension: i === 0 ? utf8("verdicts") : new Uint8Array(0),
      extensionSignature: i === 0 ? new Uint8Array(64).fill(3) : new Uint8Array(0),
    })),
  };
}

export function sampleBlock(height = 3n, evidenceRaw: Uint8Array[] = []): Block {
  return {
    header: sampleHeader(height),
    data: { txs: [utf8("tx-one"), new Uint8Array(0), utf8("tx-three")] },
    evidence: { evidence: evidenceRaw.map((raw) => ({ type: "duplicate_vote" as const, raw })) },
    lastCommit: sampleCommit(height - 1n),
  };
}

export function sampleVote(): Vote {
  return {
    type: 2,
    height: 12345n,
    round: 2,
    blockId: { hash: h("blockID_hash"), partSetHeader: { total: 1000000, hash: h("blockID_part_set_header_hash") } },
    timestamp: { seconds: 1514170801n, nanos: 234_000_000 },
    validatorAddress: h("validator_address").subarray(0, 20),
    validatorIndex: 56789,
    signature: new Uint8Array(64).fill(1),
    extension: utf8("extension"),
    extensionSignature: utf8("signature"),
  };
}
