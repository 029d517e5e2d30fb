/**
 * Float helpers for the offline `poa value` CLI: squared Euclidean distances in float64 on raw features
 * or model embeddings, the (distance, index) order, and the float KNN-Shapley recursion of
 * specs/attribution.md §1.6 (Jia et al. 2019), with the engine's anchor m_N/max(K, N) so that the
 * float and the fixed-point values are the same game also when N < K.
 */

/** squared L2 distances from row q (length d) to every row of x (n·d) into out. */
export function squaredDistancesFloat(x: ArrayLike<number>, n: number, d: number, q: ArrayLike<number>, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * d;
    for (let c = 0; c < d; c++) {
      const t = (x[o + c] as number) - (q[c] as number);
      s += t * t;
    }
    out[i] = s;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * point indices sorted by (distance, index), leaving out `skip` (−1: none). Ties go to the lower index.
 * Distances are non-negative doubles, whose IEEE-754 bit patterns order like the values, so a stable
 * LSD radix sort on 11-bit digits of the bits (constant digits skipped) over the indices in
 * ascending order gives exactly the (distance, index) order, in O(N).
 */
export function orderByDistance(dist: Float64Array, n: number, skip = -1): Uint32Array {
  const m = skip >= 0 && skip < n ? n - 1 : n;
  let order = new Uint32Array(m);
  let w = 0;
  for (let i = 0; i < n; i++) if (i !== skip) order[w++] = i;
  if (!LITTLE_ENDIAN) return order.sort((a, b) => (dist[a] as number) - (dist[b] as number) || a - b);
  const words = new Uint32Array(dist.buffer, dist.byteOffset, n * 2); // little-endian: [lo, hi] per double
  for (let i = 0; i < n; i++) if (!((dist[i] as number) >= 0)) throw new RangeError(`poa: distance ${dist[i]} is not a non-negative number`);
  let tmp = new Uint32Array(m);
  const count = new Uint32Array(2049);
  // 11-bit digits, least significant first: lo[0..10], lo[11..21], lo[22..31], hi[0..10], hi[11..21], hi[22..31]
  for (const [half, shift] of [[0, 0], [0, 11], [0, 22], [1, 0], [1, 11], [1, 22]] as const) {
    const digit = (i: number) => ((words[i * 2 + half] as number) >>> shift) & 0x7ff;
    const first = m > 0 ? digit(order[0] as number) : 0;
    let constant = true;
    for (let r = 1; r < m && constant; r++) if (digit(order[r] as number) !== first) constant = false;
    if (constant) continue;
    count.fill(0);
    for (let r = 0; r < m; r++) {
      const b = digit(order[r] as number) + 1;
      count[b] = (count[b] as number) + 1;
    }
    for (let b = 1; b <= 2048; b++) count[b] = (count[b] as number) + (count[b - 1] as number);
    for (let r = 0; r < m; r++) {
      const i = order[r] as number;
      const b = digit(i);
      tmp[count[b] as number] = i;
      count[b] = (count[b] as number) + 1;
    }
    [order, tmp] = [tmp, order];
  }
  return order;
}

/**
 * KNN-Shapley values (float) of the players `order` (nearest first) for a query labelled y:
 * s(α_N) = m_N / max(K, N); s(α_j) = s(α_{j+1}) + (m_j − m_{j+1})·min(K, j)/(K·j). Adds them into
 * `acc` at the players' indices (so that sums over queries accumulate in place).
 */
export function addKnnShapley(order: Uint32Array, labels: ArrayLike<number>, y: number, k: number, acc: Float64Array): void {
  const n = order.length;
  if (n === 0) return;
  const m = (r: number): number => (labels[order[r] as number] === y ? 1 : 0);
  let v = m(n - 1) / Math.max(n, k);
  acc[order[n - 1] as number] = (acc[order[n - 1] as number] as number) + v;
  for (let j = n - 1; j >= 1; j--) {
    v += ((m(j - 1) - m(j)) * Math.min(k, j)) / (k * j);
    const i = order[j - 1] as number;
    acc[i] = (acc[i] as number) + v;
  }
}

/** argmax per row of n·C scores; ties go to the lower class. */
export function argmaxRows(v: ArrayLike<number>, n: number, c: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let a = 1; a < c; a++) if ((v[i * c + a] as number) > (v[i * c + best] as number)) best = a;
    out[i] = best;
  }
  return out;
}

/** ROC AUC of `score` for detecting positives as HIGH scores (ties count one half). */
export function aucHigh(score: ArrayLike<number>, positive: ArrayLike<number>): number {
  const n = score.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => (score[a] as number) - (score[b] as number));
  let pos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) pos++;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  let good = 0;
  let negBelow = 0;
  let r = 0;
  while (r < n) {
    let e = r;
    while (e < n && score[idx[e] as number] === score[idx[r] as number]) e++;
    let gp = 0;
    let gn = 0;
    for (let t = r; t < e; t++) if (positive[idx[t] as number]) gp++;
    else gn++;
    good += gp * negBelow + 0.5 * gp * gn;
    negBelow += gn;
    r = e;
  }
  return good / (pos * neg);
}
