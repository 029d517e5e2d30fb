/**
 * Exact KNN-Shapley (Jia et al., VLDB 2019) in integer fixed point, bit-identical on every machine.
 *
 * Game for one query (q, y): players are the N points of the index; U(S) = (1/K)·#{points labelled y
 * among the min(K, |S|) nearest points of S}, U(∅) = 0. Sort the points by (squared distance, index)
 * into α_1 (nearest) … α_N, let m_t = 1[label(α_t) = y] and m_{N+1} = 0. The Shapley values are
 *
 *   s(α_j) = Σ_{t=j..N} (m_t − m_{t+1}) / max(K, t)                                     (1)
 *
 * which is Jia's recursion s(α_N) = m_N/N, s(α_j) = s(α_{j+1}) + (m_j − m_{j+1})·min(K,j)/(K·j), because
 * min(K,j)/(K·j) = 1/max(K,j) exactly; the anchor is m_N/max(K,N), which equals Jia's m_N/N when N ≥ K
 * and is the correct value when N < K (then the game is additive and every point is worth m/K).
 *
 * Integer form (method knn-shapley v1): S = 2^40, Q = 2^30. For n ≥ 1 let
 *   hi(n) = ⌊S/n⌋,  lo(n) = ⌊Q·(S mod n)/n⌋,   so  S/n = hi(n) + lo(n)/Q + δ_n,  0 ≤ δ_n < 1/Q.
 * Accumulate (1) from the far end in two exact integer limbs, H_j = Σ (m_t − m_{t+1})·hi(max(K,t)) and
 * L_j = Σ (m_t − m_{t+1})·lo(max(K,t)), and output v(α_j) = H_j + ⌊L_j / Q⌋.
 * Bounds (all intermediates are exact integers in doubles):
 *   - hi(n) ≤ 2^40; |H_j| ≤ 2^40 (an alternating sum of non-increasing terms is bounded by its first);
 *   - lo(n) < Q and Q·(S mod n) < Q·n ≤ 2^53 needs n ≤ 2^23; |L_j| < N·Q < 2^53 needs N < 2^23;
 *   - ⌊L/Q⌋ divides by a power of two: exact.
 * Error: with X_j = S·s(α_j) exactly, H_j + L_j/Q = X_j − Σ ±δ, so |H_j + L_j/Q − X_j| < N/Q and
 *   −1 − N/Q < v(α_j) − X_j < N/Q        (per point: within one unit for N ≪ 2^30)
 *   |Σ_j v(α_j) − S·U(D)| < N·(1 + N/Q)  (efficiency: within N units while N ≤ 2^15, N + 10 at 10^5)
 * The single-limb form v = Σ (m_t − m_{t+1})·⌊S/max(K,t)⌋ also stays within N units per point, but its
 * sum drifts from S·U(D) by Σ ±(S mod t) — up to ~N²/4 units — which breaks the efficiency check; the
 * second limb costs one add per label change.
 * Headroom: |v| ≤ 2^40 + 2 < 2^41, so a sum of up to 2^11 query values is exact in a double; longer sums
 * are flushed to bigint (knnShapleySum, audit mode).
 */
import { assertDistanceBound, maxAbsOf, squaredDistances, type EmbeddingIndex, type IntVectors } from "./embeddings.ts";
import { METHODS } from "./methods.ts";

export const SCALE_BITS = 40;
export const SCALE = 2 ** SCALE_BITS;
export const LO_BITS = 30;
const LO = 2 ** LO_BITS;
/** query values summed in a double before a flush to bigint: 2^11 · 2^41 ≤ 2^52. */
const FLUSH_EVERY = 2 ** 11;

/** ⌊a/b⌋ for non-negative integers a < 2^53, 1 ≤ b < 2^53 (the float quotient corrected to the exact floor). */
function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  while (q * b > a) q--;
  while ((q + 1) * b <= a) q++;
  return q;
}

