/**
 * The state store (CometBFT state/store.go): the ChainState after the last block; validator sets by
 * height (stored in full where they changed, elsewhere a pointer to the last change, reconstructed by
 * incrementing priorities as CometBFT's loadValidators does; full checkpoints every 100 000 heights);
 * consensus params by height (same pointer scheme); FinalizeBlock responses by height as
 * tendermint.abci.ResponseFinalizeBlock protobuf (cosmjs-types).
 *
 * Encoding of ChainState (own message, protobuf wire format, fields never renumbered):
 *   1 chain_id, 2 initial_height, 3 last_block_height, 4 last_block_id, 5 last_block_time,
 *   6 validators (tendermint.types.ValidatorSet incl. proposer), 7 next_validators, 8 last_validators,
 *   9 last_height_validators_changed, 10 consensus_params (tendermint.types.ConsensusParams),
 *   11 last_height_consensus_params_changed, 12 last_results_hash, 13 app_hash.
 */
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { ExecTxResult as PbExecTxResult, ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { ConsensusParams as PbConsensusParams } from "cosmjs-types/tendermint/types/params";
import type { ConsensusParams, ExecTxResult, FinalizeBlockResponse, PubKey } from "../../modules/core/abci.ts";
import { u64be } from "../../modules/core/bytes.ts";
import type { StateReader } from "../rpc/env.ts";
import type { Bytes, Validator } from "../types/block.ts";
import {
  decodeBlockId,
  decodeTimestamp,
  decodeValidatorSet,
  encodeValidatorSet,
  writeBlockId,
  writeTimestamp,
} from "../types/encoding.ts";
import { ValidatorSet } from "../types/validatorSet.ts";
import { encodeEventsAndTxResults, NotWellFormed } from "./abciProto.ts";
import { BUCKET } from "./buckets.ts";
import type { NodeDb } from "./db.ts";
import type { Batch, Bucket, ChainState, StateStoreWriter } from "./types.ts";

const STATE_KEY = new Uint8Array([0x73]);
/** full validator sets are also stored every this many heights (valSetCheckpointInterval). */
export const VAL_SET_CHECKPOINT_INTERVAL = 100_000n;

// ---- consensus params <-> tendermint.types.ConsensusParams ----

export function consensusParamsToProto(p: ConsensusParams): PbConsensusParams {
  const d = p.evidence.maxAgeDurationNs;
  return {
    block: { maxBytes: p.block.maxBytes, maxGas: p.block.maxGas },
    evidence: {
      maxAgeNumBlocks: p.evidence.maxAgeNumBlocks,
      maxAgeDuration: { seconds: d / 1_000_000_000n, nanos: Number(d % 1_000_000_000n) },
      maxBytes: p.evidence.maxBytes,
    },
    validator: { pubKeyTypes: [...p.validator.pubKeyTypes] },
    version: { app: p.version.app },
    abci: { voteExtensionsEnableHeight: p.abci.voteExtensionsEnableHeight },
  };
}

export function consensusParamsFromProto(pb: PbConsensusParams): ConsensusParams {
  const dur = pb.evidence?.maxAgeDuration;
  return {
    block: { maxBytes: pb.block?.maxBytes ?? 0n, maxGas: pb.block?.maxGas ?? 0n },
    evidence: {
      maxAgeNumBlocks: pb.evidence?.maxAgeNumBlocks ?? 0n,
      maxAgeDurationNs: dur === undefined ? 0n : dur.seconds * 1_000_000_000n + BigInt(dur.nanos),
      maxBytes: pb.evidence?.maxBytes ?? 0n,
    },
    validator: { pubKeyTypes: [...(pb.validator?.pubKeyTypes ?? [])] },
    version: { app: pb.version?.app ?? 0n },
    abci: { voteExtensionsEnableHeight: pb.abci?.voteExtensionsEnableHeight ?? 0n },
  };
}

export function encodeConsensusParams(p: ConsensusParams): Bytes {
  return PbConsensusParams.encode(consensusParamsToProto(p)).finish();
}

export function decodeConsensusParams(bz: Bytes): ConsensusParams {
  return consensusParamsFromProto(PbConsensusParams.decode(bz));
}

// ---- FinalizeBlockResponse <-> tendermint.abci.ResponseFinalizeBlock ----

function pubKeyToProto(pk: PubKey): { ed25519?: Uint8Array; secp256k1?: Uint8Array } {
  return pk.type === "ed25519" ? { ed25519: pk.bytes } : { secp256k1: pk.bytes };
}

export function encodeFinalizeBlockResponse(res: FinalizeBlockResponse): Bytes {
  // fields 1-2 (the per-tx part) by hand, 3-5 by cosmjs-types: the same bytes as one cosmjs encode
  let head: Uint8Array;
  try {
    head = encodeEventsAndTxResults(res.events, res.txResults);
  } catch (e) {
    if (!(e instanceof NotWellFormed)) throw e;
    head = ResponseFinalizeBlock.encode({ events: res.events, txResults: res.txResults, validatorUpdates: [], appHash: new Uint8Array(0) }).finish();
  }
  const pb: ResponseFinalizeBlock = {
    events: [],
    txResults: [],
    validatorUpdates: res.validatorUpdates.map((u) => ({ pubKey: pubKeyToProto(u.pubKey), power: u.power })),
    appHash: res.appHash,
  };
  if (res.consensusParamUpdates !== null) pb.consensusParamUpdates = consensusParamsToProto(res.consensusParamUpdates);
  const tail = ResponseFinalizeBlock.encode(pb).finish();
  const out = new Uint8Array(head.length + tail.length);
  out.set(head, 0);
  out.set(tail, head.length);
  return out;
}

function txResultFromProto(r: PbExecTxResult): ExecTxResult {
  return {
    code: r.code,
    data: r.data,
    log: r.log,
    info: r.info,
    gasWanted: r.gasWanted,
    gasUsed: r.gasUsed,
    events: r.events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })) })),
    codespace: r.codespace,
  };
}

