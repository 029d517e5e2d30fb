/**
 * Protobuf encodings of CometBFT 0.38's tendermint.types messages, byte-exact with gogoproto:
 * proto3 scalars are omitted when zero, non-nullable embedded messages ((gogoproto.nullable)=false:
 * Header.version, Header.last_block_id, BlockID.part_set_header, every stdtime timestamp, Block.header/
 * data/evidence, Commit.block_id, ...) are always emitted, even when empty. Canonical sign-bytes
 * (CanonicalVote, CanonicalVoteExtension, CanonicalProposal) are length-delimited (uvarint prefix),
 * as protoio.MarshalDelimited writes them.
 *
 * Decoders reject unknown fields and wrong wire types. They do not reject every non-canonical input
 * (e.g. explicit zero scalars or out-of-order fields); a caller that needs canonical bytes re-encodes
 * the decoded value and compares (hashes are always computed over re-encoded values).
 */
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { Bytes, Timestamp } from "../../modules/core/abci.ts";
import type {
  Block,
  BlockID,
  BlockIdFlagValue,
  BlockMeta,
  Commit,
  CommitSig,
  Consensus,
  Evidence,
  ExtendedCommit,
  ExtendedCommitSig,
  Header,
  PartSetHeader,
  Proposal,
  SignedMsgType,
  Validator,
  Vote,
} from "./block.ts";

const EMPTY: Bytes = new Uint8Array(0);

// ---------------------------------------------------------------------------------------------
// writers

type W = BinaryWriter;

function msg(w: W, field: number, body: (w: W) => void): void {
  w.tag(field, WireType.LengthDelimited).fork();
  body(w);
  w.join();
}

function u64(w: W, field: number, v: bigint): void {
  if (v !== 0n) w.tag(field, WireType.Varint).uint64(v);
}

function i64(w: W, field: number, v: bigint): void {
  if (v !== 0n) w.tag(field, WireType.Varint).int64(v);
}

function i32(w: W, field: number, v: number): void {
  if (v !== 0) w.tag(field, WireType.Varint).int32(v);
}

function u32(w: W, field: number, v: number): void {
  if (v !== 0) w.tag(field, WireType.Varint).uint32(v);
}

function sf64(w: W, field: number, v: bigint): void {
  if (v !== 0n) w.tag(field, WireType.Bit64).sfixed64(v);
}

function bytesField(w: W, field: number, v: Bytes): void {
  if (v.length > 0) w.tag(field, WireType.LengthDelimited).bytes(v);
}

function str(w: W, field: number, v: string): void {
  if (v.length > 0) w.tag(field, WireType.LengthDelimited).string(v);
}

function finish(body: (w: W) => void): Bytes {
  const w = new BinaryWriter();
  body(w);
  return w.finish();
}

export function writeTimestamp(w: W, t: Timestamp): void {
  i64(w, 1, t.seconds);
  i32(w, 2, t.nanos);
}

/** google.protobuf.Timestamp bytes (gogotypes.StdTimeMarshal). */
export function encodeTimestamp(t: Timestamp): Bytes {
  return finish((w) => writeTimestamp(w, t));
}

export function writeConsensus(w: W, v: Consensus): void {
  u64(w, 1, v.block);
  u64(w, 2, v.app);
}

/** tendermint.version.Consensus bytes. */
export function encodeConsensus(v: Consensus): Bytes {
  return finish((w) => writeConsensus(w, v));
}

export function writePartSetHeader(w: W, p: PartSetHeader): void {
  u32(w, 1, p.total);
  bytesField(w, 2, p.hash);
}

export function writeBlockId(w: W, b: BlockID): void {
  bytesField(w, 1, b.hash);
  msg(w, 2, (w) => writePartSetHeader(w, b.partSetHeader));
}

export function encodePartSetHeader(p: PartSetHeader): Bytes {
  return finish((w) => writePartSetHeader(w, p));
}

export function encodeBlockId(b: BlockID): Bytes {
  return finish((w) => writeBlockId(w, b));
}

