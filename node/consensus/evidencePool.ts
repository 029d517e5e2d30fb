/**
 * The evidence pool (specs/consensus.md §6.1): duplicate-vote evidence from our own consensus
 * (conflicting votes the machine saw) and from peers (evidence channel), verified, kept pending until a
 * block commits it, offered to the proposer, gossiped, never proposed or accepted twice.
 *
 * - Conflicting votes at height h are buffered until h is committed; then they become
 *   `tendermint.types.DuplicateVoteEvidence{vote_a, vote_b, total_voting_power, validator_power,
 *   timestamp = block time of h}` (self-contained, tendermint#5610), votes ordered by block id.
 * - Verification: both votes of one validator at the same (h, r, type), different block ids, ordered,
 *   signatures valid over the chain's sign bytes, validator in the set of h with that power and total,
 *   timestamp = stored block time of h, h ≤ our last height, not expired (expired ⇔ age in blocks >
 *   max_age_num_blocks AND age in time > max_age_duration), not committed.
 * - Committed evidence is remembered by hash (in memory; on start the last `scanBlocksOnStart` blocks
 *   of the store are scanned for it), so a block proposing it again is invalid (tendermint#5560).
 */
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { Logger } from "pino";
import { compare, equal, toHex } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { verifyEd25519 } from "../crypto/ed25519.ts";
import type { MessageOutcome } from "../p2p/peerScore.ts";
import type { ChainState } from "../storage/types.ts";
import type { Block, BlockID, DuplicateVoteEvidence, Evidence, Timestamp, Validator, Vote } from "../types/block.ts";
import { decodeTimestamp, decodeVote, encodeVote, voteSignBytes, writeTimestamp } from "../types/encoding.ts";
import { compareTimestamps, timestampToMs } from "../types/time.ts";
import type { DriverEvidencePool } from "./driver.ts";
import type { GossipEvidencePool } from "./reactor.ts";
import type { DuplicateVoteEvidenceData } from "./voteSet.ts";

export interface DecodedDuplicateVote {
  voteA: Vote;
  voteB: Vote;
  totalVotingPower: bigint;
  validatorPower: bigint;
  timestamp: Timestamp;
}

export function encodeDuplicateVoteEvidence(e: DecodedDuplicateVote): DuplicateVoteEvidence {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).bytes(encodeVote(e.voteA));
  w.tag(2, WireType.LengthDelimited).bytes(encodeVote(e.voteB));
  if (e.totalVotingPower !== 0n) w.tag(3, WireType.Varint).int64(e.totalVotingPower);
  if (e.validatorPower !== 0n) w.tag(4, WireType.Varint).int64(e.validatorPower);
  w.tag(5, WireType.LengthDelimited).fork();
  writeTimestamp(w, e.timestamp);
  w.join();
  return { type: "duplicate_vote", raw: w.finish() };
}

export function decodeDuplicateVoteEvidence(raw: Uint8Array): DecodedDuplicateVote {
  const r = new BinaryReader(raw);
  let voteA: Vote | undefined;
  let voteB: Vote | undefined;
  let totalVotingPower = 0n;
  let validatorPower = 0n;
  let timestamp: Timestamp | undefined;
  while (r.pos < r.len) {
    const [f, t] = r.tag();
    if (f === 1 && t === WireType.LengthDelimited) voteA = decodeVote(r.bytes());
    else if (f === 2 && t === WireType.LengthDelimited) voteB = decodeVote(r.bytes());
    else if (f === 3 && t === WireType.Varint) totalVotingPower = BigInt(r.int64());
    else if (f === 4 && t === WireType.Varint) validatorPower = BigInt(r.int64());
    else if (f === 5 && t === WireType.LengthDelimited) timestamp = decodeTimestamp(r.bytes());
    else throw new Error(`duplicate vote evidence: unexpected field ${f}/${t}`);
  }
  if (voteA === undefined || voteB === undefined || timestamp === undefined) throw new Error("duplicate vote evidence: missing field");
  return { voteA, voteB, totalVotingPower, validatorPower, timestamp };
}

function blockIdKeyBytes(b: BlockID): Uint8Array {
  const out = new Uint8Array(b.hash.length + b.partSetHeader.hash.length + 4);
  out.set(b.hash, 0);
  new DataView(out.buffer).setUint32(b.hash.length, b.partSetHeader.total);
  out.set(b.partSetHeader.hash, b.hash.length + 4);
  return out;
}

