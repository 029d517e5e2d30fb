/**
 * Deterministic in-process simulation of the consensus core (specs/consensus.md §8.1 layer 3).
 *
 * N validators (weighted powers) each run the pure ConsensusState behind a small driver that mirrors
 * what the real node does: a WAL (in memory, with a durable prefix: the signer wrapper "fsyncs" it
 * before the private validator signs, own signed messages and EndHeight are written synchronously,
 * and a crash loses the non-durable tail), a private validator with double-sign protection whose
 * state survives crashes, a block store, and a trivial deterministic application that builds and
 * validates blocks (height, last block id, last commit with +2/3 valid signatures, BFT median time,
 * strictly increasing times, validators hash, no "bad" tx).
 *
 * Everything runs on one seeded PRNG and one event queue ordered by (virtual time, sequence), so a
 * seed reproduces a schedule exactly. Before GST the network delays (beyond the timeouts), drops,
 * duplicates and reorders messages, splits the nodes into partitions, and crashes/restarts correct
 * nodes (restart = new state machine from the block store + WAL replay); after GST every partition is
 * healed, every node is up and messages arrive within Δ. Byzantine validators run the same machine
 * with an unprotected signer and equivocate: they send one vote to some peers and a conflicting one
 * to the others, propose two different blocks, or propose invalid blocks.
 *
 * Gossip stands in for the reactor: every node periodically sends each peer a status (height and
 * the ids of the proposals and votes it holds for that height, conflicting versions included); a peer
 * answers with what the sender lacks, and a peer one height behind gets the decided block's proposal
 * and commit precommits (CometBFT's catch-up). This relays byzantine votes too, which liveness needs.
 * As the reactor does, nodes also send ValidBlock (the machine's validBlock output: a peer lacking the
 * block asks the sender for it) and VoteSetMaj23 (every few gossip ticks, for each vote set with +2/3;
 * and for a peer one height behind, for the stored commit of its height), answered by VoteSetBits for
 * that block id, after which the claimant sends the votes the bits lack. `statusGossip: false` turns the
 * status-driven sending and catch-up off, so that recovery depends on these messages alone.
 *
 * Invariants checked continuously: agreement (no two correct nodes decide different blocks at one
 * height), validity (a decided block passes the application's checks), no correct validator sends
 * conflicting votes or proposals, no evidence against a correct validator, no signing refusal at a
 * correct node (a replay that diverged), block times strictly increase. Liveness: every correct node
 * decides the target height within a bounded virtual time after GST.
 */
import type { Bytes, Timestamp } from "../../../modules/core/abci.ts";
import { equal, toHex, utf8 } from "../../../modules/core/bytes.ts";
import { type Block, type BlockID, type Commit, type ExtendedCommit, type Proposal, type Vote } from "../../types/block.ts";
import { isZeroBlockId, proposalSignBytes, voteSignBytes } from "../../types/encoding.ts";
import { blockId as computeBlockId } from "../../types/hash.ts";
import { compareTimestamps, msToTimestamp } from "../../types/time.ts";
import type { ValidatorSet } from "../../types/validatorSet.ts";
import { type ConsensusInput, type ConsensusOutput, type ConsensusSigner, ConsensusState, type TimeoutParams, type VoteExtensionHooks } from "../state.ts";
import { fakeScheme, makeTestBlock, makeValidatorSet, rawSigner, type SigScheme, type TestKey, testKeys } from "../testing.ts";
import { blockIdKey, commitToVotes, isTwoThirds, toCommit } from "../voteSet.ts";
import { decodeWalMessage, encodeWalMessage, messagesForReplay, type WalInput, type WalMessage } from "../wal.ts";

// ---------------------------------------------------------------------------------------------
// PRNG and event queue

/** mulberry32: small, fast, good enough for schedules. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
}

interface QItem {
  t: number;
  seq: number;
  run: () => void;
}

class EventQueue {
  private heap: QItem[] = [];
  private seq = 0;
  get size(): number {
    return this.heap.length;
  }
  push(t: number, run: () => void): void {
    const item = { t, seq: this.seq++, run };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, item)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = item;
  }
  pop(): QItem | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && less(h[r]!, h[l]!) ? r : l;
      if (less(last, h[c]!)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}

function less(a: QItem, b: QItem): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

// ---------------------------------------------------------------------------------------------
// options

export const ByzantineMode = { equivocate: "equivocate", doubleProposal: "doubleProposal", invalidProposal: "invalidProposal", mixed: "mixed" } as const;
export type ByzantineMode = (typeof ByzantineMode)[keyof typeof ByzantineMode];

export interface SimOptions {
  seed: number;
  powers: bigint[];
  /** indices into powers of byzantine validators. */
  byzantine: number[];
  byzantineMode: ByzantineMode;
  /** correct nodes must all decide heights 1..targetHeight. */
  targetHeight: bigint;
  /** virtual ms at which the network heals, crashed nodes are up and delays are ≤ deltaMs. */
  gstMs: number;
  dropRate: number;
  dupRate: number;
  /** max delay before GST (may exceed timeouts: asynchrony). */
  maxDelayPreGstMs: number;
  deltaMs: number;
  partitions: boolean;
  crashes: boolean;
  timeouts: TimeoutParams;
  gossipIntervalMs: number;
  scheme: SigScheme;
  voteExtensions: boolean;
  /** store the WAL encoded (exercises the codec on replay). */
  walCodec: boolean;
  /** per-node clock skew bound (ms). */
  clockSkewMs: number;
  /** liveness bound after GST (virtual ms); default from timeouts and sizes. */
  livenessBoundMs?: number;
  /** explicit crash windows (node index in set order, virtual ms), in addition to random crashes. */
  outages?: { node: number; fromMs: number; toMs: number }[];
  /** record a trace of events (for debugging a failing seed). */
  trace?: boolean;
  /** status-driven gossip and catch-up (default true). */
  statusGossip?: boolean;
  /** ValidBlock and VoteSetMaj23 / VoteSetBits messages (default true). */
  maj23Gossip?: boolean;
  /** windows in which every message to a node is lost (it misses proposals and votes). */
  deaf?: { node: number; fromMs: number; toMs: number }[];
}

