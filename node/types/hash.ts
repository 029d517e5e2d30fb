/**
 * CometBFT 0.38 hashes: the RFC-6962 Merkle tree (crypto/merkle), the header hash (Merkle root of the
 * cdc-encoded header fields in struct order), data/commit/results/validator-set/params/evidence hashes,
 * part sets (64 KiB parts) and block IDs. Everything is computed over re-encoded values.
 */
import type { ExecTxResult, ConsensusParams } from "../../modules/core/abci.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { Block, BlockID, Bytes, Commit, Evidence, Header, PartSetHeader, Validator } from "./block.ts";
import {
  encodeBlock,
  encodeBlockId,
  encodeCommitSig,
  encodeConsensus,
  encodeSimpleValidator,
  encodeTimestamp,
} from "./encoding.ts";

/** size of one block part (types.BlockPartSizeBytes). */
export const BLOCK_PART_SIZE_BYTES = 65536;

/** scratch for the prefixed hash inputs (one-shot hashes: a streaming Hash object per node costs more than the hash). */
let scratch = Buffer.allocUnsafeSlow(4096);

function prefixed(prefix: number, a: Bytes, b?: Bytes): Buffer {
  const n = 1 + a.length + (b === undefined ? 0 : b.length);
  if (n > scratch.length) scratch = Buffer.allocUnsafeSlow(Math.max(n, scratch.length * 2));
  scratch[0] = prefix;
  scratch.set(a, 1);
  if (b !== undefined) scratch.set(b, 1 + a.length);
  return scratch.subarray(0, n);
}

// modules/core/hash.ts's sha256: the node's WebAssembly SHA-256 for short inputs once installed (the 33
// and 65 byte leaf and inner nodes here: 2,647 -> ~1,200 µs for a 400-leaf root), one copy-free
// node:crypto digest otherwise (a 64 KiB block part); the same bytes either way
export function leafHash(leaf: Bytes): Bytes {
  return sha256(prefixed(0, leaf));
}

export function innerHash(left: Bytes, right: Bytes): Bytes {
  return sha256(prefixed(1, left, right));
}

/** the largest power of two strictly less than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function root(items: readonly Bytes[], lo: number, hi: number): Bytes {
  const n = hi - lo;
  if (n === 1) return leafHash(items[lo]!);
  const k = splitPoint(n);
  return innerHash(root(items, lo, lo + k), root(items, lo + k, hi));
}

/** RFC-6962 Merkle root (merkle.HashFromByteSlices); SHA-256("") for no items. */
export function hashFromByteSlices(items: readonly Bytes[]): Bytes {
  if (items.length === 0) return sha256(new Uint8Array(0));
  return root(items, 0, items.length);
}

/** an inclusion proof (merkle.Proof): leaf hash plus sibling hashes from the bottom up. */
export interface MerkleProof {
  total: number;
  index: number;
  leafHash: Bytes;
  aunts: Bytes[];
}

/** root plus one proof per item (merkle.ProofsFromByteSlices). */
export function proofsFromByteSlices(items: readonly Bytes[]): { root: Bytes; proofs: MerkleProof[] } {
  const proofs: MerkleProof[] = items.map((it, index) => ({ total: items.length, index, leafHash: leafHash(it), aunts: [] }));
  const build = (lo: number, hi: number): Bytes => {
    if (hi - lo === 1) return proofs[lo]!.leafHash;
    const k = splitPoint(hi - lo);
    const l = build(lo, lo + k);
    const r = build(lo + k, hi);
    for (let i = lo; i < lo + k; i++) proofs[i]!.aunts.push(r);
    for (let i = lo + k; i < hi; i++) proofs[i]!.aunts.push(l);
    return innerHash(l, r);
  };
  const r = items.length === 0 ? sha256(new Uint8Array(0)) : build(0, items.length);
  return { root: r, proofs };
}

/** recomputes the root from a proof and a leaf (merkle.Proof.Verify); false when it differs. */
export function verifyMerkleProof(proof: MerkleProof, rootHash: Bytes, leaf: Bytes): boolean {
  const lh = leafHash(leaf);
  if (!eq(lh, proof.leafHash)) return false;
  const computed = rootFromAunts(proof.index, proof.total, lh, proof.aunts);
  return computed !== undefined && eq(computed, rootHash);
}

function rootFromAunts(index: number, total: number, lh: Bytes, aunts: readonly Bytes[]): Bytes | undefined {
  if (index >= total || index < 0 || total <= 0) return undefined;
  if (total === 1) return aunts.length === 0 ? lh : undefined;
  if (aunts.length === 0) return undefined;
  const k = splitPoint(total);
  const last = aunts[aunts.length - 1]!;
  const rest = aunts.slice(0, -1);
  if (index < k) {
    const l = rootFromAunts(index, k, lh, rest);
    return l === undefined ? undefined : innerHash(l, last);
  }
  const r = rootFromAunts(index - k, total - k, lh, rest);
  return r === undefined ? undefined : innerHash(last, r);
}

function eq(a: Bytes, b: Bytes): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

// ---- cdcEncode: gogotypes.{String,Int64,Bytes}Value, nil (empty) for zero values ----

function cdcString(s: string): Bytes {
  if (s.length === 0) return new Uint8Array(0);
  return new BinaryWriter().tag(1, WireType.LengthDelimited).string(s).finish();
}

function cdcInt64(v: bigint): Bytes {
  if (v === 0n) return new Uint8Array(0);
  return new BinaryWriter().tag(1, WireType.Varint).int64(v).finish();
}

function cdcBytes(b: Bytes): Bytes {
  if (b.length === 0) return new Uint8Array(0);
  return new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(b).finish();
}

