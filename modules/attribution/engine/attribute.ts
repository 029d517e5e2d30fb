/**
 * The per-inference pipeline, composed from the engine's pure steps:
 * dedup + near-duplicate collapse (once per index) → exact KNN-Shapley for the query → top-K′ with a
 * dust floor → per-contributor sums → largest-remainder split of the fee. Everything is integer and
 * deterministic; the result names the pipeline version and the version of every step.
 */
import { collapseDuplicates, collapsedIndex, type CollapseResult } from "./dedup.ts";
import type { EmbeddingIndex, IntVectors } from "./embeddings.ts";
import { assertK, createKnnWorkspace, knnShapley, type KnnWorkspace } from "./knnShapley.ts";
import { METHODS, type MethodId } from "./methods.ts";
import { aggregateByContributor, splitFee, truncateTopK, type ContributorTotal, type ContributorWeight, type FeeShare } from "./split.ts";

export interface PoaParams {
  /** K of the KNN game. */
  readonly k: number;
  /** how many nearest points may be paid. */
  readonly kPrime: number;
  /** |v| below this (fixed-point units, scale 2^40) is dust and dropped. */
  readonly dust: number;
  /** near-duplicate squared-distance threshold (quantised units). */
  readonly tau: number;
}

export interface Valuation {
  readonly tau: number;
  readonly collapse: CollapseResult;
  /** the index after collapse (kept points, registration order). */
  readonly index: EmbeddingIndex;
  /** original index of each kept point. */
  readonly origin: Uint32Array;
  /** contributor id of each kept point. */
  readonly contributors: Float64Array;
  readonly ws: KnnWorkspace;
}

/** collapses duplicates once for an index (per model snapshot) and keeps a workspace for queries. */
export function prepareValuation(index: EmbeddingIndex, contributorOf: ArrayLike<number>, tau: number): Valuation {
  if (contributorOf.length !== index.n) throw new RangeError(`poa: ${contributorOf.length} contributor ids for ${index.n} points`);
  const collapse = collapseDuplicates(index, tau);
  const { index: compact, origin } = collapsedIndex(index, collapse);
  const contributors = new Float64Array(origin.length);
  for (let r = 0; r < origin.length; r++) contributors[r] = contributorOf[origin[r] as number] as number;
  return { tau, collapse, index: compact, origin, contributors, ws: createKnnWorkspace(compact.n) };
}

export interface PaidPoint {
  /** original index (registration order). */
  readonly index: number;
  readonly contributor: number;
  /** KNN-Shapley value at scale 2^40. */
  readonly value: bigint;
  /** excluded from payment (its weight went to the remainder). */
  readonly excluded: boolean;
}

export interface Attribution {
  readonly method: "poa-knn-shapley";
  readonly version: 1;
  /** the version of every step. */
  readonly steps: readonly MethodId[];
  readonly k: number;
  readonly kPrime: number;
  readonly dust: number;
  readonly tau: number;
  readonly label: number;
  readonly scaleBits: number;
  /** points in the valuation game (after collapse). */
  readonly n: number;
  /** U(D) = matches / K. */
  readonly matches: number;
  /** the paid (truncated) points, nearest first. */
  readonly points: readonly PaidPoint[];
  readonly weights: readonly ContributorWeight[];
  readonly negatives: readonly ContributorTotal[];
  readonly fee: bigint;
  readonly shares: readonly FeeShare[];
  /** unassigned units (W = 0): to the remainder sink. */
  readonly remainder: bigint;
}

/** the contributor id that stands for excluded points (their weight goes to the remainder). */
export const EXCLUDED_SINK = Number.MAX_SAFE_INTEGER;

/**
 * `excluded` (original indices, e.g. points whose contribution was slashed after the snapshot): they stay
 * in the game (values are unchanged), but their positive weight is paid to nobody: it is split as one
 * extra contributor whose share joins the remainder, so the other contributors' shares do not move.
 */
export function attributeQuery(v: Valuation, q: IntVectors, label: number, params: Omit<PoaParams, "tau">, fee: bigint, excluded?: ReadonlySet<number>): Attribution {
  const { k, kPrime, dust } = params;
  assertK(k);
  const r = knnShapley(v.index, q, label, k, v.ws);
  const t = truncateTopK(r.values, r.order, kPrime, dust);
  let contributorOf: ArrayLike<number> = v.contributors;
  if (excluded !== undefined && excluded.size > 0) {
    const over = Float64Array.from(v.contributors);
    for (let j = 0; j < t.points.length; j++) if (excluded.has(v.origin[t.points[j] as number] as number)) over[t.points[j] as number] = EXCLUDED_SINK;
    contributorOf = over;
  }
  const agg0 = aggregateByContributor(t.points, t.values, contributorOf);
  const agg = contributorOf === v.contributors ? agg0 : { ...agg0, negatives: agg0.negatives.filter((n) => n.contributor !== EXCLUDED_SINK) };
  const split0 = splitFee(fee, agg.weights);
  const sink = split0.shares.find((s) => s.contributor === EXCLUDED_SINK)?.amount ?? 0n;
  const split = sink === 0n && agg.weights.every((w) => w.contributor !== EXCLUDED_SINK) ? split0 : { ...split0, shares: split0.shares.filter((s) => s.contributor !== EXCLUDED_SINK), remainder: split0.remainder + sink };
  const weights = agg.weights.filter((w) => w.contributor !== EXCLUDED_SINK);
  const points: PaidPoint[] = [];
  for (let j = 0; j < t.points.length; j++) {
    const i = t.points[j] as number;
    points.push({ index: v.origin[i] as number, contributor: v.contributors[i] as number, value: BigInt(t.values[j] as number), excluded: contributorOf[i] === EXCLUDED_SINK });
  }
  return {
    ...METHODS.poaPipeline,
    steps: [METHODS.dedupCollapse, METHODS.knnShapley, METHODS.truncateTopK, METHODS.aggregate, METHODS.feeSplit],
    k,
    kPrime,
    dust,
    tau: v.tau,
    label,
    scaleBits: r.scaleBits,
    n: r.n,
    matches: r.matches,
    points,
    weights,
    negatives: agg.negatives,
    fee,
    shares: split.shares,
    remainder: split.remainder,
  };
}
