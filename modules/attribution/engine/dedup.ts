/**
 * Replication defences applied before valuation (specs/attribution.md §3.1, §3.4): Shapley credit is
 * not replication-robust, so copies must be removed from the game, not discounted inside it.
 *
 * 1. Exact dedup: sha256 of the canonical encoding of (vector, label) (`pointHash`); a point whose
 *    hash equals an earlier kept point's is dropped ("exact").
 * 2. Greedy near-duplicate collapse in registration order (= index order): a point within squared
 *    distance τ of an earlier kept point is dropped ("near") and collapses to the nearest such kept
 *    point, ties to the lowest index. The result is exactly the naive O(N²) greedy rule's; a grid on
 *    the P ≤ 3 widest coordinates (cell side w = ⌈√τ⌉, so any pair within τ lies in adjacent cells)
 *    only prunes the candidates, and it degrades to the naive scan when the data do not spread.
 */
import { sha256 } from "../../core/hash.ts";
import type { EmbeddingIndex, IntVectors } from "./embeddings.ts";
import { subsetIndex } from "./embeddings.ts";
import { METHODS } from "./methods.ts";

const DOMAIN = [0x70, 0x6f, 0x61, 0x2e, 0x70, 0x6f, 0x69, 0x6e, 0x74, 0x2e, 0x76, 0x31]; // "poa.point.v1"

/**
 * Canonical encoding of one valuation point: "poa.point.v1" ‖ u32be(d) ‖ d × i32be(coordinate) ‖
 * u32be(label). Int16 and Int32 storage of the same values encode identically.
 */
export function encodePoint(v: IntVectors, label: number): Uint8Array {
  const d = v.length;
  const out = new Uint8Array(DOMAIN.length + 4 + 4 * d + 4);
  out.set(DOMAIN, 0);
  const dv = new DataView(out.buffer);
  let o = DOMAIN.length;
  dv.setUint32(o, d);
  o += 4;
  for (let c = 0; c < d; c++, o += 4) dv.setInt32(o, v[c] as number);
  dv.setUint32(o, label);
  return out;
}

export function pointHash(v: IntVectors, label: number): Uint8Array {
  return sha256(encodePoint(v, label));
}

function hexOf(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i] as number).toString(16).padStart(2, "0");
  return s;
}

export interface DroppedPoint {
  /** the dropped point (original index). */
  readonly index: number;
  /** the earlier kept point it collapsed to. */
  readonly to: number;
  readonly reason: "exact" | "near";
  /** squared distance to `to` (0 for exact copies). */
  readonly dist: number;
}

export interface CollapseResult {
  readonly method: "dedup-collapse";
  readonly version: 1;
  readonly tau: number;
  /** kept original indices, ascending (registration order). */
  readonly kept: Uint32Array;
  /** dropped points, ascending by index. */
  readonly dropped: readonly DroppedPoint[];
  /** for every original point: itself if kept, else the kept point it collapsed to. */
  readonly representative: Uint32Array;
}

/** ⌊a/b⌋ for integers a (|a| < 2^53) and b ≥ 1. */
function floorDivInt(a: number, b: number): number {
  let q = Math.floor(a / b);
  while (q * b > a) q--;
  while ((q + 1) * b <= a) q++;
  return q;
}

/**
 * ⌈√t⌉ for an integer 0 ≤ t ≤ 2^50, by integer bisection only (no floating-point square root in
 * modules/; every square tested is ≤ 2^52, exact in a double).
 */