export function decodeFinalizeBlockResponse(bz: Bytes): FinalizeBlockResponse {
  const pb = ResponseFinalizeBlock.decode(bz);
  return {
    events: pb.events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })) })),
    txResults: pb.txResults.map(txResultFromProto),
    validatorUpdates: pb.validatorUpdates.map((u) => {
      const k = u.pubKey;
      const pubKey: PubKey = k?.secp256k1 !== undefined && k.secp256k1.length > 0 ? { type: "secp256k1", bytes: k.secp256k1 } : { type: "ed25519", bytes: k?.ed25519 ?? new Uint8Array(0) };
      return { pubKey, power: u.power };
    }),
    consensusParamUpdates: pb.consensusParamUpdates === undefined ? null : consensusParamsFromProto(pb.consensusParamUpdates),
    appHash: pb.appHash,
  };
}

/**
 * The `index`-th tx result of an encoded ResponseFinalizeBlock, decoding that one only (the other
 * fields are skipped by their lengths); undefined when there is no such tx result.
 */
export function txResultAt(bz: Bytes, index: number): ExecTxResult | undefined {
  const r = new BinaryReader(bz);
  let n = 0;
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 2 && wireType === WireType.LengthDelimited) {
      if (n++ === index) return txResultFromProto(PbExecTxResult.decode(r.bytes()));
      r.skip(wireType);
    } else r.skip(wireType);
  }
  return undefined;
}

// ---- ChainState ----

function totalPower(vals: readonly Validator[]): bigint {
  let s = 0n;
  for (const v of vals) s += v.votingPower;
  return s;
}

function proposerOf(vals: readonly Validator[], address: Bytes | undefined): Validator | undefined {
  if (address === undefined) return undefined;
  return vals.find((v) => v.address.length === address.length && v.address.every((b, i) => b === address[i]));
}

function writeValSet(w: BinaryWriter, field: number, vals: readonly Validator[], proposer: Bytes | undefined): void {
  if (vals.length === 0) return;
  w.tag(field, WireType.LengthDelimited).bytes(encodeValidatorSet(vals, proposerOf(vals, proposer), totalPower(vals)));
}

export function encodeChainState(s: ChainState): Bytes {
  const w = new BinaryWriter();
  if (s.chainId !== "") w.tag(1, WireType.LengthDelimited).string(s.chainId);
  if (s.initialHeight !== 0n) w.tag(2, WireType.Varint).int64(s.initialHeight);
  if (s.lastBlockHeight !== 0n) w.tag(3, WireType.Varint).int64(s.lastBlockHeight);
  w.tag(4, WireType.LengthDelimited).fork();
  writeBlockId(w, s.lastBlockId);
  w.join();
  w.tag(5, WireType.LengthDelimited).fork();
  writeTimestamp(w, s.lastBlockTime);
  w.join();
  writeValSet(w, 6, s.validators, s.validatorsProposer);
  writeValSet(w, 7, s.nextValidators, s.nextValidatorsProposer);
  writeValSet(w, 8, s.lastValidators, s.lastValidatorsProposer);
  if (s.lastHeightValidatorsChanged !== 0n) w.tag(9, WireType.Varint).int64(s.lastHeightValidatorsChanged);
  w.tag(10, WireType.LengthDelimited).bytes(encodeConsensusParams(s.consensusParams));
  if (s.lastHeightConsensusParamsChanged !== 0n) w.tag(11, WireType.Varint).int64(s.lastHeightConsensusParamsChanged);
  if (s.lastResultsHash.length > 0) w.tag(12, WireType.LengthDelimited).bytes(s.lastResultsHash);
  if (s.appHash.length > 0) w.tag(13, WireType.LengthDelimited).bytes(s.appHash);
  return w.finish();
}

