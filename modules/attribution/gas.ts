/**
 * Gas for the PoA engine's work (integers, a pure function of the state the work reads, never of a
 * cache). Calibrated on these machines at about 7–10 ns of one core per gas unit, the scale of the SDK's
 * KV costs (a bank send, ~70k gas, takes about 0.5 ms here): one exact KNN-Shapley query at N = 10k,
 * d = 64 measures ~2 ms and costs 10k·64/2 + 4·10k ≈ 360k gas.
 *
 * - query (attributeInference): ⌈N·d/2⌉ for the distances + 4·N for the sort and recursion, charged before
 *   the work, with N the points of the model's snapshot; then 200 per paid point (receipt, reputation);
 * - index completion (the MsgSetEmbeddingIndex that stores the last rows): 2·N·d for dedup and the
 *   grid-pruned near-duplicate collapse that the first query of the model runs;
 * - audit (MsgAuditModel): ⌈N²·d/2⌉, N the points after collapse (N queries over N−1 points).
 */
export const ATTRIBUTION_GAS = Object.freeze({
  /** per point per coordinate, divided by this. */
  pointDimDivisor: 2n,
  perPoint: 4n,
  perPaidPoint: 200n,
  collapsePerPointDim: 2n,
});

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

export function queryGas(n: bigint, d: number): bigint {
  return ceilDiv(n * BigInt(d), ATTRIBUTION_GAS.pointDimDivisor) + ATTRIBUTION_GAS.perPoint * n;
}

export function paidPointsGas(points: number): bigint {
  return ATTRIBUTION_GAS.perPaidPoint * BigInt(points);
}

export function collapseGas(n: bigint, d: number): bigint {
  return ATTRIBUTION_GAS.collapsePerPointDim * n * BigInt(d);
}

export function auditGas(n: bigint, d: number): bigint {
  return ceilDiv(n * n * BigInt(d), ATTRIBUTION_GAS.pointDimDivisor);
}