export function writeHeader(w: W, h: Header): void {
  msg(w, 1, (w) => writeConsensus(w, h.version));
  str(w, 2, h.chainId);
  i64(w, 3, h.height);
  msg(w, 4, (w) => writeTimestamp(w, h.time));
  msg(w, 5, (w) => writeBlockId(w, h.lastBlockId));
  bytesField(w, 6, h.lastCommitHash);
  bytesField(w, 7, h.dataHash);
  bytesField(w, 8, h.validatorsHash);
  bytesField(w, 9, h.nextValidatorsHash);
  bytesField(w, 10, h.consensusHash);
  bytesField(w, 11, h.appHash);
  bytesField(w, 12, h.lastResultsHash);
  bytesField(w, 13, h.evidenceHash);
  bytesField(w, 14, h.proposerAddress);
}

export function encodeHeader(h: Header): Bytes {
  return finish((w) => writeHeader(w, h));
}

export function writeCommitSig(w: W, s: CommitSig): void {
  i32(w, 1, s.blockIdFlag);
  bytesField(w, 2, s.validatorAddress);
  msg(w, 3, (w) => writeTimestamp(w, s.timestamp));
  bytesField(w, 4, s.signature);
}

/** tendermint.types.CommitSig bytes (the leaves of the last_commit_hash tree). */
export function encodeCommitSig(s: CommitSig): Bytes {
  return finish((w) => writeCommitSig(w, s));
}

export function writeCommit(w: W, c: Commit): void {
  i64(w, 1, c.height);
  i32(w, 2, c.round);
  msg(w, 3, (w) => writeBlockId(w, c.blockId));
  for (const s of c.signatures) msg(w, 4, (w) => writeCommitSig(w, s));
}

export function encodeCommit(c: Commit): Bytes {
  return finish((w) => writeCommit(w, c));
}

export function writeExtendedCommitSig(w: W, s: ExtendedCommitSig): void {
  writeCommitSig(w, s);
  bytesField(w, 5, s.extension);
  bytesField(w, 6, s.extensionSignature);
}

export function writeExtendedCommit(w: W, c: ExtendedCommit): void {
  i64(w, 1, c.height);
  i32(w, 2, c.round);
  msg(w, 3, (w) => writeBlockId(w, c.blockId));
  for (const s of c.extendedSignatures) msg(w, 4, (w) => writeExtendedCommitSig(w, s));
}

export function encodeExtendedCommit(c: ExtendedCommit): Bytes {
  return finish((w) => writeExtendedCommit(w, c));
}

export function writeData(w: W, txs: readonly Bytes[]): void {
  // repeated bytes: every element is emitted, empty ones included
  for (const tx of txs) w.tag(1, WireType.LengthDelimited).bytes(tx);
}

export function encodeData(txs: readonly Bytes[]): Bytes {
  return finish((w) => writeData(w, txs));
}

export function writeEvidenceList(w: W, list: readonly Evidence[]): void {
  for (const ev of list) {
    // Evidence{oneof sum {DuplicateVoteEvidence duplicate_vote_evidence = 1; LightClientAttackEvidence light_client_attack_evidence = 2;}}
    msg(w, 1, (w) => writeEvidence(w, ev));
  }
}

/** the tendermint.types.Evidence oneof fields of one item. */
export function writeEvidence(w: W, ev: Evidence): void {
  w.tag(ev.type === "duplicate_vote" ? 1 : 2, WireType.LengthDelimited).bytes(ev.raw);
}

export function encodeEvidence(ev: Evidence): Bytes {
  return finish((w) => writeEvidence(w, ev));
}

export function writeBlock(w: W, b: Block): void {
  msg(w, 1, (w) => writeHeader(w, b.header));
  msg(w, 2, (w) => writeData(w, b.data.txs));
  msg(w, 3, (w) => writeEvidenceList(w, b.evidence.evidence));
  msg(w, 4, (w) => writeCommit(w, b.lastCommit));
}

/** tendermint.types.Block bytes: what the part set is cut from, and what the block store keeps. */
export function encodeBlock(b: Block): Bytes {
  return finish((w) => writeBlock(w, b));
}

