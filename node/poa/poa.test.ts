import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRng } from "../../modules/attribution/engine/testing/reference.ts";
import { buildMlpModel, randomDense } from "../onnx/builder.ts";
import { OnnxModel } from "../onnx/service.ts";
import { CsvError, formatValue, parseCsv, readPoaTable, writeCsv } from "./csv.ts";
import { addKnnShapley, aucHigh, orderByDistance, squaredDistancesFloat } from "./knn.ts";
import { cholesky, fitSoftmaxHead, headGradient, headHessian, headInfluence, headProbabilities, selfInfluence, type HeadData } from "./softmaxHead.ts";
import { datasetCsv, poaDataset } from "./testing/dataset.ts";

/** explicit inverse by Gauss–Jordan (test reference). */
function inverse(A: Float64Array, d: number): Float64Array {
  const M = Float64Array.from(A);
  const I = new Float64Array(d * d);
  for (let i = 0; i < d; i++) I[i * d + i] = 1;
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(M[r * d + c] as number) > Math.abs(M[p * d + c] as number)) p = r;
    for (let k = 0; k < d; k++) {
      [M[c * d + k], M[p * d + k]] = [M[p * d + k] as number, M[c * d + k] as number];
      [I[c * d + k], I[p * d + k]] = [I[p * d + k] as number, I[c * d + k] as number];
    }
    const v = M[c * d + c] as number;
    for (let k = 0; k < d; k++) {
      M[c * d + k] = (M[c * d + k] as number) / v;
      I[c * d + k] = (I[c * d + k] as number) / v;
    }
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = M[r * d + c] as number;
      for (let k = 0; k < d; k++) {
        M[r * d + k] = (M[r * d + k] as number) - f * (M[c * d + k] as number);
        I[r * d + k] = (I[r * d + k] as number) - f * (I[c * d + k] as number);
      }
    }
  }
  return I;
}

function tiny(seed: number, n: number, h: number, c: number): { data: HeadData; head: { weight: Float64Array; bias: Float64Array } } {
  const rng = createRng(seed);
  const embedding = Float64Array.from({ length: n * h }, () => rng.normal());
  const labels = Int32Array.from({ length: n }, () => rng.int(c));
  const head = { weight: Float64Array.from({ length: h * c }, () => rng.normal() * 0.5), bias: Float64Array.from({ length: c }, () => rng.normal() * 0.1) };
  return { data: { embedding, n, h, c, labels }, head };
}

