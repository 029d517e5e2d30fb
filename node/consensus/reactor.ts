/**
 * The consensus reactor (specs/consensus.md §5.2, §5.4, §6.1): gossips the consensus driver's
 * proposals and votes over the p2p channels and feeds peers' messages to the driver's queue.
 *
 * Channels (node/p2p/channel.ts): consensus-state (round-step status with the vote bit arrays and the
 * proposal rounds a peer holds, HasVote, ValidBlock, VoteSetMaj23, VoteSetBits), consensus-data (proposal + whole block, blocks by hash,
 * block requests), consensus-votes (votes), evidence (duplicate-vote evidence).
 *
 * Per-peer round state: the peer's last `status` (height, round, step, proposal rounds, prevote /
 * precommit bits per round), plus HasVote bits and what we sent it (not re-sent within `resendMs`).
 * What each peer gets:
 *   - our own proposals and votes at once (broadcast);
 *   - peer at our height: every proposal and vote we hold that its status does not show (this relays
 *     other validators' messages: a non-transitive network is bridged);
 *   - peer behind (its height is in our block store): the commit precommits of its height and the
 *     block, at most every `catchupIntervalMs` (the peer decides by R7 and moves on);
 *   - block requests (the machine's missingBlock) are answered from the current height's proposals or
 *     the block store.
 *   - ValidBlock (the machine's validBlock output) is broadcast; a peer's ValidBlock for a block we
 *     lack makes us ask that peer for it;
 *   - VoteSetMaj23 / VoteSetBits: a peer at our height is told every +2/3 (round, type, block id) we
 *     hold (every `resendMs`); it answers with the bits of the votes for that id it holds, and we send
 *     the ones it lacks (status bits are per validator index and cannot show a missing conflicting vote).
 * Statuses go out after every change of our round state (coalesced) and every `statusIntervalMs`.
 *
 * Bounds (§5.4): votes and proposals only for heights h−1 (precommits) … h+1; votes for rounds beyond
 * round+1 only for `maxFutureRoundsPerPeer` distinct rounds per peer and height; bit arrays no longer
 * than the validator set; the driver bounds queued inputs per peer; channel send queues are bounded.
 * Outcomes: a message the machine finds invalid (bad signature, wrong proposer, block not matching the
 * proposal) is `reject` (peer score); late or duplicate messages are `ignore`d silently.
 *
 * While the node block-syncs the reactor only records peers' statuses; `switchToConsensus` starts the
 * driver and the gossip.
 */
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import type { Logger } from "pino";
import { toHex } from "../../modules/core/bytes.ts";
import type { Channel, ChannelLimits } from "../p2p/channel.ts";
import { channelSpec } from "../p2p/channel.ts";
import type { ChannelFactory } from "../p2p/mempoolReactor.ts";
import type { MessageOutcome } from "../p2p/peerScore.ts";
import type { Block, BlockID, Bytes, Commit, Evidence, Proposal, Vote } from "../types/block.ts";
import { decodeBlock, decodeEvidence, decodeProposal, decodeVote, encodeEvidence, encodeProposal, encodeVote } from "../types/encoding.ts";
import { blockBytes } from "../types/blockBytes.ts";
import { blockIdKey, commitToVotes } from "./voteSet.ts";
import { type ConsensusDriver, storedLastCommit } from "./driver.ts";
import { blockIdEqual } from "../blocksync/verify.ts";
import { type CommitLike, type ConflictingPair, conflictingWithCommit } from "./forkEvidence.ts";
import type { BlockStore } from "../execution/types.ts";
import { RoundStep, type RoundStateView } from "./state.ts";

// ---------------------------------------------------------------------------------------------
// messages

export interface VoteBits {
  round: number;
  /** 1 prevote, 2 precommit */
  type: number;
  bits: Bytes;
}

export type StateMessage =
  | { kind: "status"; height: bigint; round: number; step: number; proposals: number[]; votes: VoteBits[] }
  | { kind: "hasVote"; height: bigint; round: number; type: number; index: number }
  /** CometBFT NewValidBlock: the sender holds a valid block with a polka in `round`, or decided it (`isCommit`). */
  | { kind: "validBlock"; height: bigint; round: number; blockId: BlockID; isCommit: boolean }
  /** CometBFT VoteSetMaj23: the sender holds +2/3 votes of (height, round, type) for `blockId` (zero id = nil). */
  | { kind: "maj23"; height: bigint; round: number; type: number; blockId: BlockID }
  /** CometBFT VoteSetBits: the answer to a maj23 claim: which validators' votes for `blockId` the sender holds. */
  | { kind: "voteSetBits"; height: bigint; round: number; type: number; blockId: BlockID; bits: Bytes };

export type DataMessage =
  | { kind: "proposal"; proposal: Proposal; block: Block }
  | { kind: "block"; height: bigint; block: Block }
  | { kind: "blockRequest"; height: bigint; hash: Bytes };

const MAX_STATUS_ROUNDS = 64;
const MAX_BITS_BYTES = 10_000 / 8 + 1;

function writeBlockId(w: BinaryWriter, id: BlockID): void {
  w.bytes(id.hash).uint32(id.partSetHeader.total).bytes(id.partSetHeader.hash);
}

function readBlockId(r: BinaryReader): BlockID {
  const hash = Uint8Array.from(r.bytes());
  const total = r.uint32();
  const psh = Uint8Array.from(r.bytes());
  if ((hash.length !== 0 && hash.length !== 32) || (psh.length !== 0 && psh.length !== 32)) throw new Error("block id with a bad hash");
  return { hash, partSetHeader: { total, hash: psh } };
}