/** the two limbs of S/n (exported for tests). */
export function stepLimbs(n: number): { hi: number; lo: number } {
  const hi = floorDiv(SCALE, n);
  const r = SCALE - hi * n;
  return { hi, lo: floorDiv(r * LO, n) };
}

/**
 * Scratch buffers for one index size, reusable across queries (no allocation per query). Results that
 * point into a workspace stay valid until its next use.
 */
export interface KnnWorkspace {
  readonly n: number;
  readonly dist: Float64Array;
  /** low and high words (bits 0..31 as int32 bit patterns, 32..52) of distances ≥ 2^32, for the two-word radix sort. */
  readonly keysLo: Int32Array;
  readonly keysLob: Int32Array;
  readonly keysHi: Int32Array;
  readonly keysHib: Int32Array;
  readonly order: Uint32Array;
  readonly order2: Uint32Array;
  readonly hist: Uint32Array;
  readonly values: Float64Array;
  /** hi/lo limbs of 1/max(K,t) for t = 1..n (index t), for `stepK`. */
  stepK: number;
  stepHi: Float64Array;
  stepLo: Float64Array;
}

export function createKnnWorkspace(n: number): KnnWorkspace {
  return { n, dist: new Float64Array(n), keysLo: new Int32Array(n), keysLob: new Int32Array(n), keysHi: new Int32Array(n), keysHib: new Int32Array(n), order: new Uint32Array(n), order2: new Uint32Array(n), hist: new Uint32Array(2048), values: new Float64Array(n), stepK: 0, stepHi: new Float64Array(0), stepLo: new Float64Array(0) };
}

function ensureSteps(ws: KnnWorkspace, k: number, n: number): void {
  if (ws.stepK === k && ws.stepHi.length > n) return;
  const hi = new Float64Array(n + 1);
  const lo = new Float64Array(n + 1);
  const base = stepLimbs(k);
  for (let t = 1; t <= n; t++) {
    if (t <= k) {
      hi[t] = base.hi;
      lo[t] = base.lo;
    } else {
      const s = stepLimbs(t);
      hi[t] = s.hi;
      lo[t] = s.lo;
    }
  }
  ws.stepK = k;
  ws.stepHi = hi;
  ws.stepLo = lo;
}

export function assertK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > 2 ** 23) throw new RangeError(`poa: K=${k} must be an integer in [1, 2^23]`);
}

/**
 * Sorts the players (every i < n except `skip`) by (dist[i], i) into ws.order[0..count); returns count.
 * Every path yields the same (total, tie-free) order:
 *   - maxDist < 2^32: a stable LSD radix sort of the 32-bit distances over players listed in index
 *     order (1–3 passes of ≤ 11-bit digits), so equal distances keep ascending indices;
 *   - else (maxDist < 2^53, the engine's exactness bound): the same stable LSD radix sort over two-word
 *     keys (low 32 bits in 3 passes, then the high word's ≤ 21 bits in ≤ 2), e.g. the 34-bit distances
 *     of int16 embeddings near ±2^15 in 4 passes. (It replaced a native Float64Array sort of
 *     packed keys dist·n + i, ~1.3 ms at n = 10k against ~0.2 ms, and a comparator sort; same order.)
 */
function sortPlayers(ws: KnnWorkspace, n: number, maxDist: number, skip: number): number {
  const { dist } = ws;
  let order = ws.order;
  let count = 0;
  if (maxDist < 2 ** 32) {
    // keys as int32 bit patterns (Smi-range loads; `>>>` reads the same bits as the uint32)
    let ka = ws.keysLo;
    let kb = ws.keysLob;
    let ob = ws.order2;
    for (let i = 0; i < n; i++) {
      if (i === skip) continue;
      ka[count] = (dist[i] as number) | 0;
      order[count++] = i;
    }
    let bits = 1;
    while (bits < 32 && 2 ** bits <= maxDist) bits++;
    const passes = bits <= 11 ? 1 : bits <= 22 ? 2 : 3;
    const db = Math.ceil(bits / passes);
    const mask = db === 32 ? 0xffffffff : (1 << db) - 1;
    const hist = ws.hist;
    for (let p = 0, sh = 0; p < passes; p++, sh += db) {
      digitOffsets(ka, count, sh, mask, hist);
      for (let r = 0; r < count; r++) {
        const key = ka[r] as number;
        const b = (key >>> sh) & mask;
        const pos = hist[b] as number;
        hist[b] = pos + 1;
        kb[pos] = key;
        ob[pos] = order[r] as number;
      }
      const tk = ka;
      ka = kb;
      kb = tk;
      const to = order;
      order = ob;
      ob = to;
    }
    if (order !== ws.order) ws.order.set(order.subarray(0, count));
    return count;
  }
  // maxDist < 2^53 always (assertDistanceBound: d·(a+b)² < 2^53 on every index and query)
  return radixSortWide(ws, n, maxDist, skip);
}

