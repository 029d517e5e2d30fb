import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toHex, utf8 } from "../core/bytes.ts";
import { sha256 } from "../core/hash.ts";
import { makeTestContext } from "../core/testing/index.ts";
import { createAttributionKeeper } from "./keeper.ts";
import { indexSampleSeed, sampleIndexRows, verifyIndexRows } from "./replay.ts";

describe("attribution/replay (sampled-replay verification of index rows)", () => {
  it("samples distinct ascending rows in [0, n), a pure function of the seed (golden), all rows when count ≥ n", () => {
    const seed = indexSampleSeed(sha256(utf8("block")), 7n);
    assert.equal(toHex(seed), toHex(indexSampleSeed(sha256(utf8("block")), 7n)));
    assert.notEqual(toHex(seed), toHex(indexSampleSeed(sha256(utf8("block")), 8n)));
    const a = sampleIndexRows(seed, 1000, 16);
    assert.equal(a.length, 16);
    assert.deepEqual(a, [...new Set(a)].sort((x, y) => x - y));
    assert.ok(a.every((r) => Number.isInteger(r) && r >= 0 && r < 1000));
    assert.deepEqual(sampleIndexRows(seed, 1000n, 16), a);
    // golden: any change of the draw rule changes these (consensus data)
    assert.deepEqual(sampleIndexRows(sha256(utf8("golden")), 100, 5), GOLDEN);
    assert.notDeepEqual(sampleIndexRows(indexSampleSeed(sha256(utf8("other")), 7n), 1000, 16), a);
    assert.deepEqual(sampleIndexRows(seed, 5, 9), [0, 1, 2, 3, 4]);
    assert.deepEqual(sampleIndexRows(seed, 0, 3), []);
    assert.deepEqual(sampleIndexRows(seed, 10, 0), []);
    assert.throws(() => sampleIndexRows(seed, 10, -1), RangeError);
    // every row can be drawn: 2000 seeds × 4 rows out of 50 hit each row, roughly uniformly
    const hits = new Array(50).fill(0);
    for (let s = 0; s < 2000; s++) for (const r of sampleIndexRows(sha256(utf8(`s${s}`)), 50, 4)) hits[r]++;
    assert.ok(Math.min(...hits) > 100 && Math.max(...hits) < 220, `hits ${Math.min(...hits)}..${Math.max(...hits)} (expected ~160)`);
  });

  it("accepts rows within ±tolerance quanta and reports each tampered row once", () => {
    const rows = [3, 9, 11];
    const stored = Int16Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(verifyIndexRows(rows, stored, stored, 3), { ok: true, checked: 3, maxDiff: 0, mismatches: [] });
    const near = Int16Array.from([2, 0, 3, 4, 5, 6, 7, 8, 11]);
    assert.equal(verifyIndexRows(rows, stored, near, 3).ok, true);
    assert.equal(verifyIndexRows(rows, stored, near, 3).maxDiff, 2);
    assert.equal(verifyIndexRows(rows, stored, near, 3, 1).ok, false);
    const bad = Int16Array.from([1, 2, 3, 40, 50, 6, 7, 8, 9]);
    const v = verifyIndexRows(rows, stored, bad, 3);
    assert.equal(v.ok, false);
    assert.deepEqual(v.mismatches, [{ row: 9, coord: 0, stored: 4, replayed: 40 }]);
    assert.equal(v.maxDiff, 45);
    assert.throws(() => verifyIndexRows(rows, stored, stored.subarray(1), 3), RangeError);
  });

  it("keeper.getIndexRows reads sampled rows across chunks", async () => {
    const owner = new Uint8Array(20).fill(1);
    const root = sha256(utf8("root"));
    const n = 10;
    const k = createAttributionKeeper({
      datanet: {
        getSnapshot: (_ctx: unknown, id: bigint) => (id === 1n ? { id: 1n, datanetId: 1n, root, count: BigInt(n) } : undefined),
        async *snapshotPoints() {
          for (let i = 0; i < n; i++) yield { index: BigInt(i), contributor: owner, label: 0 };
        },
      },
    });
    const ctx = makeTestContext();
    const id = k.registerModel(ctx, { owner, name: "m", snapshotId: 1n, snapshotRoot: root, onnxHash: sha256(utf8("a")), trainingConfigHash: sha256(utf8("b")), checkpointHashes: [], feePolicy: { dataBps: 10000, trainerBps: 0, providerBps: 0, communityBps: 0, burnBps: 0 }, embeddingDim: 2, tau: 0n });
    const rowBytes = (from: number, to: number) => {
      const b = new Uint8Array((to - from) * 4);
      const dv = new DataView(b.buffer);
      for (let r = from; r < to; r++) {
        dv.setInt16((r - from) * 4, r * 10, true);
        dv.setInt16((r - from) * 4 + 2, -r, true);
      }
      return b;
    };
    k.setEmbeddingIndex(ctx, owner, id, 0n, rowBytes(0, 4));
    k.setEmbeddingIndex(ctx, owner, id, 4n, rowBytes(4, 7));
    await assert.rejects(() => k.getIndexRows(ctx, id, [7]));
    k.setEmbeddingIndex(ctx, owner, id, 7n, rowBytes(7, 10));
    const rows = sampleIndexRows(indexSampleSeed(sha256(utf8("h")), id), n, 5);
    const got = await k.getIndexRows(ctx, id, [9, 0, 4, 3, 7, ...rows]);
    assert.deepEqual(Array.from(got.subarray(0, 10)), [90, -9, 0, 0, 40, -4, 30, -3, 70, -7]);
    assert.deepEqual(Array.from(got.subarray(10)), rows.flatMap((r) => [r * 10, 0 - r || 0]));
    await assert.rejects(() => k.getIndexRows(ctx, id, [10]));
    // the keeper's entry points for other modules (through expected keepers) are the same functions
    assert.deepEqual(k.sampleIndexRows(ctx, id, sha256(utf8("h")), 5), rows);
    assert.equal(k.verifyIndexRows, verifyIndexRows);
  });
});

const GOLDEN = [36, 66, 71, 93, 99];
