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
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { Logger } from "pino";
import { compare, equal, toHex } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { verifyEd25519 } from "../crypto/ed25519.ts";
import type { MessageOutcome } from "../p2p/peerScore.ts";
import type { ChainState } from "../storage/types.ts";
import { verifyCommit } from "../blocksync/verify.ts";
import type { Block, BlockID, Commit, DuplicateVoteEvidence, Evidence, Timestamp, Validator, Vote } from "../types/block.ts";
import { decodeTimestamp, decodeVote, encodeVote, voteSignBytes, writeTimestamp } from "../types/encoding.ts";
import { compareTimestamps, timestampToMs } from "../types/time.ts";
import type { DriverEvidencePool } from "./driver.ts";
import type { GossipEvidencePool } from "./reactor.ts";
import { type CommitLike, type ConflictingPair, conflictingCommitVotes, sameBlockId as blockIdEqualBytes } from "./forkEvidence.ts";
import { type DuplicateVoteEvidenceData, makeDuplicateVoteEvidence } from "./voteSet.ts";

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
  blockStore: {
    loadBlockMeta(h: bigint): { header: { time: Timestamp } } | undefined;
    loadBlock(h: bigint): Block | undefined;
    height(): bigint;
    base(): bigint;
    /** our commit of h (fork forensics): the extended commit we decided, else the seen commit. */
    loadExtendedCommit?(h: bigint): { height: bigint; round: number; blockId: BlockID; extendedSignatures: Commit["signatures"] } | undefined;
    loadSeenCommit?(h: bigint): Commit | undefined;
  };
  stateStore: { loadValidators(h: bigint): Validator[] | undefined };
  getState(): ChainState;
  logger: Logger;
}

export interface EvidencePoolOptions {
  maxPending: number;
  scanBlocksOnStart: number;
  /**
   * a directory where pending evidence is kept (one `<hash>.ev` file of DuplicateVoteEvidence bytes
   * each, removed once committed or expired) so a restart, or a node that halted on a fork, still
   * holds and offers it (`restore`). Unset: memory only.
   */
  dir?: string;
}

/** what a node learns on meeting a commit that conflicts with one it holds (`reportFork`). */
export interface ForkReport {
  height: bigint;
  ourBlock: string;
  theirBlock: string;
  source: string;
  /** duplicate-vote evidence items built, verified and kept pending by this report. */
  evidence: number;
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
  private readonly forkListeners = new Set<(r: ForkReport) => void>();
  /** (height, their block) forks already logged, and conflicting vote pairs already checked (bounded). */
  private readonly forksSeen = new Set<string>();
  private readonly pairsSeen = new Set<string>();
  /** per sender: the conflicting commits (their block hashes) examined at `forkChecksHeight`. */
  private readonly forkChecks = new Map<string, Set<string>>();
  private forkChecksHeight = -1n;
  /** signature pairs of peer evidence whose votes verified (re-sent with other ABCI fields: not verified again). */
  private readonly knownVotes = new Set<string>();
  /** conflicting commits met since start, and the first few (for RPC / logs). */
  readonly forks: ForkReport[] = [];
  forksDetected = 0;

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

  /** called on every newly detected conflicting commit (metrics). */
  onFork(l: (r: ForkReport) => void): () => void {
    this.forkListeners.add(l);
    return () => this.forkListeners.delete(l);
  }

