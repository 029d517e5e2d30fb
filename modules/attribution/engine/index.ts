/**
 * Public surface of the Proof of Attribution engine (pure, deterministic, no IO). See README.md.
 */
export { METHODS, type MethodId } from "./methods.ts";
export { createEmbeddingIndex, subsetIndex, squaredDistances, assertDistanceBound, MAX_POINTS, MAX_DIM, type EmbeddingIndex, type IntVectors } from "./embeddings.ts";
export {
  knnShapley,
  knnShapleyOrdered,
  knnShapleySum,
  auditValues,
  createKnnWorkspace,
  stepLimbs,
  floorDivBig,
  SCALE,
  SCALE_BITS,
  LO_BITS,
  type KnnShapleyResult,
  type KnnShapleySumResult,
  type AuditResult,
  type KnnWorkspace,
} from "./knnShapley.ts";
export { collapseDuplicates, collapsedIndex, encodePoint, pointHash, ceilSqrt, medianNearestNeighbourSq, autoTau, AUTO_TAU_DIVISOR, type CollapseResult, type DroppedPoint } from "./dedup.ts";
export { truncateTopK, aggregateByContributor, splitFee, type TruncatedValues, type Aggregation, type ContributorWeight, type ContributorTotal, type FeeShare, type FeeSplit } from "./split.ts";
export { prepareValuation, attributeQuery, EXCLUDED_SINK, type PoaParams, type Valuation, type PaidPoint, type Attribution } from "./attribute.ts";