export function decodeChainState(bz: Bytes): ChainState {
  const s: ChainState = {
    chainId: "",
    initialHeight: 0n,
    lastBlockHeight: 0n,
    lastBlockId: { hash: new Uint8Array(0), partSetHeader: { total: 0, hash: new Uint8Array(0) } },
    lastBlockTime: { seconds: 0n, nanos: 0 },
    validators: [],
    nextValidators: [],
    lastValidators: [],
    lastHeightValidatorsChanged: 0n,
    consensusParams: consensusParamsFromProto(PbConsensusParams.fromPartial({})),
    lastHeightConsensusParamsChanged: 0n,
    lastResultsHash: new Uint8Array(0),
    appHash: new Uint8Array(0),
  };
  const r = new BinaryReader(bz);
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    switch (f) {
      case 1: s.chainId = r.string(); break;
      case 2: s.initialHeight = BigInt(r.int64()); break;
      case 3: s.lastBlockHeight = BigInt(r.int64()); break;
      case 4: s.lastBlockId = decodeBlockId(r.bytes()); break;
      case 5: s.lastBlockTime = decodeTimestamp(r.bytes()); break;
      case 6: case 7: case 8: {
        const vs = decodeValidatorSet(r.bytes());
        if (f === 6) {
          s.validators = vs.validators;
          if (vs.proposer !== undefined) s.validatorsProposer = vs.proposer.address;
        } else if (f === 7) {
          s.nextValidators = vs.validators;
          if (vs.proposer !== undefined) s.nextValidatorsProposer = vs.proposer.address;
        } else {
          s.lastValidators = vs.validators;
          if (vs.proposer !== undefined) s.lastValidatorsProposer = vs.proposer.address;
        }
        break;
      }
      case 9: s.lastHeightValidatorsChanged = BigInt(r.int64()); break;
      case 10: s.consensusParams = decodeConsensusParams(r.bytes()); break;
      case 11: s.lastHeightConsensusParamsChanged = BigInt(r.int64()); break;
      case 12: s.lastResultsHash = Uint8Array.from(r.bytes()); break;
      case 13: s.appHash = Uint8Array.from(r.bytes()); break;
      default: throw new Error(`chain state: unexpected field ${f} (wire type ${wt})`);
    }
  }
  return s;
}

/** ValidatorsInfo: {1 validator_set (optional), 2 last_height_changed}. */
function encodeValidatorsInfo(set: Bytes | undefined, lastHeightChanged: bigint): Bytes {
  const w = new BinaryWriter();
  if (set !== undefined) w.tag(1, WireType.LengthDelimited).bytes(set);
  if (lastHeightChanged !== 0n) w.tag(2, WireType.Varint).int64(lastHeightChanged);
  return w.finish();
}

function decodeInfo(bz: Bytes): { value: Bytes | undefined; lastHeightChanged: bigint } {
  const r = new BinaryReader(bz);
  let value: Bytes | undefined;
  let lastHeightChanged = 0n;
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    if (f === 1 && wt === WireType.LengthDelimited) value = Uint8Array.from(r.bytes());
    else if (f === 2 && wt === WireType.Varint) lastHeightChanged = BigInt(r.int64());
    else throw new Error(`state store: unexpected info field ${f}`);
  }
  return { value, lastHeightChanged };
}

export class StateStore implements StateReader, StateStoreWriter {
  private readonly stateBucket: Bucket;
  private readonly vals: Bucket;
  private readonly params: Bucket;
  private readonly results: Bucket;
  /** the encoded FinalizeBlock response loadTxResult read last. */
  private lastResponse: { height: bigint; bz: Bytes } | undefined;

  constructor(db: NodeDb) {
    this.stateBucket = db.bucket(BUCKET.chainState);
    this.vals = db.bucket(BUCKET.validators);
    this.params = db.bucket(BUCKET.consensusParams);
    this.results = db.bucket(BUCKET.finalizeBlockResponse);
  }

  load(): ChainState | undefined {
    const bz = this.stateBucket.get(STATE_KEY);
    return bz === undefined ? undefined : decodeChainState(bz);
  }

  /**
   * Stages the state and the snapshots it implies (CometBFT state.Store.save): at the first height
   * the validators of `lastBlockHeight+1`; always the next validators at `lastBlockHeight+2` and the
   * consensus params at `lastBlockHeight+1`.
   */
  save(batch: Batch, state: ChainState): void {
    const nextHeight = state.lastBlockHeight + 1n;
    if (nextHeight === state.initialHeight) {
      this.saveValidatorsInfo(batch, nextHeight, nextHeight, state.validators, state.validatorsProposer);
    }
    this.saveValidatorsInfo(batch, nextHeight + 1n, state.lastHeightValidatorsChanged, state.nextValidators, state.nextValidatorsProposer);
    this.saveConsensusParamsInfo(batch, nextHeight, state.lastHeightConsensusParamsChanged, state.consensusParams);
    this.stateBucket.put(batch, STATE_KEY, encodeChainState(state));
  }

