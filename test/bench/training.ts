/**
 * Training jobs (modules/compute/training.ts): what a provider's run and a validator's replay cost.
 *
 *   BENCH {"name":"training-sgd-<set>","value":<integer SGD rows/s>,"unit":"rows/s","baseline":<float64 rows/s>,"ratio":…}
 *     the integer softmax-head SGD against the same SGD in float64 JS (same batches, Math.exp), one core;
 *   BENCH {"name":"training-replay-<set>","value":<ms>,"unit":"ms","baseline":<ms of the provider's whole run>,"ratio":…,
 *          "segments_replayed":r,"segments":S,"p_catch_one_forged_segment":r/S,"accuracy_trained":…,"accuracy_zero_head":…}
 *     a validator's ExtendVote replay (replayCount sampled segments) against the provider's whole run.
 *
 * Sets: iris-like (n 100, h 16, C 3, the default config: replayed whole) and synthetic (n 10,000, h 64,
 * C 10, 10 epochs, batch 32, 32 segments: replayed in part). `node test/bench/training.ts`.
 */
import { createRng } from "../../modules/attribution/engine/testing/reference.ts";
import { sha256 } from "../../modules/core/hash.ts";
import {
  DEFAULT_TRAINING_CONFIG,
  type TrainingConfig,
  type TrainingData,
  decodeCheckpoint,
  epochPermutation,
  encodeTrainingConfig,
  headPredict,
  replayCount,
  replaySegment,
  sampledSegments,
  segmentBounds,
  trainHead,
  trainingSeed,
  trainingSteps,
} from "../../modules/compute/training.ts";

function mixture(n: number, h: number, classes: number, seed: number): TrainingData {
  const rng = createRng(seed);
  const centre = Array.from({ length: classes * h }, () => Math.round((rng.float() * 2 - 1) * 200));
  const rows = new Int16Array(n * h);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = rng.int(classes);
    labels[i] = y;
    for (let j = 0; j < h; j++) rows[i * h + j] = Math.round((centre[y * h + j] as number) + rng.normal() * 160);
  }
  return { rows, labels, n, h, classes };
}

/** the same SGD in float64 (the baseline): same batches, real softmax, lr / B averaged. */
function floatSgd(d: TrainingData, seed: Uint8Array, cfg: TrainingConfig): Float64Array {
  const C = d.classes;
  const h = d.h;
  const w = new Float64Array(C * h + C);
  const G = new Float64Array(C * h + C);
  const z = new Float64Array(C);
  const lr = cfg.learningRateQ16 / 65536;
  const steps = trainingSteps(cfg, d.n);
  const perEpoch = Math.ceil(d.n / cfg.batchSize);
  let perm: Int32Array = new Int32Array(0);
  for (let t = 0; t < steps; t++) {
    G.fill(0);
    // the same batches: each epoch's permutation (batchRows, once per epoch), in slices of B
    if (t % perEpoch === 0) perm = epochPermutation(seed, t / perEpoch, d.n);
    for (const i of perm.subarray((t % perEpoch) * cfg.batchSize, Math.min(d.n, ((t % perEpoch) + 1) * cfg.batchSize))) {
      const o = i * h;
      let m = -Infinity;
      for (let c = 0; c < C; c++) {
        let s = w[C * h + c] as number;
        for (let j = 0; j < h; j++) s += (w[c * h + j] as number) * ((d.rows[o + j] as number) / 256);
        z[c] = s;
        if (s > m) m = s;
      }
      let sum = 0;
      for (let c = 0; c < C; c++) sum += z[c] = Math.exp((z[c] as number) - m);
      for (let c = 0; c < C; c++) {
        const g = (z[c] as number) / sum - (c === d.labels[i] ? 1 : 0);
        for (let j = 0; j < h; j++) G[c * h + j] = (G[c * h + j] as number) + g * ((d.rows[o + j] as number) / 256);
        G[C * h + c] = (G[C * h + c] as number) + g;
      }
    }
    for (let k = 0; k < w.length; k++) w[k] = (w[k] as number) - (lr * (G[k] as number)) / cfg.batchSize;
  }
  return w;
}

function accuracy(d: TrainingData, ck: Uint8Array): number {
  const w = decodeCheckpoint(ck, d.classes, d.h);
  let right = 0;
  for (let i = 0; i < d.n; i++) if (headPredict(w, d.rows.subarray(i * d.h, (i + 1) * d.h), d.classes, d.h) === d.labels[i]) right++;
  return right / d.n;
}

const sets: { name: string; d: TrainingData; cfg: TrainingConfig }[] = [
  { name: "iris-like", d: mixture(100, 16, 3, 1), cfg: DEFAULT_TRAINING_CONFIG },
  { name: "synthetic-n10000-h64-c10", d: mixture(10_000, 64, 10, 2), cfg: { learningRateQ16: 16384, epochs: 10, batchSize: 32, segments: 32 } },
];
for (const { name, d, cfg } of sets) {
  const seed = trainingSeed(1n, sha256(encodeTrainingConfig(cfg)));
  const rowsTrained = trainingSteps(cfg, d.n) * cfg.batchSize;
  floatSgd(d, seed, cfg); // warm-up
  let t0 = performance.now();
  floatSgd(d, seed, cfg);
  const floatMs = performance.now() - t0;
  trainHead(d, seed, cfg); // warm-up
  t0 = performance.now();
  const run = trainHead(d, seed, cfg);
  const intMs = performance.now() - t0;
  const r = replayCount(cfg, d.n, d.h, d.classes);
  const segs = sampledSegments(sha256(new TextEncoder().encode("bench block")), 1n, cfg.segments, r);
  t0 = performance.now();
  for (const k of segs) replaySegment(d, seed, cfg, run.checkpoints[k] as Uint8Array, k);
  const replayMs = performance.now() - t0;
  const segSteps = segmentBounds(cfg, d.n, 0)[1] - segmentBounds(cfg, d.n, 0)[0];
  const intRate = rowsTrained / (intMs / 1000);
  const floatRate = rowsTrained / (floatMs / 1000);
  console.log(`BENCH ${JSON.stringify({ name: `training-sgd-${name}`, value: Math.round(intRate), unit: "rows/s", baseline: Math.round(floatRate), ratio: Number((intRate / floatRate).toFixed(3)), rows: rowsTrained, h: d.h, classes: d.classes })}`);
  console.log(
    `BENCH ${JSON.stringify({
      name: `training-replay-${name}`,
      value: Number(replayMs.toFixed(1)),
      unit: "ms",
      baseline: Number(intMs.toFixed(1)),
      ratio: Number((replayMs / intMs).toFixed(3)),
      segments_replayed: r,
      segments: cfg.segments,
      steps_per_segment: segSteps,
      p_catch_one_forged_segment: Number((r / cfg.segments).toFixed(3)),
      accuracy_trained: Number(accuracy(d, run.checkpoints[run.checkpoints.length - 1] as Uint8Array).toFixed(3)),
      accuracy_zero_head: Number(accuracy(d, run.checkpoints[0] as Uint8Array).toFixed(3)),
    })}`,
  );
}
