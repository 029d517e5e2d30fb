/**
 * The consensus driver (specs/consensus.md §1.3 "deterministic driver", §4.3–4.6): the IO shell around
 * the pure `ConsensusState`.
 *
 * - One input queue. Every input (peer proposal / vote / block, timeout, the app's value or verdict) is
 *   appended to the WAL (buffered) with the `nowMs` it is handled at, then handed to the machine; the
 *   outputs are carried out after the transition (pitfall 10: no await inside a transition).
 * - Signing: the signer the machine gets wraps the private validator: WAL flush + fsync → privval sign
 *   (FilePV persists its HRS state before returning) → WAL WriteSync of the own signed message. So no
 *   signed message leaves before every input that caused it is durable, and a restart finds it.
 *   A refusal (DoubleSignError) becomes the machine's `signError` output (logged, never retried).
 * - Timeouts: `setTimeout` (monotonic) per scheduled timeout; expiries come back as inputs.
 * - requestValue → BlockExecutor.createProposalBlock (PrepareProposal, with the extended commit of the
 *   previous height as local_last_commit; pending evidence added); validateBlock → block checks
 *   (§2.7, against the chain state) + ProcessProposal, async, the verdict fed back as an input.
 * - Vote extensions: the machine's hooks are synchronous, so the driver prepares them before the input
 *   that needs them is handled: a precommit's extension is verified through the app before the vote
 *   input is handled; ExtendVote runs for a block before its verdict (or our own value) is handled.
 * - decide → save block + seen commit (+ extended commit) in one sync batch → WAL EndHeight(h)
 *   (fsync) → BlockExecutor.applyBlock (FinalizeBlock → state → Commit → mempool: the producer's
 *   crash order) → evidence pool update → `startHeight(h+1)`; the machine waits the commit timeout
 *   before round 0.
 * - Restart (§4.6): the caller ran the handshake (state at S). `start()` opens the WAL (a torn tail is
 *   cut after a backup), starts height S+1 with the stored commit of S, and replays the inputs logged
 *   after EndHeight(S−1) through the same path; the signer first returns the own signed message logged
 *   for that (h, r, type) when its sign bytes match, else asks the privval (identical bytes → the stored
 *   signature). Locks and valid values come back exactly; then the node goes live.
 *
 * Proposer priorities: `ChainState` carries them as CometBFT does (execution's updateState increments
 * the next set once per block); the round-0 set of a height is the state's `validators` with its
 * proposer (`validatorSetForHeight`). Every node computes the same proposer for every (height, round).
 */
import type { Logger } from "pino";
import type { Bytes } from "../../modules/core/abci.ts";
import { EMPTY, equal, toHex } from "../../modules/core/bytes.ts";
import type { ConsensusAppConn } from "../app/appConn.ts";
import { blockIdEqual, BlockSyncVerifyError, checkHeaderAgainstState, verifyCommit } from "../blocksync/verify.ts";
import { type BlockExecutor, ExecutionHaltError, misbehaviorFromEvidence } from "../execution/blockExecutor.ts";
import { type ConsensusMetrics, recordCommittedBlock } from "../metrics/consensus.ts";
import { emptyCommit, medianTime } from "../execution/producer.ts";
import { carriedSet, commitInfo, extendedCommitInfo, nextHeight, voteExtensionsEnabled } from "../execution/state.ts";
import type { BatchWriter, BlockStore } from "../execution/types.ts";
import type { ChainState } from "../storage/types.ts";
import { type Block, type BlockID, type Commit, EMPTY_BLOCK_ID, type ExtendedCommit, type Proposal, SignedMsgType, type Timestamp, type Vote } from "../types/block.ts";
import { isZeroBlockId, proposalSignBytes, voteSignBytes } from "../types/encoding.ts";
import { commitHash, dataHash, evidenceHash, validatorSetHash } from "../types/hash.ts";
import { compareTimestamps } from "../types/time.ts";
import { ValidatorSet } from "../types/validatorSet.ts";
import {
  type ConsensusInput,
  type ConsensusOutput,
  type ConsensusSigner,
  ConsensusState,
  ed25519Verifier,
  type RoundStateView,
  type TimeoutParams,
  type VoteExtensionHooks,
} from "./state.ts";
import { memoBlockId } from "../types/blockBytes.ts";
import { toCommit } from "./voteSet.ts";
import { ConsensusWal, messagesForReplay, readWalMessages, type WalInput } from "./wal.ts";
import type { DuplicateVoteEvidenceData } from "./voteSet.ts";

