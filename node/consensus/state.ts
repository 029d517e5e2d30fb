/**
 * The Tendermint consensus core: Algorithm 1 of "The latest gossip on BFT consensus"
 * (arXiv:1807.04938) as a PURE, deterministic state machine (specs/consensus.md §1, decision D2).
 *
 * One input at a time goes in (`handle(input, nowMs)`), a list of outputs comes out; the machine
 * never does IO, never reads a clock (the caller passes `nowMs` with every input, and the WAL logs
 * it, so replay reproduces the same votes and timestamps) and never awaits. Effects that need the
 * application (PrepareProposal, ProcessProposal) are outputs whose answers come back as inputs.
 * Signing goes through an injected synchronous signer: the driver flushes+fsyncs the WAL inside it,
 * before the private validator signs, so no signed message leaves before its causes are durable.
 *
 * Rules (paper line numbers): StartRound [11–21], R1 fresh proposal [22–27], R2 proposal with POL
 * [28–33], R3 +2/3 any prevotes → prevote timeout [34–35], R4 polka for the proposal → lock and
 * precommit, validValue update [36–43], R5 nil polka → precommit nil, never unlock [44–46], R6 +2/3
 * any precommits → precommit timeout [47–48], R7 decide in any round [49–54], R8 skip to a round
 * where validators with f+1 power voted [55–56], timeouts [57–67]. After each input the machine
 * evaluates R7 → R8 → R4 → R5 → R1/R2 → R3 → R6 repeatedly until none fires (a fixed order, so
 * replay reproduces outputs).
 */
import type { Bytes, Timestamp } from "../../modules/core/abci.ts";
import { EMPTY, toHex } from "../../modules/core/bytes.ts";
import {
  type Block,
  type BlockID,
  type Commit,
  EMPTY_BLOCK_ID,
  type ExtendedCommit,
  type Proposal,
  SignedMsgType,
  type Validator,
  type Vote,
} from "../types/block.ts";
import { isZeroBlockId, proposalSignBytes, voteExtensionSignBytes, voteSignBytes } from "../types/encoding.ts";
import { blockId as computeBlockId } from "../types/hash.ts";
import { addMs, compareTimestamps, msToTimestamp } from "../types/time.ts";
import { proposerForRound, type ValidatorSet } from "../types/validatorSet.ts";
import { verifyEd25519 } from "../crypto/ed25519.ts";
import {
  blockIdEqual,
  blockIdKey,
  commitToVotes,
  type DuplicateVoteEvidenceData,
  HeightVoteSet,
  isOneThird,
  toCommit,
  VoteSet,
} from "./voteSet.ts";

// ---------------------------------------------------------------------------------------------
// configuration

/** timeoutX(r) = min(cap, base + r·delta) (paper §1.5, capped). */
export interface TimeoutParams {
  proposeMs: number;
  proposeDeltaMs: number;
  prevoteMs: number;
  prevoteDeltaMs: number;
  precommitMs: number;
  precommitDeltaMs: number;
  /** delay between a decision and round 0 of the next height (collects late precommits). */
  commitMs: number;
  /** upper bound of every per-round timeout. */
  capMs: number;
}

/** CometBFT's defaults with a 60 s cap. */
export const DEFAULT_TIMEOUTS: TimeoutParams = Object.freeze({
  proposeMs: 3000,
  proposeDeltaMs: 500,
  prevoteMs: 1000,
  prevoteDeltaMs: 500,
  precommitMs: 1000,
  precommitDeltaMs: 500,
  commitMs: 1000,
  capMs: 60_000,
});

/** the localnet suggestion of specs/consensus.md §1.5. */
export const LOCALNET_TIMEOUTS: TimeoutParams = Object.freeze({
  proposeMs: 1000,
  proposeDeltaMs: 250,
  prevoteMs: 500,
  prevoteDeltaMs: 250,
  precommitMs: 500,
  precommitDeltaMs: 250,
  commitMs: 200,
  capMs: 60_000,
});

export const TimeoutStep = { newHeight: "newHeight", propose: "propose", prevote: "prevote", precommit: "precommit" } as const;
export type TimeoutStep = (typeof TimeoutStep)[keyof typeof TimeoutStep];

export interface TimeoutInfo {
  step: TimeoutStep;
  height: bigint;
  round: number;
}

export function timeoutDuration(p: TimeoutParams, step: TimeoutStep, round: number): number {
  let d: number;
  switch (step) {
    case "newHeight":
      return p.commitMs;
    case "propose":
      d = p.proposeMs + round * p.proposeDeltaMs;
      break;
    case "prevote":
      d = p.prevoteMs + round * p.prevoteDeltaMs;
      break;
    case "precommit":
      d = p.precommitMs + round * p.precommitDeltaMs;
      break;
  }
  return Math.min(d, p.capMs);
}

export const RoundStep = { newHeight: 0, propose: 1, prevote: 2, precommit: 3, commit: 4 } as const;
export type RoundStep = (typeof RoundStep)[keyof typeof RoundStep];

/** signs for this node (the driver wraps the private validator: WAL flush+fsync, then sign). Throws to refuse. */
export interface ConsensusSigner {
  readonly address: Bytes;
  signVote(vote: Vote, signExtension: boolean): Vote;
  signProposal(proposal: Proposal): Proposal;
}