function checkVoteType(type: number): number {
  if (type !== 1 && type !== 2) throw new Error(`vote type ${type}`);
  return type;
}

export function encodeStateMessage(m: StateMessage): Uint8Array {
  const w = new BinaryWriter();
  if (m.kind === "validBlock") {
    w.uint32(3).uint64(m.height).uint32(m.round);
    writeBlockId(w, m.blockId);
    w.uint32(m.isCommit ? 1 : 0);
  } else if (m.kind === "maj23") {
    w.uint32(4).uint64(m.height).uint32(m.round).uint32(m.type);
    writeBlockId(w, m.blockId);
  } else if (m.kind === "voteSetBits") {
    w.uint32(5).uint64(m.height).uint32(m.round).uint32(m.type);
    writeBlockId(w, m.blockId);
    w.bytes(m.bits);
  } else if (m.kind === "status") {
    w.uint32(1).uint64(m.height).uint32(m.round).uint32(m.step);
    w.uint32(m.proposals.length);
    for (const r of m.proposals) w.uint32(r);
    w.uint32(m.votes.length);
    for (const v of m.votes) w.uint32(v.round).uint32(v.type).bytes(v.bits);
  } else {
    w.uint32(2).uint64(m.height).uint32(m.round).uint32(m.type).uint32(m.index);
  }
  return w.finish();
}

export function decodeStateMessage(b: Uint8Array): StateMessage {
  const r = new BinaryReader(b);
  const tag = r.uint32();
  let m: StateMessage;
  if (tag === 1) {
    const height = BigInt(r.uint64());
    const round = r.uint32();
    const step = r.uint32();
    const np = r.uint32();
    if (np > MAX_STATUS_ROUNDS) throw new Error(`status with ${np} proposal rounds`);
    const proposals: number[] = [];
    for (let i = 0; i < np; i++) proposals.push(r.uint32());
    const nv = r.uint32();
    if (nv > 2 * MAX_STATUS_ROUNDS) throw new Error(`status with ${nv} vote bit arrays`);
    const votes: VoteBits[] = [];
    for (let i = 0; i < nv; i++) {
      const round = r.uint32();
      const type = r.uint32();
      const bits = r.bytes();
      if (bits.length > MAX_BITS_BYTES) throw new Error("oversize bit array");
      votes.push({ round, type, bits: Uint8Array.from(bits) });
    }
    m = { kind: "status", height, round, step, proposals, votes };
  } else if (tag === 2) {
    m = { kind: "hasVote", height: BigInt(r.uint64()), round: r.uint32(), type: r.uint32(), index: r.uint32() };
  } else if (tag === 3) {
    const height = BigInt(r.uint64());
    const round = r.uint32();
    const blockId = readBlockId(r);
    if (blockId.hash.length !== 32) throw new Error("valid block without a block hash");
    m = { kind: "validBlock", height, round, blockId, isCommit: r.uint32() === 1 };
  } else if (tag === 4) {
    const height = BigInt(r.uint64());
    const round = r.uint32();
    const type = checkVoteType(r.uint32());
    m = { kind: "maj23", height, round, type, blockId: readBlockId(r) };
  } else if (tag === 5) {
    const height = BigInt(r.uint64());
    const round = r.uint32();
    const type = checkVoteType(r.uint32());
    const blockId = readBlockId(r);
    const bits = Uint8Array.from(r.bytes());
    if (bits.length > MAX_BITS_BYTES) throw new Error("oversize bit array");
    m = { kind: "voteSetBits", height, round, type, blockId, bits };
  } else throw new Error(`unknown consensus-state message ${tag}`);
  if (r.pos !== r.len) throw new Error("trailing bytes");
  return m;
}

export function encodeDataMessage(m: DataMessage): Uint8Array {
  const w = new BinaryWriter();
  if (m.kind === "proposal") w.uint32(1).bytes(encodeProposal(m.proposal)).bytes(blockBytes(m.block));
  else if (m.kind === "block") w.uint32(2).uint64(m.height).bytes(blockBytes(m.block));
  else w.uint32(3).uint64(m.height).bytes(m.hash);
  return w.finish();
}

export function decodeDataMessage(b: Uint8Array): DataMessage {
  const r = new BinaryReader(b);
  const tag = r.uint32();
  let m: DataMessage;
  if (tag === 1) {
    const proposal = decodeProposal(r.bytes());
    m = { kind: "proposal", proposal, block: decodeBlock(r.bytes(), true) };
  } else if (tag === 2) {
    const height = BigInt(r.uint64());
    m = { kind: "block", height, block: decodeBlock(r.bytes(), true) };
  } else if (tag === 3) {
    const height = BigInt(r.uint64());
    const hash = Uint8Array.from(r.bytes());
    if (hash.length !== 32) throw new Error("block request with a bad hash");
    m = { kind: "blockRequest", height, hash };
  } else throw new Error(`unknown consensus-data message ${tag}`);
  if (r.pos !== r.len) throw new Error("trailing bytes");
  return m;
}

const voteCodec = { encode: encodeVote, decode: decodeVote };