/** the private validator as the driver needs it: synchronous, double-sign safe (FilePV). */
export interface SyncPrivValidator {
  readonly address: Bytes;
  readonly publicKey: Bytes;
  /** signs the vote (and, for a non-nil precommit, its extension); throws to refuse. */
  signVote(chainId: string, vote: Vote): Vote;
  signProposal(chainId: string, proposal: Proposal): Proposal;
}

/** what the driver hands the evidence pool (evidencePool.ts implements it). */
export interface DriverEvidencePool {
  /** a conflicting vote pair the machine found (built into evidence once its height is committed). */
  reportConflictingVotes(ev: DuplicateVoteEvidenceData): void;
  /** pending verified evidence for a block at `height`, within `maxBytes`. */
  pendingEvidence(maxBytes: bigint): Block["evidence"]["evidence"];
  /** throws when a proposed block's evidence is invalid (unverifiable, committed, expired, duplicated). */
  checkBlockEvidence(block: Block, state: ChainState): void;
  /** after block h is applied (marks its evidence committed, builds buffered evidence, prunes). */
  update(block: Block, state: ChainState): void;
}

export interface DriverOptions {
  walPath: string;
  timeouts: TimeoutParams;
  /** messages for the next height kept until it starts. */
  maxFutureMessages?: number;
  /** inputs waiting in the queue per peer before that peer's further messages are dropped. */
  maxQueuedPerPeer?: number;
  /** compact the WAL every this many heights (0: never). */
  walCompactEvery?: number;
  /** node-local cap on a block's tx count (−1: none). */
  maxBlockTxs?: number;
  /**
   * TEST ONLY (byzantine e2e tests; node.ts sets it from OPENLEDGER_TEST_BYZANTINE): "double-sign"
   * makes this validator also sign and broadcast a conflicting nil prevote for every non-nil prevote
   * it casts, bypassing the private validator's double-sign protection (deps.byzantineSignVote).
   * Off by default; never set on a real network.
   */
  byzantine?: "double-sign";
}

/** test hooks: simulate a crash at a point of the signing path. */
export type DriverCrashPoint = "afterPrivvalSign";

export interface DriverDeps {
  executor: BlockExecutor;
  app: ConsensusAppConn;
  blockStore: BlockStore & { height(): bigint };
  db: BatchWriter;
  /** absent on a node that follows without signing. */
  privValidator?: SyncPrivValidator;
  evidence?: DriverEvidencePool;
  logger: Logger;
  /** wall clock in ms (vote timestamps, BFT time). */
  now?: () => number;
  /** called once when consensus halts (invariant broken, app error, +2/3 for an invalid block). */
  onHalt?: (err: unknown) => void;
  /** test hook: throw to simulate a crash there (the driver then stops as if killed). */
  crashPoint?: (point: DriverCrashPoint, info: { vote?: Vote; proposal?: Proposal }) => void;
  metrics?: ConsensusMetrics | null;
  /** TEST ONLY (with opts.byzantine): signs a vote with the raw key, without any HRS check. */
  byzantineSignVote?: (chainId: string, vote: Vote) => Vote;
}

/** what the reactor listens to. */
export interface DriverListener {
  onProposal?(proposal: Proposal, block: Block): void;
  onVote?(vote: Vote): void;
  /** after every handled input (round state may have changed; new votes may be held). */
  onAfterInput?(view: RoundStateView | undefined): void;
  /** live inputs only (not WAL replay): the input the machine just handled and the outputs it produced (RPC consensus events). */
  onInput?(input: ConsensusInput, outs: readonly ConsensusOutput[], view: RoundStateView | undefined): void;
  onMissingBlock?(height: bigint, blockId: BlockID): void;
  /** the machine holds a valid block with a polka in `round`, or decided it (`isCommit`). */
  onValidBlock?(height: bigint, round: number, blockId: BlockID, isCommit: boolean): void;
  /** the peer that sent an input the machine found invalid. */
  onInvalid?(peer: string, reason: string): void;
  /** block h was applied. */
  onCommit?(height: bigint, state: ChainState): void;
}

