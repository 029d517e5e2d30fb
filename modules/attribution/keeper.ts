/**
 * attribution keeper: models bound to datanet snapshots, their quantised embedding indexes, and one
 * receipt per attributed inference, computed by the pure PoA engine (./engine). The only writer of
 * "attribution/" keys.
 */
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString } from "../core/address.ts";
import { concat, equal, fromKeyString, readU64be, toHex, toKeyString, u64be, utf8 } from "../core/bytes.ts";
import type { Coin } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { GasKVStore } from "../core/gas.ts";
import { sha256 } from "../core/hash.ts";
import { attributeQuery, auditValues, createEmbeddingIndex, METHODS, prepareValuation, type Valuation } from "./engine/index.ts";
import { AuditReport, type ContributorAudit, EmbeddingChunk, type FeePolicy, Model, Params, Receipt, Reputation } from "../../proto/gen/openledger/attribution/v1/types.ts";
import {
  ErrAlreadyAudited,
  ErrAuditTooLarge,
  ErrIndexComplete,
  ErrIndexIncomplete,
  ErrIndexOutOfOrder,
  ErrInvalidEmbedding,
  ErrInvalidFeePolicy,
  ErrInvalidField,
  ErrInvalidHash,
  ErrModelNotFound,
  ErrNotModelOwner,
  ErrSnapshotNotFound,
  ErrSnapshotRootMismatch,
  ErrUnsupportedMethod,
} from "./errors.ts";
import { emitTyped } from "./events.ts";
import type { AttributionDatanetKeeper } from "./expectedKeepers.ts";
import { auditGas, collapseGas, paidPointsGas, queryGas } from "./gas.ts";
import { MODULE_NAME, PARAMS_KEY, type SeqName, auditKey, chunkKey, chunkPrefix, modelKey, receiptByContributorKey, receiptByModelKey, receiptKey, reputationKey, sequenceKey } from "./keys.ts";
import { merkleRoot, pointLeafHash } from "./merkle.ts";
import { indexSampleSeed, sampleIndexRows, verifyIndexRows } from "./replay.ts";
import { type AttributionParams, defaultParams, isSupportedMethod } from "./params.ts";
import { methodImpl, recordShadow } from "./methodRegistry.ts";

/** τ bound of the engine's collapse (README: τ ≤ 2^50). */
export const MAX_TAU = 2n ** 50n;
/** most points (after collapse) an on-chain audit (MsgAuditModel) runs over; larger indexes are audited off-chain (verdicts). */
export const MAX_AUDIT_POINTS = 20_000;

/**
 * The phase the PoA engine's work is marked as on the node's phase timer (ctx.tracer, FinalizeBlock only):
 * loading the valuation (index, dedup), KNN-Shapley and the split, the shadow method, the audit. The node
 * reports it per block as openledger_poa_block_seconds (node/metrics); nothing here reads a clock.
 */
export const POA_PHASE = "poa";
/** within POA_PHASE: loading a model's valuation (index rows, dedup and collapse; cached after the first use). */
export const POA_INDEX_PHASE = "poa_index";

/** runs `f` marked as the PoA phase on the context's tracer (metrics only). */
async function poaPhase<T>(ctx: WriteContext, f: () => Promise<T> | T, phase = POA_PHASE): Promise<T> {
  ctx.tracer?.enter(phase);
  try {
    return await f();
  } finally {
    ctx.tracer?.exit(phase);
  }
}
/** v1 reputation score weight of a flagged point. */
export const FLAG_PENALTY = 10n;
const INDEX_HASH_SEED = sha256(utf8("openledger.attribution.index.v1"));
const QUERY_DOMAIN = concat(utf8("openledger.attribution.query.v1"), Uint8Array.of(0));

export interface RegisterModelInput {
  owner: Bytes;
  name: string;
  snapshotId: bigint;
  snapshotRoot: Bytes;
  onnxHash: Bytes;
  trainingConfigHash: Bytes;
  checkpointHashes: readonly Bytes[];
  feePolicy: FeePolicy | undefined;
  embeddingDim: number;
  tau: bigint;
}

export interface AttributeInferenceRequest {
  modelId: bigint;
  /** the query's quantised embedding (model.embedding_dim int16 values). */
  queryEmbedding: Int16Array;
  label: number;
  fee: Coin;
}

