import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rng } from "../../modules/core/store/testing/rng.ts";
import { LruCache } from "../mempool/cache.ts";
import { KeyOrder } from "./keyOrder.ts";

/** the LRU cache as it was written before KeyOrder (a Map in recency order; evicts its first key): the model. */
class MapLru {
  readonly map = new Map<string, true>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  push(key: string): boolean {
    if (this.max === 0) return true;
    if (this.map.has(key)) {
      this.map.delete(key);
      this.map.set(key, true);
      return false;
    }
    this.map.set(key, true);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
    return true;
  }
  remove(key: string): void {
    this.map.delete(key);
  }
}

describe("util/keyOrder", () => {
  it("hands out keys oldest first, skipping entries whose stamp is no longer current", () => {
    const o = new KeyOrder();
    const cur = new Map<string, number>();
    for (const k of ["a", "b", "c"]) cur.set(k, o.push(k));
    cur.set("a", o.push("a")); // refreshed: its first entry is stale
    cur.delete("b"); // removed
    const at = (k: string) => cur.get(k);
    assert.equal(o.shift(at), "c");
    assert.equal(o.shift(at), "a");
    assert.equal(o.shift(at), undefined);
    assert.equal(o.length, 0);
  });

  it("LruCache answers as the Map-ordered LRU on random pushes and removes (with compaction and rebasing)", () => {
    for (const [seed, max, keys, ops] of [
      [1, 8, 20, 5_000],
      [2, 100, 150, 20_000],
      [3, 1, 3, 2_000],
      [4, 0, 5, 500],
      [5, 2_000, 2_500, 30_000],
    ] as const) {
      const r = rng(seed);
      const model = new MapLru(max);
      const lru = new LruCache(max);
      for (let i = 0; i < ops; i++) {
        const k = `k${r.int(keys)}`;
        if (r.int(4) === 0) {
          model.remove(k);
          lru.remove(k);
        } else {
          assert.equal(lru.push(k), model.push(k), `seed ${seed} op ${i} push ${k}`);
        }
        if (i % 97 === 0) {
          assert.equal(lru.size, model.map.size);
          for (let j = 0; j < keys; j++) assert.equal(lru.has(`k${j}`), model.map.has(`k${j}`), `seed ${seed} op ${i} has k${j}`);
        }
      }
    }
  });

  it("a full LruCache keeps exactly the newest max keys (60,000 pushes, max 10,000)", () => {
    const lru = new LruCache(10_000);
    for (let i = 0; i < 60_000; i++) lru.push(`tx${i}`);
    assert.equal(lru.size, 10_000);
    assert.equal(lru.has("tx49999"), false);
    assert.equal(lru.has("tx50000"), true);
    assert.equal(lru.has("tx59999"), true);
  });
});