interface QueueItem {
  input: ConsensusInput;
  peer: string | undefined;
}

/** the previous height's commit as the machine takes it (extensions empty when not stored). */
export function storedLastCommit(blockStore: Pick<BlockStore, "loadSeenCommit" | "loadExtendedCommit">, height: bigint): ExtendedCommit | undefined {
  if (height <= 0n) return undefined;
  const ext = blockStore.loadExtendedCommit(height);
  if (ext !== undefined) return ext;
  const seen = blockStore.loadSeenCommit(height);
  if (seen === undefined) return undefined;
  return {
    height: seen.height,
    round: seen.round,
    blockId: seen.blockId,
    extendedSignatures: seen.signatures.map((s) => ({ ...s, extension: EMPTY, extensionSignature: EMPTY })),
  };
}

/**
 * The round-0 validator set of height nextHeight(state), with proposer priorities: the state's
 * `validators` and `validatorsProposer` as CometBFT carries them (execution's updateState increments
 * the priorities once per height and starts new validators at −1.125·P). Round r's proposer is r more
 * increments on a copy (`proposerForRound`), never persisted. Every node agrees on proposer(h, r).
 */
export function validatorSetForHeight(state: ChainState): ValidatorSet {
  return carriedSet(state.validators, state.validatorsProposer);
}

/** §2.7 checks of a proposed block against the chain state it extends (throws with the reason). */
export function validateProposedBlock(state: ChainState, block: Block, blockId: BlockID): void {
  checkHeaderAgainstState(state, block);
  const h = block.header.height;
  if (!equal(block.header.dataHash, dataHash(block.data.txs))) throw new Error(`block ${h}: txs do not match data_hash`);
  if (!equal(block.header.lastCommitHash, commitHash(block.lastCommit))) throw new Error(`block ${h}: last_commit does not match last_commit_hash`);
  if (!equal(block.header.evidenceHash, evidenceHash(block.evidence.evidence))) throw new Error(`block ${h}: evidence does not match evidence_hash`);
  if (!state.validators.some((v) => equal(v.address, block.header.proposerAddress))) throw new Error(`block ${h}: proposer is not a validator`);
  if (h === state.initialHeight) {
    if (block.lastCommit.signatures.length !== 0) throw new Error(`block ${h}: the first block carries a last commit`);
    if (compareTimestamps(block.header.time, state.lastBlockTime) !== 0) throw new Error(`block ${h}: time is not the genesis time`);
  } else {
    try {
      verifyCommit(state.chainId, state.lastValidators, h - 1n, block.lastCommit);
    } catch (e: unknown) {
      throw new Error(`block ${h}: last_commit: ${e instanceof BlockSyncVerifyError ? e.message : String(e)}`);
    }
    if (!blockIdEqual(block.lastCommit.blockId, state.lastBlockId)) throw new Error(`block ${h}: last_commit is not for the last block`);
    const median = medianTime(block.lastCommit, state.lastValidators);
    if (compareTimestamps(block.header.time, median) !== 0) throw new Error(`block ${h}: time is not the median of the last commit`);
    if (compareTimestamps(block.header.time, state.lastBlockTime) <= 0) throw new Error(`block ${h}: time does not increase`);
  }
  void blockId;
}

export class ConsensusDriver {
  readonly sm: ConsensusState;
  private readonly o: Required<Omit<DriverOptions, "byzantine">> & Pick<DriverOptions, "byzantine">;
  private readonly d: DriverDeps;
  private readonly logger: Logger;
  private readonly now: () => number;
  private st: ChainState;
  private wal: ConsensusWal | undefined;
  private readonly queue: QueueItem[] = [];
  private readonly perPeer = new Map<string, number>();
  private pumping = false;
  private running = false;
  private stopped = false;
  private halted = false;
  private replaying = false;
  private readonly replayCache = new Map<string, Vote | Proposal>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly listeners = new Set<DriverListener>();
  /** ExtendVote answers by block hash (hex), for the current height. */
  private readonly extensions = new Map<string, Bytes>();
  /** VerifyVoteExtension verdicts by vote signature (hex). */
  private readonly extVerdicts = new Map<string, boolean>();
  /** blocks seen at the current height by hash (for ExtendVote before the verdict). */
  private readonly blocks = new Map<string, Block>();
  private idle: Promise<void> = Promise.resolve();
  private idleResolve: (() => void) | undefined;
  private heightsSinceCompact = 0;

