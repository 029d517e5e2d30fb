/**
 * SingleValidatorProducer: the dev-chain "consensus" of one validator holding > 2/3 of the power. Every
 * `blockIntervalMs` (never faster than the previous block commits) it proposes a block, has the app
 * process it (it must accept, or the node halts), signs its own precommit with the private validator
 * (double-sign safe; with vote extensions when enabled), saves block + seen commit (sync) and applies
 * the block through the BlockExecutor. Blocks after the first carry the real last_commit.
 *
 * Schedule: height h+1 starts `blockIntervalMs` after height h started, so h's execution overlaps the
 * wait (as CometBFT starts h+1 at CommitTime(h) + timeout_commit, CommitTime taken before FinalizeBlock);
 * only a block whose production takes longer than the interval delays the next one (it then starts at once).
 *
 * BFT time with one validator: a block's time is its proposer's precommit timestamp in last_commit
 * (the weighted median of one), and each precommit is stamped max(now, block time + 1 ms); the first
 * block carries the genesis time.
 */
import type { Logger } from "pino";
import type { Bytes, Timestamp } from "../../modules/core/abci.ts";
import { EMPTY, equal, toHex } from "../../modules/core/bytes.ts";
import type { ConsensusAppConn } from "../app/appConn.ts";
import type { ChainRoundProgress } from "../consensus/chainRoundState.ts";
import { type ConsensusMetrics, recordCommittedBlock } from "../metrics/consensus.ts";
import type { ChainState } from "../storage/types.ts";
import {
  type Block,
  type BlockID,
  type Commit,
  type CommitSig,
  EMPTY_BLOCK_ID,
  type ExtendedCommit,
  type ExtendedCommitSig,
  SignedMsgType,
  type Validator,
  type Vote,
} from "../types/block.ts";
import { blockId as computeBlockId } from "../types/hash.ts";
import { addMs, compareTimestamps, msToTimestamp, ZERO_TIME } from "../types/time.ts";
import { type BlockExecutor, ExecutionHaltError } from "./blockExecutor.ts";
import { commitInfo, extendedCommitInfo, nextHeight, totalVotingPower, voteExtensionsEnabled } from "./state.ts";
import type { BatchWriter, BlockStore, ExecutorMempool, VoteSigner } from "./types.ts";

export interface ProducerOptions {
  blockIntervalMs: number;
  createEmptyBlocks: boolean;
  /** wall clock in ms (tests inject a fake). */
  now?: () => number;
  /** rounds tried when the private validator refuses a signature (it signed another block at h before a crash). */
  maxRounds?: number;
  /**
   * time a block may take to execute (FinalizeBlock → commit → mempool update), in ms: the producer reaps
   * at most as many txs as the recent per-tx cost says fit (never fewer than MIN_BLOCK_TXS), so CheckTx
   * keeps the rest of the interval and a tx waits about one interval. Default 0: no cap (the whole pool,
   * within the consensus byte and gas limits). Measured (bank-send bench, 1 s interval, budget 500 ms): the
   * pool then backs up and every block RECHECKs all of it, which costs far more than the big blocks did,
   * so the cap pays only once recheck no longer grows with the pool.
   */
  blockExecBudgetMs?: number;
}

/**
 * What the producer is doing at the height it decides next (RPC consensus_state / dump_consensus_state
 * render it through node/consensus/chainRoundState.ts, which defines the shape): waiting for the interval
 * (newHeight), building and processing the block (propose), own precommit signed and the block being saved
 * and applied (commit).
 */
export type ProducerProgress = ChainRoundProgress;

/** the smallest cap on a block's tx count (the per-tx cost estimate never starves blocks). */
export const MIN_BLOCK_TXS = 100;

export interface ProducerDeps {
  executor: BlockExecutor;
  app: ConsensusAppConn;
  blockStore: BlockStore;
  db: BatchWriter;
  mempool: ExecutorMempool;
  signer: VoteSigner;
  logger: Logger;
  /** called once when the producer halts on an error (the node should stop and exit non-zero). */
  onHalt?: (err: unknown) => void;
  metrics?: ConsensusMetrics | null;
}

/** the empty commit of the block before the initial height. */
export function emptyCommit(): Commit {
  return { height: 0n, round: 0, blockId: EMPTY_BLOCK_ID, signatures: [] };
}

function absentSig(): CommitSig {
  return { blockIdFlag: 1, validatorAddress: EMPTY, timestamp: ZERO_TIME, signature: EMPTY };
}

/** CometBFT weighted median of the COMMIT timestamps (consensus.md §2.6). */
export function medianTime(commit: Commit, vals: readonly Validator[]): Timestamp {
  const entries: { t: Timestamp; w: bigint }[] = [];
  let total = 0n;
  commit.signatures.forEach((s, i) => {
    const v = vals[i];
    if (s.blockIdFlag !== 2 || v === undefined) return;
    entries.push({ t: s.timestamp, w: v.votingPower });
    total += v.votingPower;
  });
  if (entries.length === 0) throw new ExecutionHaltError(`commit of height ${commit.height} has no COMMIT signatures`);
  entries.sort((a, b) => compareTimestamps(a.t, b.t));
  let remaining = total / 2n;
  for (const e of entries) {
    if (e.w >= remaining) return e.t;
    remaining -= e.w;
  }
  return (entries[entries.length - 1] as { t: Timestamp }).t;
}

