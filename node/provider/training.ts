/**
 * The node side of training jobs (v3; the integer SGD itself is modules/compute/training.ts, shared
 * with the state machine): the provider's whole run, the trained head written back into the model's
 * ONNX artifact, and the validators' replay of sampled segments.
 *
 * The trained head in ONNX: head.weight[j·C + c] = W[c][j] / 2^16 and head.bias[c] = b[c] / 2^16 as
 * float32 (exact: |W| ≤ 2^24), written with node/onnx/head.ts writeHead (only those two initializers
 * change; the embedding part, so the model's index, stays). onnxruntime's logits on the float
 * embedding then equal the integer head's on the quantised embedding up to the quantisation (2^-9 per
 * coordinate), so their argmax agrees except on near-ties (test/integration/compute/training.test.ts).
 */
import { equal, toHex } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import {
  MAX_REPLAY_SEGMENT_WORK,
  type TrainingConfig,
  type TrainingData,
  decodeCheckpoint,
  decodeTrainingConfig,
  replayCount,
  replaySegment,
  sampledSegments,
  segmentReplayWork,
  trainHead,
  trainingSeed,
  zeroCheckpoint,
} from "../../modules/compute/training.ts";
import { readHead, writeHead } from "../onnx/head.ts";

/** the float32 ONNX head (Gemm B layout [h, C], bias [C]) of an integer checkpoint. */
export function floatHead(checkpoint: Uint8Array, classes: number, h: number): { weight: Float32Array; bias: Float32Array } {
  const w = decodeCheckpoint(checkpoint, classes, h);
  const weight = new Float32Array(h * classes);
  for (let c = 0; c < classes; c++) for (let j = 0; j < h; j++) weight[j * classes + c] = (w[c * h + j] as number) / 65536;
  const bias = new Float32Array(classes);
  for (let c = 0; c < classes; c++) bias[c] = (w[classes * h + c] as number) / 65536;
  return { weight, bias };
}

/** the base artifact with its head replaced by the checkpoint's (bytes and sha256). */
export function trainedArtifact(base: Uint8Array, checkpoint: Uint8Array): { bytes: Uint8Array; sha256: Uint8Array } {
  const head = readHead(base);
  const f = floatHead(checkpoint, head.c, head.h);
  const out = writeHead(base, f.weight, f.bias);
  return { bytes: out.bytes, sha256: sha256(out.bytes) };
}

export interface TrainingRun {
  config: TrainingConfig;
  checkpoints: Uint8Array[];
  chain: Uint8Array[];
  artifact: { bytes: Uint8Array; sha256: Uint8Array };
}

/** the provider's run of a training job: rows are the model's embedding index (int16, Q8) in leaf order. */
export function runTrainingJob(base: Uint8Array, jobId: bigint, configBytes: Uint8Array, rows: Int16Array, labels: Int32Array): TrainingRun {
  const config = decodeTrainingConfig(configBytes);
  const head = readHead(base);
  const n = labels.length;
  if (rows.length !== n * head.h) throw new RangeError(`${rows.length} embedding values for ${n} rows of the head's width ${head.h}`);
  const run = trainHead({ rows, labels, n, h: head.h, classes: head.c }, trainingSeed(jobId, sha256(configBytes)), config);
  return { config, ...run, artifact: trainedArtifact(base, run.checkpoints[run.checkpoints.length - 1] as Uint8Array) };
}

export interface TrainingReplayInput {
  jobId: bigint;
  /** the job's config bytes (its input). */
  config: Uint8Array;
  rows: Int16Array;
  labels: Int32Array;
  chain: readonly Uint8Array[];
  trainedArtifactHash: Uint8Array;
}

export type TrainingReplay =
  | { verdict: "match" | "mismatch"; segments: number[]; reason?: string; artifact?: Uint8Array }
  | { verdict: "unknown"; reason: string };

/**
 * The validators' check of a training result, all bit-exact:
 *  - checkpoint 0 is the zero head of the base artifact's shape;
 *  - the segments sampled from the block hash (replayCount of them), each replayed from the committed
 *    checkpoint before it, end at the committed checkpoint after it;
 *  - the trained artifact is the base with the final checkpoint's head (rebuilt here and returned, so
 *    the validator's blob store gets it too).
 * "unknown" when a checkpoint blob is missing (no verdict this height), or when one segment is too big to
 * replay within ExtendVote (MAX_REPLAY_SEGMENT_WORK: never a verdict; the job is refunded in the end).
 */
export async function replayTraining(base: Uint8Array, t: TrainingReplayInput, blockHash: Uint8Array, blob: (hashHex: string) => Promise<Uint8Array | undefined>, forceCount?: number): Promise<TrainingReplay> {
  let config: TrainingConfig;
  try {
    config = decodeTrainingConfig(t.config);
  } catch (e: unknown) {
    return { verdict: "mismatch", segments: [], reason: `config: ${e instanceof Error ? e.message : String(e)}` };
  }
  const head = readHead(base);
  const n = t.labels.length;
  if (segmentReplayWork(config, n, head.h, head.c) > MAX_REPLAY_SEGMENT_WORK) return { verdict: "unknown", reason: `a segment of ${segmentReplayWork(config, n, head.h, head.c)} work units is over the replay limit ${MAX_REPLAY_SEGMENT_WORK}` };
  if (t.chain.length !== config.segments + 1) return { verdict: "mismatch", segments: [], reason: `a chain of ${t.chain.length} for ${config.segments} segments` };
  if (t.rows.length !== n * head.h) return { verdict: "mismatch", segments: [], reason: "the index does not fit the head" };
  if (!equal(t.chain[0] as Uint8Array, sha256(zeroCheckpoint(head.c, head.h)))) return { verdict: "mismatch", segments: [], reason: "checkpoint 0 is not the zero head" };
  const d: TrainingData = { rows: t.rows, labels: t.labels, n, h: head.h, classes: head.c };
  const seed = trainingSeed(t.jobId, sha256(t.config));
  const segs = sampledSegments(blockHash, t.jobId, config.segments, forceCount ?? replayCount(config, n, head.h, head.c));
  const get = async (k: number): Promise<Uint8Array | undefined> => {
    const b = await blob(toHex(t.chain[k] as Uint8Array));
    return b !== undefined && equal(sha256(b), t.chain[k] as Uint8Array) ? b : undefined;
  };
  for (const k of segs) {
    const from = await get(k);
    if (from === undefined) return { verdict: "unknown", reason: `checkpoint ${k} is not in the blob store` };
    let next: Uint8Array;
    try {
      next = replaySegment(d, seed, config, from, k);
    } catch (e: unknown) {
      return { verdict: "mismatch", segments: segs, reason: `checkpoint ${k}: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (!equal(sha256(next), t.chain[k + 1] as Uint8Array)) return { verdict: "mismatch", segments: segs, reason: `segment ${k} does not replay to checkpoint ${k + 1}` };
  }
  const last = await get(config.segments);
  if (last === undefined) return { verdict: "unknown", reason: "the final checkpoint is not in the blob store" };
  let artifact: { bytes: Uint8Array; sha256: Uint8Array };
  try {
    artifact = trainedArtifact(base, last);
  } catch (e: unknown) {
    return { verdict: "mismatch", segments: segs, reason: `final checkpoint: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!equal(artifact.sha256, t.trainedArtifactHash)) return { verdict: "mismatch", segments: segs, reason: "the trained artifact is not the base with the final head" };
  return { verdict: "match", segments: segs, artifact: artifact.bytes };
}