export function ceilSqrt(t: number): number {
  let lo = 0; // lo² < t unless t = 0
  let hi = 2 ** 25; // hi² = 2^50 ≥ t
  if (t === 0) return 0;
  while (hi - lo > 1) {
    const mid = lo + ((hi - lo) >>> 1);
    if (mid * mid >= t) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Exact dedup then greedy near-duplicate collapse with squared-distance threshold `tau` (an integer
 * ≥ 0; τ = 0 collapses identical vectors whatever their labels). Label-agnostic by design: a copy with
 * another label is still a copy.
 */
export function collapseDuplicates(index: EmbeddingIndex, tau: number): CollapseResult {
  if (!Number.isInteger(tau) || tau < 0 || tau > 2 ** 50) throw new RangeError(`poa: tau ${tau} must be an integer in [0, 2^50]`);
  const { n, d, vectors: x, labels } = index;
  // grid coordinates: the P ≤ 3 coordinates with the widest range, ties to the lower coordinate
  const w = Math.max(1, ceilSqrt(tau));
  const ranges: { c: number; range: number }[] = [];
  for (let c = 0; c < d; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = x[i * d + c] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    ranges.push({ c, range: n === 0 ? 0 : hi - lo });
  }
  ranges.sort((a, b) => b.range - a.range || a.c - b.c);
  const dims = ranges.slice(0, Math.min(3, d)).map((r) => r.c);
  const P = dims.length;
  const cells = new Map<string, number[]>();
  const byHash = new Map<string, number>();
  const kept: number[] = [];
  const dropped: DroppedPoint[] = [];
  const representative = new Uint32Array(n);
  const g = new Array<number>(P).fill(0);
  const probe = new Array<number>(P).fill(0);
  const neighbours = 3 ** P;
  for (let i = 0; i < n; i++) {
    const row = x.subarray(i * d, i * d + d);
    const h = hexOf(pointHash(row, labels[i] as number));
    const same = byHash.get(h);
    if (same !== undefined) {
      dropped.push({ index: i, to: same, reason: "exact", dist: 0 });
      representative[i] = same;
      continue;
    }
    for (let p = 0; p < P; p++) g[p] = floorDivInt(row[dims[p] as number] as number, w);
    let best = -1;
    let bestDist = 0;
    for (let nb = 0; nb < neighbours; nb++) {
      let t = nb;
      for (let p = 0; p < P; p++) {
        probe[p] = (g[p] as number) + (t % 3) - 1;
        t = (t - (t % 3)) / 3;
      }
      const list = cells.get(probe.join(","));
      if (list === undefined) continue;
      for (const j of list) {
        let s = 0;
        const base = j * d;
        for (let c = 0; c < d && s <= tau; c++) {
          const diff = (x[base + c] as number) - (row[c] as number);
          s += diff * diff;
        }
        if (s <= tau && (best < 0 || s < bestDist || (s === bestDist && j < best))) {
          best = j;
          bestDist = s;
        }
      }
    }
    if (best >= 0) {
      dropped.push({ index: i, to: best, reason: "near", dist: bestDist });
      representative[i] = best;
      continue;
    }
    kept.push(i);
    representative[i] = i;
    byHash.set(h, i);
    const key = g.join(",");
    const list = cells.get(key);
    if (list === undefined) cells.set(key, [i]);
    else list.push(i);
  }
  return { ...METHODS.dedupCollapse, tau, kept: Uint32Array.from(kept), dropped, representative };
}

/** the valuation index after collapse: kept points only, with their original indices. */
export function collapsedIndex(index: EmbeddingIndex, c: CollapseResult): { index: EmbeddingIndex; origin: Uint32Array } {
  return { index: subsetIndex(index, c.kept), origin: c.kept };
}

/** the default divisor of `autoTau`: a copy must be 4× closer than a typical nearest neighbour. */
export const AUTO_TAU_DIVISOR = 16;

/**
 * The median (lower median) squared distance from a point to its nearest other point, over the first
 * `sample` points in registration order (each against all N points; exact integers, O(sample·N·d)).
 * Exact duplicates count with distance 0. N < 2 gives 0.
 */
export function medianNearestNeighbourSq(index: EmbeddingIndex, sample = 2000): number {
  const { n, d, vectors } = index;
  if (n < 2) return 0;
  const m = Math.min(n, Math.max(1, Math.floor(sample)));
  const nn = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let best = Number.POSITIVE_INFINITY;
    const oi = i * d;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const oj = j * d;
      let s = 0;
      for (let c = 0; c < d && s < best; c++) {
        const t = (vectors[oi + c] as number) - (vectors[oj + c] as number);
        s += t * t;
      }
      if (s < best) best = s;
    }
    nn[i] = best;
  }
  nn.sort();
  return nn[(m - 1) >> 1] as number;
}

/**
 * τ relative to the space (specs/attribution.md §3.4: "express τ relative to the median nearest-neighbour
 * distance"): ⌊median NN squared distance / divisor⌋, i.e. copies within 1/√divisor of a typical
 * neighbour distance collapse (divisor 16: a quarter).
 */
export function autoTau(index: EmbeddingIndex, divisor = AUTO_TAU_DIVISOR, sample = 2000): number {
  if (!(divisor >= 1)) throw new RangeError(`poa: auto-τ divisor ${divisor} must be ≥ 1`);
  return Math.floor(medianNearestNeighbourSq(index, sample) / divisor);
}