export class SingleValidatorProducer {
  private readonly opts: Required<ProducerOptions>;
  private readonly d: ProducerDeps;
  private st: ChainState;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private haltError: unknown;
  /** moving average of the wall ms one tx costs to execute and commit (0 until a block with txs was measured). */
  private msPerTx = 0;
  private prog: ProducerProgress;

  constructor(opts: ProducerOptions, deps: ProducerDeps, state: ChainState) {
    this.opts = { now: () => Date.now(), maxRounds: 4, blockExecBudgetMs: 0, ...opts };
    this.d = deps;
    this.st = state;
    this.prog = { round: 0, step: "newHeight", startTime: msToTimestamp(this.opts.now()), commitTime: undefined };
  }

  state(): ChainState {
    return this.st;
  }

  /** the height in progress (nextHeight(state())): round, step, block and own precommit. */
  progress(): ProducerProgress {
    return this.prog;
  }

  height(): bigint {
    return this.st.lastBlockHeight;
  }

  /** the error that halted block production, if any. */
  get halted(): unknown {
    return this.haltError;
  }

  start(): void {
    if (this.loop !== undefined) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** stops after the block in progress (if any) has committed. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  private waitForTx(): Promise<void> {
    return new Promise((resolve) => {
      const off = this.d.mempool.onTxAvailable(done);
      const self = this;
      function done() {
        off();
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }

  /** the cap on the next block's tx count (−1: none). */
  maxBlockTxs(): number {
    const budget = this.opts.blockExecBudgetMs;
    if (budget <= 0 || this.msPerTx <= 0) return -1;
    return Math.max(MIN_BLOCK_TXS, Math.floor(budget / this.msPerTx));
  }

  /** a block is due even without txs at the initial height and when the app hash changed (CometBFT needProofBlock). */
  private needProofBlock(): boolean {
    const h = nextHeight(this.st);
    if (h === this.st.initialHeight) return true;
    const meta = this.d.blockStore.loadBlockMeta(h - 1n);
    return meta === undefined || !equal(meta.header.appHash, this.st.appHash);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      if (!this.opts.createEmptyBlocks && this.d.mempool.size() === 0 && !this.needProofBlock()) {
        await this.waitForTx();
        if (this.stopping) break;
      }
      const started = this.opts.now();
      try {
        await this.produceBlock();
      } catch (e: unknown) {
        this.haltError = e;
        this.d.logger.fatal({ err: e, height: nextHeight(this.st).toString() }, "block production halted");
        this.d.onHalt?.(e);
        return;
      }
      if (this.stopping) break;
      this.prog = { ...this.prog, startTime: msToTimestamp(Math.max(started + this.opts.blockIntervalMs, this.opts.now())) };
      await this.sleep(this.opts.blockIntervalMs - (this.opts.now() - started));
    }
  }

  /** proposes, signs, saves and applies one block at the next height; returns the new state. */
  async produceBlock(): Promise<ChainState> {
    const state = this.st;
    const h = nextHeight(state);
    const signer = this.d.signer;
    const idx = state.validators.findIndex((v) => equal(v.address, signer.address));
    if (idx < 0) {
      throw new ExecutionHaltError(`this node's validator ${toHex(signer.address).toUpperCase()} is not in the validator set of height ${h}`);
    }
    const me = state.validators[idx] as Validator;
    if (me.votingPower * 3n <= totalVotingPower(state.validators) * 2n) {
      throw new ExecutionHaltError(`validator ${toHex(signer.address).toUpperCase()} holds ≤ 2/3 of the power at height ${h}: a single-validator producer cannot commit`);
    }

    let lastCommit: Commit;
    let lastExtended: ExtendedCommit | undefined;
    let time: Timestamp;
    if (h === state.initialHeight) {
      lastCommit = emptyCommit();
      time = state.lastBlockTime;
    } else {
      const seen = this.d.blockStore.loadSeenCommit(h - 1n);
      if (seen === undefined) throw new ExecutionHaltError(`no seen commit stored for height ${h - 1n}`);
      lastCommit = seen;
      if (voteExtensionsEnabled(state.consensusParams, h - 1n)) {
        lastExtended = this.d.blockStore.loadExtendedCommit(h - 1n);
        if (lastExtended === undefined) throw new ExecutionHaltError(`vote extensions enabled but no extended commit stored for height ${h - 1n}`);
      }
      time = medianTime(lastCommit, state.lastValidators);
    }

    this.prog = { round: 0, step: "propose", startTime: msToTimestamp(this.opts.now()), commitTime: this.prog.commitTime };
    const block = await this.d.executor.createProposalBlock({
      state,
      height: h,
      time,
      lastCommit,
      localLastCommit: extendedCommitInfo(lastCommit, lastExtended, state.lastValidators),
      proposerAddress: signer.address,
      maxTxs: this.maxBlockTxs(),
    });
    const blockId = computeBlockId(block);
    this.prog = { ...this.prog, proposalBlock: { block, blockId } };
    const verdict = await this.d.executor.processProposal(block, blockId, state);
    if (verdict.status !== "accept") {
      throw new ExecutionHaltError(
        `the app rejected our own proposal at height ${h} (hash ${toHex(blockId.hash).toUpperCase()}): ProcessProposal must accept every block a correct proposer builds`,
      );
    }

    const extEnabled = voteExtensionsEnabled(state.consensusParams, h);
    let extension: Bytes = EMPTY;
    if (extEnabled) {
      const r = await this.d.app.extendVote({
        hash: blockId.hash,
        height: h,
        time: block.header.time,
        txs: block.data.txs,
        proposedLastCommit: commitInfo(lastCommit, state.lastValidators),
        misbehavior: [],
        nextValidatorsHash: block.header.nextValidatorsHash,
        proposerAddress: block.header.proposerAddress,
      });
      extension = r.voteExtension;
    }
    const signed = await this.signPrecommit(state.chainId, h, blockId, block, idx, extension, extEnabled);
    this.prog = { ...this.prog, round: signed.round, step: "commit", commitTime: msToTimestamp(this.opts.now()), precommit: signed };
    await this.d.executor.fail("afterSign", h);

    const mySig: CommitSig = {
      blockIdFlag: 2,
      validatorAddress: signer.address,
      timestamp: signed.timestamp,
      signature: signed.signature,
    };
    const seenCommit: Commit = {
      height: h,
      round: signed.round,
      blockId,
      signatures: state.validators.map((_, i) => (i === idx ? mySig : absentSig())),
    };
    let extended: ExtendedCommit | undefined;
    if (extEnabled) {
      extended = {
        height: h,
        round: signed.round,
        blockId,
        extendedSignatures: seenCommit.signatures.map(
          (s, i): ExtendedCommitSig =>
            i === idx
              ? { ...s, extension: signed.extension, extensionSignature: signed.extensionSignature }
              : { ...s, extension: EMPTY, extensionSignature: EMPTY },
        ),
      };
    }
    const batch = this.d.db.newBatch();
    this.d.blockStore.saveBlock(batch, block, blockId, seenCommit, extended);
    await batch.write(true);
    await this.d.executor.fail("afterSaveBlock", h);

    const applyStart = this.opts.now();
    const applyStartPerf = performance.now();
    this.st = await this.d.executor.applyBlock(state, blockId, block);
    this.prog = { round: 0, step: "newHeight", startTime: addMs(this.prog.startTime, this.opts.blockIntervalMs), commitTime: this.prog.commitTime };
    const n = block.data.txs.length;
    recordCommittedBlock(this.d.metrics ?? null, {
      height: h,
      round: signed.round,
      txs: n,
      time: block.header.time,
      prevTime: h === state.initialHeight ? undefined : state.lastBlockTime,
      processingSeconds: (performance.now() - applyStartPerf) / 1000,
    });
    if (n >= 20) {
      const perTx = (this.opts.now() - applyStart) / n;
      this.msPerTx = this.msPerTx === 0 ? perTx : 0.7 * this.msPerTx + 0.3 * perTx;
    }
    return this.st;
  }

  private async signPrecommit(
    chainId: string,
    h: bigint,
    blockId: BlockID,
    block: Block,
    idx: number,
    extension: Bytes,
    extEnabled: boolean,
  ): Promise<Vote> {
    let lastErr: unknown;
    for (let round = 0; round < this.opts.maxRounds; round++) {
      const stamp = msToTimestamp(this.opts.now());
      const minStamp = addMs(block.header.time, 1);
      const vote: Vote = {
        type: SignedMsgType.Precommit,
        height: h,
        round,
        blockId,
        timestamp: compareTimestamps(stamp, minStamp) > 0 ? stamp : minStamp,
        validatorAddress: this.d.signer.address,
        validatorIndex: idx,
        signature: EMPTY,
        extension,
        extensionSignature: EMPTY,
      };
      try {
        const signed = await this.d.signer.signVote(chainId, vote, extEnabled);
        if (signed.round !== round || signed.height !== h || signed.signature.length === 0) {
          throw new ExecutionHaltError(`private validator returned an unexpected vote for ${h}/${round}`);
        }
        return signed;
      } catch (e: unknown) {
        if (e instanceof ExecutionHaltError) throw e;
        // the signer refuses (h, round) when it signed something else there before a crash: a later
        // round is a fresh (h, r, step) for it, and no other node ever saw the earlier signature.
        lastErr = e;
        this.d.logger.warn({ err: e, height: h.toString(), round }, "private validator refused the precommit; trying the next round");
      }
    }
    throw new ExecutionHaltError(`could not sign a precommit for height ${h}: ${String(lastErr)}`);
  }
}