  constructor(opts: DriverOptions, deps: DriverDeps, state: ChainState) {
    this.o = { maxFutureMessages: 10_000, maxQueuedPerPeer: 2_000, walCompactEvery: 100, maxBlockTxs: -1, ...opts };
    this.d = deps;
    this.logger = deps.logger;
    this.now = deps.now ?? (() => Date.now());
    this.st = state;
    const extHooks: VoteExtensionHooks = {
      extendVote: (req) => {
        const ext = this.extensions.get(toHex(req.blockId.hash));
        if (ext === undefined) this.logger.warn({ height: req.height.toString(), round: req.round }, "no ExtendVote answer prepared for the precommitted block; signing an empty extension");
        return ext ?? EMPTY;
      },
      verifyVoteExtension: (vote) => this.extVerdicts.get(toHex(vote.signature)) ?? false,
    };
    this.sm = new ConsensusState(
      {
        chainId: state.chainId,
        timeouts: opts.timeouts,
        voteExtensionsEnableHeight: state.consensusParams.abci.voteExtensionsEnableHeight,
        maxFutureMessages: this.o.maxFutureMessages,
      },
      {
        ...(deps.privValidator !== undefined ? { signer: this.makeSigner(deps.privValidator) } : {}),
        verifier: ed25519Verifier,
        extensions: extHooks,
        blockId: memoBlockId,
      },
    );
  }

  state(): ChainState {
    return this.st;
  }

  /** replaces the chain state before start (block sync applied blocks meanwhile). */
  setState(state: ChainState): void {
    if (this.running) throw new Error("consensus driver: setState after start");
    this.st = state;
  }

  get isHalted(): boolean {
    return this.halted;
  }

  get isRunning(): boolean {
    return this.running;
  }

