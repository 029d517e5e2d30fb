/**
 * PoA audit signals on model embeddings (issue 4 items 4/5/9; specs/attribution.md §1.4, §7). Run:
 * `node test/bench/poaAudit.ts [--quick]` (--quick: N = 1k only).
 *
 * Data: the seeded Gaussian mixture of test/bench/poa.ts (d = 32, 10 classes, spread 0.6, noise 1,
 * 10% label flips, seed 31337 + N) as float features (int16 / 256). Model: built from TypeScript,
 * x[32] → Gemm+Relu → embedding[64] → Gemm → logits[10]: the first layer is [I, −I] (embedding =
 * (relu(x), relu(−x)), a lossless stand-in for a trained base; with a seeded random 32→32 Relu layer
 * instead, measured at N = 1k: self-influence AUC 0.949, audit 0.922, i.e. the base loses class
 * information, model accuracy 0.79), and a softmax head fitted on the (noisy) training set by Newton (L2 1e-3), written into the artifact; run by
 * onnxruntime-node on the CPU, one intra-op thread.
 *
 * One BENCH line per (signal, N):
 * - poa-self-influence-noisy-label-N*: AUC of g_iᵀ(H+λI)⁻¹g_i (high = flipped), F1 when flagging the
 *   top 10% (= top-decile recall), a random-score baseline, and the seconds of each step;
 * - poa-audit-embedding-noisy-label-N*: audit-mode KNN-Shapley through the engine (K = 10) on the
 *   int16-quantised embeddings (2^-8), queries labelled with their own labels; and
 *   poa-audit-embedding-predlabel-N*: the same with the model's predicted labels (the on-chain form);
 * - poa-onnx-threads-N*: max |difference| between the embeddings/logits with intraOpNumThreads 1 and 2
 *   (0 = bitwise equal) and whether their int16 quantisations are identical.
 */
import { createEmbeddingIndex } from "../../modules/attribution/engine/embeddings.ts";
import { auditValues } from "../../modules/attribution/engine/knnShapley.ts";
import { aucLow, createRng, kmeansF1Low } from "../../modules/attribution/engine/testing/reference.ts";
import { buildMlpModel, randomDense } from "../../node/onnx/builder.ts";
import { writeHead } from "../../node/onnx/head.ts";
import { OnnxModel, quantize } from "../../node/onnx/service.ts";
import { argmaxRows, aucHigh } from "../../node/poa/knn.ts";
import { fitSoftmaxHead, selfInfluence } from "../../node/poa/softmaxHead.ts";
import { poaDataset } from "../../node/poa/testing/dataset.ts";
import type { PoaTable } from "../../node/poa/csv.ts";
import { poaValue } from "../../cli/cmds/poa/value.ts";

const QUICK = process.argv.includes("--quick");
const K = 10;
const H = 2 * 32;
const C = 10;
const D = 32;
const round = (x: number, digits = 4) => Number(x.toFixed(digits));
const bench = (line: Record<string, unknown>) => process.stdout.write(`BENCH ${JSON.stringify(line)}\n`);

function topRecall(score: ArrayLike<number>, flipped: Uint8Array, high: boolean): number {
  const n = flipped.length;
  const flips = flipped.reduce((s, f) => s + f, 0);
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => (high ? (score[b] as number) - (score[a] as number) : (score[a] as number) - (score[b] as number)) || a - b);
  return idx.slice(0, flips).filter((i) => flipped[i] === 1).length / flips;
}

