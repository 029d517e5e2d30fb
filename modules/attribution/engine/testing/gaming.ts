/**
 * Gaming scenarios of specs/attribution.md §3.5 on the seeded Gaussian mixture (test-only helper, floats
 * allowed): replication by exact or near copies under the same or Sybil identities, Sybil splits, and
 * the rewards an attacker collects through the engine's pipeline, with and without the defence
 * (dedup + near-duplicate collapse before valuation). Shared by gaming.test.ts and test/bench/poaGaming.ts.
 */
import { attributeQuery, prepareValuation } from "../attribute.ts";
import { createEmbeddingIndex, type EmbeddingIndex } from "../embeddings.ts";
import { knnShapley } from "../knnShapley.ts";
import { aggregateByContributor, splitFee, truncateTopK } from "../split.ts";
import { createRng, type Mixture } from "./reference.ts";

export interface GamingParams {
  readonly k: number;
  readonly kPrime: number;
  readonly dust: number;
  /** near-duplicate threshold, squared distance in quanta. */
  readonly tau: number;
  readonly fee: bigint;
}

/** Sybil identities of the attacker get ids ≥ SYBIL_BASE. */
export const SYBIL_BASE = 1_000_000;

export interface Scenario {
  readonly index: EmbeddingIndex;
  readonly contributors: Float64Array;
  /** which contributor ids belong to the attacker. */
  readonly isAttacker: (c: number) => boolean;
}

/**
 * The honest set plus k−1 extra copies of each point of `attacker`: exact, or near (4 distinct
 * coordinates moved by ±1..`nearStep` quanta, so within τ = 4·nearStep²), under the attacker's id or
 * one Sybil identity per copy.
 */
export function replicate(honest: Mixture, owner: ArrayLike<number>, attacker: number, k: number, near: boolean, sybil: boolean, seed: number, nearStep = 16): Scenario {
  const d = honest.d;
  const rng = createRng(seed);
  const mine: number[] = [];
  for (let i = 0; i < honest.n; i++) if (owner[i] === attacker) mine.push(i);
  const extra = mine.length * (k - 1);
  const vectors = new Int16Array((honest.n + extra) * d);
  vectors.set(honest.vectors);
  const labels = new Int32Array(honest.n + extra);
  labels.set(honest.labels);
  const contributors = new Float64Array(honest.n + extra);
  contributors.set(Array.from(owner));
  let at = honest.n;
  for (let copy = 1; copy < k; copy++) {
    for (const i of mine) {
      const row = vectors.subarray(at * d, at * d + d);
      row.set(honest.vectors.subarray(i * d, i * d + d));
      if (near) {
        const moved = new Set<number>();
        while (moved.size < 4) moved.add(rng.int(d));
        for (const c of moved) row[c] = (row[c] as number) + (rng.int(2) === 0 ? -1 : 1) * (1 + rng.int(nearStep));
      }
      labels[at] = honest.labels[i] as number;
      contributors[at] = sybil ? SYBIL_BASE + copy : attacker;
      at++;
    }
  }
  return { index: createEmbeddingIndex(vectors, labels, d), contributors, isAttacker: (c) => c === attacker || c >= SYBIL_BASE };
}

/** the honest set with `attacker`'s points spread round-robin over s identities (ids SYBIL_BASE + j). */
export function sybilSplit(honest: Mixture, owner: ArrayLike<number>, attacker: number, s: number): Scenario {
  const contributors = Float64Array.from(owner);
  let j = 0;
  for (let i = 0; i < honest.n; i++) if (owner[i] === attacker) contributors[i] = SYBIL_BASE + (j++ % s);
  return { index: createEmbeddingIndex(honest.vectors, honest.labels, honest.d), contributors, isAttacker: (c) => c === attacker || c >= SYBIL_BASE };
}

/** the attacker's fee units per query through the defended pipeline (collapse, KNN-Shapley, top-K′, split). */
export function defendedRewards(sc: Scenario, queries: Mixture, p: GamingParams): bigint[] {
  const d = queries.d;
  const v = prepareValuation(sc.index, sc.contributors, p.tau);
  const out: bigint[] = [];
  for (let j = 0; j < queries.n; j++) {
    const a = attributeQuery(v, queries.vectors.subarray(j * d, j * d + d), queries.labels[j] as number, p, p.fee);
    let total = 0n;
    for (const s of a.shares) if (sc.isAttacker(s.contributor)) total += s.amount;
    out.push(total);
  }
  return out;
}

/** the same without dedup/collapse (KNN-Shapley on every point). */
export function undefendedRewards(sc: Scenario, queries: Mixture, p: GamingParams): bigint[] {
  const d = queries.d;
  const out: bigint[] = [];
  for (let j = 0; j < queries.n; j++) {
    const r = knnShapley(sc.index, queries.vectors.subarray(j * d, j * d + d), queries.labels[j] as number, p.k);
    const t = truncateTopK(r.values, r.order, p.kPrime, p.dust);
    const split = splitFee(p.fee, aggregateByContributor(t.points, t.values, sc.contributors).weights);
    let total = 0n;
    for (const s of split.shares) if (sc.isAttacker(s.contributor)) total += s.amount;
    out.push(total);
  }
  return out;
}

export const sum = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => a + b, 0n);