export function writeVote(w: W, v: Vote): void {
  i32(w, 1, v.type);
  i64(w, 2, v.height);
  i32(w, 3, v.round);
  msg(w, 4, (w) => writeBlockId(w, v.blockId));
  msg(w, 5, (w) => writeTimestamp(w, v.timestamp));
  bytesField(w, 6, v.validatorAddress);
  i32(w, 7, v.validatorIndex);
  bytesField(w, 8, v.signature);
  bytesField(w, 9, v.extension);
  bytesField(w, 10, v.extensionSignature);
}

export function encodeVote(v: Vote): Bytes {
  return finish((w) => writeVote(w, v));
}

export function writeProposal(w: W, p: Proposal): void {
  i32(w, 1, p.type);
  i64(w, 2, p.height);
  i32(w, 3, p.round);
  i32(w, 4, p.polRound);
  msg(w, 5, (w) => writeBlockId(w, p.blockId));
  msg(w, 6, (w) => writeTimestamp(w, p.timestamp));
  bytesField(w, 7, p.signature);
}

export function encodeProposal(p: Proposal): Bytes {
  return finish((w) => writeProposal(w, p));
}

export function writeBlockMeta(w: W, m: BlockMeta): void {
  msg(w, 1, (w) => writeBlockId(w, m.blockId));
  i64(w, 2, BigInt(m.blockSize));
  msg(w, 3, (w) => writeHeader(w, m.header));
  i64(w, 4, BigInt(m.numTxs));
}

export function encodeBlockMeta(m: BlockMeta): Bytes {
  return finish((w) => writeBlockMeta(w, m));
}

/** tendermint.crypto.PublicKey {oneof sum {bytes ed25519 = 1; bytes secp256k1 = 2;}} */
function writePubKey(w: W, pk: Validator["pubKey"]): void {
  // a oneof member is emitted even when empty
  w.tag(pk.type === "ed25519" ? 1 : 2, WireType.LengthDelimited).bytes(pk.value);
}

export function writeValidator(w: W, v: Validator): void {
  bytesField(w, 1, v.address);
  msg(w, 2, (w) => writePubKey(w, v.pubKey));
  i64(w, 3, v.votingPower);
  i64(w, 4, v.proposerPriority);
}

export function encodeValidator(v: Validator): Bytes {
  return finish((w) => writeValidator(w, v));
}

/** tendermint.types.SimpleValidator{pub_key, voting_power}: the leaves of validators_hash. */
export function encodeSimpleValidator(v: Pick<Validator, "pubKey" | "votingPower">): Bytes {
  return finish((w) => {
    msg(w, 1, (w) => writePubKey(w, v.pubKey));
    i64(w, 2, v.votingPower);
  });
}

/** tendermint.types.ValidatorSet{validators, proposer, total_voting_power}. */
export function encodeValidatorSet(vals: readonly Validator[], proposer: Validator | undefined, totalVotingPower: bigint): Bytes {
  return finish((w) => {
    for (const v of vals) msg(w, 1, (w) => writeValidator(w, v));
    if (proposer !== undefined) msg(w, 2, (w) => writeValidator(w, proposer));
    i64(w, 3, totalVotingPower);
  });
}

// ---------------------------------------------------------------------------------------------
// canonical sign bytes

export function isZeroBlockId(b: BlockID): boolean {
  return b.hash.length === 0 && b.partSetHeader.total === 0 && b.partSetHeader.hash.length === 0;
}

/** CanonicalBlockID; nil (field absent) for the zero BlockID (a nil vote). */
function writeCanonicalBlockId(w: W, field: number, b: BlockID): void {
  if (isZeroBlockId(b)) return;
  msg(w, field, (w) => {
    bytesField(w, 1, b.hash);
    msg(w, 2, (w) => writePartSetHeader(w, b.partSetHeader));
  });
}

function delimited(body: (w: W) => void): Bytes {
  const inner = finish(body);
  return new BinaryWriter().bytes(inner).finish();
}