describe("node/poa softmax head", () => {
  it("the Hessian equals the finite difference of the mean gradient (exact Gauss–Newton = Hessian for the head)", () => {
    const { data, head } = tiny(1, 12, 3, 3);
    const h1 = data.h + 1;
    const d = data.c * h1;
    const p = headProbabilities(data, head);
    const H = headHessian(data, p);
    const meanGrad = (w: Float64Array, b: Float64Array): Float64Array => {
      const pp = headProbabilities(data, { weight: w, bias: b });
      const g = new Float64Array(d);
      const out = new Float64Array(d);
      for (let i = 0; i < data.n; i++) {
        headGradient(data, pp, i, g);
        for (let k = 0; k < d; k++) out[k] = (out[k] as number) + (g[k] as number) / data.n;
      }
      return out;
    };
    const eps = 1e-6;
    for (let a = 0; a < data.c; a++) {
      for (let j = 0; j < h1; j++) {
        const w = Float64Array.from(head.weight);
        const b = Float64Array.from(head.bias);
        if (j < data.h) w[j * data.c + a] = (w[j * data.c + a] as number) + eps;
        else b[a] = (b[a] as number) + eps;
        const gp = meanGrad(w, b);
        const g0 = meanGrad(head.weight, head.bias);
        const col = a * h1 + j;
        for (let r = 0; r < d; r++) assert.ok(Math.abs(((gp[r] as number) - (g0[r] as number)) / eps - (H[r * d + col] as number)) < 1e-5, `H[${r}][${col}]`);
      }
    }
  });

  it("self-influence and influence match an explicit damped inverse", () => {
    const { data, head } = tiny(2, 30, 4, 3);
    const d = data.c * (data.h + 1);
    const r = selfInfluence(data, head, { dampingFactor: 0.05 });
    const p = headProbabilities(data, head);
    const H = headHessian(data, p);
    let tr = 0;
    for (let k = 0; k < d; k++) tr += H[k * d + k] as number;
    assert.ok(Math.abs(r.lambda - (0.05 * tr) / d) < 1e-15);
    for (let k = 0; k < d; k++) H[k * d + k] = (H[k * d + k] as number) + r.lambda;
    const Hi = inverse(H, d);
    const g = new Float64Array(d);
    for (let i = 0; i < data.n; i++) {
      headGradient(data, p, i, g);
      let s = 0;
      for (let x = 0; x < d; x++) for (let y = 0; y < d; y++) s += (g[x] as number) * (Hi[x * d + y] as number) * (g[y] as number);
      assert.ok(Math.abs(s - (r.scores[i] as number)) < 1e-8 * (1 + s), `point ${i}: ${s} vs ${r.scores[i]}`);
    }
    // influence on a query = g_qᵀ H⁻¹ g_i; for the query equal to point 0 it is point 0's self-influence
    const v = headInfluence(data, head, Array.from({ length: data.h }, (_, k) => data.embedding[k] as number), data.labels[0] as number, { dampingFactor: 0.05 });
    assert.ok(Math.abs((v[0] as number) - (r.scores[0] as number)) < 1e-9 * (1 + (r.scores[0] as number)));
    assert.throws(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2), /not positive definite/);
    assert.throws(() => selfInfluence({ ...data, labels: Int32Array.from({ length: 30 }, () => 3) }, head), /not a class index/);
  });

  it("the fitted head is a stationary point; self-influence flags 10% flips on the mixture (N = 1k, AUC ≥ 0.95) and is the same on a second run", async () => {
    const ds = poaDataset({ n: 1000, d: 16, classes: 5, seed: 3, flip: 0.1, spread: 1.5 });
    const rng = createRng(5);
    const model = await OnnxModel.fromBytes(buildMlpModel({ hidden: [randomDense(16, 24, rng.float)], head: randomDense(24, 5, rng.float) }));
    const out = await model.run(ds.features, ds.n);
    await model.release();
    const data = { embedding: out.embedding, n: ds.n, h: out.h, c: out.c, labels: ds.labels };
    const fit = fitSoftmaxHead(data, { l2: 1e-3 });
    const d = data.c * (data.h + 1);
    const p = headProbabilities(data, fit);
    const g = new Float64Array(d);
    const grad = new Float64Array(d);
    for (let i = 0; i < data.n; i++) {
      headGradient(data, p, i, g);
      for (let k = 0; k < d; k++) grad[k] = (grad[k] as number) + (g[k] as number) / data.n;
    }
    const theta = (a: number, j: number) => (j < data.h ? (fit.weight[j * data.c + a] as number) : (fit.bias[a] as number));
    for (let a = 0; a < data.c; a++) for (let j = 0; j <= data.h; j++) assert.ok(Math.abs((grad[a * (data.h + 1) + j] as number) + 1e-3 * theta(a, j)) < 1e-7);
    const si = selfInfluence(data, fit);
    const auc = aucHigh(si.scores, ds.flipped);
    assert.ok(auc >= 0.95, `self-influence AUC ${auc}`);
    const again = selfInfluence(data, fit);
    assert.deepEqual(Buffer.from(again.scores.buffer), Buffer.from(si.scores.buffer));
  });
});

describe("node/poa float KNN-Shapley", () => {
  it("the float recursion satisfies efficiency and ties go to the lower row", () => {
    const rng = createRng(9);
    const n = 40;
    const d = 3;
    const x = Float64Array.from({ length: n * d }, () => rng.int(3));
    const labels = Int32Array.from({ length: n }, () => rng.int(2));
    const q = [1, 1, 1];
    const dist = new Float64Array(n);
    squaredDistancesFloat(x, n, d, q, dist);
    const order = orderByDistance(dist, n);
    for (let r = 1; r < n; r++) {
      const a = order[r - 1] as number;
      const b = order[r] as number;
      assert.ok((dist[a] as number) < (dist[b] as number) || ((dist[a] as number) === (dist[b] as number) && a < b));
    }
    for (const k of [1, 5, 50]) {
      const v = new Float64Array(n);
      addKnnShapley(order, labels, 1, k, v);
      let sum = 0;
      for (const t of v) sum += t;
      let m = 0;
      for (let r = 0; r < Math.min(k, n); r++) if (labels[order[r] as number] === 1) m++;
      assert.ok(Math.abs(sum - m / k) < 1e-12, `K=${k}: Σv = ${sum}, U(D) = ${m / k}`);
    }
    assert.equal(orderByDistance(dist, n, 7).length, n - 1);
    // the radix order equals the comparator order on wide-ranging floats with many ties
    for (let t = 0; t < 20; t++) {
      const m = 1 + rng.int(300);
      const dd = Float64Array.from({ length: m }, () => (rng.int(4) === 0 ? rng.int(5) : rng.float() * 10 ** (rng.int(20) - 10)));
      const skip = rng.int(m + 1) - 1;
      const want = Array.from({ length: m }, (_, i) => i).filter((i) => i !== skip).sort((a, b) => (dd[a] as number) - (dd[b] as number) || a - b);
      assert.deepEqual([...orderByDistance(dd, m, skip)], want);
    }
    assert.throws(() => orderByDistance(Float64Array.from([1, Number.NaN]), 2), /not a non-negative number/);
    assert.ok(!orderByDistance(dist, n, 7).includes(7));
  });
});

