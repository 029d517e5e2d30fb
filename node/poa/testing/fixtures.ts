/**
 * The PoA fixtures of test/fixtures/poa (deterministic; `node test/fixtures/poa/make.ts` rewrites them):
 * - train.csv: 200 rows of the seeded 8-d, 4-class Gaussian mixture with 10% label flips, 8
 *   contributors, plus 4 exact and 4 near copies by "copycat" (208 rows);
 * - test.csv: 60 clean rows from the same mixture (no contributor column);
 * - model.onnx: x[8] → Gemm+Relu → embedding[16] → Gemm → logits[4], a seeded random first layer and
 *   a softmax head fitted on train.csv's embeddings (written into the artifact with writeHead);
 * - truth.json: which training rows are flipped or planted copies, and the model's sha256.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRng } from "../../../modules/attribution/engine/testing/reference.ts";
import { buildMlpModel, randomDense } from "../../onnx/builder.ts";
import { writeHead } from "../../onnx/head.ts";
import { OnnxModel } from "../../onnx/service.ts";
import { fitSoftmaxHead } from "../softmaxHead.ts";
import { datasetCsv, poaDataset, poaTestSet } from "./dataset.ts";

export async function makePoaFixtures(dir: string): Promise<{ train: string; test: string; model: Uint8Array; truth: { flipped: number[]; copies: number[]; sha256: string } }> {
  const train = poaDataset({ n: 200, d: 8, classes: 4, seed: 4, flip: 0.1, contributors: 8, exactDuplicates: 4, nearDuplicates: 4, spread: 2 });
  const test = poaTestSet(train, 60, 5);
  const rng = createRng(42);
  const base = buildMlpModel({ hidden: [randomDense(8, 16, rng.float)], head: randomDense(16, 4, rng.float) });
  const m = await OnnxModel.fromBytes(base);
  const out = await m.run(train.features, train.n);
  await m.release();
  const fit = fitSoftmaxHead({ embedding: out.embedding, n: train.n, h: out.h, c: out.c, labels: train.labels });
  const model = writeHead(base, fit.weight, fit.bias);
  const truth = {
    flipped: [...train.flipped].flatMap((f, i) => (f === 1 ? [i] : [])),
    copies: [...train.copyOf].flatMap((s, i) => (s >= 0 ? [i] : [])),
    sha256: model.sha256,
  };
  const trainCsv = datasetCsv(train);
  const testCsv = datasetCsv(test, false);
  writeFileSync(join(dir, "train.csv"), trainCsv);
  writeFileSync(join(dir, "test.csv"), testCsv);
  writeFileSync(join(dir, "model.onnx"), model.bytes);
  writeFileSync(join(dir, "truth.json"), `${JSON.stringify(truth)}\n`);
  return { train: trainCsv, test: testCsv, model: model.bytes, truth };
}