/** the evidence pool as the reactor sees it (evidencePool.ts). */
export interface GossipEvidencePool {
  /** verifies evidence a peer sent; adds it when new. */
  addFromPeer(ev: Evidence): MessageOutcome;
  /** a block of the height after ours whose last commit names another block than ours (evidencePool.ts). */
  checkBlockForFork?(block: Block, source: string, from?: string): number;
  /** a commit or precommits for a height we committed name another block (evidencePool.ts reportFork). */
  reportFork?(height: bigint, ourBlock: BlockID, theirBlock: BlockID, pairs: readonly ConflictingPair[], source: string, theirCommit?: Commit): number;
  pendingList(): Evidence[];
  /** what a new peer gets (defaults to pendingList): also evidence kept only for the other branch of a fork. */
  gossipList?(): Evidence[];
  onNewEvidence(l: (ev: Evidence) => void): () => void;
  /** a block at or below our last height from a peer: maybe a step of a fork walk (evidencePool.ts forkBlock). */
  forkBlock?(block: Block): number;
  /** the pool asks for a block of the other branch of a fork (by height and hash). */
  onWantBlock?(l: (height: bigint, hash: Bytes) => void): () => void;
  /** asks again for the blocks fork walks still wait for. */
  retryWalks?(): void;
}

/** a count, then each item as a tendermint.types.Evidence (the oneof says duplicate vote or light client attack). */
function encodeEvidenceList(list: Evidence[]): Uint8Array {
  const w = new BinaryWriter();
  w.uint32(list.length);
  for (const e of list) w.bytes(encodeEvidence(e));
  return w.finish();
}

function decodeEvidenceList(b: Uint8Array): Evidence[] {
  const r = new BinaryReader(b);
  const n = r.uint32();
  if (n > 1000) throw new Error("too many evidence items");
  const out: Evidence[] = [];
  for (let i = 0; i < n; i++) out.push(decodeEvidence(r.bytes()));
  if (r.pos !== r.len) throw new Error("trailing bytes");
  return out;
}

// ---------------------------------------------------------------------------------------------
// per-peer state

interface PeerState {
  height: bigint;
  round: number;
  step: number;
  proposals: Set<number>;
  /** `${round}/${type}` → bit array of the validator indexes it holds. */
  bits: Map<string, Bytes>;
  /** message key → ms when we sent it (cleared when its height changes). */
  sent: Map<string, number>;
  lastCatchupMs: number;
  /** distinct rounds beyond round+1 this peer sent votes for, at `futureHeight`. */
  futureRounds: Set<number>;
  futureHeight: bigint;
  /** its last ValidBlock at its height (cleared when its height changes). */
  validBlock: { round: number; hash: string; isCommit: boolean } | undefined;
  /** from its VoteSetBits: `${round}/${type}/${blockIdKey}` → which validators' votes for that block id it holds (cleared when its height changes). */
  voteSetBits: Map<string, { round: number; type: number; blockId: BlockID; bits: Bytes }>;
  /** wall-clock ms when its status first showed its current height (dump_consensus_state's start_time estimate). */
  heightSinceMs: number;
  /** votes and proposals/blocks received from it (dump_consensus_state's stats). */
  votesReceived: number;
  blocksReceived: number;
}

function newPeerState(): PeerState {
  return { height: -1n, round: 0, step: 0, proposals: new Set(), bits: new Map(), sent: new Map(), lastCatchupMs: 0, futureRounds: new Set(), futureHeight: -1n, validBlock: undefined, voteSetBits: new Map(), heightSinceMs: 0, votesReceived: 0, blocksReceived: 0 };
}

/** what dump_consensus_state shows of one peer (CometBFT PeerState: its round state + stats). */
export interface PeerRoundStateDump {
  peer: string;
  height: bigint;
  round: number;
  /** RoundStep numbering (state.ts). */
  step: number;
  /** wall-clock ms when we first saw it at this height (0: never). */
  heightSinceMs: number;
  /** it holds the proposal of its round. */
  proposal: boolean;
  /** bit arrays (by validator index) of the votes it holds in its round; undefined when unknown. */
  prevotes: Bytes | undefined;
  precommits: Bytes | undefined;
  votesReceived: number;
  blocksReceived: number;
}

function getBit(bits: Bytes | undefined, i: number): boolean {
  if (bits === undefined) return false;
  const b = bits[i >> 3];
  return b !== undefined && (b & (1 << (i & 7))) !== 0;
}

function setBit(ps: PeerState, key: string, i: number, nvals: number): void {
  let bits = ps.bits.get(key);
  const len = Math.ceil(nvals / 8);
  if (bits === undefined || bits.length < len) {
    const nb = new Uint8Array(len);
    if (bits !== undefined) nb.set(bits.subarray(0, len));
    bits = nb;
    ps.bits.set(key, bits);
  }
  if (i >> 3 < bits.length) bits[i >> 3]! |= 1 << (i & 7);
}

export interface ConsensusReactorOptions {
  /** the gossip tick: relays and catch-up to every peer, and the resends below. */
  statusIntervalMs: number;
  /**
   * an unchanged status goes out again (on a tick) only this long after the last forced one: every change
   * is sent at once (coalesced), and each peer's own tick sends us what our last status lacks, so the
   * repeat only repairs a status dropped from a full send queue (CometBFT sends NewRoundStep on changes only).
   */
  statusResendMs: number;
  /** VoteSetMaj23 claims go out on the first tick this long after the last ones (CometBFT's peerQueryMaj23SleepDuration, 2 s). */
  maj23IntervalMs: number;
  /** a message not confirmed by the peer's status is sent again after this long. */
  resendMs: number;
  catchupIntervalMs: number;
  /**
   * a proposal another node made is relayed to a peer whose status lacks it only once we have held it
   * this long: the proposer sends it to every peer it is connected to, and a status sent while that copy
   * is still in flight (a whole block) would otherwise make every node send the block again to every
   * other (measured: ~8× the block bytes on the 4-validator localnet). Peers the proposer cannot reach
   * still get it, this much later.
   */
  relayDelayMs: number;
  /**
   * the same for a peer's vote: relayed to a peer whose status lacks it only once we have held it this
   * long. On a full mesh the vote's own validator sends it to every peer at once, and a status that shows
   * it arrives a few ms later; a gossip tick in between relayed it anyway (idle 4-validator localnet: 4.5
   * redundant vote sends per height and node, on top of the 6 own ones).
   */
  voteRelayDelayMs: number;
  /** catch-up sends a peer the block of its height again only after this long (it can also ask for it). */
  blockResendMs: number;
  maxFutureRoundsPerPeer: number;
  channels: Partial<Record<"state" | "data" | "votes" | "evidence", Partial<ChannelLimits>>>;
}

