/**
 * BlockExecutor (CometBFT state/execution.go): builds proposal blocks (reap → PrepareProposal → header),
 * asks the app to process proposals, and applies decided blocks in the crash-consistent order of
 * DESIGN.md / consensus.md §4.4:
 *
 *   FinalizeBlock → one sync batch {FinalizeBlockResponse, tx index, next ChainState} → lock mempool →
 *   Commit → mempool update (+ recheck) → unlock → publish NewBlock / NewBlockHeader / Tx.
 *
 * A crash between the state batch and Commit leaves S = B = h with the app at h−1: the handshake
 * replays block h into the app and checks its app hash against the saved state.
 */
import type { Logger } from "pino";
import type {
  Bytes,
  ExtendedCommitInfo,
  FinalizeBlockRequest,
  FinalizeBlockResponse,
  Misbehavior,
  ProcessProposalResponse,
} from "../../modules/core/abci.ts";
import { equal, toHex } from "../../modules/core/bytes.ts";
import type { ConsensusAppConn } from "../app/appConn.ts";
import type { ChainState } from "../storage/types.ts";
import { decodeDuplicateVoteEvidence } from "../consensus/evidencePool.ts";
import { decodeLightClientAttack, lightClientAttackMisbehavior } from "../consensus/lightClientAttack.ts";
import type { Block, BlockID, Commit, Evidence, Header } from "../types/block.ts";
import {
  commitHash,
  consensusParamsHash,
  dataHash,
  evidenceHash,
  txHash,
  validatorSetHash,
} from "../types/hash.ts";
import { BLOCK_PROTOCOL, commitInfo, updateState } from "./state.ts";
import type {
  BatchWriter,
  BlockStore,
  EventPublisher,
  ExecutorMempool,
  FailPoint,
  FailPointHook,
  StateStore,
  TxIndexWriter,
} from "./types.ts";

/** CometBFT types/block.go sizes (MaxDataBytes). */
export const MAX_HEADER_BYTES = 626n;
export const MAX_OVERHEAD_FOR_BLOCK = 11n;
export const MAX_COMMIT_OVERHEAD_BYTES = 94n;
export const MAX_COMMIT_SIG_BYTES = 109n;
export const MAX_BLOCK_SIZE_BYTES = 104_857_600n;

/** bytes left for txs in a block of maxBytes (−1 = the 100 MB cap) with `vals` commit signatures. */
export function maxDataBytes(maxBytes: bigint, evidenceBytes: bigint, vals: number): bigint {
  const total = maxBytes === -1n ? MAX_BLOCK_SIZE_BYTES : maxBytes;
  const n = total - MAX_OVERHEAD_FOR_BLOCK - MAX_HEADER_BYTES - (MAX_COMMIT_OVERHEAD_BYTES + MAX_COMMIT_SIG_BYTES * BigInt(vals)) - evidenceBytes;
  if (n < 0n) throw new Error(`block.max_bytes ${maxBytes} is too small for the header and commit`);
  return n;
}

function protoSize(txs: readonly Bytes[]): bigint {
  let n = 0;
  for (const tx of txs) {
    let l = tx.length;
    let v = 1;
    while (l >= 0x80) {
      l = Math.floor(l / 128);
      v++;
    }
    n += 1 + v + tx.length;
  }
  return BigInt(n);
}

/** an invariant of execution broke: the node must halt (never catch and continue; STYLE §7.8.4). */
export class ExecutionHaltError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExecutionHaltError";
  }
}

export interface BlockExecutorDeps {
  app: ConsensusAppConn;
  db: BatchWriter;
  blockStore: BlockStore;
  stateStore: StateStore;
  txIndex: TxIndexWriter;
  mempool: ExecutorMempool;
  events: EventPublisher;
  logger: Logger;
  failPoint?: FailPointHook;
}

export class BlockExecutor {
  private readonly d: BlockExecutorDeps;

  constructor(deps: BlockExecutorDeps) {
    this.d = deps;
  }

  async fail(point: FailPoint, height: bigint): Promise<void> {
    await this.d.failPoint?.(point, height);
  }

