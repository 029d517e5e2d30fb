/**
 * Gaming resistance on a seeded synthetic Gaussian mixture (specs/attribution.md §3.5): replication by
 * exact or near copies (under the same or Sybil identities) must not earn more than 1.01× the
 * single-copy reward after dedup and collapse, and the collapse must drop ≤ 1% of honest points.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { prepareValuation } from "./attribute.ts";
import { createEmbeddingIndex } from "./embeddings.ts";
import { defendedRewards, replicate, sum, undefendedRewards } from "./testing/gaming.ts";
import { gaussianMixture } from "./testing/reference.ts";

const d = 16;
const TAU = 1024; // squared distance in quanta (scale 256/unit): 4 coordinates moved by ≤ 16 quanta
const PARAMS = { k: 10, kPrime: 50, dust: 2 ** 20, tau: TAU, fee: 1_000_000n };
const ATTACKER = 0;
const honest = gaussianMixture({ n: 1000, d, seed: 4242 });
const queries = gaussianMixture({ n: 60, d, seed: 4343, centres: honest.centres });
const owner = Float64Array.from({ length: honest.n }, (_, i) => i % 20);

describe("attribution/engine gaming resistance", () => {
  const single = sum(defendedRewards(replicate(honest, owner, ATTACKER, 1, false, false, 0), queries, PARAMS));

  it("the single-copy attacker earns a non-trivial reward (the test is not vacuous)", () => {
    assert.ok(single > 0n, "attacker earns nothing");
  });

  for (const k of [2, 5, 10]) {
    for (const near of [false, true]) {
      for (const sybil of [false, true]) {
        it(`k=${k} ${near ? "near" : "exact"} copies${sybil ? " under Sybil identities" : ""} earn ≤ 1.01× the single-copy reward`, () => {
          const sc = replicate(honest, owner, ATTACKER, k, near, sybil, 1000 * k + (near ? 1 : 0) + (sybil ? 2 : 0));
          const reward = sum(defendedRewards(sc, queries, PARAMS));
          const ratio = Number(reward) / Number(single);
          assert.ok(ratio <= 1.01, `ratio ${ratio.toFixed(4)} (reward ${reward}, single ${single})`);
          if (k === 5 && !sybil) {
            // without the defence, copies inflate the reward (why collapse runs before valuation)
            const raw = Number(sum(undefendedRewards(sc, queries, PARAMS))) / Number(single);
            assert.ok(raw > 1.5, `undefended ratio only ${raw.toFixed(3)}`);
          }
        });
      }
    }
  }

  it("drops ≤ 1% of honest points", () => {
    const v = prepareValuation(createEmbeddingIndex(honest.vectors, honest.labels, d), owner, TAU);
    assert.ok(v.collapse.dropped.length <= honest.n / 100, `${v.collapse.dropped.length} honest points dropped`);
  });
});
