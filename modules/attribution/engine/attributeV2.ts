/**
 * poa-knn-shapley v2 (issue 6: a second method version for the governance registry and its shadow
 * mode). Same valuation as v1 (dedup-collapse v1 → exact KNN-Shapley v1), but the paid set is the K′
 * points with the largest |value| among ALL points (ties: nearer first), not the K′ nearest: a far point
 * that matters more than a near one is paid. Aggregation and the fee split are v1's. Integer only.
 */
import { type Attribution, EXCLUDED_SINK, type PaidPoint, type PoaParams, type Valuation } from "./attribute.ts";
import type { IntVectors } from "./embeddings.ts";
import { assertK, knnShapley } from "./knnShapley.ts";
import { METHODS, type MethodId } from "./methods.ts";
import { aggregateByContributor, splitFee } from "./split.ts";

export const METHODS_V2 = {
  /** top-K′ by |value| over every point, ties by distance rank, with the dust floor. */
  truncateTopValue: { method: "top-value-truncation", version: 1 },
  /** dedup-collapse v1 → knn-shapley v1 → top-value-truncation v1 → contributor-sum v1 → largest-remainder v1. */
  poaPipelineV2: { method: "poa-knn-shapley", version: 2 },
} as const satisfies Record<string, MethodId>;

/** an attribution by any registered pipeline version (v1's shape, the method named by value). */
export type MethodAttribution = Omit<Attribution, "method" | "version"> & { readonly method: string; readonly version: number };

/** K′ points with the largest |v| (|v| ≥ dust), ties by rank in `order` (nearest first); returned in that value order. */
export function truncateTopValue(values: Float64Array, order: Uint32Array, kPrime: number, dust: number): { points: Uint32Array; values: Float64Array } {
  if (!Number.isInteger(kPrime) || kPrime < 0) throw new RangeError(`poa: K′=${kPrime} must be a non-negative integer`);
  if (!Number.isSafeInteger(dust) || dust < 0) throw new RangeError(`poa: dust floor ${dust} must be a non-negative safe integer`);
  const ranked: { i: number; abs: number; rank: number }[] = [];
  for (let r = 0; r < order.length; r++) {
    const i = order[r] as number;
    const v = values[i] as number;
    const abs = v < 0 ? -v : v;
    if (abs < dust || abs === 0) continue;
    ranked.push({ i, abs, rank: r });
  }
  // values are exact integers (< 2^53): comparisons are exact
  ranked.sort((a, b) => (a.abs !== b.abs ? b.abs - a.abs : a.rank - b.rank));
  const top = ranked.slice(0, kPrime);
  return { points: Uint32Array.from(top.map((x) => x.i)), values: Float64Array.from(top.map((x) => values[x.i] as number)) };
}

/** v2 of the pipeline; `excluded` as in v1's attributeQuery (paid to nobody: the weight joins the remainder). */
export function attributeQueryV2(v: Valuation, q: IntVectors, label: number, params: Omit<PoaParams, "tau">, fee: bigint, excluded?: ReadonlySet<number>): MethodAttribution {
  const { k, kPrime, dust } = params;
  assertK(k);
  const r = knnShapley(v.index, q, label, k, v.ws);
  const t = truncateTopValue(r.values, r.order, kPrime, dust);
  let contributorOf: ArrayLike<number> = v.contributors;
  if (excluded !== undefined && excluded.size > 0) {
    const over = Float64Array.from(v.contributors);
    for (let j = 0; j < t.points.length; j++) if (excluded.has(v.origin[t.points[j] as number] as number)) over[t.points[j] as number] = EXCLUDED_SINK;
    contributorOf = over;
  }
  const agg = aggregateByContributor(t.points, t.values, contributorOf);
  const split0 = splitFee(fee, agg.weights);
  const sink = split0.shares.find((s) => s.contributor === EXCLUDED_SINK)?.amount ?? 0n;
  const shares = split0.shares.filter((s) => s.contributor !== EXCLUDED_SINK);
  const points: PaidPoint[] = [];
  for (let j = 0; j < t.points.length; j++) {
    const i = t.points[j] as number;
    points.push({ index: v.origin[i] as number, contributor: v.contributors[i] as number, value: BigInt(t.values[j] as number), excluded: contributorOf[i] === EXCLUDED_SINK });
  }
  return {
    ...METHODS_V2.poaPipelineV2,
    steps: [METHODS.dedupCollapse, METHODS.knnShapley, METHODS_V2.truncateTopValue, METHODS.aggregate, METHODS.feeSplit],
    k,
    kPrime,
    dust,
    tau: v.tau,
    label,
    scaleBits: r.scaleBits,
    n: r.n,
    matches: r.matches,
    points,
    weights: agg.weights.filter((w) => w.contributor !== EXCLUDED_SINK),
    negatives: agg.negatives.filter((n) => n.contributor !== EXCLUDED_SINK),
    fee,
    shares,
    remainder: split0.remainder + sink,
  };
}
