/**
 * Training a model's head (DESIGN.md "Training"): a linear layer over the model's frozen, quantised
 * embeddings (its embedding index: int16 at 2^-8), trained with seeded fixed-point SGD on the
 * multiclass hinge (perceptron) loss, in integers only, so that any validator replays any segment
 * between two checkpoints bit-exactly. Version 1:
 *
 *   weights W[C][h], b[C]: int32, clamped to ±2^24 (every dot product stays below 2^53: exact Numbers)
 *   step t: i = u64be(sha256("openledger.compute.train.v1" 0x00 ‖ seed ‖ u64be(t))[0..8]) mod n
 *           s_c = Σ_j W[c][j]·x_i[j] + b[c]·256;  ŷ = argmax s (lowest c on ties)
 *           if ŷ ≠ y_i: W[y_i] += x_i, W[ŷ] −= x_i, b[y_i] += 1, b[ŷ] −= 1   (learning rate 1 quantum)
 *   checkpoint k = the weights after k·EVERY steps, bytes = int32 LE of W (row-major) ‖ b;
 *   the chain is sha256 of checkpoints 0 (all zero) … STEPS/EVERY.
 *
 * The softmax of the trained logits is what inference applies; training uses the hinge loss, which
 * needs no exp and so stays integer (a deliberate simplification of "softmax head SGD").
 */
import { concat, u64be, utf8 } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";

export const TRAIN_V1 = Object.freeze({ steps: 256, every: 32 });
const DOMAIN = concat(utf8("openledger.compute.train.v1"), Uint8Array.of(0));
const CLAMP = 2 ** 24;

export interface TrainingData {
  /** n·h int16 rows (the model's embedding index). */
  rows: Int16Array;
  labels: Int32Array;
  n: number;
  h: number;
  classes: number;
}

/** the SGD seed of a job: sha256(domain ‖ u64be(job id) ‖ training config hash). */
export function trainingSeed(jobId: bigint, trainingConfigHash: Uint8Array): Uint8Array {
  return sha256(concat(DOMAIN, u64be(jobId), trainingConfigHash));
}

function sampleIndex(seed: Uint8Array, t: number, n: number): number {
  const hsh = sha256(concat(DOMAIN, seed, u64be(BigInt(t))));
  let u = 0n;
  for (let i = 0; i < 8; i++) u = (u << 8n) | BigInt(hsh[i] as number);
  return Number(u % BigInt(n));
}

const clamp = (v: number) => (v > CLAMP ? CLAMP : v < -CLAMP ? -CLAMP : v);

export function zeroCheckpoint(d: TrainingData): Uint8Array {
  return new Uint8Array(4 * (d.classes * d.h + d.classes));
}

/** runs steps [from, to) starting from checkpoint bytes `start`; returns the checkpoint bytes after them. */
export function trainSteps(d: TrainingData, seed: Uint8Array, start: Uint8Array, from: number, to: number): Uint8Array {
  const C = d.classes;
  const h = d.h;
  if (start.length !== 4 * (C * h + C)) throw new RangeError(`checkpoint of ${start.length} bytes; ${C} classes × ${h} need ${4 * (C * h + C)}`);
  const dv0 = new DataView(start.buffer, start.byteOffset, start.byteLength);
  const w = new Int32Array(C * h + C);
  for (let i = 0; i < w.length; i++) w[i] = dv0.getInt32(4 * i, true);
  for (let t = from; t < to; t++) {
    const i = sampleIndex(seed, t, d.n);
    const y = d.labels[i] as number;
    const x = d.rows.subarray(i * h, (i + 1) * h);
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < C; c++) {
      let s = (w[C * h + c] as number) * 256;
      for (let j = 0; j < h; j++) s += (w[c * h + j] as number) * (x[j] as number);
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    if (best === y || y < 0 || y >= C) continue;
    for (let j = 0; j < h; j++) {
      w[y * h + j] = clamp((w[y * h + j] as number) + (x[j] as number));
      w[best * h + j] = clamp((w[best * h + j] as number) - (x[j] as number));
    }
    w[C * h + y] = clamp((w[C * h + y] as number) + 1);
    w[C * h + best] = clamp((w[C * h + best] as number) - 1);
  }
  const out = new Uint8Array(4 * w.length);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < w.length; i++) dv.setInt32(4 * i, w[i] as number, true);
  return out;
}

/** the whole run: checkpoints 0 … steps/every (bytes) and their hash chain. */
export function trainHead(d: TrainingData, seed: Uint8Array, cfg = TRAIN_V1): { checkpoints: Uint8Array[]; chain: Uint8Array[] } {
  const checkpoints = [zeroCheckpoint(d)];
  for (let k = 0; k * cfg.every < cfg.steps; k++) checkpoints.push(trainSteps(d, seed, checkpoints[k] as Uint8Array, k * cfg.every, Math.min(cfg.steps, (k + 1) * cfg.every)));
  return { checkpoints, chain: checkpoints.map((c) => sha256(c)) };
}

/** the segment a validator replays: u64be(sha256(domain ‖ block hash ‖ u64be(job id))) mod (checkpoints − 1). */
export function sampledSegment(blockHash: Uint8Array, jobId: bigint, chainLength: number): number {
  if (chainLength < 2) return 0;
  return sampleIndex(concat(blockHash, u64be(jobId)), 0, chainLength - 1);
}