export interface AttributeInferenceResult {
  receiptId: bigint;
  method: { method: string; version: number };
  /** per-contributor integer shares, in address byte order; Σ amount + remainder = fee.amount. */
  shares: { contributor: Bytes; amount: bigint }[];
  /** unassignable units (no positive value): to the community pool via treasury. */
  remainder: bigint;
  pointsRoot: Bytes;
}

export interface AttributionKeeper {
  getParams(ctx: ReadContext): AttributionParams;
  setParams(ctx: WriteContext, p: AttributionParams): void;
  getModel(ctx: ReadContext, id: bigint): Model | undefined;
  setModel(ctx: WriteContext, m: Model): void;
  getReceipt(ctx: ReadContext, id: bigint): Receipt | undefined;
  /** writes a receipt and its indexes. */
  setReceipt(ctx: WriteContext, r: Receipt): void;
  setChunk(ctx: WriteContext, c: EmbeddingChunk): void;
  iterateChunks(ctx: ReadContext, modelId: bigint): AsyncIterable<EmbeddingChunk>;
  getSequence(ctx: ReadContext, name: SeqName): bigint;
  setSequence(ctx: WriteContext, name: SeqName, next: bigint): void;
  registerModel(ctx: WriteContext, input: RegisterModelInput): bigint;
  /**
   * Appends index rows [start, start+n). The signer is the model's owner, or — once a compute
   * embedding-index job for the model was accepted — only that job's provider (`index_builder`).
   */
  setEmbeddingIndex(ctx: WriteContext, owner: Bytes, modelId: bigint, start: bigint, vectors: Bytes): Model;
  /**
   * compute's accepted training job (modules/compute/training.ts): the model points to the artifact with
   * the trained head, the run's checkpoint hash chain (the last max_checkpoints) and its training config.
   * The embedding part of the artifact is unchanged, and so is the index.
   */
  recordTrainedHead(ctx: WriteContext, modelId: bigint, head: { onnxHash: Bytes; checkpointHashes: readonly Bytes[]; trainingConfigHash: Bytes }): void;
  /**
   * After the chunk that completes a built index (index_builder set): sha256 of all stored rows must be
   * the accepted `index_vectors_hash`; otherwise the rows are dropped (the builder stores them again).
   * Returns the model as it stands.
   */
  checkBuiltIndex(ctx: WriteContext, modelId: bigint): Promise<Model>;
  /**
   * compute's accepted embedding-index job: the model's index becomes `builder`'s (rows it computed,
   * sha256 `vectorsHash` over all rows): any stored rows are dropped; from now on only `builder` stores rows.
   */
  adoptIndexBuild(ctx: WriteContext, modelId: bigint, builder: string, vectorsHash: Bytes): Promise<void>;
  /**
   * Attributes one verified inference: runs the engine (dedup/collapse cached per model index, exact
   * KNN-Shapley, top-K′, per-contributor sums, largest-remainder split of `fee`), writes a receipt and
   * returns the split. Moves no funds (treasury does, issue 5). Called from FinalizeBlock.
   */
  attributeInference(ctx: WriteContext, req: AttributeInferenceRequest): Promise<AttributeInferenceResult>;
  /**
   * The stored int16 rows `rows` of a model's index (row-major, `rows.length · embedding_dim` values,
   * in the order of `rows`), for sampled-replay verification (replay.ts: `sampleIndexRows`,
   * `verifyIndexRows`). Throws when a row is not stored yet.
   */
  getIndexRows(ctx: ReadContext, modelId: bigint, rows: readonly number[]): Promise<Int16Array>;
  /**
   * The rows of a model's index to replay for `blockHash` (consensus data): `count` distinct rows of
   * [0, num_points), ascending (replay.ts `sampleIndexRows(indexSampleSeed(blockHash, modelId), n, count)`).
   */
  sampleIndexRows(ctx: ReadContext, modelId: bigint, blockHash: Bytes, count: number): number[];
  /** replay.ts `verifyIndexRows`: stored vs replayed int16 rows within ±tolerance quanta (default 2). */
  verifyIndexRows: typeof verifyIndexRows;
  /** a contributor's reputation record (zero counters when none yet). */
  getReputation(ctx: ReadContext, contributor: Bytes): Reputation;
  setReputation(ctx: WriteContext, r: Reputation): void;
  getAuditReport(ctx: ReadContext, modelId: bigint): AuditReport | undefined;
  setAuditReport(ctx: WriteContext, r: AuditReport): void;
  /**
   * Audit-mode KNN-Shapley over a complete model's collapsed index (every point a query labelled with its
   * own label, played by the others; value = Σ/N at scale 2^40): writes the AuditReport and feeds every
   * audited contributor's reputation (flagged = value < 0). Once per model; gas ⌈N²·d/2⌉ charged first.
   */
  auditModel(ctx: WriteContext, requester: Bytes, modelId: bigint): Promise<AuditReport>;
}

