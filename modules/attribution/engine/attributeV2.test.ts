import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { truncateTopValue } from "./attributeV2.ts";

describe("poa-knn-shapley v2: top-value truncation", () => {
  it("keeps the K′ largest |v| over all points (ties: nearer first), drops dust and zeros", () => {
    // values by point index; order = nearest first
    const values = Float64Array.from([5, -9, 0, 9, 2, 1]);
    const order = Uint32Array.from([4, 0, 5, 2, 1, 3]);
    const t = truncateTopValue(values, order, 3, 2);
    // |v|: p1=9 (rank 4), p3=9 (rank 5) → tie broken by rank: p1 then p3; then p0=5
    assert.deepEqual([...t.points], [1, 3, 0]);
    assert.deepEqual([...t.values], [-9, 9, 5]);
    assert.deepEqual([...truncateTopValue(values, order, 10, 3).points], [1, 3, 0]);
    assert.deepEqual([...truncateTopValue(values, order, 0, 0).points], []);
    assert.throws(() => truncateTopValue(values, order, -1, 0));
  });
});