/**
 * One stable LSD pass's bucket starts: hist[b] = how many of keys[0..count) have a smaller digit
 * ((key >>> sh) & mask) than b; the caller scatters in input order, so equal digits keep their order.
 */
function digitOffsets(keys: Int32Array, count: number, sh: number, mask: number, hist: Uint32Array): void {
  const size = mask + 1;
  hist.fill(0, 0, size);
  for (let r = 0; r < count; r++) {
    const b = ((keys[r] as number) >>> sh) & mask;
    hist[b] = (hist[b] as number) + 1;
  }
  let sum = 0;
  for (let b = 0; b < size; b++) {
    const c = hist[b] as number;
    hist[b] = sum;
    sum += c;
  }
}

/**
 * sortPlayers' path for 2^32 ≤ maxDist < 2^53: stable LSD radix over two-word keys, first the low word
 * (3 passes of 11, 11, 10 bits, carrying the high word and the order), then the high word's ≤ 21 bits
 * (carrying the order only). Words are kept as int32 bit patterns (Smi-range loads; `>>>` reads the same bits).
 */
function radixSortWide(ws: KnnWorkspace, n: number, maxDist: number, skip: number): number {
  const { dist, hist } = ws;
  let order = ws.order;
  let ob = ws.order2;
  let lo = ws.keysLo;
  let lob = ws.keysLob;
  let hi = ws.keysHi;
  let hib = ws.keysHib;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (i === skip) continue;
    const x = dist[i] as number;
    const h = Math.floor(x / 4294967296);
    hi[count] = h;
    lo[count] = (x - h * 4294967296) | 0;
    order[count++] = i;
  }
  const maxHi = Math.floor(maxDist / 4294967296);
  let hb = 1;
  while (hb < 21 && 2 ** hb <= maxHi) hb++;
  for (let sh = 0; sh < 32; sh += 11) {
    const mask = sh === 22 ? 0x3ff : 0x7ff;
    digitOffsets(lo, count, sh, mask, hist);
    const last = sh === 22; // the low word is not needed after its last pass
    for (let r = 0; r < count; r++) {
      const l = lo[r] as number;
      const b = (l >>> sh) & mask;
      const pos = hist[b] as number;
      hist[b] = pos + 1;
      if (!last) lob[pos] = l;
      hib[pos] = hi[r] as number;
      ob[pos] = order[r] as number;
    }
    let t = lo;
    lo = lob;
    lob = t;
    t = hi;
    hi = hib;
    hib = t;
    const to = order;
    order = ob;
    ob = to;
  }
  for (let sh = 0; sh < hb; sh += 11) {
    const mask = (1 << Math.min(11, hb - sh)) - 1;
    digitOffsets(hi, count, sh, mask, hist);
    for (let r = 0; r < count; r++) {
      const h = hi[r] as number;
      const b = (h >>> sh) & mask;
      const pos = hist[b] as number;
      hist[b] = pos + 1;
      hib[pos] = h;
      ob[pos] = order[r] as number;
    }
    const t = hi;
    hi = hib;
    hib = t;
    const to = order;
    order = ob;
    ob = to;
  }
  if (order !== ws.order) ws.order.set(order.subarray(0, count));
  return count;
}

