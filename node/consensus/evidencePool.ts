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
import type { Block, BlockID, Commit, DuplicateVoteEvidence, Evidence, Header, Timestamp, Validator, Vote } from "../types/block.ts";
import { decodeTimestamp, decodeVote, encodeVote, voteSignBytes, writeTimestamp } from "../types/encoding.ts";
import { commitHash, headerHash } from "../types/hash.ts";
import { compareTimestamps, timestampToMs } from "../types/time.ts";
import type { DriverEvidencePool } from "./driver.ts";
import type { GossipEvidencePool } from "./reactor.ts";
import { type CommitLike, type ConflictingPair, conflictingCommitVotes, sameBlockId as blockIdEqualBytes } from "./forkEvidence.ts";
import { type DuplicateVoteEvidenceData, makeDuplicateVoteEvidence } from "./voteSet.ts";
import {
  buildLightClientAttack,
  type DecodedLightClientAttack,
  decodeLightClientAttack,
  encodeLightClientAttack,
  EvidenceError,
  lightClientAttackHash,
  type SignedHeader,
  verifyLightClientAttack,
} from "./lightClientAttack.ts";

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

export { EvidenceError };

export interface EvidencePoolDeps {
  blockStore: {
    loadBlockMeta(h: bigint): { header: { time: Timestamp } } | undefined;
    loadBlock(h: bigint): Block | undefined;
    height(): bigint;
    base(): bigint;
    /** our commit of h (fork forensics): the extended commit we decided, else the seen commit. */
    loadExtendedCommit?(h: bigint): { height: bigint; round: number; blockId: BlockID; extendedSignatures: Commit["signatures"] } | undefined;
    loadSeenCommit?(h: bigint): Commit | undefined;
    /** the canonical commit of h (carried by block h+1): light-client-attack verification. */
    loadBlockCommit?(h: bigint): Commit | undefined;
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
  /** a light client attack: the highest height whose canonical commit its verification reads. */
  commitOf?: bigint;
}

/** what `check` derives from one evidence item. */
interface Checked {
  /** the evidence height (the votes' height; a light client attack's common height). */
  height: bigint;
  time: Timestamp;
  /** the ABCI fields (time, powers, byzantine validators) differ from what this chain derives. */
  mismatch: string | undefined;
  /** the evidence with this chain's ABCI fields. */
  local: Evidence;
  commitOf?: bigint;
}

/** a walk down the other branch of a fork, one block per step, to the first height where it differs from ours. */
interface Walk {
  height: bigint;
  /** the other branch's canonical commit of `height` (verified at the start, then hash-chained). */
  commit: Commit;
  source: string;
  steps: number;
  requests: number;
}

/**
 * most blocks fetched down one fork's other branch (a fork deeper than this gives no light-client-attack
 * evidence). A walk starts only from a fully verified conflicting commit (a real fork), one block per step.
 */
const MAX_WALK_STEPS = 1000;
const MAX_WALKS = 8;
/** light-client-attack evidence for the other branch of a fork (gossiped, never proposed here): at most. */
const MAX_OTHER_BRANCH = 16;

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
  /** fork walks in progress, by the hex hash of the other branch's block they wait for. */
  private readonly walks = new Map<string, Walk>();
  /** forks (height/their block) a walk was started for. */
  private readonly walksStarted = new Set<string>();
  private readonly wantListeners = new Set<(height: bigint, hash: Uint8Array) => void>();
  /**
   * light-client-attack evidence that only the OTHER branch of a fork can verify and commit (its
   * conflicting block is ours): built with that branch's ABCI fields, checked as that branch would, then
   * gossiped; never proposed or counted as pending here.
   */
  private readonly otherBranch = new Map<string, Pending>();
  /** light-client-attack evidence built, verified and kept (pending or for the other branch) since start. */
  lightClientAttacksBuilt = 0;
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
      const ext = f.slice(f.lastIndexOf("."));
      if (ext !== ".ev" && ext !== ".lca" && ext !== ".lcx") continue;
      const path = join(dir, f);
      const ev: Evidence = { type: ext === ".ev" ? "duplicate_vote" : "light_client_attack", raw: new Uint8Array(readFileSync(path)) };
      const k = evKey(ev);
      if (this.pending.has(k) || this.otherBranch.has(k)) continue;
      if (ext === ".lcx") {
        // for the other branch of a fork: not verifiable here; kept until expired by our chain's age
        try {
          const e = decodeLightClientAttack(ev.raw, state.chainId);
          const p = state.consensusParams.evidence;
          const ageNs = BigInt(Math.round((timestampToMs(state.lastBlockTime) - timestampToMs(e.timestamp)) * 1e6));
          if (state.lastBlockHeight - e.commonHeight > p.maxAgeNumBlocks && ageNs > p.maxAgeDurationNs) throw new Error("expired");
          if (this.otherBranch.size < MAX_OTHER_BRANCH) this.otherBranch.set(k, { ev, height: e.commonHeight, time: e.timestamp });
          n++;
        } catch {
          rmSync(path, { force: true });
        }
        continue;
      }
      try {
        const r = this.check(ev, state, false);
        if (r.mismatch !== undefined && ev.type === "light_client_attack") {
          // built from the commit we decided with; the canonical one (stored since) gives other ABCI fields
          rmSync(path, { force: true });
          this.keepRestamped(r);
          n++;
          continue;
        }
        if (r.mismatch !== undefined) throw new EvidenceError("reject", r.mismatch);
        this.addPending(k, ev, r.height, r.time, r.commitOf);
        n++;
      } catch (err: unknown) {
        const msg = (err as Error).message;
        // kept for later when it only cannot be checked yet (height beyond our state, set unknown)
        if (err instanceof EvidenceError && err.outcome === "ignore" && !/committed|expired/.test(msg)) continue;
        this.d.logger.warn({ file: f, err: msg }, "kept evidence no longer valid here (committed, expired, invalid or of another chain); removed");
        rmSync(path, { force: true });
      }
    }
    if (n > 0) this.d.logger.warn({ count: n }, "pending evidence restored from disk");
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
    const fk = `${height}/${toHex(theirBlock.hash)}`;
    const first = !this.forksSeen.has(fk);
    // the fork may have been declared first from a precommit (no commit to walk from): walk once per fork
    const walked = this.walksStarted.has(fk);
    let commitVerified = false;
    if ((proven === 0 || !walked) && theirCommit !== undefined && vals !== undefined && blockIdEqualBytes(theirCommit.blockId, theirBlock)) {
      try {
        verifyCommit(state.chainId, vals, height, theirCommit);
        commitVerified = true;
      } catch {
        commitVerified = false;
      }
    }
    if (proven === 0 && !commitVerified) return 0;
    // a verified commit of the other branch: walk down it to where it left ours (light-client-attack evidence)
    if (!walked && commitVerified && theirCommit !== undefined && this.startWalk(height, theirCommit, source) && this.walksStarted.size < 4096) this.walksStarted.add(fk);
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

  // ------------------------------------------------------------------ light-client-attack evidence (fork walks)

  /** called with (height, block hash) of a block of the other branch a fork walk needs (the reactor asks peers). */
  onWantBlock(l: (height: bigint, hash: Uint8Array) => void): () => void {
    this.wantListeners.add(l);
    return () => this.wantListeners.delete(l);
  }

  /** the blocks fork walks still wait for, asked again (each at most 10 times): the reactor calls this every few seconds. */
  retryWalks(): void {
    for (const [k, w] of this.walks) {
      if (w.requests >= 10) {
        this.walks.delete(k);
        this.d.logger.warn({ height: w.height.toString(), source: w.source }, "fork walk abandoned: no peer served the other branch's block");
        continue;
      }
      w.requests++;
      for (const l of this.wantListeners) l(w.height, w.commit.blockId.hash);
    }
  }

  /** fork walks waiting for a block. */
  get walking(): number {
    return this.walks.size;
  }

  private startWalk(height: bigint, commit: Commit, source: string): boolean {
    const key = toHex(commit.blockId.hash);
    if (this.walks.size >= MAX_WALKS || this.walks.has(key)) return false;
    const w: Walk = { height, commit, source, steps: 0, requests: 1 };
    this.walks.set(key, w);
    for (const l of this.wantListeners) l(height, commit.blockId.hash);
    return true;
  }

  /**
   * a block at or below our last height from a peer: when a fork walk waits for it (its header hash is
   * the one the walk's verified commit, or the next block's header, names) it is one step down the
   * other branch. Where its parent is our block, the branches split at its height: the
   * light-client-attack evidence for both sides is built (`buildForkEvidence`). Any other block is
   * ignored (one header hash per block while a walk is in progress). Returns the evidence items built.
   */
  forkBlock(block: Block): number {
    if (this.walks.size === 0) return 0;
    const key = toHex(headerHash(block.header));
    const w = this.walks.get(key);
    if (w === undefined || block.header.height !== w.height) return 0;
    this.walks.delete(key);
    const h = w.height;
    const bs = this.d.blockStore;
    const parent = h - 1n >= 1n ? bs.loadBlockMeta(h - 1n) : undefined;
    const parentId = (parent as { blockId?: BlockID } | undefined)?.blockId;
    if (h - 1n < 1n || h - 1n < bs.base() || parentId === undefined || blockIdEqualBytes(block.header.lastBlockId, parentId)) {
      return this.buildForkEvidence({ header: block.header, commit: w.commit }, w.source);
    }
    // one more step down: the block's last commit signs its parent (authenticated by the header's last commit hash)
    const lc = block.lastCommit;
    if (w.steps + 1 > MAX_WALK_STEPS) {
      this.d.logger.warn({ height: h.toString(), source: w.source }, "fork walk stopped: the branches split more than MAX_WALK_STEPS heights below");
      return 0;
    }
    if (lc.height !== h - 1n || !blockIdEqualBytes(lc.blockId, block.header.lastBlockId) || !equal(commitHash(lc), block.header.lastCommitHash)) return 0;
    const next: Walk = { height: h - 1n, commit: lc, source: w.source, steps: w.steps + 1, requests: 1 };
    this.walks.set(toHex(lc.blockId.hash), next);
    for (const l of this.wantListeners) l(next.height, lc.blockId.hash);
    return 0;
  }

  /** our signed header of h: the canonical commit (block h+1's), else (`strict` off) the one we decided with. */
  private signedHeaderOf(h: bigint, strict: boolean): SignedHeader | undefined {
    const bs = this.d.blockStore;
    const meta = bs.loadBlockMeta(h) as { header: Header } | undefined;
    if (meta === undefined || (meta.header as Partial<Header>).validatorsHash === undefined) return undefined;
    let commit = bs.loadBlockCommit?.(h);
    if (commit === undefined && !strict) {
      commit = bs.loadSeenCommit?.(h);
      if (commit === undefined) {
        const ext = bs.loadExtendedCommit?.(h);
        if (ext !== undefined) {
          commit = {
            height: ext.height,
            round: ext.round,
            blockId: ext.blockId,
            signatures: ext.extendedSignatures.map((x) => ({ blockIdFlag: x.blockIdFlag, validatorAddress: x.validatorAddress, timestamp: x.timestamp, signature: x.signature })),
          };
        }
      }
    }
    return commit === undefined ? undefined : { header: meta.header, commit };
  }

  /**
   * the branches split at `theirs.header.height` (same parent): light-client-attack evidence of the
   * equivocation form (same round; the validators that signed both commits) or the amnesia form (other
   * rounds; nobody proven guilty), common height = that height. Two items: one with the other branch's
   * block as the conflicting one (verified against our chain, kept pending, proposed here), one with our
   * block as the conflicting one and the other branch's ABCI fields (checked as that branch will check
   * it, gossiped for it to commit).
   */
  private buildForkEvidence(theirs: SignedHeader, source: string): number {
    const state = this.d.getState();
    const h = theirs.header.height;
    const ours = this.signedHeaderOf(h, false);
    const vals = this.d.stateStore.loadValidators(h);
    if (ours === undefined || vals === undefined) return 0;
    let built = 0;
    const forUs = buildLightClientAttack(theirs, ours, vals, ours.header.time);
    if (forUs !== undefined) {
      const ev: Evidence = { type: "light_client_attack", raw: encodeLightClientAttack(forUs) };
      const k = evKey(ev);
      if (!this.pending.has(k) && !this.committed.has(k)) {
        try {
          const r = this.check(ev, state, false);
          if (r.mismatch !== undefined) throw new Error(r.mismatch);
          this.addPending(k, ev, r.height, r.time, r.commitOf);
          built++;
        } catch (err: unknown) {
          this.d.logger.warn({ height: h.toString(), source, err: (err as Error).message }, "light-client-attack evidence of the fork does not verify here");
        }
      }
    }
    const forThem = buildLightClientAttack(ours, theirs, vals, theirs.header.time);
    if (forThem !== undefined) {
      try {
        // as the other branch checks it: its header and canonical commit of h are the trusted ones
        const r = verifyLightClientAttack(forThem, { chainId: state.chainId, commonHeader: theirs, trustedHeader: theirs, commonVals: vals, commonTime: theirs.header.time });
        if (r.mismatch !== undefined) throw new Error(r.mismatch);
        const ev: Evidence = { type: "light_client_attack", raw: encodeLightClientAttack(forThem) };
        const k = evKey(ev);
        if (!this.otherBranch.has(k) && this.otherBranch.size < MAX_OTHER_BRANCH) {
          this.otherBranch.set(k, { ev, height: h, time: ours.header.time });
          this.persist(k, ev, ".lcx");
          for (const l of this.listeners) l(ev);
          built++;
        }
      } catch (err: unknown) {
        this.d.logger.warn({ height: h.toString(), source, err: (err as Error).message }, "light-client-attack evidence for the other branch does not verify");
      }
    }
    if (built > 0) {
      this.lightClientAttacksBuilt += built;
      const kind = forUs === undefined ? "lunatic" : forUs.byzantineValidators.length > 0 ? "equivocation" : "amnesia";
      this.d.logger.error(
        {
          height: h.toString(),
          kind,
          ourRound: ours.commit.round,
          theirRound: theirs.commit.round,
          byzantine: (forUs?.byzantineValidators ?? []).map((v) => toHex(v.address).toUpperCase()),
          source,
        },
        "FORK: the branches split at this height; light-client-attack evidence built (amnesia: signed in different rounds, nobody can be punished)",
      );
    }
    return built;
  }

  onNewEvidence(l: (ev: Evidence) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** pending evidence (verified against our chain; proposed and gossiped). */
  pendingList(): Evidence[] {
    return [...this.pending.values()].map((p) => p.ev);
  }

  /** what peers get: the pending evidence plus the light-client-attack evidence kept for the other branch of a fork. */
  gossipList(): Evidence[] {
    return [...this.pendingList(), ...[...this.otherBranch.values()].map((p) => p.ev)];
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
    const last = this.d.getState().lastBlockHeight;
    let size = 0n;
    const state = this.d.getState();
    for (const [k, p] of [...this.pending]) {
      // a light client attack is checked against canonical commits: only once block commitOf+1 is ours,
      // and as every validator will check it (built before that, its ABCI fields may come from the
      // commit we decided with, whose round can differ from the canonical one): re-stamped if needed
      if (p.commitOf !== undefined) {
        if (p.commitOf >= last) continue;
        try {
          const r = this.check(p.ev, state, true);
          if (r.mismatch !== undefined) {
            this.keepRestamped(r);
            continue; // proposed next time, as re-stamped
          }
        } catch (err: unknown) {
          if (err instanceof EvidenceError && err.outcome === "reject") {
            this.pending.delete(k);
            this.unpersist(k, p.ev);
          }
          continue;
        }
      }
      const n = BigInt(p.ev.raw.length + 8);
      if (maxBytes >= 0n && size + n > maxBytes) break;
      size += n;
      out.push(p.ev);
    }
    return out;
  }

  /** verifies `ev` against `state` (the state the block containing it would extend); throws EvidenceError. */
  verify(ev: Evidence, state: ChainState, strict = false): void {
    const r = this.check(ev, state, strict);
    if (r.mismatch !== undefined) throw new EvidenceError("reject", r.mismatch);
  }

  /**
   * every check of `verify` (`strict`: a light client attack only against canonical commits, as block
   * validation needs the same answer on every node); the ABCI fields are compared last and reported as
   * `mismatch`, with the evidence as this chain derives it in `local`.
   */
  private check(ev: Evidence, state: ChainState, strict: boolean): Checked {
    if (ev.type === "light_client_attack") return this.checkLightClientAttack(ev, state, strict);
    const r = this.verifyParts(ev, state);
    return { height: r.e.voteA.height, time: r.e.timestamp, mismatch: r.mismatch, local: encodeDuplicateVoteEvidence(r.local) };
  }

  /** evidence/verify.go for LightClientAttackEvidence: time = our block time at the common height, not expired, VerifyLightClientAttack. */
  private checkLightClientAttack(ev: Evidence, state: ChainState, strict: boolean): Checked {
    let e: DecodedLightClientAttack;
    try {
      e = decodeLightClientAttack(ev.raw, state.chainId);
    } catch (err: unknown) {
      throw new EvidenceError("reject", String(err));
    }
    if (this.committed.has(evKey(ev))) throw new EvidenceError("ignore", "evidence already committed");
    const ch = e.commonHeight;
    const H = e.conflictingBlock.signedHeader.header.height;
    if (H > state.lastBlockHeight) throw new EvidenceError("ignore", `conflicting block of height ${H} beyond our last block ${state.lastBlockHeight}`);
    const meta = this.d.blockStore.loadBlockMeta(ch);
    if (meta === undefined) throw new EvidenceError("ignore", `no block ${ch} to check the evidence against`);
    const p = state.consensusParams.evidence;
    const ageNs = BigInt(Math.round((timestampToMs(state.lastBlockTime) - timestampToMs(meta.header.time)) * 1e6));
    if (state.lastBlockHeight - ch > p.maxAgeNumBlocks && ageNs > p.maxAgeDurationNs) throw new EvidenceError("ignore", "evidence expired");
    const vals = this.d.stateStore.loadValidators(ch);
    if (vals === undefined) throw new EvidenceError("ignore", `validator set of ${ch} unknown`);
    const common = this.signedHeaderOf(ch, strict);
    const trusted = H === ch ? common : this.signedHeaderOf(H, strict);
    if (common === undefined || trusted === undefined) throw new EvidenceError("ignore", `no commit of height ${H} to check the evidence against yet`);
    let r: ReturnType<typeof verifyLightClientAttack>;
    try {
      r = verifyLightClientAttack(e, { chainId: state.chainId, commonHeader: common, trustedHeader: trusted, commonVals: vals, commonTime: meta.header.time });
    } catch (err: unknown) {
      if (!(err instanceof EvidenceError)) throw err;
      // our own block as the conflicting one: evidence for the other branch of a fork (no penalty)
      throw new EvidenceError(/trusted header hash matches/.test(err.message) ? "ignore" : "reject", err.message);
    }
    const local: Evidence = {
      type: "light_client_attack",
      raw: encodeLightClientAttack({ ...e, byzantineValidators: r.local.byzantineValidators, totalVotingPower: r.local.totalVotingPower, timestamp: r.local.timestamp }),
    };
    return { height: ch, time: meta.header.time, mismatch: r.mismatch, local, commitOf: H };
  }

  /**
   * every check of `verify` for duplicate-vote evidence; the ABCI fields (timestamp = our block time of h, the validator's and the
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
   * evidence whose proof verifies but whose ABCI fields (time, powers, byzantine validators) are not
   * ours: CometBFT (evidence/verify.go) regenerates them from its own chain, keeps that as pending, and
   * still answers an error (here "ignore": no peer penalty, the sender may sit on another branch of a fork).
   */
  private keepRestamped(r: Checked): void {
    const k = evKey(r.local);
    if (this.committed.has(k)) return;
    const held = this.pending.get(k);
    if (held !== undefined) {
      // a light client attack's key ignores its ABCI fields: the item held is replaced by ours
      if (equal(held.ev.raw, r.local.raw)) return;
      this.unpersist(k, held.ev);
      this.pending.delete(k);
    }
    this.d.logger.warn({ height: r.height.toString(), type: r.local.type }, "evidence with another time, powers or byzantine validators (built on another branch?): kept with ours");
    this.addPending(k, r.local, r.height, r.time, r.commitOf);
  }

  addFromPeer(ev: Evidence): MessageOutcome {
    const k = evKey(ev);
    if (this.pending.has(k) || this.otherBranch.has(k) || this.knownVotes.has(`lca/${k}`)) return "ignore";
    try {
      // the same proof with other ABCI fields (another branch's time, or a peer varying them):
      // once it verified and we hold it, do not verify the signatures again
      const proofKey = this.proofKeyOf(ev);
      if (proofKey !== undefined && this.knownVotes.has(proofKey)) return "ignore";
      const r = this.check(ev, this.d.getState(), false);
      if (proofKey !== undefined) {
        if (this.knownVotes.size >= 4096) this.knownVotes.clear();
        this.knownVotes.add(proofKey);
      }
      if (r.mismatch !== undefined) {
        this.keepRestamped(r);
        return "ignore";
      }
      this.addPending(k, ev, r.height, r.time, r.commitOf);
      return "accept";
    } catch (err: unknown) {
      if (err instanceof EvidenceError) {
        // evidence for the other branch of a fork (our own block is its conflicting one): checked once
        if (ev.type === "light_client_attack" && /trusted header hash matches/.test(err.message)) {
          if (this.knownVotes.size >= 4096) this.knownVotes.clear();
          this.knownVotes.add(`lca/${k}`);
        }
        return err.outcome;
      }
      throw err;
    }
  }

  /**
   * CometBFT's Pool.AddEvidence for evidence a client submits (RPC broadcast_evidence): already pending
   * or committed → nothing to do; otherwise verified against our chain (throws EvidenceError with the
   * reason) and added (proposed and gossiped). Evidence whose proof holds but whose ABCI fields (time,
   * powers) are not ours is kept with ours and still refused, as evidence/verify.go does.
   */
  addFromClient(ev: Evidence): void {
    const k = evKey(ev);
    if (this.pending.has(k) || this.committed.has(k)) return;
    const r = this.check(ev, this.d.getState(), false);
    if (r.mismatch !== undefined) {
      this.keepRestamped(r);
      throw new EvidenceError("reject", r.mismatch);
    }
    if (this.pending.size >= this.o.maxPending) throw new EvidenceError("ignore", `the evidence pool is full (${this.o.maxPending} pending)`);
    this.addPending(k, ev, r.height, r.time, r.commitOf);
  }

  /** what proves the misbehaviour, without the ABCI fields: both vote signatures; a light client attack's key (its conflicting header and common height). */
  private proofKeyOf(ev: Evidence): string | undefined {
    if (ev.type === "light_client_attack") return undefined; // evKey already ignores its ABCI fields (see ownHeader)
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
      const r = this.check(ev, state, true);
      if (r.mismatch !== undefined) {
        this.keepRestamped(r);
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
      const p = this.pending.get(k);
      if (p !== undefined) {
        this.pending.delete(k);
        this.unpersist(k, p.ev);
      }
    }
    this.flushBuffered(state);
    const p = state.consensusParams.evidence;
    const expired = (e: Pending): boolean => {
      const ageNs = BigInt(Math.round((timestampToMs(state.lastBlockTime) - timestampToMs(e.time)) * 1e6));
      return state.lastBlockHeight - e.height > p.maxAgeNumBlocks && ageNs > p.maxAgeDurationNs;
    };
    for (const [k, e] of this.pending) {
      if (expired(e)) {
        this.pending.delete(k);
        this.unpersist(k, e.ev);
      }
    }
    for (const [k, e] of this.otherBranch) {
      if (expired(e)) {
        this.otherBranch.delete(k);
        this.unpersist(k, e.ev, ".lcx");
      }
    }
    for (const [k, h] of this.committed) {
      if (state.lastBlockHeight - h > p.maxAgeNumBlocks && this.committed.size > 10_000) this.committed.delete(k);
    }
  }

  private addPending(k: string, ev: Evidence, height: bigint, time: Timestamp, commitOf?: bigint): void {
    if (this.pending.size >= this.o.maxPending) return;
    this.pending.set(k, commitOf === undefined ? { ev, height, time } : { ev, height, time, commitOf });
    this.persist(k, ev);
    this.d.logger.info({ height: height.toString(), hash: k.slice(0, 16), type: ev.type }, ev.type === "duplicate_vote" ? "new duplicate-vote evidence" : "new light-client-attack evidence");
    for (const l of this.listeners) l(ev);
  }

  /** one file per item: `<key>.ev` duplicate vote, `.lca` light client attack, `.lcx` light client attack for the other branch. */
  private persist(k: string, ev: Evidence, ext = fileExt(ev)): void {
    if (this.o.dir === undefined) return;
    try {
      mkdirSync(this.o.dir, { recursive: true });
      const path = join(this.o.dir, `${k}${ext}`);
      if (!existsSync(path)) {
        writeFileSync(`${path}.tmp`, ev.raw, { flush: true });
        renameSync(`${path}.tmp`, path);
      }
    } catch (err: unknown) {
      this.d.logger.error({ err: (err as Error).message }, "could not persist pending evidence");
    }
  }

  private unpersist(k: string, ev: Evidence, ext = fileExt(ev)): void {
    if (this.o.dir !== undefined) rmSync(join(this.o.dir, `${k}${ext}`), { force: true });
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

function fileExt(ev: Evidence): string {
  return ev.type === "duplicate_vote" ? ".ev" : ".lca";
}

/**
 * the pool's key of an item: SHA-256 of a duplicate vote's bytes; CometBFT's LightClientAttackEvidence.Hash()
 * for a light client attack (its conflicting header and common height only, so permutations of the
 * signatures or ABCI fields are one item: committed once).
 */
export function evKey(ev: Evidence): string {
  if (ev.type === "light_client_attack") {
    try {
      return toHex(lightClientAttackHash(decodeLightClientAttack(ev.raw)));
    } catch {
      // malformed: rejected by verification; keyed by its bytes meanwhile
    }
  }
  return toHex(sha256(ev.raw));
}


