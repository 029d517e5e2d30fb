import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aggregateByContributor, splitFee, truncateTopK, type ContributorWeight } from "./split.ts";
import { createRng, gaussianMixture } from "./testing/reference.ts";
import { attributeQuery, prepareValuation } from "./attribute.ts";
import { createEmbeddingIndex } from "./embeddings.ts";

function randomBig(rng: ReturnType<typeof createRng>, bits: number): bigint {
  let x = 0n;
  for (let b = 0; b < bits; b += 32) x = (x << 32n) | BigInt(rng.u32());
  return x & ((1n << BigInt(bits)) - 1n);
}

describe("attribution/engine/split", () => {
  it("conserves the fee exactly for random weights and fees (largest remainder, ties to the lowest id)", () => {
    const base = 0x5eed;
    for (let t = 0; t < 400; t++) {
      const seed = base + t;
      try {
        const rng = createRng(seed);
        const m = 1 + rng.int(40);
        const ids = new Set<number>();
        while (ids.size < m) ids.add(rng.int(1000));
        const weights: ContributorWeight[] = [...ids].map((c) => ({ contributor: c, weight: rng.int(5) === 0 ? 0n : rng.int(3) === 0 ? BigInt(1 + rng.int(3)) : randomBig(rng, 1 + rng.int(80)) }));
        const fee = t % 3 === 0 ? BigInt(1 + rng.int(1000)) : 1n + randomBig(rng, 1 + rng.int(53)) % (2n ** 53n - 1n);
        const s = splitFee(fee, weights);
        assert.equal(s.method, "largest-remainder");
        const W = weights.reduce((a, w) => a + w.weight, 0n);
        const total = s.shares.reduce((a, x) => a + x.amount, 0n) + s.remainder;
        assert.equal(total, fee, "Σ shares + remainder = fee");
        assert.equal(s.remainder, W === 0n ? fee : 0n);
        assert.deepEqual(s.shares.map((x) => x.contributor), [...ids].sort((a, b) => a - b));
        if (W === 0n) continue;
        const byId = new Map(weights.map((w) => [w.contributor, w.weight]));
        let bumped = 0;
        for (const x of s.shares) {
          const w = byId.get(x.contributor) as bigint;
          const floor = (fee * w) / W;
          assert.ok(x.amount === floor || x.amount === floor + 1n, `share of ${x.contributor}`);
          assert.ok(x.amount >= 0n);
          if (w === 0n) assert.equal(x.amount, 0n);
          if (x.amount === floor + 1n) bumped++;
        }
        // whoever got the extra unit has a remainder at least as large as anyone who did not (ties: lower id first)
        const rem = (c: number) => (fee * (byId.get(c) as bigint)) % W;
        const winners = s.shares.filter((x) => x.amount > (fee * (byId.get(x.contributor) as bigint)) / W).map((x) => x.contributor);
        const losers = s.shares.filter((x) => x.amount === (fee * (byId.get(x.contributor) as bigint)) / W).map((x) => x.contributor);
        for (const a of winners) for (const b of losers) assert.ok(rem(a) > rem(b) || (rem(a) === rem(b) && a < b), `winner ${a} vs ${b}`);
        assert.ok(bumped < s.shares.length);
        // same input, same output (also with the weights listed in another order)
        assert.deepEqual(splitFee(fee, [...weights].reverse()), s);
      } catch (e) {
        console.error(`fee split property failed with seed ${seed}`);
        throw e;
      }
    }
  });

  it("breaks equal remainders toward the lowest contributor id, and sends everything to the sink when W = 0", () => {
    const s = splitFee(2n, [{ contributor: 9, weight: 5n }, { contributor: 3, weight: 5n }, { contributor: 4, weight: 5n }]);
    assert.deepEqual(s.shares, [{ contributor: 3, amount: 1n }, { contributor: 4, amount: 1n }, { contributor: 9, amount: 0n }]);
    const z = splitFee(77n, [{ contributor: 1, weight: 0n }]);
    assert.equal(z.remainder, 77n);
    assert.deepEqual(z.shares, [{ contributor: 1, amount: 0n }]);
    assert.equal(splitFee(5n, []).remainder, 5n);
    assert.throws(() => splitFee(-1n, []), RangeError);
    assert.throws(() => splitFee(1n, [{ contributor: 1, weight: 1n }, { contributor: 1, weight: 2n }]), RangeError);
    assert.throws(() => splitFee(1n, [{ contributor: 1, weight: -1n }]), RangeError);
  });

  it("truncates to the K′ nearest and drops dust, keeping negative values for the ledger", () => {
    const values = new Float64Array([50, -3, 1000, -2000, 7]);
    const order = new Uint32Array([2, 3, 1, 0, 4]);
    const t = truncateTopK(values, order, 4, 10);
    assert.equal(t.method, "top-k-truncation");
    assert.deepEqual(Array.from(t.points), [2, 3, 0]);
    assert.deepEqual(Array.from(t.values), [1000, -2000, 50]);
    assert.deepEqual(Array.from(truncateTopK(values, order, 0, 0).points), []);
  });

  it("aggregates per contributor: positive totals are weights, negative totals are reported apart", () => {
    const a = aggregateByContributor([0, 1, 2, 3, 4], [10, -4, 5, -9, 0], [7, 7, 2, 5, 1]);
    assert.equal(a.method, "contributor-sum");
    assert.deepEqual(a.weights, [{ contributor: 2, weight: 5n }, { contributor: 7, weight: 6n }]);
    assert.deepEqual(a.negatives, [{ contributor: 5, total: -9n }]);
    assert.throws(() => aggregateByContributor([0], [1.5], [0]), RangeError);
  });

  it("is Sybil-neutral: splitting a contributor into s identities changes its total by at most s rounding units", () => {
    let checked = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rng = createRng(seed);
      const n = 5 + rng.int(60);
      const values = Array.from({ length: n }, () => rng.int(2 ** 30) - 2 ** 27);
      const owner = Array.from({ length: n }, () => rng.int(8));
      const fee = 1n + randomBig(rng, 40);
      const points = Array.from({ length: n }, (_, i) => i);
      for (const s of [2, 10]) {
        const target = rng.int(8);
        // identities 100+j belong to the target; each of its points goes to one of them
        const sybil = owner.map((c) => (c === target ? 100 + rng.int(s) : c));
        const whole = splitFee(fee, aggregateByContributor(points, values, owner).weights);
        const split = splitFee(fee, aggregateByContributor(points, values, sybil).weights);
        const before = whole.shares.find((x) => x.contributor === target)?.amount ?? 0n;
        const after = split.shares.filter((x) => x.contributor >= 100).reduce((a, x) => a + x.amount, 0n);
        // w_c = max(0, Σ v) regroups point values exactly unless an identity ends with a negative total
        // (then max(0, ·) no longer nets it: README "Sybil note"); those splits are not covered here
        const sybilTotals = aggregateByContributor(points, values, sybil);
        const negativeParts = sybilTotals.negatives.filter((x) => x.contributor >= 100).length;
        if (negativeParts === 0) {
          assert.ok(after - before <= BigInt(s) && before - after <= BigInt(s), `seed ${seed} s=${s}: ${before} → ${after}`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 200, `only ${checked} splits checked`);
  });

  it("excluded (slashed) points keep their values but their weight goes to the remainder; other shares move by ≤ 1 unit", () => {
    const mx = gaussianMixture({ n: 400, d: 8, seed: 99 });
    const qs = gaussianMixture({ n: 30, d: 8, seed: 100, centres: mx.centres });
    const owner = Float64Array.from({ length: mx.n }, (_, i) => i % 7);
    const v = prepareValuation(createEmbeddingIndex(mx.vectors, mx.labels, 8), owner, 0);
    const params = { k: 5, kPrime: 20, dust: 0 };
    let tested = 0;
    for (let j = 0; j < qs.n; j++) {
      const q = qs.vectors.subarray(j * 8, j * 8 + 8);
      const fee = 1_000_003n;
      const a = attributeQuery(v, q, qs.labels[j] as number, params, fee);
      const victim = a.points.find((p) => p.value > 0n);
      if (victim === undefined) continue;
      const b = attributeQuery(v, q, qs.labels[j] as number, params, fee, new Set([victim.index]));
      assert.deepEqual(b.points.map((p) => [p.index, p.value]), a.points.map((p) => [p.index, p.value]));
      assert.deepEqual(b.points.filter((p) => p.excluded).map((p) => p.index), [victim.index]);
      assert.equal(b.shares.reduce((s, x) => s + x.amount, 0n) + b.remainder, fee);
      const share = (r: typeof a, c: number) => r.shares.find((s) => s.contributor === c)?.amount ?? 0n;
      const W = a.weights.reduce((s, w) => s + w.weight, 0n);
      const expectedLoss = (fee * victim.value) / W;
      const loss = share(a, victim.contributor) - share(b, victim.contributor);
      assert.ok(loss >= expectedLoss - 1n && loss <= expectedLoss + 1n, `loss ${loss}, expected ≈ ${expectedLoss}`);
      for (let c = 0; c < 7; c++) if (c !== victim.contributor) assert.ok(share(a, c) - share(b, c) <= 1n && share(b, c) - share(a, c) <= 1n);
      assert.ok(b.shares.every((s) => s.contributor < 7) && b.weights.every((w) => w.contributor < 7));
      tested++;
    }
    assert.ok(tested >= 20);
  });
});