/**
 * Runs recursion (1) over ws.order[0..count) and writes v into out[i] for each player i. Returns the
 * number of label matches among the min(K, count) nearest (U(D) = matches / K).
 */
function recurse(ws: KnnWorkspace, count: number, labels: Int32Array, y: number, k: number, out: Float64Array): number {
  ensureSteps(ws, k, count);
  const { order, stepHi, stepLo } = ws;
  let h = 0;
  let l = 0;
  let mNext = 0;
  for (let r = count - 1; r >= 0; r--) {
    const i = order[r] as number;
    const m = labels[i] === y ? 1 : 0;
    if (m !== mNext) {
      if (m === 1) {
        h += stepHi[r + 1] as number;
        l += stepLo[r + 1] as number;
      } else {
        h -= stepHi[r + 1] as number;
        l -= stepLo[r + 1] as number;
      }
      mNext = m;
    }
    out[i] = h + Math.floor(l / LO);
  }
  let matches = 0;
  const top = count < k ? count : k;
  for (let r = 0; r < top; r++) if (labels[order[r] as number] === y) matches++;
  return matches;
}

export interface KnnShapleyResult {
  readonly method: "knn-shapley";
  readonly version: 1;
  readonly k: number;
  readonly n: number;
  readonly label: number;
  readonly scaleBits: number;
  /** v_i at scale 2^40 (exact integers), in index order. */
  readonly values: Float64Array;
  /** point indices sorted by (squared distance, index): order[0] is the nearest. */
  readonly order: Uint32Array;
  /** label matches among the min(K, N) nearest: U(D) = matches / K. */
  readonly matches: number;
}

function checkQuery(index: EmbeddingIndex, q: IntVectors, label: number): void {
  if (q.length !== index.d) throw new RangeError(`poa: query has ${q.length} coordinates, index has d=${index.d}`);
  if (!Number.isInteger(label) || label < 0 || label > 0x7fffffff) throw new RangeError(`poa: query label ${label} is not a non-negative int32`);
  assertDistanceBound(index.d, index.maxAbs, maxAbsOf(q));
}

/** exact KNN-Shapley values of every point of `index` for the query (q, label). */
export function knnShapley(index: EmbeddingIndex, q: IntVectors, label: number, k: number, ws: KnnWorkspace = createKnnWorkspace(index.n)): KnnShapleyResult {
  assertK(k);
  checkQuery(index, q, label);
  if (ws.n !== index.n) throw new RangeError(`poa: workspace for ${ws.n} points used with ${index.n}`);
  const maxDist = squaredDistances(index, q, ws.dist);
  const count = sortPlayers(ws, index.n, maxDist, -1);
  const matches = recurse(ws, count, index.labels, label, k, ws.values);
  return { ...METHODS.knnShapley, k, n: index.n, label, scaleBits: SCALE_BITS, values: ws.values, order: ws.order, matches };
}

/**
 * The same fixed-point recursion for players already ordered by the caller (nearest first): `order`
 * holds `count` distinct player ids < ws.n, `labels` is indexed by player id. Writes each ordered
 * player's value into `out[player]` (other entries are left alone) and returns the label matches
 * among the min(K, count) nearest. For callers that order the players themselves (e.g. by float
 * distances, as the offline CLI does); the per-order result is the engine's exact game for that order.
 */
export function knnShapleyOrdered(order: ArrayLike<number>, count: number, labels: Int32Array, label: number, k: number, ws: KnnWorkspace, out: Float64Array): number {
  assertK(k);
  if (!Number.isSafeInteger(count) || count < 0 || count > ws.n || count > order.length) throw new RangeError(`poa: ${count} ordered players for a workspace of ${ws.n}`);
  for (let r = 0; r < count; r++) ws.order[r] = order[r] as number;
  return recurse(ws, count, labels, label, k, out);
}