export interface SignatureVerifier {
  verify(pubKey: Bytes, msg: Bytes, sig: Bytes): boolean;
}

export const ed25519Verifier: SignatureVerifier = { verify: verifyEd25519 };

/** ABCI++ ExtendVote / VerifyVoteExtension, synchronous here (the driver may precompute). */
export interface VoteExtensionHooks {
  extendVote(req: { height: bigint; round: number; blockId: BlockID; block: Block }): Bytes;
  verifyVoteExtension(vote: Vote, validator: Validator): boolean;
}

export interface ConsensusConfig {
  chainId: string;
  timeouts: TimeoutParams;
  /** vote extensions are required on non-nil precommits from this height on (0n = never). */
  voteExtensionsEnableHeight: bigint;
  /** messages for the next height kept until it starts (default 10,000). */
  maxFutureMessages?: number;
}

export interface ConsensusDeps {
  /** absent for a node that does not validate (it follows, never signs). */
  signer?: ConsensusSigner;
  verifier: SignatureVerifier;
  extensions?: VoteExtensionHooks;
  /** block id of a block (default: header hash + part-set header of its bytes). */
  blockId?: (block: Block) => BlockID;
}

// ---------------------------------------------------------------------------------------------
// inputs and outputs

export type ConsensusInput =
  /** begin height `height` with its validator set (round-0 proposer = validators.getProposer()). */
  | { kind: "startHeight"; height: bigint; validators: ValidatorSet; lastCommit?: ExtendedCommit }
  | { kind: "proposal"; proposal: Proposal; block: Block }
  | { kind: "vote"; vote: Vote }
  /** a block fetched by hash (kept only when a vote we hold names it). */
  | { kind: "block"; height: bigint; block: Block }
  | { kind: "timeout"; timeout: TimeoutInfo }
  /** the answer to requestValue: our own proposal block for (height, round). */
  | { kind: "value"; height: bigint; round: number; block: Block }
  /** the answer to validateBlock (block validation + ProcessProposal). */
  | { kind: "verdict"; height: bigint; blockHash: Bytes; valid: boolean };

export type ConsensusOutput =
  | { kind: "broadcastProposal"; proposal: Proposal; block: Block }
  | { kind: "broadcastVote"; vote: Vote }
  | { kind: "scheduleTimeout"; timeout: TimeoutInfo; durationMs: number }
  /** build a block (PrepareProposal) for (height, round); lastCommit is the previous height's best extended commit. */
  | { kind: "requestValue"; height: bigint; round: number; lastCommit: ExtendedCommit | undefined }
  | { kind: "validateBlock"; height: bigint; blockId: BlockID; block: Block }
  | { kind: "decide"; height: bigint; round: number; block: Block; blockId: BlockID; commit: Commit; extendedCommit: ExtendedCommit }
  /** a polka or commit names a block we do not have: fetch it and feed a "block" input. */
  | { kind: "missingBlock"; height: bigint; blockId: BlockID }
  /**
   * this node holds a valid block with +2/3 prevotes in `round` (R4 set validValue/validRound), or
   * decided it (`isCommit`): CometBFT's NewValidBlock, for the reactor to tell peers, which then know
   * the block exists and can fetch it.
   */
  | { kind: "validBlock"; height: bigint; round: number; blockId: BlockID; isCommit: boolean }
  | { kind: "evidence"; evidence: DuplicateVoteEvidenceData }
  /** a received message failed validation (bad signature, wrong proposer, …): the reactor may punish its sender. */
  | { kind: "invalidMessage"; reason: string }
  | { kind: "signError"; height: bigint; round: number; error: string }
  /** +2/3 precommitted a block we find invalid: non-determinism or > 2/3 faulty. Stop. */
  | { kind: "halt"; height: bigint; reason: string };

interface CachedBlock {
  block: Block;
  blockId: BlockID;
  key: string;
  /** undefined: validation requested, no verdict yet. */
  verdict: boolean | undefined;
}

interface HeightState {
  height: bigint;
  validators: ValidatorSet;
  myIndex: number;
  votes: HeightVoteSet;
  round: number;
  step: RoundStep;
  lockedRound: number;
  lockedBlock: CachedBlock | undefined;
  validRound: number;
  validBlock: CachedBlock | undefined;
  proposals: Map<number, { proposal: Proposal; block: CachedBlock }>;
  blocks: Map<string, CachedBlock>;
  fired: Set<string>;
  missingRequested: Set<string>;
  proposers: Map<number, Validator>;
  decided: { round: number; block: CachedBlock } | undefined;
  /** CometBFT's StartTime: when round 0 starts (the startHeight input's time, or the previous decision's, + the commit delay). */
  startTime: Timestamp;
  /** CometBFT's CommitTime: when this height was decided (undefined before). */
  commitTime: Timestamp | undefined;
}

interface LastHeight {
  height: bigint;
  round: number;
  precommits: VoteSet | undefined;
  /** a commit given at start (restart); used when no vote set is held. */
  fixed: ExtendedCommit | undefined;
  proposal: { proposal: Proposal; block: Block } | undefined;
}