  /**
   * reap → PrepareProposal → block. `lastCommit` is the commit of h−1 (empty at the initial height);
   * `localLastCommit` its extended form for the app.
   */
  async createProposalBlock(args: {
    state: ChainState;
    height: bigint;
    time: Block["header"]["time"];
    lastCommit: Commit;
    localLastCommit: ExtendedCommitInfo;
    proposerAddress: Bytes;
    /** node-local cap on the txs reaped (−1 or absent: none), e.g. what executes within the block interval. */
    maxTxs?: number;
    /** verified pending evidence to include (PrepareProposal sees it as misbehavior). */
    evidence?: readonly Evidence[];
  }): Promise<Block> {
    const { state, height } = args;
    const params = state.consensusParams;
    const evidence = [...(args.evidence ?? [])];
    const maxBytes = maxDataBytes(params.block.maxBytes, protoSize(evidence.map((e) => e.raw)), state.validators.length);
    const txs = this.d.mempool.reapMaxBytesMaxGas(maxBytes, params.block.maxGas, args.maxTxs ?? -1);
    const res = await this.d.app.prepareProposal({
      maxTxBytes: maxBytes,
      txs,
      localLastCommit: args.localLastCommit,
      misbehavior: misbehaviorFromEvidence(evidence),
      height,
      time: args.time,
      nextValidatorsHash: validatorSetHash(state.nextValidators),
      proposerAddress: args.proposerAddress,
    });
    const size = protoSize(res.txs);
    if (size > maxBytes) {
      throw new ExecutionHaltError(`PrepareProposal at height ${height} returned ${size} bytes of txs, more than max_tx_bytes ${maxBytes}`);
    }
    return this.makeBlock(state, height, args.time, res.txs, args.lastCommit, args.proposerAddress, evidence);
  }

  /** the block with every header hash filled in from the state (CometBFT state.MakeBlock). */
  makeBlock(state: ChainState, height: bigint, time: Header["time"], txs: Bytes[], lastCommit: Commit, proposer: Bytes, evidence: Evidence[] = []): Block {
    const header: Header = {
      version: { block: BLOCK_PROTOCOL, app: state.consensusParams.version.app },
      chainId: state.chainId,
      height,
      time,
      lastBlockId: state.lastBlockId,
      lastCommitHash: commitHash(lastCommit),
      dataHash: dataHash(txs),
      validatorsHash: validatorSetHash(state.validators),
      nextValidatorsHash: validatorSetHash(state.nextValidators),
      consensusHash: consensusParamsHash(state.consensusParams),
      appHash: state.appHash,
      lastResultsHash: state.lastResultsHash,
      evidenceHash: evidenceHash(evidence),
      proposerAddress: proposer,
    };
    return { header, data: { txs }, evidence: { evidence }, lastCommit };
  }

  async processProposal(block: Block, blockId: BlockID, state: ChainState): Promise<ProcessProposalResponse> {
    return this.d.app.processProposal({
      txs: block.data.txs,
      misbehavior: misbehaviorFromEvidence(block.evidence.evidence),
      height: block.header.height,
      time: block.header.time,
      nextValidatorsHash: block.header.nextValidatorsHash,
      proposerAddress: block.header.proposerAddress,
      proposedLastCommit: commitInfo(block.lastCommit, state.lastValidators),
      hash: blockId.hash,
    });
  }

  finalize(block: Block, blockId: BlockID, lastValidators: ChainState["lastValidators"]): Promise<FinalizeBlockResponse> {
    return finalizeOnApp(this.d.app, block, blockId, lastValidators);
  }

  /**
   * Applies a decided block whose block + seen commit are already saved: FinalizeBlock, saves response,
   * tx index and next state in one sync batch, commits the app under the mempool lock, updates the
   * mempool, publishes events. Returns the new state.
   */
  async applyBlock(state: ChainState, blockId: BlockID, block: Block): Promise<ChainState> {
    const h = block.header.height;
    const started = performance.now();
    const res = await this.finalize(block, blockId, state.lastValidators);
    await this.fail("afterFinalize", h);
    const next = updateState(state, blockId, block.header, res);
    const batch = this.d.db.newBatch();
    this.d.stateStore.saveFinalizeBlockResponse(batch, h, res);
    this.d.txIndex.indexBlock(batch, h, block.data.txs, res.txResults);
    this.d.stateStore.save(batch, next);
    await batch.write(true);
    await this.fail("afterSaveState", h);
    await this.commitAndUpdateMempool(h, block.data.txs, res);
    this.publish(block, blockId, res);
    this.d.logger.info(
      {
        height: h.toString(),
        txs: block.data.txs.length,
        appHash: toHex(res.appHash).toUpperCase(),
        hash: toHex(blockId.hash).toUpperCase(),
        ms: Math.round(performance.now() - started),
      },
      "committed block",
    );
    return next;
  }

  private async commitAndUpdateMempool(h: bigint, txs: Bytes[], res: FinalizeBlockResponse): Promise<void> {
    const release = await this.d.mempool.lock();
    try {
      await this.d.app.commit();
      await this.fail("afterCommit", h);
      await this.d.mempool.update(h, txs, res.txResults);
      await this.fail("afterMempoolUpdate", h);
    } finally {
      release();
    }
  }

