/**
 * The valuation space: one quantised integer embedding per data point (row-major Int16Array or
 * Int32Array), one class label per point, and exact squared L2 distances.
 *
 * Exactness: a squared distance is a sum of d integer squares (x_c − q_c)², each at most (Bx + Bq)²
 * where Bx, Bq bound |coordinate| of the index and the query. Every partial sum is an integer below
 * d·(Bx + Bq)², so while d·(Bx + Bq)² < 2^53 the double arithmetic is exact (no rounding happens at all)
 * and the result is the same on every machine. For int16 embeddings (B ≤ 2^15) the bound reads
 * 2^32·d < 2^53, i.e. d < 2^21; `assertDistanceBound` checks it on the actual values.
 */

import { createDotKernel, type DotKernel } from "./simdDot.ts";

export type IntVectors = Int16Array | Int32Array;

/** the largest index the engine accepts: the fixed-point recursion needs N·2^30 < 2^53 (README §2). */
export const MAX_POINTS = 2 ** 23 - 1;
/** the largest dimension accepted (any d that passes the value bound below is exact; this caps memory shapes). */
export const MAX_DIM = 2 ** 16;

export interface EmbeddingIndex {
  /** number of points; point i is row i (its registration order). */
  readonly n: number;
  /** dimension. */
  readonly d: number;
  /** n·d integers, row-major. */
  readonly vectors: IntVectors;
  /** class label of each point (non-negative integers). */
  readonly labels: Int32Array;
  /** max |coordinate| over the vectors. */
  readonly maxAbs: number;
}

export function maxAbsOf(v: IntVectors): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    const a = x < 0 ? -x : x;
    if (a > m) m = a;
  }
  return m;
}

/** throws unless every squared distance between vectors bounded by `a` and `b` is exact in a double. */
export function assertDistanceBound(d: number, a: number, b: number): void {
  const s = a + b;
  // s ≤ 2^32 and d ≤ 2^16, so s·s·d is computed exactly enough to compare against 2^53 (it is a power-of-two-bounded product)
  if (s * s * d >= 2 ** 53) throw new RangeError(`poa: squared distances not exact: d=${d}, max |coordinate| ${a} and ${b} (need d·(a+b)² < 2^53)`);
}

/** validates and wraps an index. Labels must be non-negative int32s; vectors.length must be n·d. */
export function createEmbeddingIndex(vectors: IntVectors, labels: ArrayLike<number>, d: number): EmbeddingIndex {
  if (!Number.isInteger(d) || d < 1 || d > MAX_DIM) throw new RangeError(`poa: dimension ${d} out of range [1, ${MAX_DIM}]`);
  if (vectors.length % d !== 0) throw new RangeError(`poa: ${vectors.length} coordinates is not a multiple of d=${d}`);
  const n = vectors.length / d;
  if (n > MAX_POINTS) throw new RangeError(`poa: ${n} points exceeds the engine's limit ${MAX_POINTS}`);
  if (labels.length !== n) throw new RangeError(`poa: ${labels.length} labels for ${n} points`);
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    if (!Number.isInteger(y) || y < 0 || y > 0x7fffffff) throw new RangeError(`poa: label ${y} of point ${i} is not a non-negative int32`);
    lab[i] = y;
  }
  const maxAbs = maxAbsOf(vectors);
  assertDistanceBound(d, maxAbs, maxAbs);
  return Object.freeze({ n, d, vectors, labels: lab, maxAbs });
}

/** the index restricted to the points `keep` (ascending original indices), in that order. */
export function subsetIndex(index: EmbeddingIndex, keep: ArrayLike<number>): EmbeddingIndex {
  const { d } = index;
  const m = keep.length;
  const vectors = index.vectors instanceof Int16Array ? new Int16Array(m * d) : new Int32Array(m * d);
  const labels = new Int32Array(m);
  let prev = -1;
  for (let r = 0; r < m; r++) {
    const i = keep[r] as number;
    if (!Number.isInteger(i) || i <= prev || i >= index.n) throw new RangeError(`poa: subset indices must be ascending and in range (got ${i} after ${prev})`);
    prev = i;
    vectors.set(index.vectors.subarray(i * d, i * d + d), r * d);
    labels[r] = index.labels[i] as number;
  }
  return Object.freeze({ n: m, d, vectors, labels, maxAbs: maxAbsOf(vectors) });
}