export const SIM_TIMEOUTS: TimeoutParams = Object.freeze({
  proposeMs: 300,
  proposeDeltaMs: 100,
  prevoteMs: 150,
  prevoteDeltaMs: 50,
  precommitMs: 150,
  precommitDeltaMs: 50,
  commitMs: 30,
  capMs: 1200,
});

export function defaultSimOptions(seed: number): SimOptions {
  return {
    seed,
    powers: [10n, 10n, 10n, 10n],
    byzantine: [],
    byzantineMode: "mixed",
    targetHeight: 3n,
    gstMs: 0,
    dropRate: 0,
    dupRate: 0,
    maxDelayPreGstMs: 30,
    deltaMs: 30,
    partitions: false,
    crashes: false,
    timeouts: SIM_TIMEOUTS,
    gossipIntervalMs: 150,
    scheme: fakeScheme,
    voteExtensions: false,
    walCodec: false,
    clockSkewMs: 0,
  };
}

/** a randomized schedule: sizes, powers, faults and byzantine power < 1/3 drawn from the seed. */
export function randomSchedule(seed: number): SimOptions {
  const r = new Rng(seed ^ 0x9e3779b9);
  const n = r.int(4, 7);
  const powers: bigint[] = [];
  for (let i = 0; i < n; i++) powers.push(BigInt(r.chance(0.5) ? 10 : r.int(1, 30)));
  const total = powers.reduce((a, b) => a + b, 0n);
  const byzantine: number[] = [];
  if (r.chance(0.6)) {
    const order = powers.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = r.int(0, i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let byzPower = 0n;
    for (const i of order) {
      if ((byzPower + powers[i]!) * 3n < total && byzantine.length < n - 1 && r.chance(0.7)) {
        byzantine.push(i);
        byzPower += powers[i]!;
      }
    }
  }
  const faulty = r.chance(0.8);
  // one schedule in ten is a long, harsh asynchronous period (rounds climb, timeouts reach the cap)
  const harsh = faulty && r.chance(0.1);
  return {
    ...defaultSimOptions(seed),
    powers,
    byzantine,
    byzantineMode: r.pick(["equivocate", "doubleProposal", "invalidProposal", "mixed"] as const),
    targetHeight: BigInt(r.int(2, 4)),
    gstMs: harsh ? r.int(4000, 9000) : faulty ? r.int(200, 2500) : 0,
    dropRate: harsh ? 0.6 : faulty ? r.pick([0, 0.05, 0.2, 0.4]) : 0,
    dupRate: r.pick([0, 0.05, 0.2]),
    maxDelayPreGstMs: harsh ? 1500 : r.pick([20, 100, 400, 900]),
    deltaMs: r.int(5, 40),
    partitions: harsh || (faulty && r.chance(0.5)),
    crashes: faulty && r.chance(0.5),
    voteExtensions: r.chance(0.3),
    walCodec: r.chance(0.1),
    clockSkewMs: r.pick([0, 5, 50]),
  };
}

// ---------------------------------------------------------------------------------------------
// nodes

const CHAIN_ID = "openledger-sim-1";
const GENESIS_MS = 1_700_000_000_000;

interface Decided {
  round: number;
  block: Block;
  blockId: BlockID;
  extendedCommit: ExtendedCommit;
  proposal: { proposal: Proposal; block: Block } | undefined;
}

/** a private validator kept in memory (survives crashes): HRS protection as node/privval/filePV.ts. */
class SimPrivVal {
  private last: { h: bigint; r: number; step: number; signBytes: Bytes; sig: Bytes; ts: Timestamp } | undefined;
  private readonly key: TestKey;
  private readonly scheme: SigScheme;
  constructor(key: TestKey, scheme: SigScheme) {
    this.key = key;
    this.scheme = scheme;
  }
  private check(h: bigint, r: number, step: number): boolean {
    const l = this.last;
    if (l === undefined) return false;
    if (l.h > h || (l.h === h && (l.r > r || (l.r === r && l.step > step)))) throw new Error(`double-sign refused: ${h}/${r}/${step} after ${l.h}/${l.r}/${l.step}`);
    return l.h === h && l.r === r && l.step === step;
  }
  signVote(vote: Vote, signExt: boolean): Vote {
    const step = vote.type === 1 ? 2 : 3;
    const same = this.check(vote.height, vote.round, step);
    const raw = rawSigner(this.key, CHAIN_ID, this.scheme);
    const ext = signExt ? raw.signVote(vote, true).extensionSignature : vote.extensionSignature;
    const sb = voteSignBytes(CHAIN_ID, vote);
    if (same) {
      const l = this.last!;
      if (equal(sb, l.signBytes) || equal(voteSignBytes(CHAIN_ID, { ...vote, timestamp: l.ts }), l.signBytes)) {
        return { ...vote, timestamp: l.ts, signature: l.sig, extensionSignature: ext };
      }
      throw new Error(`double-sign refused: conflicting data at ${vote.height}/${vote.round}/${step}`);
    }
    const sig = this.scheme.sign(this.key, sb);
    this.last = { h: vote.height, r: vote.round, step, signBytes: sb, sig, ts: vote.timestamp };
    return { ...vote, signature: sig, extensionSignature: ext };
  }
  signProposal(p: Proposal): Proposal {
    const same = this.check(p.height, p.round, 1);
    const sb = proposalSignBytes(CHAIN_ID, p);
    if (same) {
      const l = this.last!;
      if (equal(sb, l.signBytes) || equal(proposalSignBytes(CHAIN_ID, { ...p, timestamp: l.ts }), l.signBytes)) return { ...p, timestamp: l.ts, signature: l.sig };
      throw new Error(`double-sign refused: conflicting proposal at ${p.height}/${p.round}`);
    }
    const sig = this.scheme.sign(this.key, sb);
    this.last = { h: p.height, r: p.round, step: 1, signBytes: sb, sig, ts: p.timestamp };
    return { ...p, signature: sig };
  }
}

type NetMsg =
  | { kind: "proposal"; proposal: Proposal; block: Block }
  | { kind: "vote"; vote: Vote }
  | { kind: "status"; from: number; height: bigint; have: Set<string> }
  | { kind: "block"; height: bigint; block: Block }
  | { kind: "blockRequest"; from: number; height: bigint; blockId: BlockID }
  | { kind: "validBlock"; from: number; height: bigint; round: number; blockId: BlockID; isCommit: boolean }
  | { kind: "maj23"; from: number; height: bigint; round: number; type: number; blockId: BlockID }
  | { kind: "voteSetBits"; from: number; height: bigint; round: number; type: number; blockId: BlockID; bits: Bytes };

interface SimNode {
  idx: number;
  key: TestKey;
  byzantine: boolean;
  alive: boolean;
  incarnation: number;
  skewMs: number;
  sm: ConsensusState;
  /** the WAL: records (objects, or bytes with walCodec) and the durable prefix length. */
  wal: (WalMessage | Bytes)[];
  walDurable: number;
  privval: SimPrivVal;
  chain: Map<bigint, Decided>;
  /** own signed messages from the WAL, used while replaying (exact signatures back). */
  replayCache: Map<string, Vote | Proposal>;
  replaying: boolean;
  lastCatchup: Map<number, number>;
  /** blocks named by a polka or commit that the machine lacks (re-requested every gossip tick). */
  missing: Map<string, { height: bigint; blockId: BlockID }>;
  ticks: number;
  decidedAt: Map<bigint, number>;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  violations: string[];
  /** virtual ms when every correct node had decided the target height (or the end). */
  simMs: number;
  events: number;
  messages: number;
  heights: bigint[];
  evidence: { reporter: number; validator: number; height: bigint }[];
  crashes: number;
  maxRound: number;
  /** ValidBlock / VoteSetMaj23 traffic: messages sent, and votes sent because a VoteSetBits lacked them. */
  maj23: { validBlocks: number; claims: number; bitsReplies: number; votesFromBits: number; blocksAskedFromValid: number };
  /** per decided height (as node 0 of the correct ones saw it): the decision round and the block's proposer index. */
  decisions: { height: bigint; round: number; proposer: number }[];
  trace: string[];
}

// ---------------------------------------------------------------------------------------------
// the simulation

export function runSimulation(o: SimOptions): SimResult {
  return new Simulation(o).run();
}

class Simulation {
  private readonly o: SimOptions;
  private readonly rng: Rng;
  private readonly q = new EventQueue();
  private now = 0;
  private readonly keys: TestKey[];
  private readonly baseSet: ValidatorSet;
  private readonly valsets: ValidatorSet[] = [];
  private readonly valsetHashes = new Map<bigint, Bytes>();
  private readonly nodes: SimNode[] = [];
  private readonly violations: string[] = [];
  private readonly decisions = new Map<bigint, string>();
  private readonly sentVotes = new Map<string, string>();
  private readonly evidence: SimResult["evidence"] = [];
  private readonly trace: string[] = [];
  private partition: number[] | undefined;
  private messages = 0;
  private events = 0;
  private crashes = 0;
  private maxRound = 0;
  private readonly maj23Stats = { validBlocks: 0, claims: 0, bitsReplies: 0, votesFromBits: 0, blocksAskedFromValid: 0 };
  private readonly blockIds = new WeakMap<Block, BlockID>();
  private readonly validity = new Map<string, boolean>();
  private readonly extHooks: VoteExtensionHooks;

  constructor(o: SimOptions) {
    this.o = o;
    this.rng = new Rng(o.seed);
    const raw = testKeys(o.powers.length, o.scheme, `sim${o.seed % 7}`);
    this.baseSet = makeValidatorSet(raw, o.powers);
    // node i = validator i in set order
    this.keys = this.baseSet.validators.map((v) => raw.find((k) => equal(k.address, v.address))!);
    const byzAddrs = new Set(o.byzantine.map((i) => toHex(raw[i]!.address)));
    this.extHooks = {
      extendVote: ({ height, round }) => utf8(`verdict:${height}:${round}`),
      verifyVoteExtension: (v) => v.extension.length > 0 && v.extension[0] === 0x76,
    };
    this.keys.forEach((key, idx) => {
      const node: SimNode = {
        idx,
        key,
        byzantine: byzAddrs.has(toHex(key.address)),
        alive: true,
        incarnation: 0,
        skewMs: o.clockSkewMs === 0 ? 0 : this.rng.int(-o.clockSkewMs, o.clockSkewMs),
        sm: undefined as unknown as ConsensusState,
        wal: [],
        walDurable: 0,
        privval: new SimPrivVal(key, o.scheme),
        chain: new Map(),
        replayCache: new Map(),
        replaying: false,
        lastCatchup: new Map(),
        missing: new Map(),
        ticks: 0,
        decidedAt: new Map(),
      };
      node.sm = this.newMachine(node);
      this.nodes.push(node);
    });
  }

  private valset(h: bigint): ValidatorSet {
    while (this.valsets.length < Number(h)) {
      const prev = this.valsets[this.valsets.length - 1];
      if (prev === undefined) this.valsets.push(this.baseSet.copy());
      else {
        const next = prev.copy();
        next.incrementProposerPriority(1);
        this.valsets.push(next);
      }
    }
    return this.valsets[Number(h) - 1]!;
  }

  private valsetHash(h: bigint): Bytes {
    let x = this.valsetHashes.get(h);
    if (x === undefined) {
      x = this.valset(h).hash();
      this.valsetHashes.set(h, x);
    }
    return x;
  }

  private blockIdOf = (b: Block): BlockID => {
    let id = this.blockIds.get(b);
    if (id === undefined) {
      id = computeBlockId(b);
      this.blockIds.set(b, id);
    }
    return id;
  };

  private log(s: string): void {
    if (this.o.trace) this.trace.push(`${this.now} ${s}`);
  }

  private violation(s: string): void {
    this.violations.push(`t=${this.now} ${s}`);
  }

  private correct(): SimNode[] {
    return this.nodes.filter((n) => !n.byzantine);
  }

  // -------------------------------------------------------------- node machinery

  private newMachine(node: SimNode): ConsensusState {
    const signer: ConsensusSigner = node.byzantine
      ? rawSigner(node.key, CHAIN_ID, this.o.scheme)
      : {
          address: node.key.address,
          signVote: (vote, signExt) => {
            node.walDurable = node.wal.length; // flush + fsync before signing
            const cached = node.replaying ? node.replayCache.get(`v/${vote.height}/${vote.round}/${vote.type}`) : undefined;
            let signed: Vote;
            if (cached !== undefined && equal(voteSignBytes(CHAIN_ID, cached as Vote), voteSignBytes(CHAIN_ID, vote))) signed = cached as Vote;
            else signed = node.privval.signVote(vote, signExt);
            this.walWrite(node, { kind: "ownVote", vote: signed }, true);
            return signed;
          },
          signProposal: (p) => {
            node.walDurable = node.wal.length;
            const cached = node.replaying ? node.replayCache.get(`p/${p.height}/${p.round}`) : undefined;
            let signed: Proposal;
            if (cached !== undefined && equal(proposalSignBytes(CHAIN_ID, cached as Proposal), proposalSignBytes(CHAIN_ID, p))) signed = cached as Proposal;
            else signed = node.privval.signProposal(p);
            this.walWrite(node, { kind: "ownProposal", proposal: signed }, true);
            return signed;
          },
        };
    return new ConsensusState(
      { chainId: CHAIN_ID, timeouts: this.o.timeouts, voteExtensionsEnableHeight: this.o.voteExtensions ? 1n : 0n },
      { signer, verifier: this.o.scheme.verifier, blockId: this.blockIdOf, ...(this.o.voteExtensions ? { extensions: this.extHooks } : {}) },
    );
  }

  private walWrite(node: SimNode, m: WalMessage, sync: boolean): void {
    node.wal.push(this.o.walCodec ? encodeWalMessage(m) : m);
    if (sync) node.walDurable = node.wal.length;
  }

  private nodeNow(node: SimNode): number {
    return GENESIS_MS + this.now + node.skewMs;
  }

  /** feeds one input (logging it first unless replaying) and carries out the outputs. */
  private input(node: SimNode, input: ConsensusInput, nowMs?: number): void {
    if (!node.alive) return;
    const t = nowMs ?? this.nodeNow(node);
    if (input.kind !== "startHeight" && !node.replaying && !node.byzantine) this.walWrite(node, { kind: "input", nowMs: t, input: input as WalInput }, false);
    const outs = node.sm.handle(input, t);
    for (const out of outs) this.output(node, out);
    const v = node.sm.view();
    if (v !== undefined && v.round > this.maxRound) this.maxRound = v.round;
  }

  private later(node: SimNode, delay: number, f: () => void): void {
    const inc = node.incarnation;
    this.q.push(this.now + delay, () => {
      if (node.alive && node.incarnation === inc) f();
    });
  }

  private output(node: SimNode, out: ConsensusOutput): void {
    switch (out.kind) {
      case "broadcastProposal":
        this.checkOwnProposal(node, out.proposal);
        this.sendProposal(node, out.proposal, out.block);
        return;
      case "broadcastVote":
        this.checkOwnVote(node, out.vote);
        this.sendVote(node, out.vote);
        return;
      case "scheduleTimeout":
        this.later(node, out.durationMs, () => this.input(node, { kind: "timeout", timeout: out.timeout }));
        return;
      case "requestValue": {
        const block = this.buildBlock(node, out.height, out.round, out.lastCommit);
        this.later(node, 1, () => this.input(node, { kind: "value", height: out.height, round: out.round, block }));
        return;
      }
      case "validateBlock": {
        const valid = this.validate(node, out.block, out.blockId);
        this.later(node, 1, () => this.input(node, { kind: "verdict", height: out.height, blockHash: out.blockId.hash, valid }));
        return;
      }
      case "decide":
        this.onDecide(node, out);
        return;
      case "evidence": {
        const val = this.baseSet.getByAddress(out.evidence.voteA.validatorAddress)!.index;
        this.evidence.push({ reporter: node.idx, validator: val, height: out.evidence.voteA.height });
        if (!node.byzantine && !this.nodes[val]!.byzantine) this.violation(`node ${node.idx} produced evidence against correct validator ${val}`);
        return;
      }
      case "signError":
        if (!node.byzantine) this.violation(`correct node ${node.idx} could not sign at ${out.height}/${out.round}: ${out.error}`);
        return;
      case "halt":
        if (!node.byzantine) this.violation(`correct node ${node.idx} halted at ${out.height}: ${out.reason}`);
        return;
      case "missingBlock":
        node.missing.set(blockIdKey(out.blockId), { height: out.height, blockId: out.blockId });
        this.requestBlocks(node);
        return;
      case "validBlock":
        if (this.o.maj23Gossip === false) return;
        for (const p of this.nodes) {
          if (p.idx === node.idx) continue;
          this.maj23Stats.validBlocks++;
          this.deliver(node.idx, p.idx, { kind: "validBlock", from: node.idx, height: out.height, round: out.round, blockId: out.blockId, isCommit: out.isCommit });
        }
        return;
      case "invalidMessage":
        return;
    }
  }

  // -------------------------------------------------------------- invariants on own messages

  private checkOwnVote(node: SimNode, v: Vote): void {
    if (node.byzantine) return;
    const k = `${node.idx}/${v.height}/${v.round}/${v.type}`;
    const id = blockIdKey(v.blockId);
    const prev = this.sentVotes.get(k);
    if (prev !== undefined && prev !== id) this.violation(`correct validator ${node.idx} signed conflicting votes at ${v.height}/${v.round}/${v.type}`);
    this.sentVotes.set(k, id);
  }

  private checkOwnProposal(node: SimNode, p: Proposal): void {
    if (node.byzantine) return;
    const k = `${node.idx}/${p.height}/${p.round}/p`;
    const id = `${blockIdKey(p.blockId)}/${p.polRound}`;
    const prev = this.sentVotes.get(k);
    if (prev !== undefined && prev !== id) this.violation(`correct validator ${node.idx} signed conflicting proposals at ${p.height}/${p.round}`);
    this.sentVotes.set(k, id);
  }

  // -------------------------------------------------------------- application

  private buildBlock(node: SimNode, h: bigint, r: number, lastCommit: ExtendedCommit | undefined): Block {
    const prev = node.chain.get(h - 1n);
    let time: Timestamp;
    let commit: Commit | undefined;
    if (h === 1n) time = msToTimestamp(GENESIS_MS);
    else {
      if (lastCommit === undefined || prev === undefined) throw new Error(`node ${node.idx} proposes ${h} without the last commit`);
      commit = toCommit(lastCommit);
      time = medianTime(commit, this.valset(h - 1n));
    }
    const invalid = node.byzantine && (this.o.byzantineMode === "invalidProposal" || (this.o.byzantineMode === "mixed" && this.rng.chance(0.3)));
    return makeTestBlock({
      chainId: CHAIN_ID,
      height: h,
      time,
      ...(prev === undefined ? {} : { lastBlockId: prev.blockId }),
      ...(commit === undefined ? {} : { lastCommit: commit }),
      proposer: node.key.address,
      validatorsHash: this.valsetHash(h),
      txs: [utf8(`${invalid ? "bad" : "tx"}:${h}:${r}:${node.idx}:${this.rng.int(0, 1e9)}`)],
    });
  }

  /** the application's verdict (block validation + ProcessProposal); deterministic in the block and the node's chain. */
  private validate(node: SimNode, block: Block, id: BlockID): boolean {
    const h = block.header.height;
    const prev = node.chain.get(h - 1n);
    const memo = `${blockIdKey(id)}|${prev === undefined ? "" : blockIdKey(prev.blockId)}`;
    const cached = this.validity.get(memo);
    if (cached !== undefined) return cached;
    const ok = this.checkBlock(block, prev);
    this.validity.set(memo, ok);
    return ok;
  }

  private checkBlock(block: Block, prev: Decided | undefined): boolean {
    const hd = block.header;
    if (hd.chainId !== CHAIN_ID) return false;
    if (!equal(hd.validatorsHash, this.valsetHash(hd.height))) return false;
    if (!this.valset(hd.height).hasAddress(hd.proposerAddress)) return false;
    for (const tx of block.data.txs) if (tx[0] === 0x62 /* "b"ad */) return false;
    if (hd.height === 1n) return compareTimestamps(hd.time, msToTimestamp(GENESIS_MS)) === 0 && isZeroBlockId(hd.lastBlockId);
    if (prev === undefined) return false;
    if (blockIdKey(hd.lastBlockId) !== blockIdKey(prev.blockId)) return false;
    const c = block.lastCommit;
    const vs = this.valset(hd.height - 1n);
    if (c.height !== hd.height - 1n || blockIdKey(c.blockId) !== blockIdKey(prev.blockId) || c.signatures.length !== vs.size) return false;
    let power = 0n;
    for (let i = 0; i < c.signatures.length; i++) {
      const s = c.signatures[i]!;
      if (s.blockIdFlag === 1) continue;
      const val = vs.getByIndex(i)!;
      if (!equal(s.validatorAddress, val.address)) return false;
      const vote = { type: 2 as const, height: c.height, round: c.round, blockId: s.blockIdFlag === 2 ? c.blockId : { hash: new Uint8Array(0), partSetHeader: { total: 0, hash: new Uint8Array(0) } }, timestamp: s.timestamp };
      if (!this.o.scheme.verifier.verify(val.pubKey.value, voteSignBytes(CHAIN_ID, vote), s.signature)) return false;
      if (s.blockIdFlag === 2) power += val.votingPower;
    }
    if (!isTwoThirds(power, vs.totalVotingPower())) return false;
    const t = medianTime(c, vs);
    return compareTimestamps(hd.time, t) === 0 && compareTimestamps(hd.time, prev.block.header.time) > 0;
  }

  private onDecide(node: SimNode, d: Extract<ConsensusOutput, { kind: "decide" }>): void {
    const key = blockIdKey(d.blockId);
    this.log(`node ${node.idx} decides ${d.height} round ${d.round} ${key.slice(0, 8)}`);
    if (!node.byzantine) {
      const prevKey = this.decisions.get(d.height);
      if (prevKey === undefined) this.decisions.set(d.height, key);
      else if (prevKey !== key) this.violation(`agreement: height ${d.height} decided ${prevKey.slice(0, 16)} and ${key.slice(0, 16)} (node ${node.idx})`);
      if (!this.validate(node, d.block, d.blockId)) this.violation(`validity: node ${node.idx} decided an invalid block at ${d.height}`);
      let power = 0n;
      d.commit.signatures.forEach((s, i) => {
        if (s.blockIdFlag === 2) power += this.valset(d.height).getByIndex(i)!.votingPower;
      });
      if (!isTwoThirds(power, this.valset(d.height).totalVotingPower())) this.violation(`node ${node.idx} decided ${d.height} with a commit of ${power} power`);
      if (this.o.voteExtensions) {
        for (const s of d.extendedCommit.extendedSignatures) {
          if (s.blockIdFlag === 2 && s.extension.length === 0) this.violation(`node ${node.idx}: commit at ${d.height} lacks a vote extension`);
        }
      }
    }
    if (!node.chain.has(d.height)) {
      const p = node.sm.heightMessages().proposals.find((x) => blockIdKey(x.proposal.blockId) === key);
      node.chain.set(d.height, { round: d.round, block: d.block, blockId: d.blockId, extendedCommit: d.extendedCommit, proposal: p });
      node.decidedAt.set(d.height, this.now);
    }
    this.walWrite(node, { kind: "endHeight", height: d.height }, true);
    const next = d.height + 1n;
    this.later(node, 2, () => this.input(node, { kind: "startHeight", height: next, validators: this.valset(next) }));
  }

  // -------------------------------------------------------------- network

  private reachable(a: number, b: number): boolean {
    if (this.partition === undefined) return true;
    return this.partition[a] === this.partition[b];
  }

  private deaf(to: number): boolean {
    for (const w of this.o.deaf ?? []) if (w.node === to && this.now >= w.fromMs && this.now < w.toMs) return true;
    return false;
  }

  private deliver(from: number, to: number, msg: NetMsg): void {
    if (from === to) return;
    if (this.deaf(to)) return;
    const pre = this.now < this.o.gstMs;
    if (pre && this.o.dropRate > 0 && this.rng.chance(this.o.dropRate)) return;
    if (!this.reachable(from, to)) return;
    const copies = this.o.dupRate > 0 && this.rng.chance(this.o.dupRate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const delay = pre ? this.rng.int(1, this.o.maxDelayPreGstMs) : this.rng.int(1, this.o.deltaMs);
      this.messages++;
      this.q.push(this.now + delay, () => this.receive(to, from, msg));
    }
  }

  private receive(to: number, from: number, msg: NetMsg): void {
    const node = this.nodes[to]!;
    if (!node.alive) return;
    // a message in flight when a partition started is lost
    if (!this.reachable(from, to) || this.deaf(to)) return;
    switch (msg.kind) {
      case "proposal":
        this.input(node, { kind: "proposal", proposal: msg.proposal, block: msg.block });
        return;
      case "vote":
        this.input(node, { kind: "vote", vote: msg.vote });
        return;
      case "status":
        this.onStatus(node, msg);
        return;
      case "block":
        this.input(node, { kind: "block", height: msg.height, block: msg.block });
        return;
      case "blockRequest": {
        const want = blockIdKey(msg.blockId);
        const d = node.chain.get(msg.height);
        let block = d !== undefined && blockIdKey(d.blockId) === want ? d.block : undefined;
        if (block === undefined && node.sm.height === msg.height) block = node.sm.heightMessages().proposals.find((p) => blockIdKey(p.proposal.blockId) === want)?.block;
        if (block !== undefined) this.deliver(node.idx, msg.from, { kind: "block", height: msg.height, block });
        return;
      }
      case "validBlock":
        // the sender holds a block with a polka (or decided it) that we lack: ask it
        if (node.sm.height === msg.height && !node.sm.hasBlock(msg.blockId.hash)) {
          this.maj23Stats.blocksAskedFromValid++;
          this.deliver(node.idx, msg.from, { kind: "blockRequest", from: node.idx, height: msg.height, blockId: msg.blockId });
        }
        return;
      case "maj23":
        if (node.sm.height !== msg.height) return;
        this.maj23Stats.bitsReplies++;
        this.deliver(node.idx, msg.from, { kind: "voteSetBits", from: node.idx, height: msg.height, round: msg.round, type: msg.type, blockId: msg.blockId, bits: node.sm.voteBits(msg.round, msg.type, msg.blockId) });
        if (!isZeroBlockId(msg.blockId) && !node.sm.hasBlock(msg.blockId.hash)) this.deliver(node.idx, msg.from, { kind: "blockRequest", from: node.idx, height: msg.height, blockId: msg.blockId });
        return;
      case "voteSetBits": {
        const want = blockIdKey(msg.blockId);
        let votes: Vote[];
        if (node.sm.height === msg.height) votes = node.sm.votesFor(msg.round, msg.type, msg.blockId);
        else {
          const d = node.chain.get(msg.height);
          votes = d === undefined || d.extendedCommit.round !== msg.round || msg.type !== 2 ? [] : commitToVotes(d.extendedCommit).filter((v) => blockIdKey(v.blockId) === want);
        }
        for (const v of votes) {
          const b = msg.bits[v.validatorIndex >> 3];
          if (b !== undefined && (b & (1 << (v.validatorIndex & 7))) !== 0) continue;
          this.maj23Stats.votesFromBits++;
          this.deliver(node.idx, msg.from, { kind: "vote", vote: v });
        }
        return;
      }
    }
  }

  private sendVote(node: SimNode, vote: Vote): void {
    const peers = this.nodes.filter((p) => p.idx !== node.idx);
    if (node.byzantine && this.equivocates()) {
      const other = this.conflictingVote(node, vote);
      for (const p of peers) this.deliver(node.idx, p.idx, { kind: "vote", vote: this.rng.chance(0.5) ? vote : other });
      return;
    }
    for (const p of peers) this.deliver(node.idx, p.idx, { kind: "vote", vote });
  }

  private sendProposal(node: SimNode, proposal: Proposal, block: Block): void {
    const peers = this.nodes.filter((p) => p.idx !== node.idx);
    if (node.byzantine && (this.o.byzantineMode === "doubleProposal" || (this.o.byzantineMode === "mixed" && this.rng.chance(0.5)))) {
      const block2 = { ...block, data: { txs: [utf8(`tx:${proposal.height}:${proposal.round}:${node.idx}:twin${this.rng.int(0, 1e9)}`)] } };
      block2.header = { ...block.header, dataHash: makeTestBlock({ chainId: CHAIN_ID, height: 1n, time: block.header.time, proposer: block.header.proposerAddress, txs: block2.data.txs }).header.dataHash };
      const p2 = rawSigner(node.key, CHAIN_ID, this.o.scheme).signProposal({ ...proposal, blockId: this.blockIdOf(block2) });
      for (const p of peers) {
        const a = this.rng.chance(0.5);
        this.deliver(node.idx, p.idx, a ? { kind: "proposal", proposal, block } : { kind: "proposal", proposal: p2, block: block2 });
      }
      return;
    }
    for (const p of peers) this.deliver(node.idx, p.idx, { kind: "proposal", proposal, block });
  }

  private equivocates(): boolean {
    const m = this.o.byzantineMode;
    return m === "equivocate" || (m === "mixed" && this.rng.chance(0.5));
  }

  private conflictingVote(node: SimNode, vote: Vote): Vote {
    let blockId: BlockID;
    if (!isZeroBlockId(vote.blockId)) blockId = { hash: new Uint8Array(0), partSetHeader: { total: 0, hash: new Uint8Array(0) } };
    else {
      const props = node.sm.heightMessages().proposals;
      blockId = props.length > 0 ? this.rng.pick(props).proposal.blockId : { hash: utf8(`fake-${this.rng.int(0, 1e9)}`.padEnd(32, "x")), partSetHeader: { total: 1, hash: new Uint8Array(32) } };
    }
    const ext = vote.type === 2 && !isZeroBlockId(blockId) && this.o.voteExtensions;
    const v: Vote = { ...vote, blockId, extension: ext ? utf8("verdict:x") : new Uint8Array(0), extensionSignature: new Uint8Array(0) };
    return rawSigner(node.key, CHAIN_ID, this.o.scheme).signVote(v, ext);
  }

  // -------------------------------------------------------------- gossip

  private requestBlocks(node: SimNode): void {
    const h = node.sm.height;
    for (const [k, m] of node.missing) {
      if (m.height !== h) {
        node.missing.delete(k);
        continue;
      }
      for (const p of this.nodes) if (p.idx !== node.idx) this.deliver(node.idx, p.idx, { kind: "blockRequest", from: node.idx, height: m.height, blockId: m.blockId });
    }
  }

  private gossipTick(node: SimNode): void {
    const h = node.sm.height;
    if (node.missing.size > 0) this.requestBlocks(node);
    if (h !== undefined) {
      const have = new Set<string>();
      const msgs = node.sm.heightMessages();
      for (const p of msgs.proposals) have.add(`p/${p.proposal.round}`);
      for (const v of msgs.votes) have.add(voteKey(v));
      for (const p of this.nodes) if (p.idx !== node.idx) this.deliver(node.idx, p.idx, { kind: "status", from: node.idx, height: h, have });
      // VoteSetMaj23 for every vote set with +2/3 (every fifth tick: CometBFT queries less often than it gossips)
      if (this.o.maj23Gossip !== false && node.ticks++ % 5 === 0) {
        for (const m of node.sm.majorities()) {
          for (const p of this.nodes) {
            if (p.idx === node.idx) continue;
            this.maj23Stats.claims++;
            this.deliver(node.idx, p.idx, { kind: "maj23", from: node.idx, height: h, round: m.round, type: m.type, blockId: m.blockId });
          }
        }
      }
    }
    this.later(node, this.o.gossipIntervalMs, () => this.gossipTick(node));
  }

  private onStatus(node: SimNode, st: Extract<NetMsg, { kind: "status" }>): void {
    const h = node.sm.height;
    if (h === undefined) return;
    if (this.o.statusGossip === false) {
      // only the VoteSetMaj23 / ValidBlock catch-up: claim the stored commit of the peer's height
      if (this.o.maj23Gossip === false || st.height >= h) return;
      const last = node.lastCatchup.get(st.from) ?? -Infinity;
      if (this.now - last < this.o.gossipIntervalMs) return;
      node.lastCatchup.set(st.from, this.now);
      const d = node.chain.get(st.height);
      if (d === undefined) return;
      this.maj23Stats.claims++;
      this.deliver(node.idx, st.from, { kind: "maj23", from: node.idx, height: st.height, round: d.round, type: 2, blockId: d.blockId });
      this.maj23Stats.validBlocks++;
      this.deliver(node.idx, st.from, { kind: "validBlock", from: node.idx, height: st.height, round: d.round, blockId: d.blockId, isCommit: true });
      return;
    }
    if (st.height === h) {
      const msgs = node.sm.heightMessages();
      for (const p of msgs.proposals) if (!st.have.has(`p/${p.proposal.round}`)) this.deliver(node.idx, st.from, { kind: "proposal", proposal: p.proposal, block: p.block });
      for (const v of msgs.votes) if (!st.have.has(voteKey(v))) this.deliver(node.idx, st.from, { kind: "vote", vote: v });
      return;
    }
    if (st.height < h) {
      const last = node.lastCatchup.get(st.from) ?? -Infinity;
      if (this.now - last < this.o.gossipIntervalMs) return;
      node.lastCatchup.set(st.from, this.now);
      const d = node.chain.get(st.height);
      if (d === undefined) return;
      if (d.proposal !== undefined) this.deliver(node.idx, st.from, { kind: "proposal", proposal: d.proposal.proposal, block: d.proposal.block });
      for (const v of commitToVotes(d.extendedCommit)) this.deliver(node.idx, st.from, { kind: "vote", vote: v });
      this.deliver(node.idx, st.from, { kind: "block", height: st.height, block: d.block });
    }
  }

  // -------------------------------------------------------------- faults

  private crash(node: SimNode): void {
    if (!node.alive) return;
    this.crashes++;
    this.log(`crash ${node.idx}`);
    node.alive = false;
    node.incarnation++;
    node.wal.length = node.walDurable;
  }

  private restart(node: SimNode): void {
    if (node.alive) return;
    this.log(`restart ${node.idx}`);
    node.alive = true;
    node.incarnation++;
    node.sm = this.newMachine(node);
    let s = 0n;
    while (node.chain.has(s + 1n)) s++;
    const msgs = node.wal.map((m) => (m instanceof Uint8Array ? decodeWalMessage(m) : m));
    const after = messagesForReplay(msgs, s);
    node.replayCache.clear();
    node.missing.clear();
    for (const m of after) {
      if (m.kind === "ownVote") node.replayCache.set(`v/${m.vote.height}/${m.vote.round}/${m.vote.type}`, m.vote);
      if (m.kind === "ownProposal") node.replayCache.set(`p/${m.proposal.height}/${m.proposal.round}`, m.proposal);
    }
    const last = node.chain.get(s);
    node.replaying = true;
    this.input(node, { kind: "startHeight", height: s + 1n, validators: this.valset(s + 1n), ...(last === undefined ? {} : { lastCommit: last.extendedCommit }) });
    for (const m of after) if (m.kind === "input") this.input(node, m.input, m.nowMs);
    node.replaying = false;
    node.replayCache.clear();
    this.later(node, this.rng.int(1, this.o.gossipIntervalMs), () => this.gossipTick(node));
  }

  private scheduleFaults(): void {
    const o = this.o;
    for (const w of o.outages ?? []) {
      const node = this.nodes[w.node]!;
      this.q.push(w.fromMs, () => this.crash(node));
      this.q.push(w.toMs, () => this.restart(node));
    }
    if (o.gstMs <= 0) return;
    const n = this.nodes.length;
    if (o.partitions) {
      let t = this.rng.int(0, o.gstMs / 2);
      while (t < o.gstMs) {
        const groups = this.nodes.map(() => this.rng.int(0, 1));
        this.q.push(t, () => {
          this.partition = groups;
          this.log(`partition ${groups.join("")}`);
        });
        const heal = Math.min(o.gstMs, t + this.rng.int(100, 1500));
        this.q.push(heal, () => {
          this.partition = undefined;
          this.log("heal");
        });
        t = heal + this.rng.int(50, 800);
      }
    }
    if (o.crashes) {
      const k = this.rng.int(1, Math.max(1, n - o.byzantine.length));
      for (let i = 0; i < k; i++) {
        const node = this.rng.pick(this.correct());
        const t = this.rng.int(0, o.gstMs - 1);
        const up = Math.min(o.gstMs, t + this.rng.int(50, 2000));
        this.q.push(t, () => this.crash(node));
        this.q.push(up, () => this.restart(node));
      }
    }
    this.q.push(o.gstMs, () => {
      this.partition = undefined;
      for (const node of this.nodes) if (!node.alive) this.restart(node);
    });
  }

  // -------------------------------------------------------------- run

  private livenessBound(): number {
    if (this.o.livenessBoundMs !== undefined) return this.o.livenessBoundMs;
    const t = this.o.timeouts;
    const perRound = t.capMs * 3 + 4 * this.o.deltaMs + 2 * this.o.gossipIntervalMs;
    return Number(this.o.targetHeight) * (this.nodes.length + 3) * perRound + 5000;
  }

  private done(): boolean {
    for (const n of this.correct()) if (!n.chain.has(this.o.targetHeight)) return false;
    return true;
  }

  run(): SimResult {
    for (const node of this.nodes) {
      this.input(node, { kind: "startHeight", height: 1n, validators: this.valset(1n) });
      this.later(node, this.rng.int(1, this.o.gossipIntervalMs), () => this.gossipTick(node));
    }
    this.scheduleFaults();
    const deadline = this.o.gstMs + this.livenessBound();
    let finished = false;
    while (this.q.size > 0) {
      const ev = this.q.pop()!;
      if (ev.t > deadline) break;
      this.now = ev.t;
      this.events++;
      ev.run();
      if (this.now >= this.o.gstMs && this.done()) {
        finished = true;
        break;
      }
      if (this.violations.length > 0 && !this.o.trace) break;
    }
    if (!finished && this.violations.length === 0) {
      const behind = this.correct().filter((n) => !n.chain.has(this.o.targetHeight)).map((n) => `${n.idx}@${n.sm.height}/r${n.sm.view()?.round}`);
      this.violation(`liveness: correct nodes ${behind.join(", ")} did not decide height ${this.o.targetHeight} within ${deadline} ms (GST ${this.o.gstMs})`);
    }
    if (this.o.trace) {
      for (const n of this.nodes) {
        const v = n.sm.view();
        const msgs = n.sm.heightMessages();
        const byRound = new Map<string, number>();
        for (const x of msgs.votes) {
          const k = `r${x.round}/${x.type === 1 ? "pv" : "pc"}/${blockIdKey(x.blockId).slice(0, 6) || "nil"}`;
          byRound.set(k, (byRound.get(k) ?? 0) + 1);
        }
        this.trace.push(
          `node ${n.idx}${n.byzantine ? " byz" : ""} h${v?.height} r${v?.round} step${v?.step} locked ${v?.lockedRound}:${v?.lockedBlockId === undefined ? "-" : blockIdKey(v.lockedBlockId).slice(0, 6)} valid ${v?.validRound}:${v?.validBlockId === undefined ? "-" : blockIdKey(v.validBlockId).slice(0, 6)} proposals ${msgs.proposals.map((p) => `${p.proposal.round}:${p.proposal.polRound}:${blockIdKey(p.proposal.blockId).slice(0, 6)}`).join(",")} votes ${[...byRound].filter(([k]) => /^r(4[5-9]|50|[0-3])\//.test(k)).map(([k, c]) => `${k}=${c}`).join(" ")}`,
        );
      }
    }
    const heights = this.nodes.map((n) => {
      let s = 0n;
      while (n.chain.has(s + 1n)) s++;
      return s;
    });
    return {
      seed: this.o.seed,
      ok: this.violations.length === 0,
      violations: this.violations,
      simMs: this.now,
      events: this.events,
      messages: this.messages,
      heights,
      evidence: this.evidence,
      crashes: this.crashes,
      maxRound: this.maxRound,
      maj23: this.maj23Stats,
      decisions: [...(this.correct()[0]?.chain ?? new Map<bigint, Decided>()).entries()]
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map(([height, d]) => ({ height, round: d.round, proposer: this.baseSet.getByAddress(d.block.header.proposerAddress)!.index })),
      trace: this.trace,
    };
  }
}

function voteKey(v: Vote): string {
  return `v/${v.round}/${v.type}/${v.validatorIndex}/${blockIdKey(v.blockId).slice(0, 16)}`;
}

/** CometBFT weighted median of the COMMIT timestamps (consensus.md §2.6). */
export function medianTime(commit: Commit, vals: ValidatorSet): Timestamp {
  const entries: { t: Timestamp; w: bigint }[] = [];
  let total = 0n;
  commit.signatures.forEach((s, i) => {
    const v = vals.getByIndex(i);
    if (s.blockIdFlag !== 2 || v === undefined) return;
    entries.push({ t: s.timestamp, w: v.votingPower });
    total += v.votingPower;
  });
  entries.sort((a, b) => compareTimestamps(a.t, b.t));
  let remaining = total / 2n;
  for (const e of entries) {
    if (e.w >= remaining) return e.t;
    remaining -= e.w;
  }
  return entries[entries.length - 1]!.t;
}