  publish(block: Block, blockId: BlockID, res: FinalizeBlockResponse): void {
    const ev = this.d.events;
    // nobody listening (no RPC subscription, no broadcast_tx_commit waiting): nothing would be delivered,
    // so no event (one per tx, each with its tx hash) is built
    if (ev.listenerCount === 0) return;
    ev.publish({ type: "NewBlock", block, blockId, result: res });
    ev.publish({ type: "NewBlockHeader", block });
    ev.publish({ type: "NewBlockEvents", height: block.header.height, events: res.events, numTxs: block.data.txs.length });
    for (const e of block.evidence.evidence) ev.publish({ type: "NewEvidence", height: block.header.height, evidence: e });
    for (let i = 0; i < block.data.txs.length; i++) {
      const tx = block.data.txs[i] as Bytes;
      ev.publish({
        type: "Tx",
        tx: { height: block.header.height, index: i, tx, hash: txHash(tx), result: res.txResults[i]! },
      });
    }
    if (res.validatorUpdates.length > 0) ev.publish({ type: "ValidatorSetUpdates", updates: res.validatorUpdates });
  }

  get deps(): Readonly<BlockExecutorDeps> {
    return this.d;
  }
}

/**
 * The block's evidence as ABCI misbehavior, in block order (CometBFT Evidence.ABCI()): a duplicate vote
 * gives the validator of vote A with its power at the infraction height, that height, the evidence time
 * (block time of that height) and the total power then; a light client attack gives one
 * LIGHT_CLIENT_ATTACK item per byzantine validator at the common height (none for amnesia). The
 * slashing module slashes, jails and tombstones for both (SDK 0.50 x/evidence).
 */
export function misbehaviorFromEvidence(evidence: readonly Evidence[]): Misbehavior[] {
  return evidence.flatMap((ev): Misbehavior[] => {
    if (ev.type === "light_client_attack") return lightClientAttackMisbehavior(decodeLightClientAttack(ev.raw));
    const d = decodeDuplicateVoteEvidence(ev.raw);
    return [
      {
        type: "duplicate_vote",
        validator: { address: d.voteA.validatorAddress, power: d.validatorPower },
        height: d.voteA.height,
        time: d.timestamp,
        totalVotingPower: d.totalVotingPower,
      },
    ];
  });
}

export function finalizeRequest(block: Block, blockId: BlockID, lastValidators: ChainState["lastValidators"]): FinalizeBlockRequest {
  return {
    txs: block.data.txs,
    misbehavior: misbehaviorFromEvidence(block.evidence.evidence),
    height: block.header.height,
    time: block.header.time,
    nextValidatorsHash: block.header.nextValidatorsHash,
    proposerAddress: block.header.proposerAddress,
    decidedLastCommit: commitInfo(block.lastCommit, lastValidators),
    hash: blockId.hash,
  };
}

/** FinalizeBlock on the app, with the response checked against the block. */
export async function finalizeOnApp(
  app: Pick<ConsensusAppConn, "finalizeBlock">,
  block: Block,
  blockId: BlockID,
  lastValidators: ChainState["lastValidators"],
): Promise<FinalizeBlockResponse> {
  const res = await app.finalizeBlock(finalizeRequest(block, blockId, lastValidators));
  if (res.txResults.length !== block.data.txs.length) {
    throw new ExecutionHaltError(
      `FinalizeBlock at height ${block.header.height} returned ${res.txResults.length} tx results for ${block.data.txs.length} txs`,
    );
  }
  return res;
}

/**
 * Replays a stored block into the app without touching node state (handshake, replay from genesis):
 * FinalizeBlock + Commit; the app hash must equal `expectedAppHash` (the next header's or the saved
 * state's) when one is known.
 */
export async function replayBlockOnApp(
  app: Pick<ConsensusAppConn, "finalizeBlock" | "commit">,
  block: Block,
  blockId: BlockID,
  lastValidators: ChainState["lastValidators"],
  expectedAppHash: Bytes | undefined,
): Promise<Bytes> {
  const h = block.header.height;
  const res = await finalizeOnApp(app, block, blockId, lastValidators);
  if (expectedAppHash !== undefined && !equal(res.appHash, expectedAppHash)) {
    throw new ExecutionHaltError(
      `app hash mismatch replaying block ${h}: the app computed ${toHex(res.appHash).toUpperCase()}, the chain has ${toHex(expectedAppHash).toUpperCase()}`,
    );
  }
  await app.commit();
  return res.appHash;
}
