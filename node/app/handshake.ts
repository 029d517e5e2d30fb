/**
 * Startup handshake (consensus.md §4.5; CometBFT consensus/replay.go): brings the app and the node's
 * state to the same height before block production starts. S = saved state height, B = block store
 * height, A = app height from Info.
 *
 *  - A = 0: InitChain with the genesis (validators, params, app_state, initial height, time); before the
 *    first block the state takes the app hash, validators and params that InitChain returned.
 *  - invariants: A ≤ B, S ≤ B ≤ S+1 (first block: B ∈ {0, initial height}); otherwise halt.
 *  - blocks A+1..S are replayed into the app (FinalizeBlock + Commit) without changing the state, each
 *    app hash checked against the next stored header (or the saved state for S).
 *  - B = S+1 (block saved, state not): A ≤ S → apply block B fully; A = B → the app already committed B:
 *    rebuild the state from B's stored FinalizeBlock response.
 *  - any app-hash mismatch halts with the height and both hashes.
 */
import type { Logger } from "pino";
import type { Bytes, InitChainRequest, ValidatorUpdate } from "../../modules/core/abci.ts";
import { equal, toHex, utf8 } from "../../modules/core/bytes.ts";
import { ExecutionHaltError, replayBlockOnApp } from "../execution/blockExecutor.ts";
import type { BlockExecutor } from "../execution/blockExecutor.ts";
import {
  applyValidatorUpdates,
  genesisValidatorSets,
  makeGenesisState,
  mergeConsensusParams,
  updateState,
} from "../execution/state.ts";
import type { BatchWriter, BlockStore, StateStore } from "../execution/types.ts";
import type { BlockStoreReader, StateReader } from "../rpc/env.ts";
import type { ChainState } from "../storage/types.ts";
import type { Block, BlockID, Validator } from "../types/block.ts";
import type { GenesisDoc } from "../types/genesis.ts";
import type { ConsensusAppConn } from "./appConn.ts";

export class HandshakeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HandshakeError";
  }
}

const hex = (b: Bytes) => toHex(b).toUpperCase() || "<empty>";

export interface HandshakeDeps {
  app: ConsensusAppConn;
  blockStore: BlockStore;
  stateStore: StateStore;
  db: BatchWriter;
  executor: BlockExecutor;
  genesis: GenesisDoc;
  /** the genesis `app_state` JSON as bytes (default: JSON.stringify(genesis.appState)). */
  appStateBytes?: Bytes;
  logger: Logger;
}

export function initChainRequest(genesis: GenesisDoc, appStateBytes?: Bytes): InitChainRequest {
  return {
    time: genesis.genesisTime,
    chainId: genesis.chainId,
    consensusParams: genesis.consensusParams,
    validators: genesis.validators.map((v): ValidatorUpdate => ({ pubKey: { type: "ed25519", bytes: v.pubKey.value }, power: v.power })),
    appStateBytes: appStateBytes ?? utf8(JSON.stringify(genesis.appState)),
    initialHeight: genesis.initialHeight,
  };
}

function loadStored(blockStore: BlockStoreReader, h: bigint): { block: Block; blockId: BlockID } {
  const block = blockStore.loadBlock(h);
  const meta = blockStore.loadBlockMeta(h);
  if (block === undefined || meta === undefined) throw new HandshakeError(`block ${h} is missing from the block store`);
  return { block, blockId: meta.blockId };
}

function lastValidatorsOf(state: StateReader, h: bigint, initialHeight: bigint): Validator[] {
  if (h === initialHeight) return [];
  const vals = state.loadValidators(h - 1n);
  if (vals === undefined) throw new HandshakeError(`validator set of height ${h - 1n} is missing from the state store`);
  return vals;
}

/**
 * The app hash the chain recorded for the state after block h: the next stored header's app_hash,
 * else the stored FinalizeBlock response of h, else the saved state's when h = S.
 */
function expectedAppHash(blockStore: BlockStoreReader, stateReader: StateReader, h: bigint, state?: ChainState): Bytes | undefined {
  const next = blockStore.loadBlock(h + 1n);
  if (next !== undefined) return next.header.appHash;
  const res = stateReader.loadFinalizeBlockResponse(h);
  if (res !== undefined) return res.appHash;
  if (state !== undefined && state.lastBlockHeight === h) return state.appHash;
  return undefined;
}

