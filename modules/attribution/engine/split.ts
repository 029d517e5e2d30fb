/**
 * From point values to integer payouts (specs/attribution.md §1.11):
 * top-K′ truncation with a dust floor, per-contributor aggregation, largest-remainder fee split.
 * Point-level sums keep the split identity-neutral (Sybil-neutral up to one rounding unit per
 * identity), so nothing here is per identity: no minimum payout, no cap.
 */
import { METHODS } from "./methods.ts";

export interface TruncatedValues {
  readonly method: "top-k-truncation";
  readonly version: 1;
  readonly kPrime: number;
  readonly dust: number;
  /** kept point indices, nearest first. */
  readonly points: Uint32Array;
  /** their values (fixed-point integers), same order. */
  readonly values: Float64Array;
}

/**
 * Keeps the K′ nearest points (by the valuation's (distance, index) order) and, among them, drops
 * those with |v| < dust (fixed-point units). Negative values are kept (they feed the reputation
 * ledger); everything beyond rank K′ is dropped.
 */
export function truncateTopK(values: Float64Array, order: Uint32Array, kPrime: number, dust: number): TruncatedValues {
  if (!Number.isInteger(kPrime) || kPrime < 0) throw new RangeError(`poa: K′=${kPrime} must be a non-negative integer`);
  if (!Number.isSafeInteger(dust) || dust < 0) throw new RangeError(`poa: dust floor ${dust} must be a non-negative safe integer`);
  const top = Math.min(kPrime, order.length, values.length);
  const points: number[] = [];
  const vals: number[] = [];
  for (let r = 0; r < top; r++) {
    const i = order[r] as number;
    const v = values[i] as number;
    if ((v < 0 ? -v : v) < dust) continue;
    points.push(i);
    vals.push(v);
  }
  return { ...METHODS.truncateTopK, kPrime, dust, points: Uint32Array.from(points), values: Float64Array.from(vals) };
}

export interface ContributorWeight {
  readonly contributor: number;
  readonly weight: bigint;
}

export interface ContributorTotal {
  readonly contributor: number;
  readonly total: bigint;
}

export interface Aggregation {
  readonly method: "contributor-sum";
  readonly version: 1;
  /** w_c = Σ_{i∈c} v_i for every contributor with a positive total, ascending contributor id. */
  readonly weights: readonly ContributorWeight[];
  /** contributors whose total is negative (for a reputation ledger; never charged), ascending id. */
  readonly negatives: readonly ContributorTotal[];
}

/**
 * w_c = max(0, Σ_{i∈c} v_i). `contributorOf[i]` is point i's contributor id (a non-negative safe
 * integer; the caller numbers contributors, e.g. by address bytes). Values are exact integers (number
 * or bigint).
 */
export function aggregateByContributor(points: ArrayLike<number>, values: ArrayLike<number | bigint>, contributorOf: ArrayLike<number>): Aggregation {
  if (points.length !== values.length) throw new RangeError(`poa: ${points.length} points for ${values.length} values`);
  const totals = new Map<number, bigint>();
  for (let r = 0; r < points.length; r++) {
    const i = points[r] as number;
    const c = contributorOf[i];
    if (c === undefined || !Number.isSafeInteger(c) || c < 0) throw new RangeError(`poa: point ${i} has no valid contributor id (${String(c)})`);
    const v = values[r] as number | bigint;
    if (typeof v === "number" && !Number.isSafeInteger(v)) throw new RangeError(`poa: value ${v} of point ${i} is not an exact integer`);
    totals.set(c, (totals.get(c) ?? 0n) + BigInt(v));
  }
  const ids = [...totals.keys()].sort((a, b) => a - b);
  const weights: ContributorWeight[] = [];
  const negatives: ContributorTotal[] = [];
  for (const c of ids) {
    const t = totals.get(c) as bigint;
    if (t > 0n) weights.push({ contributor: c, weight: t });
    else if (t < 0n) negatives.push({ contributor: c, total: t });
  }
  return { ...METHODS.aggregate, weights, negatives };
}

export interface FeeShare {
  readonly contributor: number;
  readonly amount: bigint;
}

export interface FeeSplit {
  readonly method: "largest-remainder";
  readonly version: 1;
  readonly fee: bigint;
  /** one share per weighted contributor (amount ≥ 0), ascending contributor id. */
  readonly shares: readonly FeeShare[];
  /** what nobody could be assigned (the whole fee when W = 0): goes to the remainder sink (community pool). */
  readonly remainder: bigint;
}

/**
 * Largest-remainder split of `fee` by `weights` (weights ≥ 0, distinct contributors):
 * base_c = ⌊fee·w_c / W⌋, then the fee − Σ base leftover units (fewer than the number of contributors)
 * go one each to the largest remainders fee·w_c mod W, ties to the lowest contributor id.
 * Σ shares + remainder = fee exactly; remainder = fee if W = 0, else 0.
 */
export function splitFee(fee: bigint, weights: readonly ContributorWeight[]): FeeSplit {
  if (typeof fee !== "bigint" || fee < 0n) throw new RangeError(`poa: fee ${String(fee)} must be a non-negative bigint`);
  const sorted = [...weights].sort((a, b) => a.contributor - b.contributor);
  let W = 0n;
  for (let r = 0; r < sorted.length; r++) {
    const e = sorted[r] as ContributorWeight;
    if (!Number.isSafeInteger(e.contributor) || e.contributor < 0) throw new RangeError(`poa: invalid contributor id ${e.contributor}`);
    if (typeof e.weight !== "bigint" || e.weight < 0n) throw new RangeError(`poa: weight of contributor ${e.contributor} must be a non-negative bigint`);
    if (r > 0 && (sorted[r - 1] as ContributorWeight).contributor === e.contributor) throw new RangeError(`poa: contributor ${e.contributor} listed twice`);
    W += e.weight;
  }
  if (W === 0n) return { ...METHODS.feeSplit, fee, shares: sorted.map((e) => ({ contributor: e.contributor, amount: 0n })), remainder: fee };
  const amounts = new Array<bigint>(sorted.length);
  const rems = new Array<bigint>(sorted.length);
  let assigned = 0n;
  for (let r = 0; r < sorted.length; r++) {
    const p = fee * (sorted[r] as ContributorWeight).weight;
    const base = p / W;
    amounts[r] = base;
    rems[r] = p % W;
    assigned += base;
  }
  let leftover = Number(fee - assigned); // < number of contributors
  const byRem = sorted.map((_, r) => r).sort((a, b) => {
    const ra = rems[a] as bigint;
    const rb = rems[b] as bigint;
    return ra > rb ? -1 : ra < rb ? 1 : a - b; // rows are in ascending contributor order, so a − b is the id tie-break
  });
  for (let t = 0; t < byRem.length && leftover > 0; t++, leftover--) {
    const r = byRem[t] as number;
    amounts[r] = (amounts[r] as bigint) + 1n;
  }
  return { ...METHODS.feeSplit, fee, shares: sorted.map((e, r) => ({ contributor: e.contributor, amount: amounts[r] as bigint })), remainder: 0n };
}
