import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { autoTau, medianNearestNeighbourSq, ceilSqrt, collapseDuplicates, collapsedIndex, encodePoint, pointHash } from "./dedup.ts";
import { createEmbeddingIndex, type EmbeddingIndex } from "./embeddings.ts";
import { createRng, gaussianMixture } from "./testing/reference.ts";

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/** the naive O(N²) definition: exact hash among kept first, then nearest kept within τ (ties: lowest index). */
function naiveCollapse(index: EmbeddingIndex, tau: number): { kept: number[]; dropped: { index: number; to: number; reason: string; dist: number }[] } {
  const { n, d, vectors: x, labels } = index;
  const kept: number[] = [];
  const dropped: { index: number; to: number; reason: string; dist: number }[] = [];
  const hashes = Array.from({ length: n }, (_, i) => hex(pointHash(x.subarray(i * d, i * d + d), labels[i] as number)));
  for (let i = 0; i < n; i++) {
    const same = kept.find((j) => hashes[j] === hashes[i]);
    if (same !== undefined) {
      dropped.push({ index: i, to: same, reason: "exact", dist: 0 });
      continue;
    }
    let best = -1;
    let bestDist = 0;
    for (const j of kept) {
      let s = 0;
      for (let c = 0; c < d; c++) s += ((x[i * d + c] as number) - (x[j * d + c] as number)) ** 2;
      if (s <= tau && (best < 0 || s < bestDist)) {
        best = j;
        bestDist = s;
      }
    }
    if (best >= 0) dropped.push({ index: i, to: best, reason: "near", dist: bestDist });
    else kept.push(i);
  }
  return { kept, dropped };
}

describe("attribution/engine/dedup", () => {
  it("encodes points canonically (int16 and int32 storage agree; the label is part of the hash)", () => {
    const a = encodePoint(new Int16Array([1, -2, 300]), 7);
    const b = encodePoint(new Int32Array([1, -2, 300]), 7);
    assert.deepEqual(a, b);
    assert.equal(hex(a), "706f612e706f696e742e763100000003" + "00000001" + "fffffffe" + "0000012c" + "00000007");
    assert.notEqual(hex(pointHash(new Int16Array([1, -2, 300]), 7)), hex(pointHash(new Int16Array([1, -2, 300]), 8)));
    // golden: the consensus hash of this point must never change under method dedup-collapse v1
    assert.equal(hex(pointHash(new Int32Array([1, -2, 300]), 7)), "38c27ed792ddd2d1f25efcf0cfe2f0f487325f00e957cfb320e88f7e1c14ac46");
  });

  it("computes ⌈√τ⌉ exactly", () => {
    for (const t of [0, 1, 2, 3, 4, 15, 16, 17, 2 ** 48 - 1, 2 ** 48, 2 ** 48 + 1, 2 ** 50 - 1, 2 ** 50]) {
      const r = ceilSqrt(t);
      assert.ok(BigInt(r) * BigInt(r) >= BigInt(t) && (r === 0 || BigInt(r - 1) * BigInt(r - 1) < BigInt(t)), `τ=${t} → ${r}`);
    }
  });

  it("drops exact copies and near copies in registration order, pointing at the earlier kept point", () => {
    const d = 4;
    const v = new Int16Array([0, 0, 0, 0, 100, 100, 100, 100, 0, 0, 0, 0, 1, 0, 0, 1, 100, 100, 100, 100, 500, 0, 0, 0]);
    const index = createEmbeddingIndex(v, [1, 2, 1, 1, 3, 1], d);
    const c = collapseDuplicates(index, 4);
    assert.equal(c.method, "dedup-collapse");
    assert.equal(c.version, 1);
    assert.deepEqual(Array.from(c.kept), [0, 1, 5]);
    assert.deepEqual(c.dropped, [
      { index: 2, to: 0, reason: "exact", dist: 0 },
      { index: 3, to: 0, reason: "near", dist: 2 },
      { index: 4, to: 1, reason: "near", dist: 0 }, // same vector, another label: still a copy
    ]);
    assert.deepEqual(Array.from(c.representative), [0, 1, 0, 0, 1, 5]);
    const { index: compact, origin } = collapsedIndex(index, c);
    assert.equal(compact.n, 3);
    assert.deepEqual(Array.from(origin), [0, 1, 5]);
  });

  it("equals the naive O(N²) greedy rule on random data (grid pruning never changes the result)", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rng = createRng(seed);
      const n = 150 + rng.int(150);
      const d = 1 + rng.int(6);
      const range = 4 + rng.int(40);
      const vectors = new Int16Array(n * d).map(() => rng.int(range) - (range >> 1));
      const labels = Int32Array.from({ length: n }, () => rng.int(3));
      const index = createEmbeddingIndex(vectors, labels, d);
      for (const tau of [0, 1, 5, 30, 200]) {
        const c = collapseDuplicates(index, tau);
        const ref = naiveCollapse(index, tau);
        assert.deepEqual(Array.from(c.kept), ref.kept, `seed ${seed} τ=${tau}`);
        assert.deepEqual(c.dropped, ref.dropped, `seed ${seed} τ=${tau}`);
      }
    }
  });

  it("keeps ≥ 99% of honest points of a Gaussian mixture while collapsing planted near copies", () => {
    const d = 32;
    const mx = gaussianMixture({ n: 2000, d, seed: 77 });
    const honest = collapseDuplicates(createEmbeddingIndex(mx.vectors, mx.labels, d), 1024);
    assert.ok(honest.dropped.length <= 20, `${honest.dropped.length} honest points dropped`);
  });

  it("auto τ: the exact median nearest-neighbour squared distance over a registration-order sample, / 16", () => {
    // 1-D points 0, 1, 3, 7, 15: NN² = 1, 1, 4, 16, 64 → lower median 4
    const idx = createEmbeddingIndex(Int16Array.from([0, 1, 3, 7, 15]), Int32Array.from([0, 0, 0, 0, 0]), 1);
    assert.equal(medianNearestNeighbourSq(idx), 4);
    assert.equal(autoTau(idx), 0);
    assert.equal(autoTau(idx, 2), 2);
    // sample = the first 2 points (each against all): NN² = 1, 1
    assert.equal(medianNearestNeighbourSq(idx, 2), 1);
    assert.equal(medianNearestNeighbourSq(createEmbeddingIndex(Int16Array.from([5]), Int32Array.from([0]), 1)), 0);
    assert.throws(() => autoTau(idx, 0), RangeError);
  });
});
