import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEmbeddingIndex, subsetIndex } from "./embeddings.ts";
import { auditValues, createKnnWorkspace, floorDivBig, knnShapley, knnShapleyOrdered, knnShapleySum, LO_BITS, SCALE, stepLimbs } from "./knnShapley.ts";
import { bruteForceShapley, createRng, floatKnnShapley, gaussianMixture, kmeansF1Low } from "./testing/reference.ts";

const Q = 2 ** LO_BITS;
const BS = BigInt(SCALE);
const BQ = BigInt(Q);

function randomInstance(seed: number, n: number, d: number, range: number, classes: number, big = 0) {
  const rng = createRng(seed);
  const vectors = new Int32Array(n * d).map(() => (rng.int(range) - (range >> 1)) * (big || 1));
  const labels = Int32Array.from({ length: n }, () => rng.int(classes));
  const q = new Int32Array(d).map(() => (rng.int(range) - (range >> 1)) * (big || 1));
  return { vectors, labels, q, y: rng.int(classes) };
}

function distancesOf(vectors: Int32Array, d: number, q: Int32Array): number[] {
  const n = vectors.length / d;
  return Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let c = 0; c < d; c++) s += ((vectors[i * d + c] as number) - (q[c] as number)) ** 2;
    return s;
  });
}

describe("attribution/engine/knnShapley", () => {
  it("step limbs are the exact floors of S/n and Q·(S mod n)/n", () => {
    for (const n of [1, 2, 3, 7, 10, 1000, 9999, 65537, 2 ** 23 - 1]) {
      const { hi, lo } = stepLimbs(n);
      const N = BigInt(n);
      assert.equal(BigInt(hi), BS / N, `hi(${n})`);
      assert.equal(BigInt(lo), ((BS % N) * BQ) / N, `lo(${n})`);
    }
  });

  it("matches exhaustive Shapley for N ≤ 10 with ties (exact bound −1−N/Q < v−X < N/Q)", () => {
    let cases = 0;
    for (let seed = 1; seed <= 160; seed++) {
      const rng = createRng(seed * 7919);
      const n = 1 + rng.int(10);
      const d = 1 + rng.int(3);
      const k = 1 + rng.int(n + 2); // K > N included
      const inst = randomInstance(seed, n, d, 3, 2 + rng.int(2)); // coordinates in {−1,0,1}: many ties
      const index = createEmbeddingIndex(inst.vectors, inst.labels, d);
      const r = knnShapley(index, inst.q, inst.y, k);
      const { num, den } = bruteForceShapley(distancesOf(inst.vectors, d, inst.q), inst.labels, inst.y, k);
      for (let i = 0; i < n; i++) {
        // v − X with X = S·num/den, scaled by Q·den: must lie in (−(Q+N)·den, N·den)
        const e = BQ * den * BigInt(r.values[i] as number) - BQ * BS * (num[i] as bigint);
        assert.ok(e > -(BQ + BigInt(n)) * den && e < BigInt(n) * den, `seed ${seed} n=${n} k=${k} point ${i}: v=${r.values[i]} exact=${Number(num[i]) / Number(den)}`);
      }
      // the exact values themselves satisfy efficiency: Σ num / den = matches / K
      const total = num.reduce((a, b) => a + b, 0n);
      assert.equal(total * BigInt(k), BigInt(r.matches) * den, `seed ${seed}: exact efficiency`);
      cases++;
    }
    assert.equal(cases, 160);
  });

  it("orders by (distance, index) identically on every sort path (radix of 32-bit keys, of two-word keys up to 2^53)", () => {
    const shapes = [
      { name: "radix 32-bit", range: 5, big: 0 },
      { name: "radix two words (~2^46)", range: 5, big: 2 ** 20 },
      { name: "radix two words (~2^52)", range: 5, big: 2 ** 23 },
    ];
    for (const s of shapes) {
      for (let seed = 1; seed <= 10; seed++) {
        const n = 64;
        const d = 4;
        const inst = randomInstance(seed, n, d, s.range, 3, s.big);
        const index = createEmbeddingIndex(inst.vectors, inst.labels, d);
        const r = knnShapley(index, inst.q, inst.y, 5);
        const dist = distancesOf(inst.vectors, d, inst.q);
        const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => (dist[a] as number) - (dist[b] as number) || a - b);
        assert.deepEqual(Array.from(r.order), expected, `${s.name} seed ${seed}`);
        const float = floatKnnShapley(inst.vectors, d, inst.labels, inst.q, inst.y, 5);
        for (let i = 0; i < n; i++) assert.ok(Math.abs((r.values[i] as number) - SCALE * (float[i] as number)) <= n, `${s.name} seed ${seed} point ${i}`);
      }
    }
  });

  it("satisfies efficiency Σ v = S·U(D) within N units, and agrees with the float recursion within N/2^40", () => {
    const mx = gaussianMixture({ n: 3000, d: 16, seed: 11, flip: 0.1 });
    const qs = gaussianMixture({ n: 20, d: 16, seed: 12, centres: mx.centres });
    const index = createEmbeddingIndex(mx.vectors, mx.labels, 16);
    const ws = createKnnWorkspace(index.n);
    for (const k of [1, 5, 10, 64]) {
      for (let j = 0; j < qs.n; j++) {
        const q = qs.vectors.subarray(j * 16, j * 16 + 16);
        const y = qs.labels[j] as number;
        const r = knnShapley(index, q, y, k, ws);
        let sum = 0n;
        for (let i = 0; i < index.n; i++) sum += BigInt(r.values[i] as number);
        const err = BigInt(k) * sum - BS * BigInt(r.matches); // K·(Σv − S·U)
        const bound = BigInt(k) * BigInt(index.n);
        assert.ok(err <= bound && err >= -bound, `k=${k} query ${j}: K·(Σv−S·U) = ${err}`);
        const float = floatKnnShapley(mx.vectors, 16, mx.labels, q, y, k);
        let worst = 0;
        for (let i = 0; i < index.n; i++) worst = Math.max(worst, Math.abs((r.values[i] as number) / SCALE - (float[i] as number)));
        assert.ok(worst <= index.n / SCALE, `k=${k} query ${j}: |int/S − float| = ${worst}`);
      }
    }
  });

  it("needs the second limb: the single-limb floor recursion drifts from S·U(D) by more than N units", () => {
    const d = 16;
    const mx = gaussianMixture({ n: 3000, d, seed: 21, flip: 0.3, spread: 0.6 });
    const qs = gaussianMixture({ n: 10, d, seed: 22, centres: mx.centres });
    const index = createEmbeddingIndex(mx.vectors, mx.labels, d);
    const k = 10;
    let worstSingle = 0n;
    let worstTwo = 0n;
    for (let j = 0; j < qs.n; j++) {
      const y = qs.labels[j] as number;
      const r = knnShapley(index, qs.vectors.subarray(j * d, j * d + d), y, k);
      // single limb: v_j = Σ_{t≥j} (m_t − m_{t+1})·⌊S/max(K,t)⌋, summed over j
      let single = 0n;
      let acc = 0n;
      let mNext = 0;
      for (let t = index.n; t >= 1; t--) {
        const m = index.labels[r.order[t - 1] as number] === y ? 1 : 0;
        if (m !== mNext) acc += BigInt(m - mNext) * (BS / BigInt(Math.max(k, t)));
        mNext = m;
        single += acc;
      }
      let two = 0n;
      for (let i = 0; i < index.n; i++) two += BigInt(r.values[i] as number);
      const abs = (x: bigint) => (x < 0n ? -x : x);
      const drift = (sum: bigint) => abs(BigInt(k) * sum - BS * BigInt(r.matches)) / BigInt(k);
      if (drift(single) > worstSingle) worstSingle = drift(single);
      if (drift(two) > worstTwo) worstTwo = drift(two);
    }
    assert.ok(worstTwo <= BigInt(index.n), `two-limb drift ${worstTwo}`);
    assert.ok(worstSingle > BigInt(index.n), `single-limb drift only ${worstSingle}`);
  });

  it("sums many queries exactly (across the 2^11 double-to-bigint flush)", () => {
    const n = 40;
    const d = 3;
    const inst = randomInstance(5, n, d, 7, 3);
    const index = createEmbeddingIndex(inst.vectors, inst.labels, d);
    const rng = createRng(99);
    const M = 2100;
    const queries = new Int32Array(M * d).map(() => rng.int(7) - 3);
    const labels = Int32Array.from({ length: M }, () => rng.int(3));
    const s = knnShapleySum(index, queries, labels, 4);
    assert.equal(s.method, "knn-shapley");
    assert.equal(s.version, 1);
    const expected = new Array<bigint>(n).fill(0n);
    for (let j = 0; j < M; j++) {
      const r = knnShapley(index, queries.subarray(j * d, j * d + d), labels[j] as number, 4);
      for (let i = 0; i < n; i++) expected[i] = (expected[i] as bigint) + BigInt(r.values[i] as number);
    }
    assert.deepEqual(s.values, expected);
  });

  it("audit mode equals N explicit leave-one-out queries, summed and floor-divided by N", () => {
    const mx = gaussianMixture({ n: 60, d: 4, seed: 3, flip: 0.1, classes: 3 });
    const index = createEmbeddingIndex(mx.vectors, mx.labels, 4);
    const a = auditValues(index, 5);
    assert.equal(a.method, "knn-shapley-audit");
    const sums = new Array<bigint>(index.n).fill(0n);
    for (let i = 0; i < index.n; i++) {
      const others = Array.from({ length: index.n }, (_, j) => j).filter((j) => j !== i);
      const sub = subsetIndex(index, others);
      const r = knnShapley(sub, index.vectors.subarray(i * 4, i * 4 + 4), index.labels[i] as number, 5);
      others.forEach((j, r2) => {
        sums[j] = (sums[j] as bigint) + BigInt(r.values[r2] as number);
      });
    }
    assert.deepEqual(a.sums, sums);
    assert.deepEqual(a.values, sums.map((s) => floorDivBig(s, BigInt(index.n))));
    assert.equal(floorDivBig(-7n, 2n), -4n);
  });

  it("rejects inputs whose distances would not be exact, and bad K or labels", () => {
    assert.throws(() => createEmbeddingIndex(new Int32Array([2 ** 30, 0]), [0], 2), RangeError);
    const index = createEmbeddingIndex(new Int16Array([1, 2, 3, 4]), [0, 1], 2);
    assert.throws(() => knnShapley(index, new Int16Array([1, 2]), 0, 0), RangeError);
    assert.throws(() => knnShapley(index, new Int16Array([1]), 0, 1), RangeError);
    assert.throws(() => knnShapley(index, new Int16Array([1, 2]), -1, 1), RangeError);
    assert.throws(() => knnShapley(index, new Int32Array([2 ** 31 - 1, 0]), 0, 1), RangeError);
  });

  it("benchmark helper: OpenDataVal's 2-means F1 splits at the largest gap of two clusters", () => {
    assert.equal(kmeansF1Low([5, 0, 0.1, 5.2, 0.2, 5.1], [0, 1, 1, 0, 1, 0]), 1);
    assert.equal(kmeansF1Low([5, 0, 0.1, 5.2, 0.2, 5.1], [1, 1, 1, 0, 1, 0]), 6 / 7); // precision 1, recall 3/4
    assert.equal(kmeansF1Low([0, 0.1, 9], [0, 0, 1]), 0);
  });

  it("knnShapleyOrdered on the engine's own order gives the engine's values; on a subset order, the subset's game", () => {
    const mx = gaussianMixture({ n: 300, d: 6, seed: 71 });
    const index = createEmbeddingIndex(mx.vectors, mx.labels, 6);
    const q = mx.vectors.subarray(0, 6);
    for (const k of [1, 5, 400]) {
      const r = knnShapley(index, q, 2, k);
      const order = Uint32Array.from(r.order);
      const out = new Float64Array(300);
      const ws = createKnnWorkspace(300);
      assert.equal(knnShapleyOrdered(order, 300, mx.labels, 2, k, ws, out), r.matches);
      assert.deepEqual(Array.from(out), Array.from(r.values));
      // leaving out the nearest player: the game of the other 299 (as audit mode plays it)
      const sub = subsetIndex(index, Uint32Array.from(order.subarray(1)).sort());
      const rs = knnShapley(sub, q, 2, k);
      const out2 = new Float64Array(300).fill(-1);
      knnShapleyOrdered(order.subarray(1), 299, mx.labels, 2, k, ws, out2);
      assert.equal(out2[order[0] as number], -1, "players outside the order are left alone");
      const kept = Array.from(order.subarray(1)).sort((a, b) => a - b);
      kept.forEach((i, j) => assert.equal(out2[i], rs.values[j]));
    }
    assert.throws(() => knnShapleyOrdered([0, 1], 3, mx.labels, 0, 1, createKnnWorkspace(3), new Float64Array(3)), RangeError);
  });
});