/** a read-only snapshot for tests, RPC (dump_consensus_state) and gossip. */
export interface RoundStateView {
  height: bigint;
  round: number;
  step: RoundStep;
  lockedRound: number;
  lockedBlockId: BlockID | undefined;
  validRound: number;
  validBlockId: BlockID | undefined;
  decided: boolean;
  halted: boolean;
}

/** one vote set of the dump: the first vote of each validator (set order; absent = undefined) and the power they sum to. */
export interface VoteSetDump {
  votes: (Vote | undefined)[];
  sum: bigint;
  total: bigint;
}

/**
 * Everything CometBFT's RoundState shows (rpc `consensus_state` / `dump_consensus_state`), read-only:
 * the RPC renders it (node/rpc/consensusJson.ts). `validators` carries the round's priorities
 * (the height's set incremented `round` times on a copy, as CometBFT's RoundState.Validators).
 */
export interface RoundStateDump {
  height: bigint;
  round: number;
  step: RoundStep;
  /** R3 fired in this round (+2/3 any prevotes: CometBFT's RoundStepPrevoteWait). */
  prevoteWait: boolean;
  /** R6 fired in this round (+2/3 any precommits: RoundStepPrecommitWait, TriggeredTimeoutPrecommit). */
  precommitWait: boolean;
  startTime: Timestamp;
  commitTime: Timestamp | undefined;
  validators: ValidatorSet;
  proposer: { validator: Validator; index: number };
  proposal: Proposal | undefined;
  proposalBlock: { block: Block; blockId: BlockID } | undefined;
  lockedRound: number;
  lockedBlock: { block: Block; blockId: BlockID } | undefined;
  validRound: number;
  validBlock: { block: Block; blockId: BlockID } | undefined;
  /** rounds 0..round (CometBFT lists those; votes of later rounds held for catch-up are not shown). */
  votes: { round: number; prevotes: VoteSetDump; precommits: VoteSetDump }[];
  /** the decided round, -1 before. */
  commitRound: number;
  /** the precommits of the previous height's commit round (undefined at the first height). */
  lastCommit: { height: bigint; round: number; votes: (Vote | undefined)[] } | undefined;
  /** the timeouts of the current round: min(cap, base + round·delta) (openledgerd's addition). */
  timeouts: { propose: number; prevote: number; precommit: number; commit: number; cap: number };
  halted: boolean;
}

const noSigner = undefined;

export class ConsensusState {
  readonly config: Required<ConsensusConfig>;
  private readonly deps: ConsensusDeps;
  private readonly blockIdOf: (b: Block) => BlockID;
  private hs: HeightState | undefined;
  private last: LastHeight | undefined;
  private future: ConsensusInput[] = [];
  private out: ConsensusOutput[] = [];
  private now: Timestamp = msToTimestamp(0);
  private halted = false;

  constructor(config: ConsensusConfig, deps: ConsensusDeps) {
    this.config = { maxFutureMessages: 10_000, ...config };
    this.deps = deps;
    this.blockIdOf = deps.blockId ?? computeBlockId;
  }

  // ------------------------------------------------------------------ views

  get height(): bigint | undefined {
    return this.hs?.height;
  }

  view(): RoundStateView | undefined {
    const hs = this.hs;
    if (hs === undefined) return undefined;
    return {
      height: hs.height,
      round: hs.round,
      step: hs.step,
      lockedRound: hs.lockedRound,
      lockedBlockId: hs.lockedBlock?.blockId,
      validRound: hs.validRound,
      validBlockId: hs.validBlock?.blockId,
      decided: hs.decided !== undefined,
      halted: this.halted,
    };
  }

  /** the full round state (RPC consensus_state / dump_consensus_state); undefined before the first height. */
  dump(): RoundStateDump | undefined {
    const hs = this.hs;
    if (hs === undefined) return undefined;
    const blockOf = (cb: CachedBlock | undefined) => (cb === undefined ? undefined : { block: cb.block, blockId: cb.blockId });
    const n = hs.validators.size;
    const voteSet = (vs: VoteSet | undefined): VoteSetDump => {
      const votes: (Vote | undefined)[] = new Array(n).fill(undefined);
      if (vs !== undefined) for (let i = 0; i < n; i++) votes[i] = vs.getByIndex(i);
      return { votes, sum: vs?.sumPower() ?? 0n, total: hs.validators.totalVotingPower() };
    };
    const votes: RoundStateDump["votes"] = [];
    for (let r = 0; r <= hs.round; r++) votes.push({ round: r, prevotes: voteSet(hs.votes.peek(r, 1)), precommits: voteSet(hs.votes.peek(r, 2)) });
    const validators = hs.validators.copy();
    if (hs.round > 0) validators.incrementProposerPriority(hs.round);
    const proposer = this.proposer(hs.round);
    const prop = hs.proposals.get(hs.round);
    const l = this.last;
    let lastCommit: RoundStateDump["lastCommit"];
    if (l?.precommits !== undefined) {
      const pc = l.precommits;
      lastCommit = { height: l.height, round: l.round, votes: pc.validators.validators.map((_, i) => pc.getByIndex(i)) };
    } else if (l?.fixed !== undefined) {
      const byIndex: (Vote | undefined)[] = new Array(l.fixed.extendedSignatures.length).fill(undefined);
      for (const v of commitToVotes(l.fixed)) byIndex[v.validatorIndex] = v;
      lastCommit = { height: l.height, round: l.round, votes: byIndex };
    }
    const t = this.config.timeouts;
    return {
      height: hs.height,
      round: hs.round,
      step: hs.step,
      prevoteWait: hs.fired.has(`r3:${hs.round}`),
      precommitWait: hs.fired.has(`r6:${hs.round}`),
      startTime: hs.startTime,
      commitTime: hs.commitTime,
      validators,
      proposer: { validator: proposer, index: hs.validators.getByAddress(proposer.address)?.index ?? -1 },
      proposal: prop?.proposal,
      proposalBlock: blockOf(prop?.block),
      lockedRound: hs.lockedRound,
      lockedBlock: blockOf(hs.lockedBlock),
      validRound: hs.validRound,
      validBlock: blockOf(hs.validBlock),
      votes,
      commitRound: hs.decided?.round ?? -1,
      lastCommit,
      timeouts: {
        propose: timeoutDuration(t, "propose", hs.round),
        prevote: timeoutDuration(t, "prevote", hs.round),
        precommit: timeoutDuration(t, "precommit", hs.round),
        commit: t.commitMs,
        cap: t.capMs,
      },
      halted: this.halted,
    };
  }