export class EvidenceError extends Error {
  readonly outcome: "ignore" | "reject";
  constructor(outcome: "ignore" | "reject", message: string) {
    super(message);
    this.name = "EvidenceError";
    this.outcome = outcome;
  }
}

export interface EvidencePoolDeps {
  blockStore: { loadBlockMeta(h: bigint): { header: { time: Timestamp } } | undefined; loadBlock(h: bigint): Block | undefined; height(): bigint; base(): bigint };
  stateStore: { loadValidators(h: bigint): Validator[] | undefined };
  getState(): ChainState;
  logger: Logger;
}

export interface EvidencePoolOptions {
  maxPending: number;
  scanBlocksOnStart: number;
}

interface Pending {
  ev: Evidence;
  height: bigint;
  time: Timestamp;
}

export class EvidencePool implements DriverEvidencePool, GossipEvidencePool {
  private readonly d: EvidencePoolDeps;
  private readonly o: EvidencePoolOptions;
  private readonly pending = new Map<string, Pending>();
  private readonly committed = new Map<string, bigint>();
  private buffered: DuplicateVoteEvidenceData[] = [];
  private readonly listeners = new Set<(ev: Evidence) => void>();

  constructor(opts: Partial<EvidencePoolOptions>, deps: EvidencePoolDeps) {
    this.o = { maxPending: 1000, scanBlocksOnStart: 1000, ...opts };
    this.d = deps;
    const top = deps.blockStore.height();
    const from = top - BigInt(this.o.scanBlocksOnStart) > deps.blockStore.base() ? top - BigInt(this.o.scanBlocksOnStart) : deps.blockStore.base();
    for (let h = from; h <= top && h > 0n; h++) {
      const b = deps.blockStore.loadBlock(h);
      for (const ev of b?.evidence.evidence ?? []) this.committed.set(evKey(ev), h);
    }
  }