export const DEFAULT_CONSENSUS_REACTOR_OPTIONS: ConsensusReactorOptions = {
  statusIntervalMs: 300,
  statusResendMs: 2000,
  maj23IntervalMs: 2000,
  resendMs: 1500,
  catchupIntervalMs: 400,
  relayDelayMs: 1000,
  voteRelayDelayMs: 250,
  blockResendMs: 5000,
  maxFutureRoundsPerPeer: 4,
  channels: {},
};

export interface ConsensusReactorDeps {
  host: ChannelFactory;
  driver: ConsensusDriver;
  blockStore: Pick<BlockStore, "loadBlock" | "loadBlockMeta" | "loadSeenCommit" | "loadExtendedCommit"> & { height(): bigint; base(): bigint };
  evidence?: GossipEvidencePool;
  logger: Logger;
  now?: () => number;
}

export interface ConsensusReactorStats {
  votesSent: number;
  /** votes sent because a peer's VoteSetBits lacked them. */
  votesFromBits: number;
  maj23Sent: number;
  maj23Received: number;
  proposalsSent: number;
  /** proposals received for a round the machine already held one of (dropped before the WAL). */
  duplicateProposals: number;
  catchups: number;
  rejected: number;
}

export class ConsensusReactor {
  readonly stats: ConsensusReactorStats = { votesSent: 0, votesFromBits: 0, maj23Sent: 0, maj23Received: 0, proposalsSent: 0, duplicateProposals: 0, catchups: 0, rejected: 0 };
  private readonly o: ConsensusReactorOptions;
  private readonly d: ConsensusReactorDeps;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly state: Channel<StateMessage>;
  private readonly data: Channel<DataMessage>;
  private readonly votes: Channel<Vote>;
  private readonly evidenceCh: Channel<Evidence[]> | undefined;
  private readonly peers = new Map<string, PeerState>();
  /** when a peer's proposal (`p/h/r`) first reached us (the relay delay counts from it). */
  private readonly proposalSeenAt = new Map<string, number>();
  /** when a peer's vote (voteKey) first reached us (voteRelayDelayMs counts from it). */
  private readonly voteSeenAt = new Map<string, number>();
  /** block hashes (hex) of proposals received from peers, queued for the machine: not asked for again. */
  private readonly incomingBlocks = new Set<string>();
  private active = false;
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  /** this.now() of the last forced status and of the last VoteSetMaj23 round. */
  private lastForcedStatusMs = 0;
  private lastMaj23Ms = 0;
  private statusScheduled = false;
  private lastStatusKey = "";
  private readonly offs: (() => void)[] = [];

  constructor(opts: Partial<ConsensusReactorOptions>, deps: ConsensusReactorDeps) {
    this.o = { ...DEFAULT_CONSENSUS_REACTOR_OPTIONS, ...opts };
    this.d = deps;
    this.logger = deps.logger.child({ module: "consensus-reactor" });
    this.now = deps.now ?? (() => Date.now());
    const ch = this.o.channels;
    this.state = deps.host.channel(channelSpec<StateMessage>("consensus-state", { encode: encodeStateMessage, decode: decodeStateMessage }, ch.state ?? {}));
    this.data = deps.host.channel(channelSpec<DataMessage>("consensus-data", { encode: encodeDataMessage, decode: decodeDataMessage }, ch.data ?? {}));
    this.votes = deps.host.channel(channelSpec<Vote>("consensus-votes", voteCodec, ch.votes ?? {}));
    if (deps.evidence !== undefined) {
      this.evidenceCh = deps.host.channel(channelSpec<Evidence[]>("evidence", { encode: encodeEvidenceList, decode: decodeEvidenceList }, ch.evidence ?? {}));
      this.evidenceCh.onMessage((peer, list) => this.onEvidence(peer, list));
    }
    this.state.onMessage((peer, m) => this.onState(peer, m));
    this.data.onMessage((peer, m) => this.onData(peer, m));
    this.votes.onMessage((peer, v) => this.onVote(peer, v));
    this.state.onPeer((ev) => {
      if (ev.type === "up") {
        this.peers.set(ev.peer, newPeerState());
        if (this.active) this.state.send(ev.peer, this.statusMessage());
        const ep = this.d.evidence;
        const pending = ep === undefined ? [] : (ep.gossipList?.() ?? ep.pendingList());
        if (pending.length > 0) this.evidenceCh?.send(ev.peer, pending);
      } else {
        this.peers.delete(ev.peer);
      }
    });
  }

  get isActive(): boolean {
    return this.active;
  }