/** v1 score: receipts_paid − receipts_negative + (audited − flagged) − 10·flagged. */
export function reputationScore(r: Reputation): bigint {
  return r.receiptsPaid - r.receiptsNegative + (r.auditedPoints - r.flaggedPoints) - FLAG_PENALTY * r.flaggedPoints;
}

function emptyReputation(contributor: string): Reputation {
  return { contributor, receiptsPaid: 0n, paidValue: "0", receiptsNegative: 0n, negativeValue: "0", auditedPoints: 0n, flaggedPoints: 0n, auditValue: "0", score: 0n, lastHeight: 0n };
}

const checkHash = (b: Bytes, what: string) => {
  if (b.length !== 32) throw ErrInvalidHash.wrap(`${what} must be a 32-byte sha256`);
};

export function validateFeePolicy(p: FeePolicy | undefined): FeePolicy {
  if (p === undefined) throw ErrInvalidFeePolicy.wrap("fee_policy is required");
  const sum = p.dataBps + p.trainerBps + p.providerBps + p.communityBps + p.burnBps;
  if (sum !== 10_000) throw ErrInvalidFeePolicy.wrap(`parts sum to ${sum} basis points, not 10000`);
  return { ...p };
}

/** sha256(domain ‖ u16le(dim) ‖ i16le coordinates ‖ u32le(label)): the receipt's query hash. */
export function queryHash(q: Int16Array, label: number): Bytes {
  const b = new Uint8Array(2 + 2 * q.length + 4);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, q.length, true);
  for (let i = 0; i < q.length; i++) dv.setInt16(2 + 2 * i, q[i] as number, true);
  dv.setUint32(2 + 2 * q.length, label, true);
  return sha256(concat(QUERY_DOMAIN, b));
}

function int16LE(b: Bytes): Int16Array {
  const out = new Int16Array(b.length / 2);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = dv.getInt16(2 * i, true);
  return out;
}

/** the same context with gas-free stores (reads whose cost is charged by formula instead). */
function unmetered(ctx: ReadContext): ReadContext {
  return {
    ...ctx,
    store(namespace: string) {
      const s = ctx.store(namespace);
      return s instanceof GasKVStore ? s.parent : s;
    },
  };
}

interface CachedValuation {
  valuation: Valuation;
  /** contributor id (rank in address byte order) → address. */
  contributors: Bytes[];
}

/** most valuations kept (each holds an index copy); evicted in insertion order. A pure cache: keyed by the index hash. */
const CACHE_LIMIT = 8;