  onNewEvidence(l: (ev: Evidence) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  pendingList(): Evidence[] {
    return [...this.pending.values()].map((p) => p.ev);
  }

  isCommitted(ev: Evidence): boolean {
    return this.committed.has(evKey(ev));
  }

  reportConflictingVotes(ev: DuplicateVoteEvidenceData): void {
    if (this.buffered.length < this.o.maxPending) this.buffered.push(ev);
    this.flushBuffered(this.d.getState());
  }

  pendingEvidence(maxBytes: bigint): Evidence[] {
    const out: Evidence[] = [];
    let size = 0n;
    for (const p of this.pending.values()) {
      const n = BigInt(p.ev.raw.length + 8);
      if (maxBytes >= 0n && size + n > maxBytes) break;
      size += n;
      out.push(p.ev);
    }
    return out;
  }

  /** verifies `ev` against `state` (the state the block containing it would extend); throws EvidenceError. */
  verify(ev: Evidence, state: ChainState): DecodedDuplicateVote {
    let e: DecodedDuplicateVote;
    try {
      e = decodeDuplicateVoteEvidence(ev.raw);
    } catch (err: unknown) {
      throw new EvidenceError("reject", String(err));
    }
    if (this.committed.has(evKey(ev))) throw new EvidenceError("ignore", "evidence already committed");
    const a = e.voteA;
    const b = e.voteB;
    const h = a.height;
    if (b.height !== h || a.round !== b.round || a.type !== b.type || (a.type !== 1 && a.type !== 2)) throw new EvidenceError("reject", "votes of different height, round or type");
    if (!equal(a.validatorAddress, b.validatorAddress) || a.validatorIndex !== b.validatorIndex) throw new EvidenceError("reject", "votes of different validators");
    const ka = blockIdKeyBytes(a.blockId);
    const kb = blockIdKeyBytes(b.blockId);
    const c = compare(ka, kb);
    if (c === 0) throw new EvidenceError("reject", "votes for the same block id");
    if (c > 0) throw new EvidenceError("reject", "votes not ordered by block id");
    if (h > state.lastBlockHeight) throw new EvidenceError("ignore", `evidence of height ${h} beyond our last block ${state.lastBlockHeight}`);
    const p = state.consensusParams.evidence;
    const ageBlocks = state.lastBlockHeight - h;
    const ageNs = BigInt(Math.round((timestampToMs(state.lastBlockTime) - timestampToMs(e.timestamp)) * 1e6));
    if (ageBlocks > p.maxAgeNumBlocks && ageNs > p.maxAgeDurationNs) throw new EvidenceError("ignore", "evidence expired");
    const meta = this.d.blockStore.loadBlockMeta(h);
    if (meta === undefined) throw new EvidenceError("ignore", `no block ${h} to check the evidence time against`);
    if (compareTimestamps(meta.header.time, e.timestamp) !== 0) throw new EvidenceError("reject", "evidence time is not the block time");
    const vals = this.d.stateStore.loadValidators(h);
    if (vals === undefined) throw new EvidenceError("ignore", `validator set of ${h} unknown`);
    const val = vals[a.validatorIndex];
    if (val === undefined || !equal(val.address, a.validatorAddress)) throw new EvidenceError("reject", "validator not in the set of the evidence height");
    let total = 0n;
    for (const v of vals) total += v.votingPower;
    if (val.votingPower !== e.validatorPower || total !== e.totalVotingPower) throw new EvidenceError("reject", "evidence powers do not match the validator set");
    for (const v of [a, b]) {
      if (!verifyEd25519(val.pubKey.value, voteSignBytes(state.chainId, v), v.signature)) throw new EvidenceError("reject", "evidence vote signature invalid");
    }
    return e;
  }

  addFromPeer(ev: Evidence): MessageOutcome {
    const k = evKey(ev);
    if (this.pending.has(k)) return "ignore";
    try {
      const e = this.verify(ev, this.d.getState());
      this.addPending(k, ev, e.voteA.height, e.timestamp);
      return "accept";
    } catch (err: unknown) {
      if (err instanceof EvidenceError) return err.outcome;
      throw err;
    }
  }

  checkBlockEvidence(block: Block, state: ChainState): void {
    const seen = new Set<string>();
    let size = 0n;
    for (const ev of block.evidence.evidence) {
      const k = evKey(ev);
      if (seen.has(k)) throw new Error("duplicate evidence in block");
      seen.add(k);
      size += BigInt(ev.raw.length);
      this.verify(ev, state);
    }
    const max = state.consensusParams.evidence.maxBytes;
    if (max >= 0n && size > max) throw new Error(`block evidence of ${size} bytes exceeds ${max}`);
  }

  update(block: Block, state: ChainState): void {
    for (const ev of block.evidence.evidence) {
      const k = evKey(ev);
      this.committed.set(k, block.header.height);
      this.pending.delete(k);
    }
    this.flushBuffered(state);
    const p = state.consensusParams.evidence;
    for (const [k, e] of this.pending) {
      const ageNs = BigInt(Math.round((timestampToMs(state.lastBlockTime) - timestampToMs(e.time)) * 1e6));
      if (state.lastBlockHeight - e.height > p.maxAgeNumBlocks && ageNs > p.maxAgeDurationNs) this.pending.delete(k);
    }
    for (const [k, h] of this.committed) {
      if (state.lastBlockHeight - h > p.maxAgeNumBlocks && this.committed.size > 10_000) this.committed.delete(k);
    }
  }

  private addPending(k: string, ev: Evidence, height: bigint, time: Timestamp): void {
    if (this.pending.size >= this.o.maxPending) return;
    this.pending.set(k, { ev, height, time });
    this.d.logger.info({ height: height.toString(), hash: k.slice(0, 16) }, "new duplicate-vote evidence");
    for (const l of this.listeners) l(ev);
  }

  private flushBuffered(state: ChainState): void {
    const keep: DuplicateVoteEvidenceData[] = [];
    for (const data of this.buffered) {
      const h = data.voteA.height;
      if (h > state.lastBlockHeight) {
        keep.push(data);
        continue;
      }
      const meta = this.d.blockStore.loadBlockMeta(h);
      if (meta === undefined) continue;
      const strip = (v: Vote): Vote => ({ ...v, extension: new Uint8Array(0), extensionSignature: new Uint8Array(0) });
      const ev = encodeDuplicateVoteEvidence({
        voteA: strip(data.voteA),
        voteB: strip(data.voteB),
        totalVotingPower: data.totalVotingPower,
        validatorPower: data.validatorPower,
        timestamp: meta.header.time,
      });
      const k = evKey(ev);
      if (this.pending.has(k) || this.committed.has(k)) continue;
      try {
        this.verify(ev, state);
      } catch (err: unknown) {
        this.d.logger.warn({ err: (err as Error).message, height: h.toString() }, "own duplicate-vote evidence does not verify; dropped");
        continue;
      }
      this.addPending(k, ev, h, meta.header.time);
    }
    this.buffered = keep;
  }
}

function evKey(ev: Evidence): string {
  return toHex(sha256(ev.raw));
}