describe("node/poa csv and dataset", () => {
  it("parses quotes, CRLF and a BOM; reports bad tables with file, line and column", () => {
    assert.deepEqual(parseCsv('\ufeffa,"b,c"\r\n1,"x ""y"""\n'), [["a", "b,c"], ["1", 'x "y"']]);
    const t = readPoaTable("f1,label,contributor,f2\n1.5,cat,alice,-2\n0,dog,,3e2\n", "t.csv");
    assert.deepEqual(t.featureNames, ["f1", "f2"]);
    assert.deepEqual([...t.features], [1.5, -2, 0, 300]);
    assert.deepEqual(t.labels, ["cat", "dog"]);
    assert.deepEqual(t.contributors, ["alice", ""]);
    const bad: [string, RegExp][] = [
      ["", /empty file/],
      ["f1,y\n1,2\n", /no "label" column/],
      ["label\n1\n", /no feature columns/],
      ["f1,label\n", /no data rows/],
      ["f1,label\n1,2,3\n", /line 2: 3 fields, the header has 2/],
      ["f1,label\nabc,1\n", /line 2, column "f1": "abc" is not a finite number/],
      ["f1,label\nInfinity,1\n", /not a finite number/],
      ["f1,label\n,1\n", /not a finite number/],
      ["f1,label\n1,\n", /empty label/],
      ["f1,f1,label\n1,2,3\n", /duplicate column "f1"/],
      ['f1,label\n"1,2\n', /unterminated quoted field/],
    ];
    for (const [text, re] of bad) assert.throws(() => readPoaTable(text, "t.csv"), (e: unknown) => e instanceof CsvError && re.test(e.message), text);
    assert.equal(writeCsv(["a", "b"], [["1", 'q"x,']]), 'a,b\n1,"q""x,"\n');
    assert.equal(formatValue(0.1), "0.10000000000000001");
    assert.equal(Number(formatValue(1 / 3)), 1 / 3);
  });

  it("the synthetic dataset plants flips, bad contributors, copies and Sybil identities, deterministically", () => {
    const a = poaDataset({ n: 300, d: 6, classes: 4, seed: 1, flip: 0.1, contributors: 6, badContributors: 1, exactDuplicates: 5, nearDuplicates: 5 });
    assert.equal(a.n, 310);
    assert.equal(datasetCsv(a), datasetCsv(poaDataset({ n: 300, d: 6, classes: 4, seed: 1, flip: 0.1, contributors: 6, badContributors: 1, exactDuplicates: 5, nearDuplicates: 5 })));
    for (let i = 0; i < a.n; i++) {
      if (a.kind[i] === "bad") assert.equal(a.flipped[i], 1);
      if (a.kind[i] === "exact") {
        const s = a.copyOf[i] as number;
        assert.deepEqual(a.features.subarray(i * 6, i * 6 + 6), a.features.subarray(s * 6, s * 6 + 6));
        assert.equal(a.contributors[i], "copycat");
      }
      if (a.kind[i] === "near") {
        const s = a.copyOf[i] as number;
        let diff = 0;
        for (let k = 0; k < 6; k++) diff += Math.abs((a.features[i * 6 + k] as number) - (a.features[s * 6 + k] as number));
        assert.ok(diff > 0 && diff <= 2 / 16 + 1e-12);
      }
    }
    assert.equal(a.contributors.filter((c) => c === "bad0").length, 50);
    const s = poaDataset({ n: 100, d: 2, seed: 2, contributors: 5, sybil: 4 });
    assert.deepEqual([...new Set(s.contributors.filter((c) => c.startsWith("c0")))].sort(), ["c0-s0", "c0-s1", "c0-s2", "c0-s3"]);
  });
});