  addListener(l: DriverListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit<K extends keyof DriverListener>(k: K, ...args: Parameters<NonNullable<DriverListener[K]>>): void {
    for (const l of this.listeners) {
      const f = l[k] as ((...a: unknown[]) => void) | undefined;
      if (f === undefined) continue;
      try {
        f.apply(l, args);
      } catch (e: unknown) {
        this.logger.error({ err: e, hook: k }, "consensus listener threw");
      }
    }
  }

  // ------------------------------------------------------------------ signing

  private makeSigner(pv: SyncPrivValidator): ConsensusSigner {
    const chainId = this.st.chainId;
    return {
      address: pv.address,
      signVote: (vote, signExtension) => {
        const wal = this.wal!;
        wal.flushAndSync();
        const cached = this.replaying ? this.replayCache.get(`v/${vote.height}/${vote.round}/${vote.type}`) : undefined;
        let signed: Vote;
        if (cached !== undefined && equal(voteSignBytes(chainId, cached as Vote), voteSignBytes(chainId, vote))) {
          signed = cached as Vote;
        } else {
          signed = pv.signVote(chainId, vote);
          if (!signExtension) signed = { ...signed, extensionSignature: EMPTY };
          this.crashAt("afterPrivvalSign", { vote: signed });
        }
        wal.writeSync({ kind: "ownVote", vote: signed });
        return signed;
      },
      signProposal: (p) => {
        const wal = this.wal!;
        wal.flushAndSync();
        const cached = this.replaying ? this.replayCache.get(`p/${p.height}/${p.round}`) : undefined;
        let signed: Proposal;
        if (cached !== undefined && equal(proposalSignBytes(chainId, cached as Proposal), proposalSignBytes(chainId, p))) {
          signed = cached as Proposal;
        } else {
          signed = pv.signProposal(chainId, p);
          this.crashAt("afterPrivvalSign", { proposal: signed });
        }
        wal.writeSync({ kind: "ownProposal", proposal: signed });
        return signed;
      },
    };
  }

  /**
   * TEST ONLY (opts.byzantine = "double-sign"): after our own non-nil prevote goes out, also sign a
   * nil prevote for the same (height, round) with the raw key and broadcast it: duplicate-vote
   * evidence against this validator. Not logged to the WAL, not seen by FilePV.
   */
  private byzantineDoubleSign(vote: Vote): void {
    if (this.o.byzantine !== "double-sign" || this.d.byzantineSignVote === undefined || this.replaying) return;
    if (this.d.privValidator === undefined || !equal(vote.validatorAddress, this.d.privValidator.address)) return;
    if (vote.type !== SignedMsgType.Prevote || isZeroBlockId(vote.blockId)) return;
    const conflicting = this.d.byzantineSignVote(this.st.chainId, { ...vote, blockId: EMPTY_BLOCK_ID, signature: EMPTY, extension: EMPTY, extensionSignature: EMPTY });
    this.logger.warn({ height: vote.height.toString(), round: vote.round }, "TEST BYZANTINE MODE: broadcasting a conflicting nil prevote (double-sign)");
    this.emit("onVote", conflicting);
  }

  /** runs the test crash hook; when it throws, the driver stops dead (nothing more leaves, the WAL buffer is lost). */
  private crashAt(point: DriverCrashPoint, info: { vote?: Vote; proposal?: Proposal }): void {
    try {
      this.d.crashPoint?.(point, info);
    } catch (e: unknown) {
      this.stopped = true;
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      this.queue.length = 0;
      this.running = false;
      throw e;
    }
  }

  // ------------------------------------------------------------------ lifecycle

  /** opens the WAL, starts height S+1, replays the WAL, then processes live inputs. */
  async start(): Promise<void> {
    if (this.running || this.stopped) return;
    this.wal = ConsensusWal.open(this.o.walPath, {
      onRepair: (info) => this.logger.warn(info, "consensus WAL had a torn tail; cut it after a backup"),
    });
    const s = this.st.lastBlockHeight;
    const replay = messagesForReplay(readWalMessages(this.o.walPath), s);
    for (const m of replay) {
      if (m.kind === "ownVote") this.replayCache.set(`v/${m.vote.height}/${m.vote.round}/${m.vote.type}`, m.vote);
      if (m.kind === "ownProposal") this.replayCache.set(`p/${m.proposal.height}/${m.proposal.round}`, m.proposal);
    }
    this.running = true;
    this.replaying = true;
    let replayed = 0;
    try {
      const start: ConsensusInput = { kind: "startHeight", height: nextHeight(this.st), validators: validatorSetForHeight(this.st) };
      const lc = storedLastCommit(this.d.blockStore, s);
      if (lc !== undefined) (start as { lastCommit?: ExtendedCommit }).lastCommit = lc;
      await this.process({ input: start, peer: undefined }, undefined);
      for (const m of replay) {
        if (m.kind !== "input" || this.halted || this.stopped) continue;
        await this.process({ input: m.input, peer: undefined }, m.nowMs);
        replayed++;
      }
    } finally {
      this.replaying = false;
      this.replayCache.clear();
    }
    const v = this.sm.view();
    this.logger.info(
      { height: v?.height.toString(), round: v?.round, step: v?.step, lockedRound: v?.lockedRound, replayed },
      "consensus started",
    );
    this.kick();
  }

  /** stops timers and the queue (after the input in progress), closes the WAL (fsynced). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    await this.idle;
    this.running = false;
    this.wal?.close();
  }

  /** a crash: stops everything without flushing the WAL buffer (tests). */
  async crash(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    await this.idle.catch(() => {});
    this.running = false;
  }

  /** copies of held proposals / votes dropped before the WAL (see process). */
  duplicatesSkipped = 0;

  /** the rounds of the proposals for `height` waiting in the queue (the reactor's status shows them as held). */
  queuedProposalRounds(height: bigint): number[] {
    const out: number[] = [];
    for (const q of this.queue) if (q.input.kind === "proposal" && q.input.proposal.height === height) out.push(q.input.proposal.round);
    return out;
  }

  /** enqueues an input (from a peer, or the node itself); false when dropped (bounds, stopped). */
  push(input: ConsensusInput, peer?: string): boolean {
    if (this.stopped || this.halted) return false;
    if (peer !== undefined) {
      const n = this.perPeer.get(peer) ?? 0;
      if (n >= this.o.maxQueuedPerPeer) return false;
      this.perPeer.set(peer, n + 1);
    }
    this.queue.push({ input, peer });
    this.kick();
    return true;
  }

  queued(): number {
    return this.queue.length;
  }

  private kick(): void {
    if (this.pumping || !this.running || this.replaying || this.stopped) return;
    if (this.queue.length === 0) return;
    this.pumping = true;
    this.idle = new Promise((r) => (this.idleResolve = r));
    void this.pump();
  }

  private async pump(): Promise<void> {
    try {
      while (!this.stopped && !this.halted) {
        const item = this.queue.shift();
        if (item === undefined) break;
        if (item.peer !== undefined) {
          const n = (this.perPeer.get(item.peer) ?? 1) - 1;
          if (n <= 0) this.perPeer.delete(item.peer);
          else this.perPeer.set(item.peer, n);
        }
        await this.process(item, undefined);
      }
    } catch (e: unknown) {
      this.halt(e);
    } finally {
      this.pumping = false;
      this.idleResolve?.();
      this.idleResolve = undefined;
    }
    if (this.queue.length > 0 && !this.stopped && !this.halted) this.kick();
  }

  private halt(err: unknown): void {
    if (this.halted) return;
    this.halted = true;
    if (this.stopped) return;
    this.logger.fatal({ err, height: this.sm.height?.toString() }, "consensus halted");
    this.d.onHalt?.(err);
  }

  // ------------------------------------------------------------------ one input

  /** prepare (async app answers the machine needs synchronously), log, handle, carry out. */
  private async process(item: QueueItem, replayNowMs: number | undefined): Promise<void> {
    const input = item.input;
    // a relayed copy of a proposal or vote the machine holds: handling it changes nothing and has no
    // output (the rules were at their fixpoint after the input that brought the original), so neither
    // the WAL (a whole block per proposal copy) nor the machine sees it; replay skips the same way
    if (this.sm.isDuplicate(input)) {
      this.duplicatesSkipped++;
      return;
    }
    await this.prepare(input);
    if (this.stopped) return;
    const nowMs = replayNowMs ?? this.now();
    if (input.kind !== "startHeight" && replayNowMs === undefined) this.wal!.write({ kind: "input", nowMs, input: input as WalInput });
    let outs: ConsensusOutput[];
    try {
      outs = this.sm.handle(input, nowMs);
    } catch (e: unknown) {
      if (this.stopped) return; // a simulated crash inside the signer
      throw e;
    }
    for (const out of outs) {
      if (this.stopped) return;
      await this.carry(out, item.peer);
    }
    const view = this.sm.view();
    if (view !== undefined) this.d.metrics?.round.set(view.round);
    if (replayNowMs === undefined) this.emit("onInput", input, outs, view);
    this.emit("onAfterInput", view);
  }

  private extensionsOn(h: bigint): boolean {
    return voteExtensionsEnabled(this.st.consensusParams, h);
  }

  private async prepare(input: ConsensusInput): Promise<void> {
    const cur = this.sm.height;
    switch (input.kind) {
      case "vote": {
        const v = input.vote;
        if (v.type !== 2 || isZeroBlockId(v.blockId) || !this.extensionsOn(v.height)) return;
        const k = toHex(v.signature);
        if (this.extVerdicts.has(k)) return;
        if (cur !== undefined && v.height < cur - 1n) return;
        try {
          const res = await this.d.app.verifyVoteExtension({ hash: v.blockId.hash, validatorAddress: v.validatorAddress, height: v.height, voteExtension: v.extension });
          this.extVerdicts.set(k, res.status === "accept");
        } catch (e: unknown) {
          this.logger.error({ err: e }, "VerifyVoteExtension failed");
          this.extVerdicts.set(k, false);
        }
        return;
      }
      case "proposal":
        this.blocks.set(toHex(input.proposal.blockId.hash), input.block);
        return;
      case "block":
        this.blocks.set(toHex(memoBlockId(input.block).hash), input.block);
        return;
      case "value":
        await this.prepareExtension(input.block, toHex(blockIdOfValue(input.block)));
        return;
      case "verdict": {
        if (!input.valid) return;
        const hex = toHex(input.blockHash);
        const block = this.blocks.get(hex);
        if (block !== undefined) await this.prepareExtension(block, hex);
        return;
      }
      default:
        return;
    }
  }

  private async prepareExtension(block: Block, hashHex: string): Promise<void> {
    const h = block.header.height;
    if (this.d.privValidator === undefined || !this.extensionsOn(h) || this.extensions.has(hashHex)) return;
    if (h !== nextHeight(this.st)) return;
    const res = await this.d.app.extendVote({
      hash: fromHexSafe(hashHex),
      height: h,
      time: block.header.time,
      txs: block.data.txs,
      proposedLastCommit: commitInfo(block.lastCommit, this.st.lastValidators),
      misbehavior: misbehaviorFromEvidence(block.evidence.evidence),
      nextValidatorsHash: block.header.nextValidatorsHash,
      proposerAddress: block.header.proposerAddress,
    });
    this.extensions.set(hashHex, res.voteExtension);
  }

  /** performance.now() of the last decision (the commit timeout of the next height counts from it). */
  private decidedAt: number | undefined;

  private setTimer(ms: number, f: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      f();
    }, Math.max(0, ms));
    this.timers.add(t);
  }

  private async carry(out: ConsensusOutput, peer: string | undefined): Promise<void> {
    switch (out.kind) {
      case "broadcastProposal":
        this.blocks.set(toHex(out.proposal.blockId.hash), out.block);
        this.emit("onProposal", out.proposal, out.block);
        return;
      case "broadcastVote":
        this.emit("onVote", out.vote);
        this.byzantineDoubleSign(out.vote);
        return;
      case "scheduleTimeout": {
        let ms = out.durationMs;
        if (out.timeout.step === "newHeight" && this.decidedAt !== undefined) {
          // the commit timeout runs from the decision (CometBFT: StartTime = CommitTime + timeout_commit),
          // not from the end of applying the block: saving + FinalizeBlock + Commit happen inside it
          ms = Math.max(0, ms - (performance.now() - this.decidedAt));
          this.decidedAt = undefined;
        }
        this.setTimer(ms, () => this.push({ kind: "timeout", timeout: out.timeout }));
        return;
      }
      case "requestValue":
        this.buildValue(out.height, out.round, out.lastCommit).then(
          (block) => {
            if (block !== undefined) this.push({ kind: "value", height: out.height, round: out.round, block });
          },
          (e: unknown) => this.halt(e),
        );
        return;
      case "validateBlock":
        this.blocks.set(toHex(out.blockId.hash), out.block);
        this.validate(out.block, out.blockId).then(
          (valid) => this.push({ kind: "verdict", height: out.height, blockHash: out.blockId.hash, valid }),
          (e: unknown) => this.halt(e),
        );
        return;
      case "decide":
        await this.onDecide(out);
        return;
      case "missingBlock":
        this.emit("onMissingBlock", out.height, out.blockId);
        return;
      case "validBlock":
        this.emit("onValidBlock", out.height, out.round, out.blockId, out.isCommit);
        return;
      case "evidence":
        this.logger.warn(
          { height: out.evidence.voteA.height.toString(), validator: toHex(out.evidence.voteA.validatorAddress).toUpperCase() },
          "conflicting votes (duplicate-vote evidence)",
        );
        if (this.d.privValidator !== undefined && equal(out.evidence.voteA.validatorAddress, this.d.privValidator.address)) {
          this.logger.fatal("conflicting votes signed by THIS node's key: is a second copy of this validator running?");
        }
        this.d.evidence?.reportConflictingVotes(out.evidence);
        return;
      case "invalidMessage":
        if (peer !== undefined) this.emit("onInvalid", peer, out.reason);
        else this.logger.debug({ reason: out.reason }, "invalid consensus message");
        return;
      case "signError":
        this.logger.error({ height: out.height.toString(), round: out.round, error: out.error }, "private validator refused to sign");
        return;
      case "halt":
        this.halt(new ExecutionHaltError(out.reason));
        return;
    }
  }

  private async buildValue(height: bigint, round: number, last: ExtendedCommit | undefined): Promise<Block | undefined> {
    const state = this.st;
    if (nextHeight(state) !== height || this.d.privValidator === undefined) return undefined;
    let lastCommit: Commit;
    let time: Timestamp;
    let lastExt: ExtendedCommit | undefined;
    if (height === state.initialHeight) {
      lastCommit = emptyCommit();
      time = state.lastBlockTime;
    } else {
      const ec = last ?? storedLastCommit(this.d.blockStore, height - 1n);
      if (ec === undefined) throw new ExecutionHaltError(`no commit of height ${height - 1n} to propose height ${height}`);
      lastCommit = toCommit(ec);
      lastExt = this.extensionsOn(height - 1n) ? ec : undefined;
      time = medianTime(lastCommit, state.lastValidators);
    }
    const block = await this.d.executor.createProposalBlock({
      state,
      height,
      time,
      lastCommit,
      localLastCommit: extendedCommitInfo(lastCommit, lastExt, state.lastValidators),
      proposerAddress: this.d.privValidator.address,
      maxTxs: this.o.maxBlockTxs,
      evidence: this.d.evidence?.pendingEvidence(state.consensusParams.evidence.maxBytes) ?? [],
    });
    return block;
  }

  private async validate(block: Block, blockId: BlockID): Promise<boolean> {
    const state = this.st;
    try {
      validateProposedBlock(state, block, blockId);
      this.d.evidence?.checkBlockEvidence(block, state);
    } catch (e: unknown) {
      this.logger.warn({ height: block.header.height.toString(), reason: (e as Error).message }, "proposed block is invalid");
      return false;
    }
    const res = await this.d.executor.processProposal(block, blockId, state);
    if (res.status !== "accept") this.logger.warn({ height: block.header.height.toString() }, "the app rejected a proposed block");
    return res.status === "accept";
  }

  private async onDecide(out: Extract<ConsensusOutput, { kind: "decide" }>): Promise<void> {
    const { height: h, block, blockId } = out;
    this.decidedAt = performance.now();
    const state = this.st;
    if (nextHeight(state) !== h) throw new ExecutionHaltError(`decided height ${h} while the state expects ${nextHeight(state)}`);
    if (this.d.blockStore.height() < h) {
      const batch = this.d.db.newBatch();
      this.d.blockStore.saveBlock(batch, block, blockId, out.commit, this.extensionsOn(h) ? out.extendedCommit : undefined);
      await batch.write(true);
    }
    await this.d.executor.fail("afterSaveBlock", h);
    this.wal!.writeSync({ kind: "endHeight", height: h });
    await this.d.executor.fail("afterEndHeight", h);
    const applyStart = performance.now();
    const next = await this.d.executor.applyBlock(state, blockId, block);
    this.st = next;
    recordCommittedBlock(this.d.metrics ?? null, {
      height: h,
      round: out.round,
      txs: block.data.txs.length,
      time: block.header.time,
      prevTime: h === state.initialHeight ? undefined : state.lastBlockTime,
      processingSeconds: (performance.now() - applyStart) / 1000,
    });
    this.d.evidence?.update(block, next);
    this.extensions.clear();
    this.blocks.clear();
    for (const [k] of this.extVerdicts) if (this.extVerdicts.size > 10_000) this.extVerdicts.delete(k);
    this.emit("onCommit", h, next);
    if (this.o.walCompactEvery > 0 && ++this.heightsSinceCompact >= this.o.walCompactEvery && h > 2n) {
      this.heightsSinceCompact = 0;
      this.wal!.compactBefore(h - 1n);
    }
    if (this.stopped) return;
    // the next height starts right after this input (queued first): the machine waits the commit timeout
    this.queue.unshift({ input: { kind: "startHeight", height: h + 1n, validators: validatorSetForHeight(next) }, peer: undefined });
    if (this.replaying) {
      const item = this.queue.shift()!;
      await this.process(item, undefined);
    }
  }
}

function blockIdOfValue(block: Block): Bytes {
  return memoBlockId(block).hash;
}


function fromHexSafe(hex: string): Bytes {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}