/** CanonicalVote, length-delimited (types.VoteSignBytes). Address, index and extension are not signed. */
export function voteSignBytes(chainId: string, vote: Pick<Vote, "type" | "height" | "round" | "blockId" | "timestamp">): Bytes {
  return delimited((w) => {
    i32(w, 1, vote.type);
    sf64(w, 2, vote.height);
    sf64(w, 3, BigInt(vote.round));
    writeCanonicalBlockId(w, 4, vote.blockId);
    msg(w, 5, (w) => writeTimestamp(w, vote.timestamp));
    str(w, 6, chainId);
  });
}

/** CanonicalVoteExtension, length-delimited (types.VoteExtensionSignBytes). */
export function voteExtensionSignBytes(chainId: string, vote: Pick<Vote, "extension" | "height" | "round">): Bytes {
  return delimited((w) => {
    bytesField(w, 1, vote.extension);
    sf64(w, 2, vote.height);
    sf64(w, 3, BigInt(vote.round));
    str(w, 4, chainId);
  });
}

/** CanonicalProposal, length-delimited (types.ProposalSignBytes). */
export function proposalSignBytes(
  chainId: string,
  p: Pick<Proposal, "height" | "round" | "polRound" | "blockId" | "timestamp">,
): Bytes {
  return delimited((w) => {
    i32(w, 1, 32);
    sf64(w, 2, p.height);
    sf64(w, 3, BigInt(p.round));
    i64(w, 4, BigInt(p.polRound));
    writeCanonicalBlockId(w, 5, p.blockId);
    msg(w, 6, (w) => writeTimestamp(w, p.timestamp));
    str(w, 7, chainId);
  });
}

/** the decoded content of canonical vote or proposal sign bytes (privval's "differ only by timestamp"). */
export interface CanonicalSigned {
  type: number;
  height: bigint;
  round: bigint;
  polRound: bigint;
  blockId: BlockID | null;
  timestamp: Timestamp;
  chainId: string;
}

