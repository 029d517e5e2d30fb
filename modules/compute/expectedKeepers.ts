/** What compute needs from other modules (wired in modules/app.ts). */
import type { Bytes } from "../core/abci.ts";
import type { Coin } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";

/** a verdict of this validator's replay of one submitted result. */
export interface ReplayVerdict {
  jobId: bigint;
  resultHash: Bytes;
  /** true: the replayed output matches the reported one (same label, embedding within tolerance). */
  match: boolean;
}

/**
 * The node's replay service (DESIGN.md: IO during consensus is a service the node implements and
 * injects): re-runs each task's model on its input with onnxruntime, within a time box, and returns a
 * verdict for each task it could check (none for one it could not: missing artifact, out of time).
 * Only ExtendVote calls it; its floats never reach state.
 */
export interface ComputeVerifier {
  verify(tasks: readonly import("./keeper.ts").VerificationTask[], block: { height: bigint; hash: Bytes }): Promise<ReplayVerdict[]>;
}

/** bank: bonds and fees in and out of the compute module account; slashed bond is burned. */
export interface ComputeBankKeeper {
  sendCoinsFromAccountToModule(ctx: WriteContext, from: Bytes, moduleName: string, coins: readonly Coin[]): void;
  sendCoinsFromModuleToAccount(ctx: WriteContext, moduleName: string, to: Bytes, coins: readonly Coin[]): void;
  burnCoins(ctx: WriteContext, moduleName: string, coins: readonly Coin[]): void;
  getBalance(ctx: ReadContext, addr: Bytes, denom: string): bigint;
}

/** the model registry as compute sees it (attribution's Model, narrowed). */
export interface ComputeModel {
  id: bigint;
  owner: string;
  onnxHash: Bytes;
  checkpointHashes: Bytes[];
  embeddingDim: number;
  indexComplete: boolean;
  numPoints: bigint;
  snapshotId: bigint;
  /** sha256 chain over the stored index chunks. */
  indexHash: Bytes;
  /** seeds the SGD of training jobs. */
  trainingConfigHash: Bytes;
}

/** attribution (`AttributionInferenceKeeper`): the model registry and the PoA receipt of an accepted inference. */
export interface ComputeAttributionKeeper {
  getModel(ctx: ReadContext, id: bigint): ComputeModel | undefined;
  /** the index rows to replay for a block hash (attribution/replay.ts sampleIndexRows). */
  sampleIndexRows(ctx: ReadContext, modelId: bigint, blockHash: Bytes, count: number): number[];
  /** the stored int16 rows, in the order of `rows`. */
  getIndexRows(ctx: ReadContext, modelId: bigint, rows: readonly number[]): Promise<Int16Array>;
  /**
   * an accepted training job: the model now points to the ONNX artifact with the trained head, the run's
   * checkpoint hash chain and the training config it ran (its embedding part, so its index, is unchanged).
   */
  recordTrainedHead(ctx: WriteContext, modelId: bigint, head: { onnxHash: Bytes; checkpointHashes: readonly Bytes[]; trainingConfigHash: Bytes }): void;
  /**
   * an accepted embedding-index job: the model's index becomes `builder`'s (the rows it computed, sha256
   * `vectorsHash` over all rows in leaf order); stored rows are dropped, and only `builder` stores rows now.
   */
  adoptIndexBuild(ctx: WriteContext, modelId: bigint, builder: string, vectorsHash: Bytes): Promise<void>;
  attributeInference(
    ctx: WriteContext,
    req: { modelId: bigint; queryEmbedding: Int16Array; label: number; fee: Coin },
  ): Promise<{ receiptId: bigint; shares: { contributor: Bytes; amount: bigint }[]; remainder: bigint }>;
}

/** datanet: the model inputs (int16 little-endian features) of snapshot leaves, in the order of `rows`. */
export interface ComputeDatanetKeeper {
  snapshotRowFeatures(ctx: ReadContext, snapshotId: bigint, rows: readonly number[]): Promise<Bytes[]>;
  /** the label of every leaf, in leaf order. */
  snapshotLabels(ctx: ReadContext, snapshotId: bigint): Promise<Int32Array>;
}

/** one accepted inference's fee, held by `fromModule`, to be paid out per the model's fee-split policy. */
export interface InferenceFeeSplit {
  /** the module account that holds the fee ("compute"). */
  fromModule: string;
  modelId: bigint;
  /** the attribution receipt (0 when the inference could not be attributed). */
  receiptId: bigint;
  jobId: bigint;
  /** the whole fee of the job. */
  fee: Coin;
  /** the compute provider that answered. */
  provider: Bytes;
  /**
   * attribution's per-contributor shares of the data part (`dataPart`), in address byte order;
   * Σ amount + dataRemainder = dataPart(fee).
   */
  contributorShares: readonly { contributor: Bytes; amount: bigint }[];
  /** data-part units no contributor earned (treasury sends them to the community pool). */
  dataRemainder: bigint;
}

/**
 * treasury's fee split (issue 5 §4; wired to treasury.keeper.split in app.ts). compute calls, for every
 * accepted inference in FinalizeBlock:
 *   v = dataPart(model, fee) → attribution.attributeInference(fee = v) → splitInferenceFee(...).
 * (treasury uses the receipt's shares as weights, so app.ts makes dataPart the whole fee.)
 * splitInferenceFee must move exactly fee.amount out of fromModule (paid, vested, pooled or burned).
 */
export interface TreasurySplitter {
  /** the data contributors' part of `fee` under the model's policy (largest remainder). */
  dataPart(ctx: ReadContext, modelId: bigint, fee: Coin): bigint;
  splitInferenceFee(ctx: WriteContext, split: InferenceFeeSplit): Promise<void>;
}