/** Header.Hash(): empty when validators_hash is empty (as CometBFT's nil). */
export function headerHash(h: Header): Bytes {
  if (h.validatorsHash.length === 0) return new Uint8Array(0);
  return hashFromByteSlices([
    encodeConsensus(h.version),
    cdcString(h.chainId),
    cdcInt64(h.height),
    encodeTimestamp(h.time),
    encodeBlockId(h.lastBlockId),
    cdcBytes(h.lastCommitHash),
    cdcBytes(h.dataHash),
    cdcBytes(h.validatorsHash),
    cdcBytes(h.nextValidatorsHash),
    cdcBytes(h.consensusHash),
    cdcBytes(h.appHash),
    cdcBytes(h.lastResultsHash),
    cdcBytes(h.evidenceHash),
    cdcBytes(h.proposerAddress),
  ]);
}

/**
 * tx hashes by tx bytes object: a tx is hashed once on its way from the RPC through the mempool, the
 * block's data hash, the tx index, the mempool update and the event bus (tx bytes are never mutated).
 */
const txHashes = new WeakMap<Bytes, Bytes>();

/** SHA-256 of the tx bytes (the tx hash of RPC and the tx index), computed once per tx bytes object. */
export function txHash(tx: Bytes): Bytes {
  let h = txHashes.get(tx);
  if (h === undefined) {
    h = sha256(tx);
    txHashes.set(tx, h);
  }
  return h;
}

/** Data.Hash(): Merkle root whose leaves are the tx hashes. */
export function dataHash(txs: readonly Bytes[]): Bytes {
  return hashFromByteSlices(txs.map(txHash));
}

/** Commit.Hash(): Merkle root of the encoded CommitSigs. */
export function commitHash(commit: Pick<Commit, "signatures">): Bytes {
  return hashFromByteSlices(commit.signatures.map(encodeCommitSig));
}

/** ExecTxResult with only code, data, gas_wanted, gas_used (abci ExecTxResult field numbers 1, 2, 5, 6). */
export function encodeDeterministicExecTxResult(r: Pick<ExecTxResult, "code" | "data" | "gasWanted" | "gasUsed">): Bytes {
  const w = new BinaryWriter();
  if (r.code !== 0) w.tag(1, WireType.Varint).uint32(r.code);
  if (r.data.length > 0) w.tag(2, WireType.LengthDelimited).bytes(r.data);
  if (r.gasWanted !== 0n) w.tag(5, WireType.Varint).int64(r.gasWanted);
  if (r.gasUsed !== 0n) w.tag(6, WireType.Varint).int64(r.gasUsed);
  return w.finish();
}

/** ABCIResults.Hash(): the last_results_hash of the next header. */
export function resultsHash(results: readonly Pick<ExecTxResult, "code" | "data" | "gasWanted" | "gasUsed">[]): Bytes {
  return hashFromByteSlices(results.map(encodeDeterministicExecTxResult));
}

/** ValidatorSet.Hash(): Merkle root of SimpleValidator{pub_key, voting_power} in set order. */
export function validatorSetHash(vals: readonly Pick<Validator, "pubKey" | "votingPower">[]): Bytes {
  return hashFromByteSlices(vals.map(encodeSimpleValidator));
}

/** ConsensusParams.Hash(): SHA-256 of HashedParams{block_max_bytes, block_max_gas}. */
export function consensusParamsHash(params: Pick<ConsensusParams, "block">): Bytes {
  const w = new BinaryWriter();
  if (params.block.maxBytes !== 0n) w.tag(1, WireType.Varint).int64(params.block.maxBytes);
  if (params.block.maxGas !== 0n) w.tag(2, WireType.Varint).int64(params.block.maxGas);
  return sha256(w.finish());
}

/** EvidenceList.Hash(): Merkle root of each evidence's own proto bytes (DuplicateVoteEvidence, unwrapped). */
export function evidenceHash(evidence: readonly Evidence[]): Bytes {
  return hashFromByteSlices(evidence.map((e) => e.raw));
}

/** the part-set header of encoded block bytes: ceil(len / 64 KiB) parts and their Merkle root. */
export function partSetHeader(blockBytes: Bytes, partSize = BLOCK_PART_SIZE_BYTES): PartSetHeader {
  const parts: Bytes[] = [];
  for (let o = 0; o < blockBytes.length; o += partSize) parts.push(blockBytes.subarray(o, Math.min(o + partSize, blockBytes.length)));
  return { total: parts.length, hash: hashFromByteSlices(parts) };
}

/** the parts of encoded block bytes with their inclusion proofs (for part gossip). */
export function makeParts(blockBytes: Bytes, partSize = BLOCK_PART_SIZE_BYTES): { header: PartSetHeader; parts: { index: number; bytes: Bytes; proof: MerkleProof }[] } {
  const chunks: Bytes[] = [];
  for (let o = 0; o < blockBytes.length; o += partSize) chunks.push(blockBytes.subarray(o, Math.min(o + partSize, blockBytes.length)));
  const { root: r, proofs } = proofsFromByteSlices(chunks);
  return { header: { total: chunks.length, hash: r }, parts: chunks.map((bytes, index) => ({ index, bytes, proof: proofs[index]! })) };
}

/** BlockID of a block: header hash + part-set header of its protobuf bytes. Also returns the bytes. */
export function blockIdWithBytes(block: Block): { blockId: BlockID; bytes: Bytes } {
  const bytes = encodeBlock(block);
  return { blockId: { hash: headerHash(block.header), partSetHeader: partSetHeader(bytes) }, bytes };
}

export function blockId(block: Block): BlockID {
  return blockIdWithBytes(block).blockId;
}