  /** every proposal (with its block) and vote held for the current height (what gossip offers peers). */
  heightMessages(): { proposals: { proposal: Proposal; block: Block }[]; votes: Vote[] } {
    const hs = this.hs;
    if (hs === undefined) return { proposals: [], votes: [] };
    const rounds = [...hs.proposals.keys()].sort((a, b) => a - b);
    return { proposals: rounds.map((r) => ({ proposal: hs.proposals.get(r)!.proposal, block: hs.proposals.get(r)!.block.block })), votes: hs.votes.allVotes() };
  }

  /** (round, type, block id) of every vote set of the current height with +2/3 for one id (nil included): what the reactor claims to peers (VoteSetMaj23). */
  majorities(): { round: number; type: 1 | 2; blockId: BlockID }[] {
    const hs = this.hs;
    if (hs === undefined) return [];
    const out: { round: number; type: 1 | 2; blockId: BlockID }[] = [];
    for (const r of hs.votes.roundsWithVotes()) {
      for (const type of [1, 2] as const) {
        const maj = hs.votes.peek(r, type)?.twoThirdsMajority();
        if (maj !== undefined) out.push({ round: r, type, blockId: maj });
      }
    }
    return out;
  }

  /** the votes held for one block id at (current height, round, type), conflicting ones included (answering a VoteSetBits). */
  votesFor(round: number, type: number, blockId: BlockID): Vote[] {
    return this.hs?.votes.peek(round, type)?.votesFor(blockId) ?? [];
  }

  /** bit array (by validator index) of the votes held for one block id at (current height, round, type) (VoteSetBits). */
  voteBits(round: number, type: number, blockId: BlockID): Bytes {
    const hs = this.hs;
    if (hs === undefined) return EMPTY;
    const bits = new Uint8Array(Math.ceil(hs.validators.size / 8));
    for (const v of this.votesFor(round, type, blockId)) bits[v.validatorIndex >> 3]! |= 1 << (v.validatorIndex & 7);
    return bits;
  }

  /** true when the current height is `height` and the machine holds a proposal of `round` (it ignores any other proposal of that round). */
  hasProposal(height: bigint, round: number): boolean {
    const hs = this.hs;
    return hs !== undefined && hs.height === height && hs.proposals.has(round);
  }

  /**
   * true for a copy of something the machine already holds, which `handle` would ignore without any
   * output or change: a proposal of a (current height, round) it holds one of, or a vote of the current
   * height byte-identical to one held (peers relay copies; a whole block per proposal copy).
   */
  isDuplicate(input: ConsensusInput): boolean {
    const hs = this.hs;
    if (hs === undefined || this.halted) return false;
    if (input.kind === "proposal") return input.proposal.height === hs.height && hs.proposals.has(input.proposal.round);
    if (input.kind === "vote") {
      const v = input.vote;
      // onVote's checks before its own hasExact, in its order (a malformed copy still gets `invalid`)
      if (v.type !== SignedMsgType.Prevote && v.type !== SignedMsgType.Precommit) return false;
      if (!Number.isInteger(v.round) || v.round < 0) return false;
      return v.height === hs.height && hs.votes.hasExact(v);
    }
    return false;
  }

  /** true when the current height holds the block with this hash (proposed or fetched). */
  hasBlock(hash: Bytes): boolean {
    const hs = this.hs;
    if (hs === undefined) return false;
    const hex = toHex(hash);
    for (const cb of hs.blocks.values()) if (toHex(cb.blockId.hash) === hex) return true;
    return false;
  }

  /** the previous height's best extended commit (grows with late precommits during the commit delay). */
  lastCommit(): ExtendedCommit | undefined {
    const l = this.last;
    if (l === undefined) return undefined;
    if (l.precommits !== undefined && l.precommits.twoThirdsMajority() !== undefined) return l.precommits.makeExtendedCommit();
    return l.fixed;
  }

  // ------------------------------------------------------------------ input