  /** block sync is done (or was never needed): start the driver and gossip. */
  async switchToConsensus(): Promise<void> {
    if (this.active) return;
    const drv = this.d.driver;
    this.offs.push(
      drv.addListener({
        onProposal: (p, b) => this.broadcastProposal(p, b),
        onVote: (v) => this.broadcastVote(v),
        onAfterInput: () => this.scheduleStatus(),
        onMissingBlock: (h, id) => this.requestBlock(h, id),
        onValidBlock: (h, r, id, isCommit) => this.state.broadcast({ kind: "validBlock", height: h, round: r, blockId: id, isCommit }),
        onInvalid: (peer, reason) => {
          this.stats.rejected++;
          this.votes.report(peer, "reject", reason);
        },
      }),
    );
    if (this.d.evidence !== undefined) {
      this.offs.push(this.d.evidence.onNewEvidence((ev) => this.evidenceCh?.broadcast([ev])));
      // fork walks (light-client-attack evidence): ask every peer; only one holding that exact block answers
      const off = this.d.evidence.onWantBlock?.((height, hash) => this.data.broadcast({ kind: "blockRequest", height, hash }));
      if (off !== undefined) this.offs.push(off);
    }
    this.active = true;
    await drv.start();
    this.timer = setInterval(() => this.tick(), this.o.statusIntervalMs);
    this.timer.unref?.();
    this.broadcastStatus(true);
  }