export async function handshake(d: HandshakeDeps): Promise<ChainState> {
  const log = d.logger;
  const info = await d.app.info();
  const A = info.lastBlockHeight;
  let state = d.stateStore.load() ?? makeGenesisState(d.genesis);
  if (state.chainId !== d.genesis.chainId) {
    throw new HandshakeError(`saved state is for chain ${state.chainId}, genesis is ${d.genesis.chainId}`);
  }
  const ih = state.initialHeight;
  const S = state.lastBlockHeight;
  const B = d.blockStore.height();
  log.info({ appHeight: A.toString(), stateHeight: S.toString(), storeHeight: B.toString(), appHash: hex(info.lastBlockAppHash) }, "ABCI handshake");

  if (A < 0n) throw new HandshakeError(`app reported a negative height ${A}`);
  if (A > B) {
    throw new HandshakeError(`the app is at height ${A} but the block store only reaches ${B}: the node database is behind the app database (restored from an older backup, or wiped?)`);
  }
  if (S > B) throw new HandshakeError(`the saved state is at height ${S} but the block store only reaches ${B}`);
  const nextS = S === 0n ? ih : S + 1n;
  if (B !== 0n && B !== S && B !== nextS) {
    throw new HandshakeError(`the block store is at height ${B}, more than one block above the saved state ${S}`);
  }

  if (A === 0n) {
    const res = await d.app.initChain(initChainRequest(d.genesis, d.appStateBytes));
    if (S === 0n) {
      if (res.appHash.length > 0) state = { ...state, appHash: res.appHash };
      if (res.validators.length > 0) {
        const vals = applyValidatorUpdates([], res.validators);
        const { validatorsProposer: _a, nextValidatorsProposer: _b, ...rest } = state;
        state = { ...rest, ...genesisValidatorSets(vals) };
      } else if (state.validators.length === 0) {
        throw new HandshakeError("the genesis has no validators and InitChain returned none");
      }
      if (res.consensusParams !== null) {
        state = { ...state, consensusParams: mergeConsensusParams(state.consensusParams, res.consensusParams) };
      }
      const batch = d.db.newBatch();
      if (d.stateStore.bootstrap !== undefined) d.stateStore.bootstrap(batch, state);
      else d.stateStore.save(batch, state);
      await batch.write(true);
      log.info({ appHash: hex(state.appHash), validators: state.validators.length }, "InitChain done");
    }
  }

  // replay A+1..S into the app; node state stays as saved
  let appHash = info.lastBlockAppHash;
  const first = A === 0n ? ih : A + 1n;
  if (S >= first) log.info({ from: first.toString(), to: S.toString() }, "replaying blocks the app lacks");
  for (let h = first; h <= S; h++) {
    const { block, blockId } = loadStored(d.blockStore, h);
    appHash = await replayBlockOnApp(d.app, block, blockId, lastValidatorsOf(d.stateStore, h, ih), expectedAppHash(d.blockStore, d.stateStore, h, state));
  }
  const appAt = A > S ? A : S;

  if (B === S || B === 0n) {
    if (S > 0n && !equal(appHash, state.appHash)) {
      throw new HandshakeError(`app hash mismatch at height ${S}: the app has ${hex(appHash)}, the saved state has ${hex(state.appHash)}`);
    }
    return state;
  }

  // B = S + 1: the block was saved, its results/state were not (or the app committed it already)
  const { block, blockId } = loadStored(d.blockStore, B);
  if (!equal(block.header.appHash, state.appHash)) {
    throw new HandshakeError(`block ${B} was built on app hash ${hex(block.header.appHash)}, the saved state has ${hex(state.appHash)}`);
  }
  if (appAt < B) {
    log.info({ height: B.toString() }, "applying the saved block whose state was not saved");
    return d.executor.applyBlock(state, blockId, block);
  }
  // A = B: the app committed B; rebuild the state from B's stored FinalizeBlock response
  const res = d.stateStore.loadFinalizeBlockResponse(B);
  if (res === undefined) {
    throw new HandshakeError(`the app committed block ${B} but its FinalizeBlock response is not stored: cannot rebuild the state without re-executing`);
  }
  if (!equal(res.appHash, info.lastBlockAppHash)) {
    throw new HandshakeError(`app hash mismatch at height ${B}: the app has ${hex(info.lastBlockAppHash)}, the stored FinalizeBlock response has ${hex(res.appHash)}`);
  }
  state = updateState(state, blockId, block.header, res);
  const batch = d.db.newBatch();
  d.stateStore.save(batch, state);
  await batch.write(true);
  log.info({ height: B.toString() }, "rebuilt state from the stored FinalizeBlock response");
  return state;
}

export interface ReplayDeps {
  /** a fresh app (height 0). */
  app: ConsensusAppConn;
  blockStore: BlockStoreReader;
  stateStore: StateReader & { load(): ChainState | undefined };
  genesis: GenesisDoc;
  appStateBytes?: Bytes;
  /** replay up to this height (default: the block store height). */
  toHeight?: bigint;
}

/**
 * Replays every stored block from genesis into a fresh app, checking each app hash against the chain
 * (the genesis app hash against block 1's header, block h's against header h+1 / the saved state).
 * Returns the app hash after each height.
 */
export async function replayAllBlocks(d: ReplayDeps): Promise<{ height: bigint; appHash: Bytes }[]> {
  const info = await d.app.info();
  if (info.lastBlockHeight !== 0n) throw new HandshakeError(`replayAllBlocks needs a fresh app; this one is at height ${info.lastBlockHeight}`);
  const res = await d.app.initChain(initChainRequest(d.genesis, d.appStateBytes));
  const ih = d.genesis.initialHeight;
  const genesisHash = res.appHash.length > 0 ? res.appHash : d.genesis.appHash;
  const firstBlock = d.blockStore.loadBlock(ih);
  if (firstBlock !== undefined && !equal(firstBlock.header.appHash, genesisHash)) {
    throw new ExecutionHaltError(`genesis app hash mismatch: InitChain gave ${hex(genesisHash)}, block ${ih} has ${hex(firstBlock.header.appHash)}`);
  }
  const state = d.stateStore.load();
  const top = d.toHeight ?? d.blockStore.height();
  const out: { height: bigint; appHash: Bytes }[] = [];
  for (let h = ih; h <= top; h++) {
    const { block, blockId } = loadStored(d.blockStore, h);
    const appHash = await replayBlockOnApp(d.app, block, blockId, lastValidatorsOf(d.stateStore, h, ih), expectedAppHash(d.blockStore, d.stateStore, h, state));
    out.push({ height: h, appHash });
  }
  return out;
}