/** decodes length-delimited CanonicalVote (proposal = false) or CanonicalProposal (proposal = true) bytes. */
export function decodeCanonicalSignBytes(bz: Bytes, proposal: boolean): CanonicalSigned {
  const outer = new BinaryReader(bz);
  const inner = outer.bytes();
  if (outer.pos !== bz.length) throw new Error("trailing bytes after delimited message");
  const out: CanonicalSigned = { type: 0, height: 0n, round: 0n, polRound: 0n, blockId: null, timestamp: { seconds: 0n, nanos: 0 }, chainId: "" };
  const off = proposal ? 1 : 0;
  read(inner, (r, f, wt) => {
    if (f === 1 && wt === WireType.Varint) out.type = r.int32();
    else if (f === 2 && wt === WireType.Bit64) out.height = BigInt(r.sfixed64());
    else if (f === 3 && wt === WireType.Bit64) out.round = BigInt(r.sfixed64());
    else if (proposal && f === 4 && wt === WireType.Varint) out.polRound = BigInt(r.int64());
    else if (f === 4 + off && wt === WireType.LengthDelimited) out.blockId = decodeBlockId(r.bytes());
    else if (f === 5 + off && wt === WireType.LengthDelimited) out.timestamp = decodeTimestamp(r.bytes());
    else if (f === 6 + off && wt === WireType.LengthDelimited) out.chainId = r.string();
    else return false;
    return true;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// readers

type R = BinaryReader;

/** walks the fields of one message; `field` returns false for an unknown field/wire type (→ throw). */
function read(bz: Bytes, field: (r: R, f: number, wt: WireType) => boolean): void {
  const r = new BinaryReader(bz);
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    if (!field(r, f, wt)) throw new Error(`unexpected protobuf field ${f} (wire type ${wt})`);
  }
}

const LD = WireType.LengthDelimited;
const VI = WireType.Varint;

function copy(b: Uint8Array): Bytes {
  return Uint8Array.from(b);
}

function int64(r: R): bigint {
  return BigInt(r.int64());
}

function uint64(r: R): bigint {
  return BigInt(r.uint64());
}

function toSafeNumber(v: bigint, what: string): number {
  if (v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what} out of range`);
  return Number(v);
}

export function decodeTimestamp(bz: Bytes): Timestamp {
  const t: Timestamp = { seconds: 0n, nanos: 0 };
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === VI) t.seconds = int64(r);
    else if (f === 2 && wt === VI) t.nanos = r.int32();
    else return false;
    return true;
  });
  if (t.nanos < 0 || t.nanos > 999_999_999) throw new Error(`invalid timestamp nanos ${t.nanos}`);
  return t;
}

export function decodeConsensus(bz: Bytes): Consensus {
  const c: Consensus = { block: 0n, app: 0n };
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === VI) c.block = uint64(r);
    else if (f === 2 && wt === VI) c.app = uint64(r);
    else return false;
    return true;
  });
  return c;
}

export function decodePartSetHeader(bz: Bytes): PartSetHeader {
  const p: PartSetHeader = { total: 0, hash: EMPTY };
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === VI) p.total = r.uint32();
    else if (f === 2 && wt === LD) p.hash = copy(r.bytes());
    else return false;
    return true;
  });
  return p;
}

export function decodeBlockId(bz: Bytes): BlockID {
  const b: BlockID = { hash: EMPTY, partSetHeader: { total: 0, hash: EMPTY } };
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === LD) b.hash = copy(r.bytes());
    else if (f === 2 && wt === LD) b.partSetHeader = decodePartSetHeader(r.bytes());
    else return false;
    return true;
  });
  return b;
}

function zeroBlockId(): BlockID {
  return { hash: EMPTY, partSetHeader: { total: 0, hash: EMPTY } };
}

export function decodeHeader(bz: Bytes): Header {
  const h: Header = {
    version: { block: 0n, app: 0n },
    chainId: "",
    height: 0n,
    time: { seconds: 0n, nanos: 0 },
    lastBlockId: zeroBlockId(),
    lastCommitHash: EMPTY,
    dataHash: EMPTY,
    validatorsHash: EMPTY,
    nextValidatorsHash: EMPTY,
    consensusHash: EMPTY,
    appHash: EMPTY,
    lastResultsHash: EMPTY,
    evidenceHash: EMPTY,
    proposerAddress: EMPTY,
  };
  const byteFields = [
    "lastCommitHash",
    "dataHash",
    "validatorsHash",
    "nextValidatorsHash",
    "consensusHash",
    "appHash",
    "lastResultsHash",
    "evidenceHash",
    "proposerAddress",
  ] as const;
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === LD) h.version = decodeConsensus(r.bytes());
    else if (f === 2 && wt === LD) h.chainId = r.string();
    else if (f === 3 && wt === VI) h.height = int64(r);
    else if (f === 4 && wt === LD) h.time = decodeTimestamp(r.bytes());
    else if (f === 5 && wt === LD) h.lastBlockId = decodeBlockId(r.bytes());
    else if (f >= 6 && f <= 14 && wt === LD) h[byteFields[f - 6]!] = copy(r.bytes());
    else return false;
    return true;
  });
  return h;
}

function blockIdFlag(v: number): BlockIdFlagValue {
  if (v !== 1 && v !== 2 && v !== 3) throw new Error(`invalid block id flag ${v}`);
  return v;
}

function readCommitSigField(s: CommitSig, r: R, f: number, wt: WireType): boolean {
  if (f === 1 && wt === VI) s.blockIdFlag = blockIdFlag(r.int32());
  else if (f === 2 && wt === LD) s.validatorAddress = copy(r.bytes());
  else if (f === 3 && wt === LD) s.timestamp = decodeTimestamp(r.bytes());
  else if (f === 4 && wt === LD) s.signature = copy(r.bytes());
  else return false;
  return true;
}

function emptyCommitSig(): CommitSig {
  // blockIdFlag 0 (unknown) is rejected below unless the field is present
  return { blockIdFlag: 0 as unknown as BlockIdFlagValue, validatorAddress: EMPTY, timestamp: { seconds: 0n, nanos: 0 }, signature: EMPTY };
}

export function decodeCommitSig(bz: Bytes): CommitSig {
  const s = emptyCommitSig();
  read(bz, (r, f, wt) => readCommitSigField(s, r, f, wt));
  blockIdFlag(s.blockIdFlag);
  return s;
}

export function decodeCommit(bz: Bytes): Commit {
  const c: Commit = { height: 0n, round: 0, blockId: zeroBlockId(), signatures: [] };
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === VI) c.height = int64(r);
    else if (f === 2 && wt === VI) c.round = r.int32();
    else if (f === 3 && wt === LD) c.blockId = decodeBlockId(r.bytes());
    else if (f === 4 && wt === LD) c.signatures.push(decodeCommitSig(r.bytes()));
    else return false;
    return true;
  });
  return c;
}

export function decodeExtendedCommitSig(bz: Bytes): ExtendedCommitSig {
  const s: ExtendedCommitSig = { ...emptyCommitSig(), extension: EMPTY, extensionSignature: EMPTY };
  read(bz, (r, f, wt) => {
    if (readCommitSigField(s, r, f, wt)) return true;
    if (f === 5 && wt === LD) s.extension = copy(r.bytes());
    else if (f === 6 && wt === LD) s.extensionSignature = copy(r.bytes());
    else return false;
    return true;
  });
  blockIdFlag(s.blockIdFlag);
  return s;
}

export function decodeExtendedCommit(bz: Bytes): ExtendedCommit {
  const c: ExtendedCommit = { height: 0n, round: 0, blockId: zeroBlockId(), extendedSignatures: [] };
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === VI) c.height = int64(r);
    else if (f === 2 && wt === VI) c.round = r.int32();
    else if (f === 3 && wt === LD) c.blockId = decodeBlockId(r.bytes());
    else if (f === 4 && wt === LD) c.extendedSignatures.push(decodeExtendedCommitSig(r.bytes()));
    else return false;
    return true;
  });
  return c;
}

/** a tendermint.types.Evidence (exactly one member of its oneof). */
export function decodeEvidence(bz: Bytes): Evidence {
  let ev: Evidence | undefined;
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === LD && ev === undefined) ev = { type: "duplicate_vote", raw: copy(r.bytes()) };
    else if (f === 2 && wt === LD && ev === undefined) ev = { type: "light_client_attack", raw: copy(r.bytes()) };
    else return false;
    return true;
  });
  if (ev === undefined) throw new Error("empty evidence");
  return ev;
}

/**
 * `txViews`: the txs are views into `bz` instead of copies, for a caller whose `bz` is a fresh buffer that
 * lives as long as the block anyway (a received consensus-data frame): a 1,000-tx proposal then costs one
 * 250 KB buffer instead of 1,000 small copies that all survived into the old generation until the commit.
 */
export function decodeBlock(bz: Bytes, txViews = false): Block {
  let header: Header | undefined;
  const txs: Bytes[] = [];
  const evidence: Evidence[] = [];
  let lastCommit: Commit = { height: 0n, round: 0, blockId: zeroBlockId(), signatures: [] };
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === LD) header = decodeHeader(r.bytes());
    else if (f === 2 && wt === LD) {
      read(r.bytes(), (r, f, wt) => {
        if (f === 1 && wt === LD) txs.push(txViews ? r.bytes() : copy(r.bytes()));
        else return false;
        return true;
      });
    } else if (f === 3 && wt === LD) {
      read(r.bytes(), (r, f, wt) => {
        if (f === 1 && wt === LD) evidence.push(decodeEvidence(r.bytes()));
        else return false;
        return true;
      });
    } else if (f === 4 && wt === LD) lastCommit = decodeCommit(r.bytes());
    else return false;
    return true;
  });
  if (header === undefined) throw new Error("block without header");
  return { header, data: { txs }, evidence: { evidence }, lastCommit };
}

export function decodeBlockMeta(bz: Bytes): BlockMeta {
  let header: Header | undefined;
  const m = { blockId: zeroBlockId(), blockSize: 0, numTxs: 0 };
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === LD) m.blockId = decodeBlockId(r.bytes());
    else if (f === 2 && wt === VI) m.blockSize = toSafeNumber(int64(r), "block_size");
    else if (f === 3 && wt === LD) header = decodeHeader(r.bytes());
    else if (f === 4 && wt === VI) m.numTxs = toSafeNumber(int64(r), "num_txs");
    else return false;
    return true;
  });
  if (header === undefined) throw new Error("block meta without header");
  return { ...m, header };
}

function signedMsgType(v: number): SignedMsgType {
  if (v !== 0 && v !== 1 && v !== 2 && v !== 32) throw new Error(`invalid signed msg type ${v}`);
  return v;
}

export function decodeVote(bz: Bytes): Vote {
  const v: Vote = {
    type: 0,
    height: 0n,
    round: 0,
    blockId: zeroBlockId(),
    timestamp: { seconds: 0n, nanos: 0 },
    validatorAddress: EMPTY,
    validatorIndex: 0,
    signature: EMPTY,
    extension: EMPTY,
    extensionSignature: EMPTY,
  };
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === VI) v.type = signedMsgType(r.int32());
    else if (f === 2 && wt === VI) v.height = int64(r);
    else if (f === 3 && wt === VI) v.round = r.int32();
    else if (f === 4 && wt === LD) v.blockId = decodeBlockId(r.bytes());
    else if (f === 5 && wt === LD) v.timestamp = decodeTimestamp(r.bytes());
    else if (f === 6 && wt === LD) v.validatorAddress = copy(r.bytes());
    else if (f === 7 && wt === VI) v.validatorIndex = r.int32();
    else if (f === 8 && wt === LD) v.signature = copy(r.bytes());
    else if (f === 9 && wt === LD) v.extension = copy(r.bytes());
    else if (f === 10 && wt === LD) v.extensionSignature = copy(r.bytes());
    else return false;
    return true;
  });
  return v;
}

export function decodeProposal(bz: Bytes): Proposal {
  const p: Proposal = { type: 32, height: 0n, round: 0, polRound: 0, blockId: zeroBlockId(), timestamp: { seconds: 0n, nanos: 0 }, signature: EMPTY };
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === VI) {
      if (r.int32() !== 32) throw new Error("proposal type must be 32");
    } else if (f === 2 && wt === VI) p.height = int64(r);
    else if (f === 3 && wt === VI) p.round = r.int32();
    else if (f === 4 && wt === VI) p.polRound = r.int32();
    else if (f === 5 && wt === LD) p.blockId = decodeBlockId(r.bytes());
    else if (f === 6 && wt === LD) p.timestamp = decodeTimestamp(r.bytes());
    else if (f === 7 && wt === LD) p.signature = copy(r.bytes());
    else return false;
    return true;
  });
  return p;
}

function decodePubKey(bz: Bytes): Validator["pubKey"] {
  let pk: Validator["pubKey"] | undefined;
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === LD && pk === undefined) pk = { type: "ed25519", value: copy(r.bytes()) };
    else return false; // only ed25519 consensus keys
    return true;
  });
  if (pk === undefined) throw new Error("empty public key");
  return pk;
}

export function decodeValidator(bz: Bytes): Validator {
  let pubKey: Validator["pubKey"] | undefined;
  const v: { address: Bytes; votingPower: bigint; proposerPriority: bigint } = { address: EMPTY, votingPower: 0n, proposerPriority: 0n };
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === LD) v.address = copy(r.bytes());
    else if (f === 2 && wt === LD) pubKey = decodePubKey(r.bytes());
    else if (f === 3 && wt === VI) v.votingPower = int64(r);
    else if (f === 4 && wt === VI) v.proposerPriority = int64(r);
    else return false;
    return true;
  });
  if (pubKey === undefined) throw new Error("validator without public key");
  return { address: v.address, pubKey, votingPower: v.votingPower, proposerPriority: v.proposerPriority };
}

export function decodeValidatorSet(bz: Bytes): { validators: Validator[]; proposer: Validator | undefined; totalVotingPower: bigint } {
  const out: { validators: Validator[]; proposer: Validator | undefined; totalVotingPower: bigint } = {
    validators: [],
    proposer: undefined,
    totalVotingPower: 0n,
  };
  read(bz, (r, f, wt) => {
    if (f === 1 && wt === LD) out.validators.push(decodeValidator(r.bytes()));
    else if (f === 2 && wt === LD) out.proposer = decodeValidator(r.bytes());
    else if (f === 3 && wt === VI) out.totalVotingPower = int64(r);
    else return false;
    return true;
  });
  return out;
}
