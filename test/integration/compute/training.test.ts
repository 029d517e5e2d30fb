/**
 * Training jobs (node/provider/training.ts): integer SGD of a head on frozen embeddings is a pure
 * function of (data, seed); every segment between checkpoints replays bit-exactly from its start; it
 * learns a separable problem; the validators' replay (OnnxVerifier) votes MATCH for an honest chain and
 * MISMATCH when the sampled segment's end checkpoint is forged. Through blocks: the module checks the
 * chain commitment at submit and hands ExtendVote the whole index with labels.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { concat, toHex, utf8 } from "../../../modules/core/bytes.ts";
import { sha256 } from "../../../modules/core/hash.ts";
import type { VerificationTask } from "../../../modules/compute/index.ts";
import { TRAIN_V1, sampledSegment, trainHead, trainSteps, trainingSeed } from "../../../node/provider/training.ts";
import { OnnxVerifier } from "../../../node/provider/verifier.ts";
import type { CanonicalResult } from "../../../proto/gen/openledger/compute/v1/types.ts";

function blobsData(n: number, h: number, classes: number) {
  const rows = new Int16Array(n * h);
  const labels = new Int32Array(n);
  let s = 7;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < n; i++) {
    const y = i % classes;
    labels[i] = y;
    for (let j = 0; j < h; j++) rows[i * h + j] = Math.round((j === y ? 900 : 0) + (rnd() - 0.5) * 400);
  }
  return { rows, labels, n, h, classes };
}

describe("compute training jobs", () => {
  const d = blobsData(60, 8, 4);
  const seed = trainingSeed(5n, sha256(utf8("cfg")));

  it("is deterministic, replays per segment bit-exactly, and learns", () => {
    const a = trainHead(d, seed);
    const b = trainHead(d, seed);
    assert.equal(a.chain.length, TRAIN_V1.steps / TRAIN_V1.every + 1);
    assert.deepEqual(a.chain.map(toHex), b.chain.map(toHex));
    for (let k = 0; k + 1 < a.checkpoints.length; k++) {
      const next = trainSteps(d, seed, a.checkpoints[k]!, k * TRAIN_V1.every, (k + 1) * TRAIN_V1.every);
      assert.equal(toHex(sha256(next)), toHex(a.chain[k + 1]!), `segment ${k}`);
    }
    assert.notEqual(toHex(trainHead(d, trainingSeed(6n, sha256(utf8("cfg")))).chain.at(-1)!), toHex(a.chain.at(-1)!), "another job's seed: another run");
    // the final head classifies the training points
    const w = new DataView(a.checkpoints.at(-1)!.buffer);
    const C = d.classes;
    let right = 0;
    for (let i = 0; i < d.n; i++) {
      let best = 0;
      let bs = -Infinity;
      for (let c = 0; c < C; c++) {
        let sc = w.getInt32(4 * (C * d.h + c), true) * 256;
        for (let j = 0; j < d.h; j++) sc += w.getInt32(4 * (c * d.h + j), true) * d.rows[i * d.h + j]!;
        if (sc > bs) ((bs = sc), (best = c));
      }
      if (best === d.labels[i]) right++;
    }
    assert.ok(right >= 55, `${right}/60 right after training`);
  });

  it("the validators' replay: MATCH for the honest chain, MISMATCH for a forged sampled segment", async () => {
    const run = trainHead(d, seed);
    const blobs = new Map(run.checkpoints.map((c) => [toHex(sha256(c)), c]));
    const v = new OnnxVerifier({ blobs: { get: async (h) => blobs.get(h) }, budgetMs: 60_000 });
    const blockHash = sha256(utf8("block"));
    const task = (chain: Uint8Array[]): VerificationTask => {
      const result: CanonicalResult = { modelArtifactHash: new Uint8Array(32), checkpointHash: new Uint8Array(0), inputHash: new Uint8Array(32), outputHash: sha256(concat(...chain)), predictedLabel: 0, queryEmbedding: new Uint8Array(0), checkpointChain: chain, trainedArtifactHash: new Uint8Array(0) };
      return { jobId: 5n, jobType: 3, modelId: 1n, onnxHash: new Uint8Array(32), embeddingDim: d.h, input: new Uint8Array(0), inputHash: new Uint8Array(32), inputInBlob: false, result, resultHash: sha256(result.outputHash), embeddingTolerance: 2, seed: blockHash, training: { rows: d.rows, labels: d.labels, n: d.n, h: d.h, trainingConfigHash: sha256(utf8("cfg")) } };
    };
    assert.deepEqual((await v.verify([task(run.chain)], { height: 3n, hash: blockHash })).map((x) => x.match), [true]);
    const k = sampledSegment(blockHash, 5n, run.chain.length);
    const forged = Uint8Array.from(run.checkpoints[k + 1]!);
    forged[4] = (forged[4]! + 1) & 0xff;
    blobs.set(toHex(sha256(forged)), forged);
    const chain = [...run.chain];
    chain[k + 1] = sha256(forged);
    assert.deepEqual((await v.verify([task(chain)], { height: 3n, hash: blockHash })).map((x) => x.match), [false], `segment ${k} forged`);
    assert.deepEqual((await v.verify([task(run.chain.slice(0, 3))], { height: 3n, hash: blockHash })).map((x) => x.match), [false], "not a v1 chain");
  });
});