/**
 * out[i] = ‖x_i − q‖² for every point; returns the largest distance. Exact integers (see the file
 * comment); the caller has checked the bound for `q`. The query is copied into an Int32Array first
 * (monomorphic loads), and rows are unrolled by 8 or 4 coordinates when d allows: the partial sums
 * are exact integers, so the grouping cannot change the result.
 */
export function squaredDistances(index: EmbeddingIndex, query: IntVectors, out: Float64Array): number {
  // indexes of ≥ 64 points go through the WebAssembly SIMD kernel (simdDot.ts: the same exact integers)
  let kernel = kernels.get(index);
  if (kernel === undefined && index.n >= SIMD_MIN_POINTS) {
    kernel = createDotKernel(index.vectors, index.n, index.d, index.maxAbs) ?? null;
    kernels.set(index, kernel);
  }
  if (kernel) {
    const max = kernel.distances(query, out);
    if (max >= 0) return max;
  }
  return squaredDistancesJs(index, query, out);
}

/** the smallest index that gets a SIMD kernel (copying the rows into wasm memory once pays off). */
const SIMD_MIN_POINTS = 64;
/** one kernel (or null: unavailable / out of range) per index, dropped with it. */
const kernels = new WeakMap<EmbeddingIndex, DotKernel | null>();

/** `squaredDistances` in plain JS (the reference; also the fallback of the SIMD kernel). */
export function squaredDistancesJs(index: EmbeddingIndex, query: IntVectors, out: Float64Array): number {
  const { n, d, vectors: x } = index;
  const q = query instanceof Int32Array ? query : Int32Array.from(query);
  let max = 0;
  if (d % 8 === 0) {
    for (let i = 0, b = 0; i < n; i++) {
      let s0 = 0;
      let s1 = 0;
      for (let c = 0; c < d; c += 8, b += 8) {
        const t0 = (x[b] as number) - (q[c] as number);
        const t1 = (x[b + 1] as number) - (q[c + 1] as number);
        const t2 = (x[b + 2] as number) - (q[c + 2] as number);
        const t3 = (x[b + 3] as number) - (q[c + 3] as number);
        const t4 = (x[b + 4] as number) - (q[c + 4] as number);
        const t5 = (x[b + 5] as number) - (q[c + 5] as number);
        const t6 = (x[b + 6] as number) - (q[c + 6] as number);
        const t7 = (x[b + 7] as number) - (q[c + 7] as number);
        s0 += t0 * t0 + t1 * t1 + t4 * t4 + t5 * t5;
        s1 += t2 * t2 + t3 * t3 + t6 * t6 + t7 * t7;
      }
      const s = s0 + s1;
      out[i] = s;
      if (s > max) max = s;
    }
  } else if (d % 4 === 0) {
    for (let i = 0, b = 0; i < n; i++) {
      let s0 = 0;
      let s1 = 0;
      for (let c = 0; c < d; c += 4, b += 4) {
        const t0 = (x[b] as number) - (q[c] as number);
        const t1 = (x[b + 1] as number) - (q[c + 1] as number);
        const t2 = (x[b + 2] as number) - (q[c + 2] as number);
        const t3 = (x[b + 3] as number) - (q[c + 3] as number);
        s0 += t0 * t0 + t1 * t1;
        s1 += t2 * t2 + t3 * t3;
      }
      const s = s0 + s1;
      out[i] = s;
      if (s > max) max = s;
    }
  } else {
    for (let i = 0, b = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < d; c++, b++) {
        const t = (x[b] as number) - (q[c] as number);
        s += t * t;
      }
      out[i] = s;
      if (s > max) max = s;
    }
  }
  return max;
}