  handle(input: ConsensusInput, nowMs: number): ConsensusOutput[] {
    this.out = [];
    if (this.halted) return this.out;
    this.now = msToTimestamp(nowMs);
    switch (input.kind) {
      case "startHeight":
        this.startHeight(input.height, input.validators, input.lastCommit);
        break;
      case "proposal":
        this.onProposal(input);
        break;
      case "vote":
        this.onVote(input.vote, input);
        break;
      case "block":
        this.onBlock(input.height, input.block, input);
        break;
      case "timeout":
        this.onTimeout(input.timeout);
        break;
      case "value":
        this.onValue(input.height, input.round, input.block);
        break;
      case "verdict":
        this.onVerdict(input.height, input.blockHash, input.valid);
        break;
    }
    this.evaluate();
    return this.out;
  }

  // ------------------------------------------------------------------ height / round

  private startHeight(height: bigint, validators: ValidatorSet, lastCommit: ExtendedCommit | undefined): void {
    const prev = this.hs;
    if (prev !== undefined && height <= prev.height) throw new Error(`startHeight ${height} after height ${prev.height}`);
    if (prev?.decided !== undefined && height === prev.height + 1n) {
      const p = prev.proposals.get(prev.decided.round) ?? [...prev.proposals.values()].find((x) => x.block.key === prev.decided!.block.key);
      this.last = {
        height: prev.height,
        round: prev.decided.round,
        precommits: prev.votes.precommits(prev.decided.round),
        fixed: lastCommit,
        proposal: p === undefined ? undefined : { proposal: p.proposal, block: p.block.block },
      };
    } else if (lastCommit !== undefined) {
      this.last = { height: lastCommit.height, round: lastCommit.round, precommits: undefined, fixed: lastCommit, proposal: undefined };
    } else {
      this.last = undefined;
    }
    const signer = this.deps.signer;
    const myIndex = signer === noSigner ? -1 : (validators.getByAddress(signer.address)?.index ?? -1);
    this.hs = {
      height,
      validators,
      myIndex,
      votes: new HeightVoteSet(height, validators),
      round: 0,
      step: RoundStep.newHeight,
      lockedRound: -1,
      lockedBlock: undefined,
      validRound: -1,
      validBlock: undefined,
      proposals: new Map(),
      blocks: new Map(),
      fired: new Set(),
      missingRequested: new Set(),
      proposers: new Map(),
      decided: undefined,
      startTime: addMs(prev?.commitTime ?? this.now, this.config.timeouts.commitMs),
      commitTime: undefined,
    };
    this.schedule(TimeoutStep.newHeight, 0);
    const buffered = this.future;
    this.future = [];
    for (const m of buffered) {
      if (m.kind === "proposal") this.onProposal(m);
      else if (m.kind === "vote") this.onVote(m.vote, m);
      else if (m.kind === "block") this.onBlock(m.height, m.block, m);
    }
  }

  proposer(round: number): Validator {
    const hs = this.hs!;
    let p = hs.proposers.get(round);
    if (p === undefined) {
      p = proposerForRound(hs.validators, round);
      hs.proposers.set(round, p);
    }
    return p;
  }

  private isProposer(round: number): boolean {
    const hs = this.hs!;
    if (hs.myIndex < 0) return false;
    return blockIdKeyOfAddr(this.proposer(round).address) === blockIdKeyOfAddr(hs.validators.getByIndex(hs.myIndex)!.address);
  }

  private schedule(step: TimeoutStep, round: number): void {
    const hs = this.hs!;
    this.out.push({ kind: "scheduleTimeout", timeout: { step, height: hs.height, round }, durationMs: timeoutDuration(this.config.timeouts, step, round) });
  }

  /** StartRound(r) [l.11–21]. */
  private startRound(r: number): void {
    const hs = this.hs!;
    hs.round = r;
    hs.step = RoundStep.propose;
    this.schedule(TimeoutStep.propose, r);
    if (!this.isProposer(r)) return;
    if (hs.validBlock !== undefined) {
      this.propose(hs.validBlock, hs.validRound);
    } else {
      this.out.push({ kind: "requestValue", height: hs.height, round: r, lastCommit: this.lastCommit() });
    }
  }

  private propose(cb: CachedBlock, polRound: number): void {
    const hs = this.hs!;
    const unsigned: Proposal = { type: SignedMsgType.Proposal, height: hs.height, round: hs.round, polRound, blockId: cb.blockId, timestamp: this.now, signature: EMPTY };
    let signed: Proposal;
    try {
      signed = this.deps.signer!.signProposal(unsigned);
    } catch (e: unknown) {
      this.out.push({ kind: "signError", height: hs.height, round: hs.round, error: String(e) });
      return;
    }
    hs.proposals.set(hs.round, { proposal: signed, block: cb });
    this.out.push({ kind: "broadcastProposal", proposal: signed, block: cb.block });
  }

  private onValue(height: bigint, round: number, block: Block): void {
    const hs = this.hs;
    if (hs === undefined || hs.height !== height || hs.round !== round || hs.step !== RoundStep.propose) return;
    if (hs.proposals.has(round) || !this.isProposer(round)) return;
    const cb = this.cacheBlock(block, true);
    if (cb === undefined) return;
    this.propose(cb, -1);
  }

  // ------------------------------------------------------------------ messages