export function createAttributionKeeper(deps: { datanet: AttributionDatanetKeeper }): AttributionKeeper {
  const rs = (ctx: ReadContext) => ctx.store(MODULE_NAME);
  const ws = (ctx: WriteContext) => ctx.store(MODULE_NAME);
  const cache = new Map<string, CachedValuation>();

  const nextId = (ctx: WriteContext, name: SeqName): bigint => {
    const id = k.getSequence(ctx, name);
    k.setSequence(ctx, name, id + 1n);
    return id;
  };

  /**
   * builds (or reuses) the valuation of a complete model: a pure function of (index hash, snapshot, τ).
   * A miss reads the index and the snapshot through unmetered stores, so gas never depends on whether
   * this node's cache was warm: the work is charged by formula (gas.ts) on every node alike.
   */
  const valuationOf = async (metered: ReadContext, m: Model): Promise<CachedValuation> => {
    const key = `${m.id}:${toHex(m.indexHash)}:${toHex(m.snapshotRoot)}:${m.tau}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const ctx: ReadContext = unmetered(metered);
    const n = Number(m.numPoints);
    const d = m.embeddingDim;
    const vectors = new Int16Array(n * d);
    for await (const c of k.iterateChunks(ctx, m.id)) vectors.set(int16LE(c.vectors), Number(c.start) * d);
    const labels = new Int32Array(n);
    const owners: Bytes[] = new Array(n);
    let seen = 0;
    for await (const p of deps.datanet.snapshotPoints(ctx, m.snapshotId)) {
      const i = Number(p.index);
      if (i >= n) throw ErrInvalidField.wrap(`snapshot ${m.snapshotId} has more leaves than model ${m.id} indexes`);
      labels[i] = p.label;
      owners[i] = p.contributor;
      seen++;
    }
    if (seen !== n) throw ErrInvalidField.wrap(`snapshot ${m.snapshotId} has ${seen} leaves, model ${m.id} indexes ${n}`);
    // contributor ids: ranks in address byte order, so that "lowest id" ties are canonical
    const uniq = [...new Set(owners.map(toKeyString))].sort();
    const rank = new Map(uniq.map((a, i) => [a, i]));
    const contributorOf = owners.map((a) => rank.get(toKeyString(a)) as number);
    const index = createEmbeddingIndex(vectors, labels, d);
    const valuation = prepareValuation(index, contributorOf, Number(m.tau));
    const entry = { valuation, contributors: uniq.map(fromKeyString) };
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, entry);
    return entry;
  };

  /** deletes every stored row of `m` (key order) and resets its index state; returns the reset model (stored). */
  const dropIndex = async (ctx: WriteContext, m: Model): Promise<Model> => {
    const keys: Bytes[] = [];
    for await (const [key] of rs(ctx).iterate({ prefix: chunkPrefix(m.id) })) keys.push(key);
    for (const key of keys) ws(ctx).delete(key);
    const next: Model = { ...m, indexedPoints: 0n, indexHash: INDEX_HASH_SEED, indexComplete: false };
    k.setModel(ctx, next);
    return next;
  };

  const k: AttributionKeeper = {
    getParams(ctx) {
      const b = rs(ctx).get(PARAMS_KEY);
      return b === undefined ? defaultParams() : Params.decode(b);
    },
    setParams(ctx, p) {
      ws(ctx).set(PARAMS_KEY, Params.encode(p).finish());
    },
    getModel(ctx, id) {
      const b = rs(ctx).get(modelKey(id));
      return b === undefined ? undefined : Model.decode(b);
    },
    setModel(ctx, m) {
      ws(ctx).set(modelKey(m.id), Model.encode(m).finish());
    },
    getReceipt(ctx, id) {
      const b = rs(ctx).get(receiptKey(id));
      return b === undefined ? undefined : Receipt.decode(b);
    },
    setReceipt(ctx, r) {
      const st = ws(ctx);
      st.set(receiptKey(r.id), Receipt.encode(r).finish());
      st.set(receiptByModelKey(r.modelId, r.id), new Uint8Array(0));
      for (const s of r.shares) st.set(receiptByContributorKey(accAddressFromString(s.contributor), r.id), new Uint8Array(0));
    },
    setChunk(ctx, c) {
      ws(ctx).set(chunkKey(c.modelId, c.start), EmbeddingChunk.encode(c).finish());
    },
    async *iterateChunks(ctx, modelId) {
      for await (const [, v] of rs(ctx).iterate({ prefix: chunkPrefix(modelId) })) yield EmbeddingChunk.decode(v);
    },
    getSequence(ctx, name) {
      const b = rs(ctx).get(sequenceKey(name));
      return b === undefined ? 1n : readU64be(b);
    },
    setSequence(ctx, name, next) {
      ws(ctx).set(sequenceKey(name), u64be(next));
    },

    registerModel(ctx, input) {
      const params = k.getParams(ctx);
      if (input.name.trim() === "" || input.name.length > 128) throw ErrInvalidField.wrap("name is required (at most 128 characters)");
      const snap = deps.datanet.getSnapshot(ctx, input.snapshotId);
      if (snap === undefined) throw ErrSnapshotNotFound.wrap(`snapshot ${input.snapshotId}`);
      if (!equal(snap.root, input.snapshotRoot)) throw ErrSnapshotRootMismatch.wrap(`snapshot ${input.snapshotId} has root ${toHex(snap.root)}, not ${toHex(input.snapshotRoot)}`);
      checkHash(input.onnxHash, "onnx_hash");
      checkHash(input.trainingConfigHash, "training_config_hash");
      if (input.checkpointHashes.length > params.maxCheckpoints) throw ErrInvalidField.wrap(`${input.checkpointHashes.length} checkpoint hashes, at most ${params.maxCheckpoints}`);
      input.checkpointHashes.forEach((h, i) => checkHash(h, `checkpoint_hashes[${i}]`));
      const feePolicy = validateFeePolicy(input.feePolicy);
      if (input.embeddingDim < 1 || input.embeddingDim > params.maxEmbeddingDim) throw ErrInvalidEmbedding.wrap(`embedding_dim ${input.embeddingDim} not in [1, ${params.maxEmbeddingDim}]`);
      if (input.tau > MAX_TAU) throw ErrInvalidField.wrap("tau must be at most 2^50");
      const id = nextId(ctx, "model");
      const m: Model = {
        id,
        owner: accAddressToString(input.owner),
        name: input.name,
        datanetId: snap.datanetId,
        snapshotId: snap.id,
        snapshotRoot: Uint8Array.from(snap.root),
        onnxHash: Uint8Array.from(input.onnxHash),
        trainingConfigHash: Uint8Array.from(input.trainingConfigHash),
        checkpointHashes: input.checkpointHashes.map((h) => Uint8Array.from(h)),
        feePolicy,
        embeddingDim: input.embeddingDim,
        tau: input.tau,
        numPoints: snap.count,
        indexedPoints: 0n,
        indexHash: INDEX_HASH_SEED,
        indexComplete: false,
        registeredHeight: ctx.block.height,
        indexBuilder: "",
        indexVectorsHash: new Uint8Array(0),
      };
      k.setModel(ctx, m);
      emitTyped(ctx, "EventModelRegistered", { modelId: id, owner: m.owner, snapshotId: snap.id, snapshotRoot: toHex(snap.root) });
      return id;
    },

    setEmbeddingIndex(ctx, owner, modelId, start, vectors) {
      const params = k.getParams(ctx);
      const m = k.getModel(ctx, modelId);
      if (m === undefined) throw ErrModelNotFound.wrap(`model ${modelId}`);
      if (m.indexBuilder !== "") {
        if (m.indexBuilder !== accAddressToString(owner)) throw ErrNotModelOwner.wrap(`model ${modelId}'s index is built by ${m.indexBuilder} (accepted compute job); only it stores the rows`);
      } else if (m.owner !== accAddressToString(owner)) throw ErrNotModelOwner.wrap(`${accAddressToString(owner)} does not own model ${modelId}`);
      if (m.indexComplete) throw ErrIndexComplete.wrap(`model ${modelId}`);
      if (start !== m.indexedPoints) throw ErrIndexOutOfOrder.wrap(`chunk starts at ${start}, next expected ${m.indexedPoints}`);
      const row = 2 * m.embeddingDim;
      if (vectors.length === 0 || vectors.length % row !== 0) throw ErrInvalidEmbedding.wrap(`${vectors.length} bytes is not a whole number of ${m.embeddingDim}-dim int16 vectors`);
      const n = BigInt(vectors.length / row);
      if (n > BigInt(params.maxChunkPoints)) throw ErrInvalidEmbedding.wrap(`${n} vectors in one chunk, at most ${params.maxChunkPoints}`);
      if (start + n > m.numPoints) throw ErrInvalidEmbedding.wrap(`chunk ends at ${start + n}, the snapshot has ${m.numPoints} points`);
      k.setChunk(ctx, { modelId, start, count: Number(n), vectors: Uint8Array.from(vectors) });
      const indexed = start + n;
      if (indexed === m.numPoints) ctx.gas.consume(collapseGas(m.numPoints, m.embeddingDim), "attribution: index dedup and collapse");
      const next: Model = { ...m, indexedPoints: indexed, indexHash: sha256(concat(m.indexHash, u64be(start), vectors)), indexComplete: indexed === m.numPoints };
      k.setModel(ctx, next);
      emitTyped(ctx, "EventEmbeddingIndexSet", { modelId, start, count: n, complete: next.indexComplete });
      return next;
    },

    recordTrainedHead(ctx, modelId, head) {
      const m = k.getModel(ctx, modelId);
      if (m === undefined) return;
      const max = k.getParams(ctx).maxCheckpoints;
      const chain = head.checkpointHashes.slice(Math.max(0, head.checkpointHashes.length - max)).map((h) => Uint8Array.from(h));
      k.setModel(ctx, { ...m, onnxHash: Uint8Array.from(head.onnxHash), checkpointHashes: chain, trainingConfigHash: Uint8Array.from(head.trainingConfigHash) });
    },

    async checkBuiltIndex(ctx, modelId) {
      const m = k.getModel(ctx, modelId);
      if (m === undefined) throw ErrModelNotFound.wrap(`model ${modelId}`);
      if (m.indexBuilder === "" || !m.indexComplete) return m;
      const parts: Bytes[] = [];
      for await (const c of k.iterateChunks(ctx, modelId)) parts.push(c.vectors);
      if (equal(sha256(concat(...parts)), m.indexVectorsHash)) return m;
      const reset = await dropIndex(ctx, m);
      emitTyped(ctx, "EventEmbeddingIndexReset", { modelId, reason: "stored rows do not hash to the accepted index_vectors_hash" });
      return reset;
    },

    async adoptIndexBuild(ctx, modelId, builder, vectorsHash) {
      const m = k.getModel(ctx, modelId);
      if (m === undefined) throw ErrModelNotFound.wrap(`model ${modelId}`);
      if (vectorsHash.length !== 32) throw ErrInvalidField.wrap("index vectors hash must be 32 bytes");
      const reset = await dropIndex(ctx, m);
      k.setModel(ctx, { ...reset, indexBuilder: builder, indexVectorsHash: Uint8Array.from(vectorsHash) });
      emitTyped(ctx, "EventIndexBuilderSet", { modelId, builder, vectorsHash: toHex(vectorsHash) });
    },

    async attributeInference(ctx, req) {
      const params = k.getParams(ctx);
      if (!isSupportedMethod(params.activeMethod)) throw ErrUnsupportedMethod.wrap(`${params.activeMethod?.method ?? ""} v${params.activeMethod?.version ?? 0}`);
      const m = k.getModel(ctx, req.modelId);
      if (m === undefined) throw ErrModelNotFound.wrap(`model ${req.modelId}`);
      if (!m.indexComplete) throw ErrIndexIncomplete.wrap(`model ${m.id}: ${m.indexedPoints} of ${m.numPoints} vectors`);
      if (req.queryEmbedding.length !== m.embeddingDim) throw ErrInvalidEmbedding.wrap(`query has ${req.queryEmbedding.length} coordinates, model dim ${m.embeddingDim}`);
      if (!Number.isInteger(req.label) || req.label < 0 || req.label > 0x7fffffff) throw ErrInvalidField.wrap(`label ${req.label}`);
      if (req.fee.amount < 0n) throw ErrInvalidField.wrap("fee must not be negative");
      ctx.gas.consume(queryGas(m.numPoints, m.embeddingDim), "attribution: knn-shapley");
      const poa = { k: params.k, kPrime: params.kPrime, dust: Number(params.dust) };
      // the active method version (method registry: methodRegistry.ts)
      const run = methodImpl(params.activeMethod);
      const { valuation, contributors, first } = await poaPhase(ctx, async () => {
        const v = await poaPhase(ctx, () => valuationOf(ctx, m), POA_INDEX_PHASE);
        return { ...v, first: run(v.valuation, req.queryEmbedding, req.label, poa, req.fee.amount) };
      });
      let a = first;
      // points of contributions slashed after the snapshot stay in the game but are not paid (their weight goes to the remainder)
      // one counter read per inference: datanets that never had a slash skip the per-point check (two reads each)
      const isSlashed = deps.datanet.snapshotMaySlash?.call(deps.datanet, ctx, m.snapshotId) === false ? undefined : deps.datanet.isLeafSlashed;
      const excludedOf = (pts: readonly { index: number }[]): Set<number> => {
        const excluded = new Set<number>();
        if (isSlashed !== undefined) for (const p of pts) if (isSlashed.call(deps.datanet, ctx, m.snapshotId, BigInt(p.index))) excluded.add(p.index);
        return excluded;
      };
      const excluded = excludedOf(a.points);
      if (excluded.size > 0) a = await poaPhase(ctx, () => run(valuation, req.queryEmbedding, req.label, poa, req.fee.amount, excluded));
      // every throw happens before the first write (compute catches and pays the pool instead)
      ctx.gas.consume(paidPointsGas(a.points.length), "attribution: receipt");
      const addrOf = (id: number) => contributors[id] as Bytes;
      const points = a.points.map((p) => ({ index: BigInt(p.index), contributor: accAddressToString(addrOf(p.contributor)), value: p.value.toString(), excluded: p.excluded }));
      const pointsRoot = merkleRoot(a.points.map((p) => pointLeafHash(BigInt(p.index), p.value, addrOf(p.contributor))));
      const id = nextId(ctx, "receipt");
      const r: Receipt = {
        id,
        modelId: m.id,
        queryHash: queryHash(req.queryEmbedding, req.label),
        label: req.label,
        method: { method: a.method, version: a.version },
        steps: a.steps.map((s) => ({ method: s.method, version: s.version })),
        k: a.k,
        kPrime: a.kPrime,
        dust: BigInt(a.dust),
        fee: { denom: req.fee.denom, amount: req.fee.amount.toString() },
        shares: a.shares.map((s) => ({ contributor: accAddressToString(addrOf(s.contributor)), amount: s.amount.toString() })),
        remainder: a.remainder.toString(),
        pointsRoot,
        points,
        height: ctx.block.height,
        matches: a.matches,
        n: a.n,
      };
      k.setReceipt(ctx, r);
      // reputation from PoA results: positive weights earn, negative totals are recorded (never charged)
      const bump = (id: number, f: (rep: Reputation) => Reputation) => {
        const next = f(k.getReputation(ctx, addrOf(id)));
        k.setReputation(ctx, { ...next, score: reputationScore(next), lastHeight: ctx.block.height });
      };
      for (const w of a.weights) bump(w.contributor, (rep) => ({ ...rep, receiptsPaid: rep.receiptsPaid + 1n, paidValue: (BigInt(rep.paidValue || "0") + w.weight).toString() }));
      for (const t of a.negatives) bump(t.contributor, (rep) => ({ ...rep, receiptsNegative: rep.receiptsNegative + 1n, negativeValue: (BigInt(rep.negativeValue || "0") - t.total).toString() }));
      emitTyped(ctx, "EventInferenceAttributed", { receiptId: id, modelId: m.id, queryHash: toHex(r.queryHash), method: a.method, methodVersion: a.version, fee: `${req.fee.amount}${req.fee.denom}`, contributors: r.shares.length });
      // shadow window of a scheduled method: compute it beside the active one and report both
      await poaPhase(ctx, () => recordShadow(ctx, { receiptId: id, modelId: m.id, active: r.method as { method: string; version: number }, activeShares: r.shares, valuation, contributors, query: req.queryEmbedding, label: req.label, params: poa, fee: req.fee.amount, excludedOf }));
      return { receiptId: id, method: { method: a.method, version: a.version }, shares: a.shares.map((s) => ({ contributor: addrOf(s.contributor), amount: s.amount })), remainder: a.remainder, pointsRoot };
    },

    getReputation(ctx, contributor) {
      const b = rs(ctx).get(reputationKey(contributor));
      return b === undefined ? emptyReputation(accAddressToString(contributor)) : Reputation.decode(b);
    },
    setReputation(ctx, r) {
      ws(ctx).set(reputationKey(accAddressFromString(r.contributor)), Reputation.encode(r).finish());
    },
    getAuditReport(ctx, modelId) {
      const b = rs(ctx).get(auditKey(modelId));
      return b === undefined ? undefined : AuditReport.decode(b);
    },
    setAuditReport(ctx, r) {
      ws(ctx).set(auditKey(r.modelId), AuditReport.encode(r).finish());
    },

    async auditModel(ctx, requester, modelId) {
      const params = k.getParams(ctx);
      const m = k.getModel(ctx, modelId);
      if (m === undefined) throw ErrModelNotFound.wrap(`model ${modelId}`);
      if (!m.indexComplete) throw ErrIndexIncomplete.wrap(`model ${m.id}: ${m.indexedPoints} of ${m.numPoints} vectors`);
      if (k.getAuditReport(ctx, modelId) !== undefined) throw ErrAlreadyAudited.wrap(`model ${modelId}`);
      const { valuation, contributors } = await poaPhase(ctx, () => poaPhase(ctx, () => valuationOf(ctx, m), POA_INDEX_PHASE));
      const n = valuation.index.n;
      if (n > MAX_AUDIT_POINTS) throw ErrAuditTooLarge.wrap(`${n} points after collapse, at most ${MAX_AUDIT_POINTS} on chain`);
      ctx.gas.consume(auditGas(BigInt(n), m.embeddingDim), "attribution: audit-mode knn-shapley");
      const a = await poaPhase(ctx, () => auditValues(valuation.index, params.k));
      const per = new Map<number, { points: bigint; flagged: bigint; value: bigint }>();
      const leaves: Bytes[] = [];
      const flaggedLeaves: bigint[] = [];
      let flagged = 0n;
      for (let r = 0; r < n; r++) {
        const c = valuation.contributors[r] as number;
        const v = a.values[r] as bigint;
        const e = per.get(c) ?? { points: 0n, flagged: 0n, value: 0n };
        e.points++;
        e.value += v;
        if (v < 0n) {
          e.flagged++;
          flagged++;
          flaggedLeaves.push(BigInt(valuation.origin[r] as number));
        }
        per.set(c, e);
        leaves.push(pointLeafHash(BigInt(valuation.origin[r] as number), v, contributors[c] as Bytes));
      }
      const rows: ContributorAudit[] = [];
      for (const c of [...per.keys()].sort((x, y) => x - y)) {
        const e = per.get(c)!;
        const addr = contributors[c] as Bytes;
        rows.push({ contributor: accAddressToString(addr), points: e.points, flagged: e.flagged, value: e.value.toString() });
        const rep = k.getReputation(ctx, addr);
        const next: Reputation = { ...rep, auditedPoints: rep.auditedPoints + e.points, flaggedPoints: rep.flaggedPoints + e.flagged, auditValue: (BigInt(rep.auditValue || "0") + e.value).toString(), lastHeight: ctx.block.height };
        k.setReputation(ctx, { ...next, score: reputationScore(next) });
      }
      const report: AuditReport = {
        modelId,
        method: { method: a.method, version: a.version },
        k: params.k,
        indexHash: Uint8Array.from(m.indexHash),
        snapshotRoot: Uint8Array.from(m.snapshotRoot),
        points: BigInt(n),
        flagged,
        contributors: rows,
        valuesRoot: merkleRoot(leaves),
        height: ctx.block.height,
        requester: accAddressToString(requester),
        flaggedLeaves,
      };
      k.setAuditReport(ctx, report);
      emitTyped(ctx, "EventModelAudited", { modelId, points: BigInt(n), flagged, requester: report.requester });
      return report;
    },

    sampleIndexRows(ctx, modelId, blockHash, count) {
      const m = k.getModel(ctx, modelId);
      if (m === undefined) throw ErrModelNotFound.wrap(`model ${modelId}`);
      return sampleIndexRows(indexSampleSeed(blockHash, modelId), m.numPoints, count);
    },
    verifyIndexRows,

    async getIndexRows(ctx, modelId, rows) {
      const m = k.getModel(ctx, modelId);
      if (m === undefined) throw ErrModelNotFound.wrap(`model ${modelId}`);
      const d = m.embeddingDim;
      const out = new Int16Array(rows.length * d);
      const chunks = new Map<bigint, EmbeddingChunk>();
      for (let j = 0; j < rows.length; j++) {
        const r = rows[j] as number;
        if (!Number.isSafeInteger(r) || r < 0 || BigInt(r) >= m.indexedPoints) throw ErrInvalidField.wrap(`row ${r}: model ${modelId} has ${m.indexedPoints} indexed rows`);
        let chunk: EmbeddingChunk | undefined;
        for (const c of chunks.values()) if (c.start <= BigInt(r) && BigInt(r) < c.start + BigInt(c.count)) chunk = c;
        if (chunk === undefined) {
          for await (const [, v] of rs(ctx).iterate({ prefix: chunkPrefix(modelId), lt: chunkKey(modelId, BigInt(r) + 1n), reverse: true, limit: 1 })) chunk = EmbeddingChunk.decode(v);
          if (chunk === undefined) throw ErrInvalidField.wrap(`row ${r} of model ${modelId} is not stored`);
          chunks.set(chunk.start, chunk);
        }
        out.set(int16LE(chunk.vectors.subarray((r - Number(chunk.start)) * 2 * d, (r - Number(chunk.start) + 1) * 2 * d)), j * d);
      }
      return out;
    },
  };
  void METHODS;
  return Object.freeze(k);
}
