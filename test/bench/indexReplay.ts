/**
 * Embedding-index jobs: what a validator's ExtendVote replay of the sampled rows costs, per sample size k
 * (compute param `index_sample_rows`), and how likely one round catches a provider that forged a fraction f
 * of the rows.
 *
 *   BENCH {"name":"index-replay-k<k>","value":<ms>,"unit":"ms","baseline":<ms at k = 16, the old default>,"ratio":…,
 *          "n":10000,"d":64,"p_catch_f1pct":…,"p_catch_f5pct":…,"p_catch_f5pct_measured":…}
 *     OnnxVerifier.verify on one index task (node/provider/verifier.ts, the code ExtendVote runs): the
 *     provider's rows read back from a BlobStore on disk (re-hashed on read, as a node's), their sha256 and
 *     size checked, the k sampled rows replayed with onnxruntime-node in one batch and compared. Median of
 *     ROUNDS block hashes (the sizes interleaved per round), the model already loaded (the verifier keeps it
 *     between heights); onnx_rows_ms: the median of the onnxruntime batch of the k rows alone (the part that
 *     grows with k; the rest is reading and hashing the 1.28 MB blob, the same for every k).
 *     p_catch: 1 − C(N − fN, k) / C(N, k) (k distinct rows, attribution sampleIndexRows), exact;
 *     p_catch_f5pct_measured: the share of CATCH_ROUNDS block hashes whose replay voted MISMATCH on an index with
 *     5% of its rows forged (each moved far outside the tolerance).
 *
 * N = 10,000 points, d = 64 (issue 5 item 9's index), a 64 → 64 → 10 MLP. `node test/bench/indexReplay.ts`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { indexSampleSeed, sampleIndexRows } from "../../modules/attribution/index.ts";
import { resultHash, type VerificationTask } from "../../modules/compute/index.ts";
import { toHex } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { BlobStore } from "../../node/blobstore/store.ts";
import { buildMlpModel } from "../../node/onnx/builder.ts";
import { OnnxModel } from "../../node/onnx/service.ts";
import { int16ToBytes, quantize } from "../../node/provider/inference.ts";
import { OnnxVerifier } from "../../node/provider/verifier.ts";
import type { CanonicalResult } from "../../proto/gen/openledger/compute/v1/types.ts";

const N = 10_000;
const D = 64;
const CLASSES = 10;
const ROUNDS = Number(process.env.BENCH_INDEX_ROUNDS ?? 41);
/** block hashes per k for the measured catch rate (its standard error at p = 0.99: 0.7 points). */
const CATCH_ROUNDS = Number(process.env.BENCH_INDEX_CATCH_ROUNDS ?? 200);
const KS = [16, 64, 90, 96, 128, 256];
const BASE_K = 16;

// a deterministic MLP: weights from an LCG, small enough that the embeddings stay in int16 at 2^-8
let s = 12345;
const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
const onnx = buildMlpModel({
  hidden: [{ weight: Array.from({ length: D * D }, () => rnd() * 0.05), bias: Array.from({ length: D }, () => rnd() * 0.1), inDim: D, outDim: D }],
  head: { weight: Array.from({ length: D * CLASSES }, () => rnd()), bias: new Array(CLASSES).fill(0), inDim: D, outDim: CLASSES },
});
const onnxHash = sha256(onnx);

// the datanet's points (int16 features) and the provider's rows: the model over every point, quantised
const features = new Int16Array(N * D);
for (let i = 0; i < features.length; i++) features[i] = Math.round(rnd() * 400);
const model = await OnnxModel.fromBytes(onnx);
const rows = new Int16Array(N * D);
for (let i = 0; i < N; i += 512) {
  const m = Math.min(512, N - i);
  const out = await model.run(Float32Array.from(features.subarray(i * D, (i + m) * D)), m);
  rows.set(quantize(out.embedding), i * D);
}
await model.release();
const forged = Int16Array.from(rows);
const F = Math.round(0.05 * N);
for (let i = 0; i < F; i++) {
  const r = Math.floor(((i * 7919) % N)); // 500 distinct rows (7919 is prime to N)
  for (let c = 0; c < D; c++) forged[r * D + c] = ((forged[r * D + c] as number) + 100) | 0;
}