  private cacheBlock(block: Block, own: boolean, id?: BlockID): CachedBlock | undefined {
    const hs = this.hs!;
    const blockId = id ?? this.blockIdOf(block);
    const key = blockIdKey(blockId);
    let cb = hs.blocks.get(key);
    if (cb === undefined) {
      cb = { block, blockId, key, verdict: own ? true : undefined };
      hs.blocks.set(key, cb);
      if (!own) this.out.push({ kind: "validateBlock", height: hs.height, blockId, block });
    }
    return cb;
  }

  private bufferFuture(m: ConsensusInput): void {
    if (this.future.length < this.config.maxFutureMessages) this.future.push(m);
  }

  private onProposal(m: { proposal: Proposal; block: Block }): void {
    const hs = this.hs;
    const p = m.proposal;
    if (hs === undefined) return;
    if (p.height === hs.height + 1n) return this.bufferFuture({ kind: "proposal", ...m });
    if (p.height !== hs.height) return;
    if (hs.proposals.has(p.round)) return;
    if (!Number.isInteger(p.round) || p.round < 0 || !Number.isInteger(p.polRound) || p.polRound < -1 || p.polRound >= p.round) {
      return this.invalid(`proposal ${p.height}/${p.round} with pol round ${p.polRound}`);
    }
    if (isZeroBlockId(p.blockId)) return this.invalid("proposal for a nil block id");
    const proposer = this.proposer(p.round);
    if (!this.deps.verifier.verify(proposer.pubKey.value, proposalSignBytes(this.config.chainId, p), p.signature)) {
      return this.invalid(`proposal ${p.height}/${p.round}: bad signature or not from the proposer`);
    }
    if (m.block.header.height !== hs.height) return this.invalid("proposal block of another height");
    const id = this.blockIdOf(m.block);
    if (!blockIdEqual(id, p.blockId)) return this.invalid(`proposal ${p.height}/${p.round}: block does not match the block id`);
    const cb = this.cacheBlock(m.block, false, id)!;
    hs.proposals.set(p.round, { proposal: p, block: cb });
  }

  private onBlock(height: bigint, block: Block, m: ConsensusInput): void {
    const hs = this.hs;
    if (hs === undefined) return;
    if (height === hs.height + 1n) return this.bufferFuture(m);
    if (height !== hs.height || block.header.height !== height) return;
    const id = this.blockIdOf(block);
    if (hs.blocks.has(blockIdKey(id))) return;
    // only blocks named by a vote we hold are kept (a peer cannot fill our cache with junk)
    let named = false;
    for (const r of hs.votes.roundsWithVotes()) {
      if (hs.votes.prevotes(r).powerFor(id) > 0n || hs.votes.precommits(r).powerFor(id) > 0n) named = true;
    }
    if (named) this.cacheBlock(block, false, id);
  }

  private onVote(v: Vote, m: ConsensusInput): void {
    const hs = this.hs;
    if (hs === undefined) return;
    if (v.type !== SignedMsgType.Prevote && v.type !== SignedMsgType.Precommit) return this.invalid(`vote of type ${v.type}`);
    if (!Number.isInteger(v.round) || v.round < 0) return this.invalid(`vote round ${v.round}`);
    if (v.height === hs.height + 1n) return this.bufferFuture(m);
    if (v.height === hs.height) {
      if (hs.votes.hasExact(v)) return;
      if (!this.verifyVote(v, hs.validators, hs.height)) return;
      this.addVote(hs.votes.add(v, this.admit), v);
      return;
    }
    const l = this.last;
    if (l !== undefined && l.precommits !== undefined && v.height === l.height && v.type === SignedMsgType.Precommit && v.round === l.round) {
      // a copy of a precommit already held (verified when it was added): peers relay the last height's
      // precommits for a while after the decision, and each copy cost two ed25519 verifications
      if (l.precommits.hasExact(v)) return;
      if (!this.verifyVote(v, l.precommits.validators, l.height)) return;
      const res = l.precommits.add(v, (id) => isZeroBlockId(id) || blockIdEqual(id, l.precommits!.twoThirdsMajority() ?? EMPTY_BLOCK_ID));
      if (res.kind === "conflict" && res.firstConflict) this.out.push({ kind: "evidence", evidence: res.evidence });
    }
  }

  /** conflicting votes count for nil and for blocks this node holds (see voteSet.ts). */
  private readonly admit = (id: BlockID): boolean => isZeroBlockId(id) || (this.hs?.blocks.has(blockIdKey(id)) ?? false);

  private addVote(res: ReturnType<HeightVoteSet["add"]>, v: Vote): void {
    if (res.kind === "conflict" && res.firstConflict) this.out.push({ kind: "evidence", evidence: res.evidence });
    void v;
  }

