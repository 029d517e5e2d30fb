/**
 * Method identifiers of the Proof of Attribution engine. Every output of the engine names the method
 * and version that produced it; a new version is a new entry here, activated by governance, and old
 * receipts are never recomputed with a newer version (DESIGN.md, attribution).
 */

export interface MethodId {
  readonly method: string;
  readonly version: number;
}

export const METHODS = {
  /** exact KNN-Shapley (Jia et al. 2019), two-limb integer fixed point at scale 2^40 (README §2). */
  knnShapley: { method: "knn-shapley", version: 1 },
  /** audit mode: every point is a query labelled with its own label, played by the other N−1 points. */
  knnShapleyAudit: { method: "knn-shapley-audit", version: 1 },
  /** exact sha256 dedup of (vector, label), then greedy near-duplicate collapse in registration order. */
  dedupCollapse: { method: "dedup-collapse", version: 1 },
  /** top-K′ nearest neighbours with a dust floor. */
  truncateTopK: { method: "top-k-truncation", version: 1 },
  /** per-contributor sums, positive parts as weights, negative totals reported apart. */
  aggregate: { method: "contributor-sum", version: 1 },
  /** largest-remainder integer split, ties to the lowest contributor id. */
  feeSplit: { method: "largest-remainder", version: 1 },
  /** the per-inference composition: dedup-collapse v1 → knn-shapley v1 → top-k-truncation v1 → contributor-sum v1 → largest-remainder v1. */
  poaPipeline: { method: "poa-knn-shapley", version: 1 },
} as const satisfies Record<string, MethodId>;