  /** the genesis state: like save, plus the validators of the initial height (CometBFT Bootstrap). */
  bootstrap(batch: Batch, state: ChainState): void {
    const h = state.lastBlockHeight === 0n ? state.initialHeight : state.lastBlockHeight + 1n;
    this.saveValidatorsInfo(batch, h, h, state.validators, state.validatorsProposer);
    this.save(batch, state);
  }

  private saveValidatorsInfo(batch: Batch, height: bigint, lastHeightChanged: bigint, vals: readonly Validator[], proposer: Bytes | undefined): void {
    if (lastHeightChanged > height) throw new Error(`state store: lastHeightChanged ${lastHeightChanged} > height ${height}`);
    const full = height === lastHeightChanged || height % VAL_SET_CHECKPOINT_INTERVAL === 0n;
    const set = full ? encodeValidatorSet(vals, proposerOf(vals, proposer), totalPower(vals)) : undefined;
    this.vals.put(batch, u64be(height), encodeValidatorsInfo(set, lastHeightChanged));
  }

  private saveConsensusParamsInfo(batch: Batch, height: bigint, lastHeightChanged: bigint, params: ConsensusParams): void {
    const full = height === lastHeightChanged;
    this.params.put(batch, u64be(height), encodeValidatorsInfo(full ? encodeConsensusParams(params) : undefined, lastHeightChanged));
  }

  /** the validator set that signs block `height`, with its round-0 proposer. */
  loadValidatorSet(height: bigint): ValidatorSet | undefined {
    if (height <= 0n) return undefined;
    const infoBz = this.vals.get(u64be(height));
    if (infoBz === undefined) return undefined;
    const info = decodeInfo(infoBz);
    if (info.value !== undefined) {
      const vs = decodeValidatorSet(info.value);
      return new ValidatorSet(vs.validators, vs.proposer);
    }
    const last = info.lastHeightChanged;
    const checkpoint = height - (height % VAL_SET_CHECKPOINT_INTERVAL);
    const stored = checkpoint > last ? checkpoint : last;
    const bz = this.vals.get(u64be(stored));
    if (bz === undefined) return undefined;
    const base = decodeInfo(bz);
    if (base.value === undefined) throw new Error(`state store: no validator set stored at height ${stored}`);
    const vs = decodeValidatorSet(base.value);
    const set = new ValidatorSet(vs.validators, vs.proposer);
    const steps = height - stored;
    if (steps > 0n) {
      if (steps > 2_147_483_647n) throw new Error("state store: too many priority increments");
      set.incrementProposerPriority(Number(steps));
    }
    return set;
  }

  loadValidators(height: bigint): Validator[] | undefined {
    return this.loadValidatorSet(height)?.validators;
  }

  loadConsensusParams(height: bigint): ConsensusParams | undefined {
    if (height <= 0n) return undefined;
    const bz = this.params.get(u64be(height));
    if (bz === undefined) return undefined;
    const info = decodeInfo(bz);
    if (info.value !== undefined) return decodeConsensusParams(info.value);
    const base = this.params.get(u64be(info.lastHeightChanged));
    if (base === undefined) return undefined;
    const b = decodeInfo(base);
    if (b.value === undefined) throw new Error(`state store: no consensus params stored at height ${info.lastHeightChanged}`);
    return decodeConsensusParams(b.value);
  }

  saveFinalizeBlockResponse(batch: Batch, height: bigint, res: FinalizeBlockResponse): void {
    if (this.lastResponse?.height === height) this.lastResponse = undefined;
    this.results.put(batch, u64be(height), encodeFinalizeBlockResponse(res));
  }

  /**
   * The stored result of the tx at (height, index) (the tx index's records point here instead of
   * holding a second copy). The last response read is kept: a tx_search page mostly reads one block's.
   */
  loadTxResult(height: bigint, index: number): ExecTxResult | undefined {
    let bz = this.lastResponse?.height === height ? this.lastResponse.bz : undefined;
    if (bz === undefined) {
      if (height <= 0n) return undefined;
      bz = this.results.get(u64be(height));
      if (bz === undefined) return undefined;
      this.lastResponse = { height, bz };
    }
    return txResultAt(bz, index);
  }

  loadFinalizeBlockResponse(height: bigint): FinalizeBlockResponse | undefined {
    if (height <= 0n) return undefined;
    const bz = this.results.get(u64be(height));
    return bz === undefined ? undefined : decodeFinalizeBlockResponse(bz);
  }
}