  private verifyVote(v: Vote, vals: ValidatorSet, height: bigint): boolean {
    const val = vals.getByIndex(v.validatorIndex);
    if (val === undefined || blockIdKeyOfAddr(val.address) !== blockIdKeyOfAddr(v.validatorAddress)) {
      this.invalid(`vote from unknown validator index ${v.validatorIndex}`);
      return false;
    }
    if (!this.deps.verifier.verify(val.pubKey.value, memoVoteSignBytes(this.config.chainId, v), v.signature)) {
      this.invalid(`vote ${v.height}/${v.round}/${v.type} from index ${v.validatorIndex}: bad signature`);
      return false;
    }
    const extOn = this.extensionsEnabled(height);
    if (v.type === SignedMsgType.Precommit && !isZeroBlockId(v.blockId) && extOn) {
      if (!this.deps.verifier.verify(val.pubKey.value, voteExtensionSignBytes(this.config.chainId, v), v.extensionSignature)) {
        this.invalid(`precommit ${v.height}/${v.round} from index ${v.validatorIndex}: bad extension signature`);
        return false;
      }
      const hooks = this.deps.extensions;
      if (hooks !== undefined && !hooks.verifyVoteExtension(v, val)) {
        this.invalid(`precommit ${v.height}/${v.round} from index ${v.validatorIndex}: extension rejected by the app`);
        return false;
      }
    } else if (v.extension.length > 0 || v.extensionSignature.length > 0) {
      this.invalid(`vote ${v.height}/${v.round}/${v.type} carries an unexpected extension`);
      return false;
    }
    return true;
  }

  private extensionsEnabled(h: bigint): boolean {
    const e = this.config.voteExtensionsEnableHeight;
    return e > 0n && h >= e;
  }

  private invalid(reason: string): void {
    this.out.push({ kind: "invalidMessage", reason });
  }

  private onVerdict(height: bigint, blockHash: Bytes, valid: boolean): void {
    const hs = this.hs;
    if (hs === undefined || hs.height !== height) return;
    const hex = toHex(blockHash);
    for (const cb of hs.blocks.values()) {
      if (cb.verdict === undefined && toHex(cb.blockId.hash) === hex) cb.verdict = valid;
    }
  }

  // ------------------------------------------------------------------ votes we cast

  /** BFT time (§2.6): max(now, B.time + 1 ms), B = locked block, else the round's proposal block. */
  private voteTime(): Timestamp {
    const hs = this.hs!;
    const ref = hs.lockedBlock ?? hs.proposals.get(hs.round)?.block;
    if (ref === undefined) return this.now;
    const min = addMs(ref.block.header.time, 1);
    return compareTimestamps(this.now, min) > 0 ? this.now : min;
  }

  private castVote(type: typeof SignedMsgType.Prevote | typeof SignedMsgType.Precommit, cb: CachedBlock | undefined): void {
    const hs = this.hs!;
    if (hs.myIndex < 0) return;
    const me = hs.validators.getByIndex(hs.myIndex)!;
    const blockId = cb === undefined ? EMPTY_BLOCK_ID : cb.blockId;
    const signExt = type === SignedMsgType.Precommit && cb !== undefined && this.extensionsEnabled(hs.height);
    let extension: Bytes = EMPTY;
    if (signExt && this.deps.extensions !== undefined) {
      extension = this.deps.extensions.extendVote({ height: hs.height, round: hs.round, blockId, block: cb!.block });
    }
    const vote: Vote = {
      type,
      height: hs.height,
      round: hs.round,
      blockId,
      timestamp: this.voteTime(),
      validatorAddress: me.address,
      validatorIndex: hs.myIndex,
      signature: EMPTY,
      extension,
      extensionSignature: EMPTY,
    };
    let signed: Vote;
    try {
      signed = this.deps.signer!.signVote(vote, signExt);
    } catch (e: unknown) {
      this.out.push({ kind: "signError", height: hs.height, round: hs.round, error: String(e) });
      return;
    }
    this.addVote(hs.votes.add(signed), signed);
    this.out.push({ kind: "broadcastVote", vote: signed });
  }

  private prevote(cb: CachedBlock | undefined): void {
    this.castVote(SignedMsgType.Prevote, cb);
    this.hs!.step = RoundStep.prevote;
  }

  private precommit(cb: CachedBlock | undefined): void {
    this.castVote(SignedMsgType.Precommit, cb);
    this.hs!.step = RoundStep.precommit;
  }

  // ------------------------------------------------------------------ timeouts

  private onTimeout(t: TimeoutInfo): void {
    const hs = this.hs;
    if (hs === undefined || t.height !== hs.height || hs.decided !== undefined) return;
    switch (t.step) {
      case "newHeight":
        if (hs.step === RoundStep.newHeight) this.startRound(0);
        return;
      case "propose":
        if (t.round === hs.round && hs.step === RoundStep.propose) this.prevote(undefined);
        return;
      case "prevote":
        if (t.round === hs.round && hs.step === RoundStep.prevote) this.precommit(undefined);
        return;
      case "precommit":
        if (t.round === hs.round && hs.step !== RoundStep.newHeight) this.startRound(t.round + 1);
        return;
    }
  }

  // ------------------------------------------------------------------ rules

  private evaluate(): void {
    for (let guard = 0; guard < 10_000; guard++) {
      if (this.halted || !this.evaluateOnce()) return;
    }
    throw new Error("consensus rules did not reach a fixed point");
  }

