import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEmbeddingIndex, squaredDistances, squaredDistancesJs } from "./embeddings.ts";
import { createDotKernel, SIMD_MAX_ABS } from "./simdDot.ts";
import { createRng } from "./testing/reference.ts";

describe("attribution/engine/simdDot", () => {
  it("gives the JS loop's exact squared distances and maximum, at the int16 extremes and for any d (zero-padded rows)", () => {
    const rng = createRng(64);
    for (const [n, d] of [[300, 64], [200, 7], [65, 1], [100, 130], [64, 8]] as const) {
      const v = new Int16Array(n * d).map(() => rng.int(2 * SIMD_MAX_ABS + 1) - SIMD_MAX_ABS);
      v[0] = SIMD_MAX_ABS;
      v[1 % v.length] = -SIMD_MAX_ABS;
      const index = createEmbeddingIndex(v, new Int32Array(n), d);
      const k = createDotKernel(index.vectors, n, d, index.maxAbs);
      assert.ok(k !== undefined, "WebAssembly SIMD is available in Node ≥ 16.4");
      const a = new Float64Array(n);
      const b = new Float64Array(n);
      for (let j = 0; j < 10; j++) {
        const q = new Int16Array(d).map(() => (j % 2 === 0 ? rng.int(2 * SIMD_MAX_ABS + 1) - SIMD_MAX_ABS : j % 4 === 1 ? SIMD_MAX_ABS : -SIMD_MAX_ABS));
        assert.equal(k.distances(q, b), squaredDistancesJs(index, q, a), `n=${n} d=${d} query ${j}: max`);
        assert.deepEqual(b, a, `n=${n} d=${d} query ${j}`);
      }
    }
  });

  it("declines −32768 (a pair of products could overflow int32): the index gets no kernel, a query falls back to the JS loop", () => {
    const d = 16;
    const n = 100;
    const v = new Int16Array(n * d).map((_, i) => (i * 7919) % 2001 - 1000);
    assert.equal(createDotKernel(Int16Array.from(v).fill(-32768, 0, 2), n, d, 32768), undefined);
    const index = createEmbeddingIndex(v, new Int32Array(n), d);
    const q = new Int16Array(d).fill(-32768);
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    assert.equal(createDotKernel(index.vectors, n, d, index.maxAbs)?.distances(q, b), -1);
    // squaredDistances (kernel, then the fallback for this query) = the JS loop
    assert.equal(squaredDistances(index, q, b), squaredDistancesJs(index, q, a));
    assert.deepEqual(b, a);
  });
});
