/**
 * The node side of compute: the provider's attestation bytes agree with the module's, and the
 * validators' replay (OnnxVerifier, onnxruntime-node on a model built from TypeScript) votes MATCH for an
 * honest output, MISMATCH for a wrong label or a moved embedding, nothing for a model it cannot load
 * or when its time box is spent.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toHex, utf8 } from "../../../modules/core/bytes.ts";
import { sha256 } from "../../../modules/core/hash.ts";
import { inferenceOutputHash as moduleOutputHash, resultHash, verifyAttestation, type VerificationTask } from "../../../modules/compute/index.ts";
import { buildMlpModel } from "../../../node/onnx/builder.ts";
import { OnnxModel } from "../../../node/onnx/service.ts";
import { attestationKey, inferenceOutputHash, resultDigest, signDigest } from "../../../node/provider/attest.ts";
import { featuresToBytes, int16ToBytes, runInference } from "../../../node/provider/inference.ts";
import { OnnxVerifier } from "../../../node/provider/verifier.ts";
import type { CanonicalResult } from "../../../proto/gen/openledger/compute/v1/types.ts";

const eye = Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 0.5 : 0));
const head = Array.from({ length: 12 }, (_, i) => (Math.floor(i / 3) === i % 3 ? 1 : 0));
const ONNX = buildMlpModel({ hidden: [{ weight: eye, bias: [0, 0, 0, 0], inDim: 4, outDim: 4 }], head: { weight: head, bias: [0, 0, 0], inDim: 4, outDim: 3 } });

describe("compute node side", () => {
  it("the provider's sign bytes and output hash are the module's; both key types verify", () => {
    const r: CanonicalResult = { modelArtifactHash: sha256(utf8("m")), checkpointHash: new Uint8Array(0), inputHash: sha256(utf8("i")), outputHash: sha256(utf8("o")), predictedLabel: 7, queryEmbedding: Uint8Array.of(1, 2, 3, 4), checkpointChain: [], trainedArtifactHash: new Uint8Array(0) };
    assert.equal(toHex(resultDigest("chain-1", 42n, r)), toHex(resultHash("chain-1", 42n, r)));
    assert.notEqual(toHex(resultDigest("chain-2", 42n, r)), toHex(resultHash("chain-1", 42n, r)), "bound to the chain");
    assert.notEqual(toHex(resultDigest("chain-1", 43n, r)), toHex(resultHash("chain-1", 42n, r)), "bound to the job");
    assert.equal(toHex(inferenceOutputHash(r.queryEmbedding, 7)), toHex(moduleOutputHash(r.queryEmbedding, 7)));
    for (const type of ["secp256k1", "ed25519"] as const) {
      const k = attestationKey(type, sha256(utf8(type)));
      const d = resultDigest("chain-1", 42n, r);
      const sig = signDigest(k, d);
      assert.ok(verifyAttestation(type, k.pub, d, sig), `${type} verifies`);
      assert.ok(!verifyAttestation(type, k.pub, resultDigest("chain-1", 43n, r), sig), `${type}: another digest fails`);
    }
  });

  it("replays with onnxruntime: MATCH for the honest output, MISMATCH for a wrong label or embedding, no verdict without the model or time", async () => {
    const model = await OnnxModel.fromBytes(ONNX);
    const input = featuresToBytes([4, 1, 0, 0]);
    const honest = await runInference(model, input);
    await model.release();
    assert.equal(honest.label, 0);
    assert.deepEqual([...honest.embedding], [512, 128, 0, 0], "0.5·x quantised at 8 fractional bits");
    const blobs = new Map<string, Uint8Array>([[toHex(sha256(ONNX)), ONNX]]);
    const verifier = new OnnxVerifier({ blobs: { get: async (h) => blobs.get(h) }, budgetMs: 60_000 });
    const task = (id: bigint, emb: Int16Array, label: number, onnxHash = sha256(ONNX)): VerificationTask => {
      const qe = int16ToBytes(emb);
      const result: CanonicalResult = { modelArtifactHash: onnxHash, checkpointHash: new Uint8Array(0), inputHash: sha256(input), outputHash: inferenceOutputHash(qe, label), predictedLabel: label, queryEmbedding: qe, checkpointChain: [], trainedArtifactHash: new Uint8Array(0) };
      return { jobId: id, jobType: 1, modelId: 1n, onnxHash, embeddingDim: 4, input, inputHash: sha256(input), inputInBlob: false, result, resultHash: resultHash("c", id, result), embeddingTolerance: 2, seed: new Uint8Array(32) };
    };
    const tasks = [
      task(1n, honest.embedding, 0),
      task(2n, honest.embedding, 1),
      task(3n, Int16Array.from([512, 128, 0, 40]), 0),
      task(4n, Int16Array.from([513, 127, 0, 0]), 0),
      task(5n, honest.embedding, 0, sha256(utf8("no such artifact"))),
    ];
    const v = await verifier.verify(tasks, { height: 9n, hash: new Uint8Array(32) });
    assert.deepEqual(v.map((x) => [x.jobId, x.match]), [[1n, true], [2n, false], [3n, false], [4n, true]], "job 5 gets no verdict; ±1 unit is within tolerance");
    assert.equal(toHex(v[0]!.resultHash), toHex(tasks[0]!.resultHash));
    // an embedding-index task: the provider's 8 rows are a blob under output_hash; the sampled rows' int16
    // features are replayed in one batch against the blob's rows
    const feats = [[4, 1, 0, 0], [0, 6, 2, 0], [1, 1, 1, 1]];
    const rows = [0, 3, 7];
    const i16 = (f: number[]) => new Uint8Array(Int16Array.from(f).buffer);
    const indexBlob = (all: Int16Array) => {
      const b = int16ToBytes(all);
      blobs.set(toHex(sha256(b)), b);
      return sha256(b);
    };
    const honestRows = new Int16Array(8 * 4);
    rows.forEach((r, j) => honestRows.set((feats[j] as number[]).map((x) => x * 128), r * 4));
    const idxTask = (id: bigint, outputHash: Uint8Array, numPoints = 8): VerificationTask => {
      const result: CanonicalResult = { modelArtifactHash: sha256(ONNX), checkpointHash: new Uint8Array(0), inputHash: new Uint8Array(32), outputHash, predictedLabel: 0, queryEmbedding: new Uint8Array(0), checkpointChain: [], trainedArtifactHash: new Uint8Array(0) };
      return { ...task(id, honest.embedding, 0), jobType: 2, result, resultHash: resultHash("c", id, result), index: { rows, inputs: feats.map(i16), numPoints } };
    };
    const tampered = Int16Array.from(honestRows);
    tampered[3 * 4 + 1] = (tampered[3 * 4 + 1] as number) + 3;
    const unsampled = Int16Array.from(honestRows);
    unsampled[5 * 4] = 999; // a corrupted row the sample does not hit
    const good = indexBlob(honestRows);
    const iv = await verifier.verify([idxTask(6n, good), idxTask(7n, indexBlob(tampered)), idxTask(8n, indexBlob(unsampled)), idxTask(9n, good, 9), idxTask(10n, sha256(utf8("no such blob")))], { height: 9n, hash: new Uint8Array(32) });
    assert.deepEqual(iv.map((x) => [x.jobId, x.match]), [[6n, true], [7n, false], [8n, true], [9n, false]], "a sampled row off by 3 quanta is a mismatch; an unsampled one is not seen; a blob of the wrong size is a mismatch; no blob, no verdict");
    const none = await new OnnxVerifier({ blobs: { get: async (h) => blobs.get(h) }, budgetMs: 0 }).verify(tasks, { height: 9n, hash: new Uint8Array(32) });
    assert.deepEqual(none, [], "a spent time box votes nothing");
    await verifier.close();
  });
});