  /** fires the first enabled rule in the fixed order; true when one fired. */
  private evaluateOnce(): boolean {
    const hs = this.hs;
    if (hs === undefined || hs.decided !== undefined) return false;

    // R7: +2/3 precommits for a block in any round → decide
    for (const r of hs.votes.roundsWithVotes()) {
      const maj = hs.votes.precommits(r).twoThirdsMajority();
      if (maj === undefined || isZeroBlockId(maj)) continue;
      const cb = hs.blocks.get(blockIdKey(maj));
      if (cb === undefined) {
        this.requestMissing(maj);
        continue;
      }
      if (cb.verdict === undefined) continue;
      if (!cb.verdict) {
        this.halted = true;
        this.out.push({ kind: "halt", height: hs.height, reason: `+2/3 precommitted block ${toHex(maj.hash).toUpperCase()} in round ${r}, which this node finds invalid` });
        return false;
      }
      this.decide(r, cb);
      return true;
    }
    if (hs.step === RoundStep.newHeight) return false;

    // R8: validators with f+1 power voted in a higher round → skip to the highest such round
    const total = hs.validators.totalVotingPower();
    let skipTo = -1;
    for (const r of hs.votes.roundsWithVotes()) {
      if (r > hs.round && isOneThird(hs.votes.voterPower(r), total)) skipTo = r;
    }
    if (skipTo > hs.round) {
      this.startRound(skipTo);
      return true;
    }

    const round = hs.round;
    const prop = hs.proposals.get(round);
    const prevotes = hs.votes.prevotes(round);
    const polka = prevotes.twoThirdsMajority();

    // R4: proposal + polka for it, valid, step ≥ prevote (first time)
    if (prop !== undefined && polka !== undefined && !isZeroBlockId(polka) && hs.step >= RoundStep.prevote && !hs.fired.has(`r4:${round}`)) {
      if (blockIdEqual(polka, prop.block.blockId) && prop.block.verdict === true) {
        hs.fired.add(`r4:${round}`);
        if (hs.step === RoundStep.prevote) {
          hs.lockedBlock = prop.block;
          hs.lockedRound = round;
          this.precommit(prop.block);
        }
        hs.validBlock = prop.block;
        hs.validRound = round;
        this.out.push({ kind: "validBlock", height: hs.height, round, blockId: prop.block.blockId, isCommit: false });
        return true;
      }
    }

    // R5: nil polka → precommit nil (no unlock)
    if (hs.step === RoundStep.prevote && polka !== undefined && isZeroBlockId(polka)) {
      this.precommit(undefined);
      return true;
    }

    // R1 / R2: the round's proposal while in propose
    if (hs.step === RoundStep.propose && prop !== undefined) {
      const cb = prop.block;
      const vr = prop.proposal.polRound;
      if (vr === -1) {
        if (cb.verdict !== undefined) {
          const ok = cb.verdict && (hs.lockedRound === -1 || hs.lockedBlock?.key === cb.key);
          this.prevote(ok ? cb : undefined);
          return true;
        }
      } else if (vr >= 0 && vr < round && hs.votes.prevotes(vr).hasTwoThirdsFor(cb.blockId)) {
        if (cb.verdict !== undefined) {
          const ok = cb.verdict && (hs.lockedRound <= vr || hs.lockedBlock?.key === cb.key);
          this.prevote(ok ? cb : undefined);
          return true;
        }
      }
    }

    // R3: +2/3 any prevotes → schedule the prevote timeout (first time)
    if (hs.step === RoundStep.prevote && prevotes.hasTwoThirdsAny() && !hs.fired.has(`r3:${round}`)) {
      hs.fired.add(`r3:${round}`);
      this.schedule(TimeoutStep.prevote, round);
      return true;
    }

    // R6: +2/3 any precommits → schedule the precommit timeout (first time)
    if (hs.votes.precommits(round).hasTwoThirdsAny() && !hs.fired.has(`r6:${round}`)) {
      hs.fired.add(`r6:${round}`);
      this.schedule(TimeoutStep.precommit, round);
      return true;
    }

    // a polka names a block we lack: ask for it (CometBFT fetches it; R4 waits for the proposal)
    if (polka !== undefined && !isZeroBlockId(polka) && !hs.blocks.has(blockIdKey(polka))) this.requestMissing(polka);
    return false;
  }

  private requestMissing(id: BlockID): void {
    const hs = this.hs!;
    const k = blockIdKey(id);
    if (hs.missingRequested.has(k)) return;
    hs.missingRequested.add(k);
    this.out.push({ kind: "missingBlock", height: hs.height, blockId: id });
  }

  private decide(round: number, cb: CachedBlock): void {
    const hs = this.hs!;
    const ec = hs.votes.precommits(round).makeExtendedCommit();
    hs.decided = { round, block: cb };
    hs.step = RoundStep.commit;
    hs.commitTime = this.now;
    this.out.push({ kind: "decide", height: hs.height, round, block: cb.block, blockId: cb.blockId, commit: toCommit(ec), extendedCommit: ec });
    this.out.push({ kind: "validBlock", height: hs.height, round, blockId: cb.blockId, isCommit: true });
  }
}

/** sign bytes per vote object (votes are immutable; in-process peers share objects). */
const signBytesMemo = new WeakMap<Vote, { chainId: string; bytes: Bytes }>();

function memoVoteSignBytes(chainId: string, v: Vote): Bytes {
  const m = signBytesMemo.get(v);
  if (m !== undefined && m.chainId === chainId) return m.bytes;
  const bytes = voteSignBytes(chainId, v);
  signBytesMemo.set(v, { chainId, bytes });
  return bytes;
}

function blockIdKeyOfAddr(a: Bytes): string {
  return toHex(a);
}