  /**
   * loads the evidence kept in `dir` (pending at the last stop): each is verified against `state` again;
   * committed, expired or unverifiable items are dropped (and their files removed).
   */
  restore(state: ChainState): number {
    const dir = this.o.dir;
    if (dir === undefined || !existsSync(dir)) return 0;
    let n = 0;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith(".ev")) continue;
      const path = join(dir, f);
      const ev: Evidence = { type: "duplicate_vote", raw: new Uint8Array(readFileSync(path)) };
      const k = evKey(ev);
      if (this.pending.has(k)) continue;
      try {
        const r = this.verifyParts(ev, state);
        if (r.mismatch !== undefined) throw new EvidenceError("reject", r.mismatch);
        this.addPending(k, ev, r.e.voteA.height, r.e.timestamp);
        n++;
      } catch (err: unknown) {
        const msg = (err as Error).message;
        // kept for later when it only cannot be checked yet (height beyond our state, set unknown)
        if (err instanceof EvidenceError && err.outcome === "ignore" && !/committed|expired/.test(msg)) continue;
        this.d.logger.warn({ file: f, err: msg }, "kept evidence no longer valid here (committed, expired, invalid or of another chain); removed");
        rmSync(path, { force: true });
      }
    }
    if (n > 0) this.d.logger.warn({ count: n }, "pending duplicate-vote evidence restored from disk");
    return n;
  }

  /**
   * a commit (or precommits) for height `height`, which we committed with `ourBlock`, names another
   * block: the chain has forked (> 1/3 of the power signed both). Logged at error level once per
   * (height, their block); every pair of precommits of one validator in the same round is turned into
   * duplicate-vote evidence (our block time of h, our set's powers), VERIFIED (both signatures against
   * our stored validator set of h) and kept pending (persisted, gossiped, proposed). Pairs that do not
   * verify are dropped without effect, so a peer cannot plant evidence or trigger anything with forged
   * votes; each pair is checked once.
   */
  reportFork(height: bigint, ourBlock: BlockID, theirBlock: BlockID, pairs: readonly ConflictingPair[], source: string, theirCommit?: Commit): number {
    const state = this.d.getState();
    let built = 0;
    let proven = 0;
    const meta = this.d.blockStore.loadBlockMeta(height);
    const vals = this.d.stateStore.loadValidators(height);
    for (const p of pairs) {
      const pk = `${height}/${p.theirs.round}/${p.theirs.validatorIndex}/${toHex(p.theirs.blockId.hash)}/${toHex(p.theirs.signature)}`;
      if (this.pairsSeen.has(pk)) continue;
      if (this.pairsSeen.size >= 4096) this.pairsSeen.clear();
      this.pairsSeen.add(pk);
      const val = vals?.[p.ours.validatorIndex];
      if (meta === undefined || vals === undefined || val === undefined) continue;
      let total = 0n;
      for (const v of vals) total += v.votingPower;
      const data = makeDuplicateVoteEvidence(p.ours, p.theirs, total, val.votingPower);
      const ev = encodeDuplicateVoteEvidence({ ...data, timestamp: meta.header.time });
      const k = evKey(ev);
      if (this.pending.has(k) || this.committed.has(k)) {
        proven++;
        continue;
      }
      try {
        this.verify(ev, state);
      } catch (err: unknown) {
        this.d.logger.warn({ height: height.toString(), source, err: (err as Error).message }, "a conflicting precommit does not verify: no evidence");
        continue;
      }
      this.addPending(k, ev, height, meta.header.time);
      built++;
      proven++;
    }
    // only what verifies declares a fork: forged votes or commits from a peer change nothing here
    let commitVerified = false;
    if (proven === 0 && theirCommit !== undefined && vals !== undefined) {
      try {
        verifyCommit(state.chainId, vals, height, theirCommit);
        commitVerified = true;
      } catch {
        commitVerified = false;
      }
    }
    if (proven === 0 && !commitVerified) return 0;
    const fk = `${height}/${toHex(theirBlock.hash)}`;
    const first = !this.forksSeen.has(fk);
    if (!first && built === 0) return 0;
    if (first && this.forksSeen.size < 4096) this.forksSeen.add(fk);
    const report: ForkReport = { height, ourBlock: toHex(ourBlock.hash).toUpperCase(), theirBlock: toHex(theirBlock.hash).toUpperCase(), source, evidence: built };
    if (first) {
      this.forksDetected++;
      if (this.forks.length < 64) this.forks.push(report);
    }
    this.d.logger.error(
      { height: height.toString(), ourBlock: report.ourBlock, theirBlock: report.theirBlock, source, evidence: built, validators: pairs.map((p) => toHex(p.ours.validatorAddress).toUpperCase()) },
      built > 0
        ? "CONFLICTING COMMIT: another block was committed at a height this node committed (the chain forked: > 1/3 of the power signed both); duplicate-vote evidence kept pending"
        : "CONFLICTING COMMIT: another block was committed at a height this node committed (the chain forked); no provable duplicate vote in what was received",
    );
    for (const l of this.forkListeners) l(report);
    return built;
  }

  /**
   * a block of the height after our last one (from a consensus peer or block sync) whose last commit
   * names another block than the one we committed: the chain forked. The commit's conflicting
   * precommits go through `reportFork` (verified there). At most 4 distinct conflicting commits per
   * sender (`from`: a peer id, "block sync") and height are examined, so forged blocks cost a bounded
   * number of signature checks and one sender cannot use up the checks of another.
   */
  checkBlockForFork(block: Block, source: string, from = source): number {
    const st = this.d.getState();
    const h = block.header.height - 1n;
    if (h <= 0n || h !== st.lastBlockHeight || blockIdEqualBytes(block.header.lastBlockId, st.lastBlockId)) return 0;
    const theirs = block.lastCommit;
    if (theirs.height !== h || !blockIdEqualBytes(theirs.blockId, block.header.lastBlockId)) return 0; // not self-consistent: refused elsewhere
    if (this.forkChecksHeight !== h) {
      this.forkChecksHeight = h;
      this.forkChecks.clear();
    }
    let mine = this.forkChecks.get(from);
    if (mine === undefined) {
      if (this.forkChecks.size >= 256) return 0;
      mine = new Set();
      this.forkChecks.set(from, mine);
    }
    const key = toHex(theirs.blockId.hash);
    if (mine.has(key) || mine.size >= 4) return 0;
    mine.add(key);
    const bs = this.d.blockStore;
    const ext = bs.loadExtendedCommit?.(h);
    const ours: CommitLike | undefined = ext !== undefined ? { height: ext.height, round: ext.round, blockId: ext.blockId, signatures: ext.extendedSignatures } : bs.loadSeenCommit?.(h);
    if (ours === undefined) return 0;
    return this.reportFork(h, st.lastBlockId, theirs.blockId, conflictingCommitVotes(ours, theirs), source, theirs);
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
    const r = this.verifyParts(ev, state);
    if (r.mismatch !== undefined) throw new EvidenceError("reject", r.mismatch);
    return r.e;
  }

  /**
   * every check of `verify`; the ABCI fields (timestamp = our block time of h, the validator's and the
   * total power in our set of h) are compared last and reported as `mismatch` with the locally right
   * values, as CometBFT's evidence/verify.go separates VerifyDuplicateVote from ValidateABCI. On a
   * forked chain the two branches have different block times at h, so evidence built on one branch
   * carries the other's time: the votes still prove the double sign.
   */
  private verifyParts(ev: Evidence, state: ChainState): { e: DecodedDuplicateVote; local: DecodedDuplicateVote; mismatch: string | undefined } {
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
    const meta = this.d.blockStore.loadBlockMeta(h);
    if (meta === undefined) throw new EvidenceError("ignore", `no block ${h} to check the evidence time against`);
    const p = state.consensusParams.evidence;
    const ageBlocks = state.lastBlockHeight - h;
    const ageNs = BigInt(Math.round((timestampToMs(state.lastBlockTime) - timestampToMs(meta.header.time)) * 1e6));
    if (ageBlocks > p.maxAgeNumBlocks && ageNs > p.maxAgeDurationNs) throw new EvidenceError("ignore", "evidence expired");
    const vals = this.d.stateStore.loadValidators(h);
    if (vals === undefined) throw new EvidenceError("ignore", `validator set of ${h} unknown`);
    const val = vals[a.validatorIndex];
    if (val === undefined || !equal(val.address, a.validatorAddress)) throw new EvidenceError("reject", "validator not in the set of the evidence height");
    for (const v of [a, b]) {
      if (!verifyEd25519(val.pubKey.value, voteSignBytes(state.chainId, v), v.signature)) throw new EvidenceError("reject", "evidence vote signature invalid");
    }
    let total = 0n;
    for (const v of vals) total += v.votingPower;
    const local: DecodedDuplicateVote = { voteA: a, voteB: b, totalVotingPower: total, validatorPower: val.votingPower, timestamp: meta.header.time };
    let mismatch: string | undefined;
    if (compareTimestamps(meta.header.time, e.timestamp) !== 0) mismatch = "evidence time is not the block time";
    else if (val.votingPower !== e.validatorPower || total !== e.totalVotingPower) mismatch = "evidence powers do not match the validator set";
    return { e, local, mismatch };
  }

  /**
   * evidence whose votes verify but whose ABCI fields (time, powers) are not ours: CometBFT
   * (evidence/verify.go) regenerates them from its own chain, keeps that as pending, and still answers
   * an error (here "ignore": no peer penalty, the sender may sit on another branch of a fork).
   */
  private keepRestamped(local: DecodedDuplicateVote): void {
    const fixed = encodeDuplicateVoteEvidence(local);
    const k = evKey(fixed);
    if (this.pending.has(k) || this.committed.has(k)) return;
    this.d.logger.warn({ height: local.voteA.height.toString(), validator: toHex(local.voteA.validatorAddress).toUpperCase() }, "duplicate-vote evidence with another time or powers (built on another branch?): kept with ours");
    this.addPending(k, fixed, local.voteA.height, local.timestamp);
  }

  addFromPeer(ev: Evidence): MessageOutcome {
    const k = evKey(ev);
    if (this.pending.has(k)) return "ignore";
    try {
      // the same double sign with other ABCI fields (another branch's time, or a peer varying them):
      // once its votes verified and we hold it, do not verify the signatures again
      const votesKey = this.votesKeyOf(ev);
      if (votesKey !== undefined && this.knownVotes.has(votesKey)) return "ignore";
      const r = this.verifyParts(ev, this.d.getState());
      if (votesKey !== undefined) {
        if (this.knownVotes.size >= 4096) this.knownVotes.clear();
        this.knownVotes.add(votesKey);
      }
      if (r.mismatch !== undefined) {
        this.keepRestamped(r.local);
        return "ignore";
      }
      this.addPending(k, ev, r.e.voteA.height, r.e.timestamp);
      return "accept";
    } catch (err: unknown) {
      if (err instanceof EvidenceError) return err.outcome;
      throw err;
    }
  }

  private votesKeyOf(ev: Evidence): string | undefined {
    try {
      const e = decodeDuplicateVoteEvidence(ev.raw);
      return `${toHex(e.voteA.signature)}/${toHex(e.voteB.signature)}`;
    } catch {
      return undefined;
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
      const r = this.verifyParts(ev, state);
      if (r.mismatch !== undefined) {
        this.keepRestamped(r.local);
        throw new EvidenceError("reject", r.mismatch);
      }
    }
    const max = state.consensusParams.evidence.maxBytes;
    if (max >= 0n && size > max) throw new Error(`block evidence of ${size} bytes exceeds ${max}`);
  }

  update(block: Block, state: ChainState): void {
    for (const ev of block.evidence.evidence) {
      const k = evKey(ev);
      this.committed.set(k, block.header.height);
      if (this.pending.delete(k)) this.unpersist(k);
    }
    this.flushBuffered(state);
    const p = state.consensusParams.evidence;
    for (const [k, e] of this.pending) {
      const ageNs = BigInt(Math.round((timestampToMs(state.lastBlockTime) - timestampToMs(e.time)) * 1e6));
      if (state.lastBlockHeight - e.height > p.maxAgeNumBlocks && ageNs > p.maxAgeDurationNs) {
        this.pending.delete(k);
        this.unpersist(k);
      }
    }
    for (const [k, h] of this.committed) {
      if (state.lastBlockHeight - h > p.maxAgeNumBlocks && this.committed.size > 10_000) this.committed.delete(k);
    }
  }

  private addPending(k: string, ev: Evidence, height: bigint, time: Timestamp): void {
    if (this.pending.size >= this.o.maxPending) return;
    this.pending.set(k, { ev, height, time });
    if (this.o.dir !== undefined) {
      try {
        mkdirSync(this.o.dir, { recursive: true });
        const path = join(this.o.dir, `${k}.ev`);
        if (!existsSync(path)) {
          writeFileSync(`${path}.tmp`, ev.raw, { flush: true });
          renameSync(`${path}.tmp`, path);
        }
      } catch (err: unknown) {
        this.d.logger.error({ err: (err as Error).message }, "could not persist pending evidence");
      }
    }
    this.d.logger.info({ height: height.toString(), hash: k.slice(0, 16) }, "new duplicate-vote evidence");
    for (const l of this.listeners) l(ev);
  }

  private unpersist(k: string): void {
    if (this.o.dir !== undefined) rmSync(join(this.o.dir, `${k}.ev`), { force: true });
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


