/**
 * modules/compute/training.ts: the integer softmax-head SGD. The config codec refuses what it cannot
 * run; the fixed-point exp is within 1 unit (2^-16) of e^-x; a run is a pure function of (data, seed,
 * config): two runs are bit-identical, every segment replays from its start checkpoint to the next,
 * a tampered checkpoint does not replay; it learns a separable problem; the sampled segments are
 * distinct and a pure function of (block hash, job id).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toHex, utf8 } from "../core/bytes.ts";
import { sha256 } from "../core/hash.ts";
import {
  DEFAULT_TRAINING_CONFIG,
  WEIGHT_CLAMP,
  type TrainingConfig,
  batchRows,
  epochPermutation,
  encodeCheckpoint,
  headLogits,
  trainSteps,
  zeroCheckpoint,
  TrainingConfigError,
  checkTrainingJob,
  decodeCheckpoint,
  decodeTrainingConfig,
  encodeTrainingConfig,
  expNegQ16,
  headPredict,
  replayCount,
  replaySegment,
  sampledSegments,
  segmentBounds,
  softmaxQ16,
  trainHead,
  trainingSeed,
  trainingSteps,
} from "./training.ts";

function blobs(n: number, h: number, classes: number, seed = 7) {
  const rows = new Int16Array(n * h);
  const labels = new Int32Array(n);
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < n; i++) {
    const y = i % classes;
    labels[i] = y;
    for (let j = 0; j < h; j++) rows[i * h + j] = Math.round((j % classes === y ? 300 : 0) + (rnd() - 0.5) * 400);
  }
  return { rows, labels, n, h, classes };
}

describe("compute training v3 (integer softmax head, per-epoch permutations)", () => {
  const cfg: TrainingConfig = { learningRateQ16: 32768, epochs: 8, batchSize: 8, segments: 6 };
  const d = blobs(90, 12, 3);
  const seed = trainingSeed(5n, sha256(encodeTrainingConfig(cfg)));

  it("config: round trip; bad ones refused", () => {
    assert.deepEqual(decodeTrainingConfig(encodeTrainingConfig(cfg)), cfg);
    assert.deepEqual(decodeTrainingConfig(encodeTrainingConfig(DEFAULT_TRAINING_CONFIG)), { ...DEFAULT_TRAINING_CONFIG });
    for (const bad of [{ ...cfg, batchSize: 3 }, { ...cfg, batchSize: 512 }, { ...cfg, learningRateQ16: 0 }, { ...cfg, learningRateQ16: 65537 }, { ...cfg, epochs: 0 }, { ...cfg, segments: 0 }, { ...cfg, segments: 33 }]) {
      assert.throws(() => encodeTrainingConfig(bad), TrainingConfigError, JSON.stringify(bad));
    }
    const b = encodeTrainingConfig(cfg);
    assert.throws(() => decodeTrainingConfig(b.subarray(0, 14)), TrainingConfigError);
    assert.throws(() => decodeTrainingConfig(Uint8Array.from([...b.subarray(0, 4), 1, ...b.subarray(5)])), TrainingConfigError, "version 1");
    assert.throws(() => decodeTrainingConfig(Uint8Array.from([...b.subarray(0, 4), 2, ...b.subarray(5)])), TrainingConfigError, "version 2 (batches with replacement)");
    assert.throws(() => decodeTrainingConfig(Uint8Array.from([0x78, ...b.subarray(1)])), TrainingConfigError, "magic");
    assert.throws(() => checkTrainingJob({ ...cfg, epochs: 1, batchSize: 64 }, 90, 12), TrainingConfigError, "2 steps, 6 segments");
    assert.throws(() => checkTrainingJob({ ...cfg, epochs: 1000, segments: 1 }, 10_000, 4096), TrainingConfigError, "a segment too big to replay");
    checkTrainingJob(cfg, 90, 12);
  });

  it("exp and softmax in fixed point: within 1 unit of 2^16·e^-x; the softmax sums to 2^16 less at most C", () => {
    let worst = 0;
    for (let u = 0; u < 13 * 65536; u += 3) worst = Math.max(worst, Math.abs(expNegQ16(u) - Math.round(65536 * Math.exp(-u / 65536))));
    assert.ok(worst <= 1, `max error ${worst} units of 2^-16`);
    assert.equal(expNegQ16(0), 65536);
    assert.equal(expNegQ16(2 ** 40), 0);
    for (const z of [[0, 0, 0], [65536, 0, -65536], [10 * 65536, -3 * 65536, 0, 7], [2 ** 40, 0]]) {
      const p = softmaxQ16(z);
      const s = p.reduce((a, b) => a + b, 0);
      assert.ok(s <= 65536 && s >= 65536 - z.length, `Σp = ${s}`);
      const f = z.map((v) => Math.exp((v - Math.max(...z)) / 65536));
      const fs = f.reduce((a, b) => a + b, 0);
      p.forEach((v, i) => assert.ok(Math.abs(v / 65536 - f[i]! / fs) < 1e-4, `p[${i}]`));
    }
  });

  it("two runs are bit-identical; every segment replays from its checkpoint; a tampered checkpoint does not; it learns", () => {
    const a = trainHead(d, seed, cfg);
    const b = trainHead(d, seed, cfg);
    assert.equal(a.chain.length, cfg.segments + 1);
    assert.deepEqual(a.chain.map(toHex), b.chain.map(toHex));
    // golden: the arithmetic is consensus; a change to it must be a new training config version (v3: the
    // per-epoch permutations replaced v2's draws with replacement, whose run ended at 2cd8f628…3f2ccc)
    assert.equal(toHex(a.chain.at(-1)!), "c9062ad3433523636e9586d9f515987268a1838d4d0c912af2a3c6118eb8d2b3");
    assert.equal(segmentBounds(cfg, d.n, cfg.segments - 1)[1], trainingSteps(cfg, d.n), "the segments cover every step");
    for (let k = 0; k < cfg.segments; k++) {
      assert.equal(toHex(sha256(replaySegment(d, seed, cfg, a.checkpoints[k]!, k))), toHex(a.chain[k + 1]!), `segment ${k}`);
      const tampered = Uint8Array.from(a.checkpoints[k]!);
      tampered[4 * (k % 12)] = tampered[4 * (k % 12)]! ^ 0x40;
      assert.notEqual(toHex(sha256(replaySegment(d, seed, cfg, tampered, k))), toHex(a.chain[k + 1]!), `segment ${k} from a tampered start`);
    }
    assert.notEqual(toHex(trainHead(d, trainingSeed(6n, sha256(encodeTrainingConfig(cfg))), cfg).chain.at(-1)!), toHex(a.chain.at(-1)!), "another job: other batches");
    assert.notEqual(toHex(trainHead(d, seed, { ...cfg, learningRateQ16: 8192 }).chain.at(-1)!), toHex(a.chain.at(-1)!), "another learning rate");
    const w = decodeCheckpoint(a.checkpoints.at(-1)!, d.classes, d.h);
    let right = 0;
    for (let i = 0; i < d.n; i++) if (headPredict(w, d.rows.subarray(i * d.h, (i + 1) * d.h), d.classes, d.h) === d.labels[i]) right++;
    assert.ok(right >= 85, `${right}/90 right after training (the zero head: 30)`);
  });

  it("mini-batches without replacement: each epoch is a permutation, seeded by (seed, epoch), every row once", () => {
    const n = d.n;
    const P = Math.ceil(n / cfg.batchSize); // 12 steps: 11 of 8 rows and one of 2
    const epochs: string[] = [];
    for (let e = 0; e < 3; e++) {
      const rows: number[] = [];
      for (let s = 0; s < P; s++) {
        const b = batchRows(seed, e * P + s, cfg.batchSize, n);
        assert.equal(b.length, s < P - 1 ? cfg.batchSize : n - (P - 1) * cfg.batchSize, `epoch ${e} step ${s}`);
        rows.push(...b);
      }
      assert.deepEqual([...rows].sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i), `epoch ${e}: every row exactly once`);
      assert.deepEqual(rows, Array.from(epochPermutation(seed, e, n)));
      epochs.push(rows.join(","));
    }
    assert.equal(new Set(epochs).size, 3, "each epoch its own order");
    assert.deepEqual(epochPermutation(seed, 1, n), epochPermutation(seed, 1, n), "a pure function");
    assert.notDeepEqual(epochPermutation(trainingSeed(6n, sha256(encodeTrainingConfig(cfg))), 0, n), epochPermutation(seed, 0, n), "another job: another order");
    assert.deepEqual(Array.from(epochPermutation(seed, 0, 1)), [0]);
    // golden: the order is consensus
    assert.deepEqual(Array.from(epochPermutation(sha256(utf8("golden")), 0, 10)), [3, 0, 4, 1, 8, 5, 9, 7, 6, 2]);
    // uniform enough: over 3000 epochs of 6 rows each row lands in each place 500 ± 5σ (σ ≈ 20) times
    const at = Array.from({ length: 6 }, () => new Array<number>(6).fill(0));
    for (let e = 0; e < 3000; e++) epochPermutation(seed, e, 6).forEach((r, i) => at[r]![i]!++);
    for (const row of at) for (const c of row) assert.ok(Math.abs(c - 500) < 100, `${c} of 3000`);
  });

  it("the inlined SGD step is the documented one (batchRows, headLogits, softmaxQ16, the update rule)", () => {
    const C = d.classes;
    const h = d.h;
    const w = new Int32Array(C * h + C);
    const shift = 16 + 3; // batch 8
    const r = (a: number, k: number) => Math.floor((a + 2 ** (k - 1)) / 2 ** k);
    for (let t = 0; t < 12; t++) {
      const G = new Array<number>(C * h + C).fill(0);
      for (const i of batchRows(seed, t, cfg.batchSize, d.n)) {
        const x = d.rows.subarray(i * h, (i + 1) * h);
        const p = softmaxQ16(headLogits(w, x, C, h));
        for (let c = 0; c < C; c++) {
          const g = p[c]! - (c === d.labels[i] ? 65536 : 0);
          for (let j = 0; j < h; j++) G[c * h + j]! += g * x[j]!;
          G[C * h + c]! += g * 256;
        }
      }
      for (let k = 0; k < G.length; k++) w[k] = Math.max(-WEIGHT_CLAMP, Math.min(WEIGHT_CLAMP, w[k]! - r(cfg.learningRateQ16 * r(G[k]!, 8), shift)));
    }
    assert.equal(toHex(trainSteps(d, seed, cfg, zeroCheckpoint(C, h), 0, 12)), toHex(encodeCheckpoint(w)));
  });

  it("sampled segments: distinct, in range, a pure function of (block hash, job id); the replay count follows the work", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const h = sha256(utf8(`block ${i}`));
      const s = sampledSegments(h, 9n, 8, 3);
      assert.deepEqual(sampledSegments(h, 9n, 8, 3), s);
      assert.equal(new Set(s).size, 3);
      for (const k of s) (assert.ok(k >= 0 && k < 8), seen.add(k));
    }
    assert.equal(seen.size, 8, "every segment gets sampled");
    assert.deepEqual([...sampledSegments(sha256(utf8("x")), 1n, 5, 9)].sort(), [0, 1, 2, 3, 4], "count ≥ segments: all");
    assert.equal(replayCount(DEFAULT_TRAINING_CONFIG, 150, 16, 3), DEFAULT_TRAINING_CONFIG.segments, "an Iris-size job is replayed whole");
    const big = { ...DEFAULT_TRAINING_CONFIG, epochs: 10, batchSize: 32, segments: 32 };
    const r = replayCount(big, 10_000, 64, 10);
    assert.ok(r >= 1 && r < 32, `a 10k × 64 × 10 job: ${r} of 32 segments`);
  });
});