const dir = mkdtempSync(join(tmpdir(), "index-replay-"));
const store = new BlobStore(dir, { maxBytes: 64 * 1024 * 1024 });
await store.put(onnx);
const honestBytes = int16ToBytes(rows);
const forgedBytes = int16ToBytes(forged);
await store.put(honestBytes);
await store.put(forgedBytes);
const verifier = new OnnxVerifier({ blobs: { get: (h) => store.get(h) }, budgetMs: 60_000 });

function task(k: number, blockHash: Uint8Array, vectors: Uint8Array): VerificationTask {
  const sampled = sampleIndexRows(indexSampleSeed(blockHash, 2n), N, k);
  const inputs = sampled.map((r) => new Uint8Array(features.buffer.slice(r * D * 2, (r + 1) * D * 2)));
  const result: CanonicalResult = { modelArtifactHash: onnxHash, checkpointHash: new Uint8Array(0), inputHash: new Uint8Array(32), outputHash: sha256(vectors), predictedLabel: 0, queryEmbedding: new Uint8Array(0), checkpointChain: [], trainedArtifactHash: new Uint8Array(0) };
  return { jobId: 1n, jobType: 2, modelId: 2n, onnxHash, embeddingDim: D, input: new Uint8Array(0), inputHash: new Uint8Array(32), inputInBlob: false, result, resultHash: resultHash("bench", 1n, result), embeddingTolerance: 2, seed: blockHash, index: { rows: sampled, inputs, numPoints: N } };
}

/** 1 − C(N−F, k)/C(N, k) = 1 − Π_{i<k} (N−F−i)/(N−i). */
function pCatch(f: number, k: number): number {
  const bad = Math.round(f * N);
  let miss = 1;
  for (let i = 0; i < k; i++) miss *= (N - bad - i) / (N - i);
  return 1 - miss;
}

const block = (i: number) => ({ height: BigInt(i + 1), hash: sha256(new TextEncoder().encode(`block ${i}`)) });
await verifier.verify([task(BASE_K, block(0).hash, honestBytes)], block(0)); // load the model once
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ms: Record<number, number[]> = Object.fromEntries(KS.map((k) => [k, []]));
const onnxMs: Record<number, number[]> = Object.fromEntries(KS.map((k) => [k, []]));
const caught: Record<number, number> = {};
const direct = await OnnxModel.fromBytes(onnx);
// the sample sizes interleaved in each round, so a change of machine load hits them alike
for (let i = 0; i < ROUNDS; i++) {
  const b = block(i);
  for (const k of KS) {
    const t = task(k, b.hash, honestBytes);
    const t0 = performance.now();
    const v = await verifier.verify([t], b);
    ms[k]!.push(performance.now() - t0);
    if (v.length !== 1 || v[0]?.match !== true) throw new Error(`k = ${k}: the honest index did not MATCH`);
    // the part that grows with k: one onnxruntime batch of the k sampled rows
    const x = Float32Array.from(t.index!.inputs.flatMap((r) => Array.from(new Int16Array(r.buffer, r.byteOffset, r.length / 2))));
    const t1 = performance.now();
    await direct.run(x, k);
    onnxMs[k]!.push(performance.now() - t1);
  }
}
await direct.release();
for (const k of KS) {
  let c = 0;
  for (let i = 0; i < CATCH_ROUNDS; i++) {
    const b = block(1000 + i);
    const w = await verifier.verify([task(k, b.hash, forgedBytes)], b);
    if (w.length !== 1) throw new Error(`k = ${k}: no verdict on the forged index`);
    if (w[0]?.match === false) c++;
  }
  caught[k] = c / CATCH_ROUNDS;
}
const timed = Object.fromEntries(KS.map((k) => [k, median(ms[k]!)]));
for (const k of KS) {
  const value = Number((timed[k] as number).toFixed(2));
  const baseline = Number((timed[BASE_K] as number).toFixed(2));
  console.log(`BENCH ${JSON.stringify({ name: `index-replay-k${k}`, value, unit: "ms", baseline, ratio: Number((value / baseline).toFixed(3)), n: N, d: D, onnx_rows_ms: Number(median(onnxMs[k]!).toFixed(3)), rounds: ROUNDS, catch_rounds: CATCH_ROUNDS, p_catch_f1pct: Number(pCatch(0.01, k).toFixed(4)), p_catch_f5pct: Number(pCatch(0.05, k).toFixed(4)), p_catch_f5pct_measured: Number((caught[k] as number).toFixed(3)) })}`);
}
console.log(`index blob ${toHex(sha256(honestBytes)).slice(0, 12)}… ${honestBytes.length} bytes`);
rmSync(dir, { recursive: true, force: true });