for (const n of QUICK ? [1000] : [1000, 10000]) {
  const mixture = { n, d: D, classes: C, spread: 0.6, noise: 1, flip: 0.1, seed: 31337 + n };
  const ds = poaDataset({ ...mixture, contributors: 10 });
  const rng = createRng(7);
  const first = new Float32Array(D * H);
  for (let k = 0; k < D; k++) {
    first[k * H + k] = 1;
    first[k * H + D + k] = -1;
  }
  const base = buildMlpModel({ hidden: [{ weight: first, bias: new Float32Array(H), inDim: D, outDim: H }], head: randomDense(H, C, rng.float) });
  let t = performance.now();
  const m1 = await OnnxModel.fromBytes(base, { intraOpNumThreads: 1 });
  const out = await m1.run(ds.features, n);
  const onnxS = (performance.now() - t) / 1000;
  await m1.release();
  t = performance.now();
  const data = { embedding: out.embedding, n, h: out.h, c: out.c, labels: ds.labels };
  const fit = fitSoftmaxHead(data, { l2: 1e-3 });
  const fitS = (performance.now() - t) / 1000;
  const model = writeHead(base, fit.weight, fit.bias);
  const m = await OnnxModel.fromBytes(model.bytes, { intraOpNumThreads: 1 });
  const o1 = await m.run(ds.features, n);
  await m.release();
  const m2 = await OnnxModel.fromBytes(model.bytes, { intraOpNumThreads: 2 });
  const o2 = await m2.run(ds.features, n);
  await m2.release();
  let maxDiff = 0;
  for (const [a, b] of [[o1.embedding, o2.embedding], [o1.logits, o2.logits]] as const) for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
  const q1 = quantize(o1.embedding);
  const q2 = quantize(o2.embedding);
  bench({ name: `poa-onnx-threads-N${n}`, value: maxDiff, unit: "max |Δ| 1 vs 2 threads", bitwise: maxDiff === 0, int16Identical: Buffer.from(q1.buffer).equals(Buffer.from(q2.buffer)), onnxSeconds: round(onnxS, 3), model: `${D}-${H}-${C}`, sha256: model.sha256 });

  t = performance.now();
  const si = selfInfluence({ ...data, embedding: o1.embedding }, fit);
  const siS = (performance.now() - t) / 1000;
  const r = createRng(n);
  const random = Array.from({ length: n }, () => r.float());
  bench({
    name: `poa-self-influence-noisy-label-N${n}`,
    value: round(aucHigh(si.scores, ds.flipped)),
    unit: "AUC",
    target: 0.95,
    f1AtRate: round(topRecall(si.scores, ds.flipped, true)),
    kmeansF1: round(kmeansF1Low(Array.from(si.scores, (x) => -x), ds.flipped)),
    randomAuc: round(aucHigh(random, ds.flipped)),
    randomKmeansF1: round(kmeansF1Low(random, ds.flipped)),
    seconds: round(siS, 3),
    fitSeconds: round(fitS, 3),
    fitIterations: fit.iterations,
    lambda: si.lambda,
    dim: si.dim,
    mixture,
  });

  const qIndex = createEmbeddingIndex(q1, ds.labels, H);
  t = performance.now();
  const a = auditValues(qIndex, K);
  const auditS = (performance.now() - t) / 1000;
  const av = a.values.map(Number);
  bench({ name: `poa-audit-embedding-noisy-label-N${n}`, value: round(aucLow(av, ds.flipped)), unit: "AUC", target: 0.95, f1AtRate: round(topRecall(av, ds.flipped, false)), kmeansF1: round(kmeansF1Low(av, ds.flipped)), randomAuc: round(aucLow(random, ds.flipped)), seconds: round(auditS, 2), k: K, method: a.method, version: a.version, mixture });
  // the on-chain form: queries labelled with the model's prediction, through the CLI's path (float order on
  // the float embeddings, the engine's fixed-point recursion on that order)
  t = performance.now();
  const table: PoaTable = { name: "mixture", featureNames: Array.from({ length: D }, (_, k) => `f${k}`), n, d: D, features: ds.features, labels: Array.from(ds.labels, String), contributors: null };
  const pv = await poaValue(table, null, { method: "audit", k: K, model: model.bytes });
  const predS = (performance.now() - t) / 1000;
  const pred = argmaxRows(o1.logits, n, C);
  const accuracy = pred.reduce((s2, y, i) => s2 + (y === ds.clean[i] ? 1 : 0), 0) / n;
  bench({ name: `poa-audit-embedding-predlabel-N${n}`, value: round(aucLow(pv.values, ds.flipped)), unit: "AUC", target: 0.95, f1AtRate: round(topRecall(pv.values, ds.flipped, false)), kmeansF1: round(kmeansF1Low(pv.values, ds.flipped)), seconds: round(predS, 2), maxFixedFloatGap: pv.maxFixedFloatGap, k: K, modelAccuracyOnTrueLabels: round(accuracy), mixture });
}