  stop(): void {
    this.active = false;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const f of this.offs) f();
    this.offs.length = 0;
  }

  /** peers' round states (tests, dump_consensus_state). */
  peerStates(): { peer: string; height: bigint; round: number; step: number }[] {
    return [...this.peers].map(([peer, s]) => ({ peer, height: s.height, round: s.round, step: s.step }));
  }

  /** peers' round states with their vote bits and counters (RPC dump_consensus_state). */
  peerDumps(): PeerRoundStateDump[] {
    return [...this.peers].map(([peer, s]) => ({
      peer,
      height: s.height,
      round: s.round,
      step: s.step,
      heightSinceMs: s.heightSinceMs,
      proposal: s.proposals.has(s.round),
      prevotes: s.bits.get(`${s.round}/1`),
      precommits: s.bits.get(`${s.round}/2`),
      votesReceived: s.votesReceived,
      blocksReceived: s.blocksReceived,
    }));
  }

  // ------------------------------------------------------------------ our status

  private view(): RoundStateView | undefined {
    return this.d.driver.sm.view();
  }

  private statusMessage(): StateMessage {
    const v = this.view();
    const sm = this.d.driver.sm;
    if (v === undefined) return { kind: "status", height: 0n, round: 0, step: 0, proposals: [], votes: [] };
    const msgs = sm.heightMessages();
    const rounds = msgs.proposals.map((p) => p.proposal.round);
    // a proposal received and waiting in the driver's queue counts as held: while the machine is busy
    // (applying the last block), a status without it made every peer relay the whole block again after
    // relayDelayMs, and again every resendMs (37 copies on one loaded localnet run). Direct sends from the
    // proposer never depend on our status, and a queued copy the machine then refuses drops out of the
    // next status.
    for (const r of this.d.driver.queuedProposalRounds?.(v.height) ?? []) if (!rounds.includes(r)) rounds.push(r);
    const proposals = rounds.slice(-MAX_STATUS_ROUNDS);
    const byKey = new Map<string, VoteBits>();
    for (const vote of msgs.votes) {
      const k = `${vote.round}/${vote.type}`;
      let e = byKey.get(k);
      if (e === undefined) {
        e = { round: vote.round, type: vote.type, bits: new Uint8Array(0) };
        byKey.set(k, e);
      }
      const need = (vote.validatorIndex >> 3) + 1;
      if (e.bits.length < need) {
        const nb = new Uint8Array(need);
        nb.set(e.bits);
        e.bits = nb;
      }
      e.bits[vote.validatorIndex >> 3]! |= 1 << (vote.validatorIndex & 7);
    }
    const votes = [...byKey.values()].sort((a, b) => b.round - a.round || a.type - b.type).slice(0, 2 * MAX_STATUS_ROUNDS);
    return { kind: "status", height: v.height, round: v.round, step: v.step, proposals, votes };
  }

  private scheduleStatus(): void {
    if (this.statusScheduled || !this.active) return;
    this.statusScheduled = true;
    setTimeout(() => {
      this.statusScheduled = false;
      this.broadcastStatus(false);
    }, 5);
  }

  private broadcastStatus(force: boolean): void {
    if (!this.active) return;
    const m = this.statusMessage();
    if (m.kind !== "status") return;
    const key = `${m.height}/${m.round}/${m.step}/${m.proposals.join(",")}/${m.votes.map((v) => `${v.round}.${v.type}.${toHex(v.bits)}`).join(",")}`;
    if (!force && key === this.lastStatusKey) return;
    this.lastStatusKey = key;
    this.state.broadcast(m);
  }

  private tick(): void {
    if (!this.active) return;
    const now = this.now();
    const force = now - this.lastForcedStatusMs >= this.o.statusResendMs;
    if (force) this.lastForcedStatusMs = now;
    this.broadcastStatus(force);
    const maj23 = now - this.lastMaj23Ms >= this.o.maj23IntervalMs;
    if (maj23) this.lastMaj23Ms = now;
    if (++this.ticks % 8 === 0) this.d.evidence?.retryWalks?.();
    for (const peer of this.peers.keys()) {
      this.gossipTo(peer);
      if (maj23) this.queryMaj23(peer);
    }
  }

  /**
   * CometBFT's queryMaj23Routine: tell a peer at our height every (round, type, block id) we hold +2/3
   * votes for (every `resendMs`); it answers with VoteSetBits for that block id, and we send the votes it
   * lacks. The status bit arrays are per validator index, so they cannot show that a peer holds another
   * (conflicting) vote of an equivocator than the one counted here; the per-block-id bits can.
   */
  private queryMaj23(peer: string): void {
    const ps = this.peers.get(peer);
    const v = this.view();
    if (ps === undefined || v === undefined || ps.height !== v.height) return;
    const now = this.now();
    for (const m of this.d.driver.sm.majorities()) {
      const k = `m/${v.height}/${m.round}/${m.type}/${blockIdKey(m.blockId)}`;
      if (this.recentlySent(ps, k, now)) continue;
      if (this.state.send(peer, { kind: "maj23", height: v.height, round: m.round, type: m.type, blockId: m.blockId })) {
        ps.sent.set(k, now);
        this.stats.maj23Sent++;
      }
    }
  }

  /** the votes for a block id that a peer's VoteSetBits does not show. */
  private fillFromBits(peer: string, ps: PeerState, e: { round: number; type: number; blockId: BlockID; bits: Bytes }, now: number): void {
    for (const vote of this.d.driver.sm.votesFor(e.round, e.type, e.blockId)) {
      if (getBit(e.bits, vote.validatorIndex)) continue;
      const k = voteKey(vote);
      if (this.recentlySent(ps, k, now)) continue;
      if (this.votes.send(peer, vote)) {
        ps.sent.set(k, now);
        this.stats.votesSent++;
        this.stats.votesFromBits++;
      }
    }
  }

  // ------------------------------------------------------------------ sending

  private broadcastProposal(p: Proposal, block: Block): void {
    const now = this.now();
    for (const [peer, ps] of this.peers) {
      if (this.data.send(peer, { kind: "proposal", proposal: p, block })) {
        ps.sent.set(`p/${p.height}/${p.round}`, now);
        this.stats.proposalsSent++;
      }
    }
  }

  private broadcastVote(v: Vote): void {
    const now = this.now();
    for (const [peer, ps] of this.peers) {
      if (this.votes.send(peer, v)) {
        ps.sent.set(voteKey(v), now);
        this.stats.votesSent++;
      }
    }
  }

  /** records when `key` first reached us (the relay delays count from it); at `max` entries the older half goes. */
  private noteSeen(seenAt: Map<string, number>, key: string, max: number): void {
    if (seenAt.has(key)) return;
    if (seenAt.size >= max) {
      for (const k of seenAt.keys()) if (seenAt.size >= max / 2) seenAt.delete(k);
    }
    seenAt.set(key, this.now());
  }

  private recentlySent(ps: PeerState, key: string, now: number): boolean {
    const t = ps.sent.get(key);
    return t !== undefined && now - t < this.o.resendMs;
  }

  /** sends `peer` what it lacks of our height, or a catch-up commit when it is behind. */
  private gossipTo(peer: string): void {
    const ps = this.peers.get(peer);
    const v = this.view();
    if (ps === undefined || v === undefined || ps.height < 0n) return;
    const now = this.now();
    if (ps.height === v.height) {
      const msgs = this.d.driver.sm.heightMessages();
      for (const p of msgs.proposals) {
        const k = `p/${p.proposal.height}/${p.proposal.round}`;
        if (ps.proposals.has(p.proposal.round) || this.recentlySent(ps, k, now)) continue;
        const seen = this.proposalSeenAt.get(k);
        if (seen !== undefined && now - seen < this.o.relayDelayMs) continue;
        if (this.data.send(peer, { kind: "proposal", proposal: p.proposal, block: p.block })) {
          ps.sent.set(k, now);
          this.stats.proposalsSent++;
        }
      }
      for (const vote of msgs.votes) {
        if (getBit(ps.bits.get(`${vote.round}/${vote.type}`), vote.validatorIndex)) continue;
        const k = voteKey(vote);
        if (this.recentlySent(ps, k, now)) continue;
        const seen = this.voteSeenAt.get(k);
        if (seen !== undefined && now - seen < this.o.voteRelayDelayMs) continue;
        if (this.votes.send(peer, vote)) {
          ps.sent.set(k, now);
          this.stats.votesSent++;
        }
      }
      for (const e of ps.voteSetBits.values()) this.fillFromBits(peer, ps, e, now);
      return;
    }
    if (ps.height < v.height) this.catchUp(peer, ps, now);
  }

  /** the commit of the peer's height and the block, from our block store. */
  private catchUp(peer: string, ps: PeerState, now: number): void {
    // a peer in the commit step has decided its height (block and +2/3 precommits) and is applying it
    if (ps.step === RoundStep.commit) return;
    if (now - ps.lastCatchupMs < this.o.catchupIntervalMs) return;
    const h = ps.height;
    const bs = this.d.blockStore;
    if (h < bs.base() || h > bs.height() || h <= 0n) return;
    const ec = storedLastCommit(bs, h);
    if (ec === undefined) return;
    // the block only when the peer lacks the proposal of the decided round (it almost always has it: the
    // proposal carries the block), and once per blockResendMs: every peer ahead of it sends it, and a
    // lagging node that got a 200 KB block from each of them every 400 ms fell further behind decoding
    // them; one that holds a different block of that round, or lost the copy, asks (blockRequest)
    const bk = `b/${h}`;
    const block = ps.proposals.has(ec.round) || this.sentWithin(ps, bk, now, this.o.blockResendMs) ? undefined : bs.loadBlock(h);
    ps.lastCatchupMs = now;
    this.stats.catchups++;
    for (const vote of commitToVotes(ec)) {
      if (getBit(ps.bits.get(`${vote.round}/${vote.type}`), vote.validatorIndex)) continue;
      this.votes.send(peer, vote);
    }
    if (block !== undefined && this.data.send(peer, { kind: "block", height: h, block })) ps.sent.set(bk, now);
  }

  private sentWithin(ps: PeerState, key: string, now: number, ms: number): boolean {
    const t = ps.sent.get(key);
    return t !== undefined && now - t < ms;
  }

  private requestBlock(height: bigint, id: BlockID): void {
    this.data.broadcast({ kind: "blockRequest", height, hash: id.hash });
  }

  private serveBlock(peer: string, height: bigint, hash: Bytes): void {
    const hex = toHex(hash);
    const v = this.view();
    if (v !== undefined && height === v.height) {
      const p = this.d.driver.sm.heightMessages().proposals.find((x) => toHex(x.proposal.blockId.hash) === hex);
      if (p !== undefined) this.data.send(peer, { kind: "block", height, block: p.block });
      return;
    }
    const meta = this.d.blockStore.loadBlockMeta(height);
    if (meta === undefined || toHex(meta.blockId.hash) !== hex) return;
    const block = this.d.blockStore.loadBlock(height);
    if (block !== undefined) this.data.send(peer, { kind: "block", height, block });
  }

  // ------------------------------------------------------------------ receiving

  private peer(peer: string): PeerState {
    let ps = this.peers.get(peer);
    if (ps === undefined) {
      ps = newPeerState();
      this.peers.set(peer, ps);
    }
    return ps;
  }

  private onState(peer: string, m: StateMessage): MessageOutcome | undefined {
    const ps = this.peer(peer);
    if (m.kind === "status") {
      if (m.height !== ps.height) {
        ps.sent.clear();
        ps.lastCatchupMs = 0;
        ps.validBlock = undefined;
        ps.voteSetBits.clear();
        ps.heightSinceMs = Date.now();
      }
      ps.height = m.height;
      ps.round = m.round;
      ps.step = m.step;
      ps.proposals = new Set(m.proposals);
      ps.bits = new Map(m.votes.map((v) => [`${v.round}/${v.type}`, v.bits]));
      if (this.active) this.gossipTo(peer);
      return undefined;
    }
    if (m.kind === "hasVote") {
      if (m.height === ps.height) setBit(ps, `${m.round}/${m.type}`, m.index, m.index + 1);
      return undefined;
    }
    if (!this.active) return undefined;
    const v = this.view();
    if (v === undefined || m.height !== v.height) return undefined; // another height: late or early, no penalty
    if (m.round > v.round + MAX_STATUS_ROUNDS) return "ignore";
    const sm = this.d.driver.sm;
    const now = this.now();
    switch (m.kind) {
      case "validBlock": {
        if (m.height === ps.height) ps.validBlock = { round: m.round, hash: toHex(m.blockId.hash), isCommit: m.isCommit };
        // it holds a block with a polka (or decided it) that we lack: ask it (kept once a vote names it)
        this.requestFrom(peer, ps, m.height, m.blockId.hash, now);
        return undefined;
      }
      case "maj23": {
        this.stats.maj23Received++;
        this.state.send(peer, { kind: "voteSetBits", height: m.height, round: m.round, type: m.type, blockId: m.blockId, bits: sm.voteBits(m.round, m.type, m.blockId) });
        if (m.blockId.hash.length > 0) this.requestFrom(peer, ps, m.height, m.blockId.hash, now);
        return undefined;
      }
      case "voteSetBits": {
        if (ps.voteSetBits.size >= 4 * MAX_STATUS_ROUNDS) return "ignore";
        const e = { round: m.round, type: m.type, blockId: m.blockId, bits: m.bits };
        if (m.height === ps.height) ps.voteSetBits.set(`${m.round}/${m.type}/${blockIdKey(m.blockId)}`, e);
        this.fillFromBits(peer, ps, e, now);
        return undefined;
      }
    }
    return undefined;
  }

  /** asks one peer for a block of our height that the machine does not hold (at most every `resendMs` per hash). */
  private requestFrom(peer: string, ps: PeerState, height: bigint, hash: Bytes, now: number): void {
    if (this.d.driver.sm.hasBlock(hash)) return;
    // a proposal carrying it is already on its way to the machine (a peer's ValidBlock often arrives
    // while the proposer's copy is still queued): asking would fetch the whole block a second time
    if (this.incomingBlocks.has(toHex(hash))) return;
    const k = `br/${height}/${toHex(hash)}`;
    if (this.recentlySent(ps, k, now)) return;
    if (this.data.send(peer, { kind: "blockRequest", height, hash })) ps.sent.set(k, now);
  }

  private onData(peer: string, m: DataMessage): MessageOutcome | undefined {
    if (!this.active) return "ignore";
    const v = this.view();
    if (v === undefined) return "ignore";
    const ps = this.peer(peer);
    if (m.kind !== "blockRequest") ps.blocksReceived++;
    switch (m.kind) {
      case "proposal": {
        const h = m.proposal.height;
        if (h !== v.height && h !== v.height + 1n) return "ignore";
        if (h === ps.height) ps.proposals.add(m.proposal.round);
        if (m.block.header.height !== h) return "reject";
        this.checkForkedLastCommit(peer, m.block);
        if (this.d.driver.sm.hasProposal(h, m.proposal.round)) {
          // the machine ignores a second proposal of a round it holds one of; dropping it here spares the
          // WAL a copy of the whole block (relayed copies that crossed the proposer's own on the wire)
          this.stats.duplicateProposals++;
          return undefined;
        }
        const k = `p/${h}/${m.proposal.round}`;
        this.noteSeen(this.proposalSeenAt, k, 256);
        if (this.incomingBlocks.size >= 64) this.incomingBlocks.clear();
        this.incomingBlocks.add(toHex(m.proposal.blockId.hash));
        // our status shows a queued proposal as held (statusMessage): tell the peers now
        if (this.d.driver.push({ kind: "proposal", proposal: m.proposal, block: m.block }, peer) && h === v.height) this.scheduleStatus();
        return undefined;
      }
      case "block": {
        if (m.height < v.height) {
          // a block of a height we committed: a step of a fork walk, or late (ignored)
          try {
            this.d.evidence?.forkBlock?.(m.block);
          } catch (e: unknown) {
            this.logger.warn({ peer, err: (e as Error).message }, "fork walk step failed");
          }
          return "ignore";
        }
        if (m.height !== v.height && m.height !== v.height + 1n) return "ignore";
        if (m.block.header.height !== m.height) return "reject";
        this.checkForkedLastCommit(peer, m.block);
        this.d.driver.push({ kind: "block", height: m.height, block: m.block }, peer);
        return undefined;
      }
      case "blockRequest":
        this.serveBlock(peer, m.height, m.hash);
        return undefined;
    }
  }

  private onVote(peer: string, vote: Vote): MessageOutcome | undefined {
    if (!this.active) return "ignore";
    const v = this.view();
    if (v === undefined) return "ignore";
    const h = vote.height;
    if (h === v.height - 1n) {
      if (vote.type !== 2) return "ignore";
      this.checkForkedPrecommit(peer, vote);
    } else if (h !== v.height && h !== v.height + 1n) return "ignore";
    if (vote.validatorIndex < 0 || vote.validatorIndex > 10_000) return "reject";
    const ps = this.peer(peer);
    ps.votesReceived++;
    if (h === v.height && vote.round > v.round + 1) {
      if (ps.futureHeight !== h) {
        ps.futureHeight = h;
        ps.futureRounds.clear();
      }
      if (!ps.futureRounds.has(vote.round)) {
        if (ps.futureRounds.size >= this.o.maxFutureRoundsPerPeer) return "ignore";
        ps.futureRounds.add(vote.round);
      }
    }
    if (h === ps.height) setBit(ps, `${vote.round}/${vote.type}`, vote.validatorIndex, vote.validatorIndex + 1);
    this.noteSeen(this.voteSeenAt, voteKey(vote), 4096);
    this.d.driver.push({ kind: "vote", vote }, peer);
    return undefined;
  }

  // ------------------------------------------------------------------ fork forensics (forkEvidence.ts)

  /** our stored commit of `h` (the one we decided or synced), as the extraction reads it. */
  private ourCommit(h: bigint): CommitLike | undefined {
    if (this.ourCommitCache?.height === h) return this.ourCommitCache;
    const ec = storedLastCommit(this.d.blockStore, h);
    if (ec === undefined) return undefined;
    this.ourCommitCache = { height: ec.height, round: ec.round, blockId: ec.blockId, signatures: ec.extendedSignatures };
    return this.ourCommitCache;
  }

  /** a block of our height whose last commit names another block than ours at h−1: the chain forked (S13; EvidencePool.checkBlockForFork). */
  private checkForkedLastCommit(peer: string, block: Block): void {
    try {
      this.d.evidence?.checkBlockForFork?.(block, `last commit of a block of height ${block.header.height} from peer ${peer}`, peer);
    } catch (e: unknown) {
      // forensics never break message handling (the block still goes to the machine)
      this.logger.warn({ peer, err: (e as Error).message }, "fork check failed");
    }
  }

  /** a precommit for our last height naming another block than ours (in the round of our commit): one conflicting pair. */
  private checkForkedPrecommit(peer: string, vote: Vote): void {
    const pool = this.d.evidence;
    if (pool?.reportFork === undefined || vote.blockId.hash.length === 0) return;
    const st = this.d.driver.state();
    if (vote.height !== st.lastBlockHeight || blockIdEqual(vote.blockId, st.lastBlockId)) return;
    const ours = this.ourCommit(vote.height);
    if (ours === undefined) return;
    const pair = conflictingWithCommit(ours, vote);
    try {
      if (pair !== undefined) pool.reportFork(vote.height, st.lastBlockId, vote.blockId, [pair], `precommit from peer ${peer}`);
    } catch (e: unknown) {
      this.logger.warn({ peer, err: (e as Error).message }, "fork check failed");
    }
  }

  private ourCommitCache: CommitLike | undefined;

  private onEvidence(peer: string, list: Evidence[]): MessageOutcome | undefined {
    const pool = this.d.evidence;
    if (pool === undefined) return "ignore";
    let worst: MessageOutcome = "accept";
    for (const ev of list) {
      const o = pool.addFromPeer(ev);
      if (o === "reject") worst = "reject";
      else if (o === "ignore" && worst === "accept") worst = "ignore";
    }
    if (worst === "reject") this.logger.warn({ peer }, "peer sent invalid evidence");
    return worst === "accept" ? undefined : worst;
  }
}

function voteKey(v: Vote): string {
  return `v/${v.height}/${v.round}/${v.type}/${v.validatorIndex}/${blockIdKey(v.blockId)}`;
}