/** exact per-point bigint accumulator fed by exact double sums flushed every 2^11 additions. */
class ExactSums {
  readonly acc: Float64Array;
  readonly total: bigint[];
  private pending = 0;
  constructor(n: number) {
    this.acc = new Float64Array(n);
    this.total = new Array<bigint>(n).fill(0n);
  }
  add(values: Float64Array, skip: number): void {
    const { acc } = this;
    for (let i = 0; i < acc.length; i++) if (i !== skip) acc[i] = (acc[i] as number) + (values[i] as number);
    if (++this.pending === FLUSH_EVERY) this.flush();
  }
  flush(): bigint[] {
    const { acc, total } = this;
    for (let i = 0; i < acc.length; i++) {
      const a = acc[i] as number;
      if (a !== 0) {
        total[i] = (total[i] as bigint) + BigInt(a);
        acc[i] = 0;
      }
    }
    this.pending = 0;
    return total;
  }
}

export interface KnnShapleySumResult {
  readonly method: "knn-shapley";
  readonly version: 1;
  readonly k: number;
  readonly n: number;
  readonly queries: number;
  readonly scaleBits: number;
  /** Σ over queries of v_i (exact, scale 2^40), index order. */
  readonly values: bigint[];
  /** Σ over queries of matches (Σ U = matches / K). */
  readonly matches: number;
}

/** exact sum over M queries (queries: M·d row-major, labels: M) of the KNN-Shapley values. */
export function knnShapleySum(index: EmbeddingIndex, queries: IntVectors, labels: ArrayLike<number>, k: number): KnnShapleySumResult {
  assertK(k);
  const { d, n } = index;
  if (queries.length !== labels.length * d) throw new RangeError(`poa: ${queries.length} query coordinates for ${labels.length} labels at d=${d}`);
  const ws = createKnnWorkspace(n);
  const sums = new ExactSums(n);
  let matches = 0;
  for (let j = 0; j < labels.length; j++) {
    const r = knnShapley(index, queries.subarray(j * d, j * d + d), labels[j] as number, k, ws);
    matches += r.matches;
    sums.add(r.values, -1);
  }
  return { ...METHODS.knnShapley, k, n, queries: labels.length, scaleBits: SCALE_BITS, values: sums.flush(), matches };
}

export interface AuditResult {
  readonly method: "knn-shapley-audit";
  readonly version: 1;
  readonly k: number;
  readonly n: number;
  readonly scaleBits: number;
  /** Σ over the N queries (each point, labelled with its own label, played by the other N−1). */
  readonly sums: bigint[];
  /** ⌊sums_i / N⌋ (floor toward −∞): the audit value at scale 2^40. Low = suspicious. */
  readonly values: bigint[];
}

/**
 * Audit mode: every point i is a query (x_i, y_i) valued by the other N−1 points; a point's value is
 * the sum over the queries divided by N. O(N²·d) time, O(N) memory (one distance row at a time).
 * `onProgress(done, total)` is called every 256 queries (for a CLI progress bar; it cannot affect results).
 */
export function auditValues(index: EmbeddingIndex, k: number, onProgress?: (done: number, total: number) => void): AuditResult {
  assertK(k);
  const { n, d, vectors, labels } = index;
  const ws = createKnnWorkspace(n);
  const sums = new ExactSums(n);
  for (let i = 0; i < n; i++) {
    const q = vectors.subarray(i * d, i * d + d);
    const maxDist = squaredDistances(index, q, ws.dist);
    const count = sortPlayers(ws, n, maxDist, i);
    recurse(ws, count, labels, labels[i] as number, k, ws.values);
    sums.add(ws.values, i);
    if (onProgress !== undefined && ((i + 1) % 256 === 0 || i + 1 === n)) onProgress(i + 1, n);
  }
  const total = sums.flush();
  const bn = BigInt(n);
  const values = total.map((s) => floorDivBig(s, bn));
  return { ...METHODS.knnShapleyAudit, k, n, scaleBits: SCALE_BITS, sums: total, values };
}

/** ⌊a/b⌋ toward −∞ for b > 0. */
export function floorDivBig(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}
