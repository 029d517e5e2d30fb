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

/** point indices sorted by (distance, index), leaving out `skip` (−1: none). Ties go to the lower index. */
export function orderByDistance(dist: Float64Array, n: number, skip = -1): Uint32Array {
  const order = new Uint32Array(skip >= 0 && skip < n ? n - 1 : n);
  let m = 0;
  for (let i = 0; i < n; i++) if (i !== skip) order[m++] = i;
  order.sort((a, b) => (dist[a] as number) - (dist[b] as number) || a - b);
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
