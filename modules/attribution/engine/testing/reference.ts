/**
 * Test and benchmark helpers (exempt from the float rule: nothing here feeds consensus):
 * a seeded PRNG, a synthetic Gaussian-mixture generator, the plain float KNN-Shapley baseline,
 * exhaustive (brute-force) Shapley for tiny games, and ROC AUC.
 */

/** sfc32-style 32-bit PRNG seeded from one integer; same sequence everywhere. */
export function createRng(seed: number): { u32(): number; float(): number; int(n: number): number; normal(): number } {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ Math.imul(seed, 0x85ebca6b);
  let c = 0xb7e15162;
  let d = 1;
  const u32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 16; i++) u32();
  const float = (): number => u32() / 4294967296;
  let spare: number | undefined;
  return {
    u32,
    float,
    int: (n: number) => Math.floor(float() * n),
    normal: () => {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = float();
      while (u === 0) u = float();
      const v = float();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

export interface Mixture {
  readonly n: number;
  readonly d: number;
  /** int16 quantised features (scale: `scale` quanta per unit), row-major. */
  readonly vectors: Int16Array;
  /** the labels after flips. */
  readonly labels: Int32Array;
  /** the true labels. */
  readonly clean: Int32Array;
  /** 1 where the label was flipped. */
  readonly flipped: Uint8Array;
  /** the class centres (floats, in units). */
  readonly centres: Float64Array;
}

export interface MixtureOptions {
  n: number;
  d: number;
  classes?: number;
  /** fraction of labels flipped to another class. */
  flip?: number;
  /** centre spread (units) and per-point noise (units). */
  spread?: number;
  noise?: number;
  /** quanta per unit (int16 at 2^-8 by default). */
  scale?: number;
  seed: number;
  /** reuse these centres (a test set drawn from the same mixture). */
  centres?: Float64Array;
}

/** a seeded Gaussian mixture: one centre per class, points = centre + noise, quantised to int16. */
export function gaussianMixture(o: MixtureOptions): Mixture {
  const { n, d, seed } = o;
  const classes = o.classes ?? 10;
  const spread = o.spread ?? 4;
  const noise = o.noise ?? 1;
  const scale = o.scale ?? 256;
  const rng = createRng(seed);
  const centres = o.centres ?? new Float64Array(classes * d).map(() => rng.normal() * spread);
  const vectors = new Int16Array(n * d);
  const clean = new Int32Array(n);
  const labels = new Int32Array(n);
  const flipped = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const y = rng.int(classes);
    clean[i] = y;
    for (let c = 0; c < d; c++) {
      const x = Math.round(((centres[y * d + c] as number) + rng.normal() * noise) * scale);
      vectors[i * d + c] = Math.max(-32768, Math.min(32767, x));
    }
  }
  const flips = Math.round(n * (o.flip ?? 0));
  let done = 0;
  while (done < flips) {
    const i = rng.int(n);
    if (flipped[i] === 1) continue;
    flipped[i] = 1;
    done++;
  }
  for (let i = 0; i < n; i++) {
    const y = clean[i] as number;
    labels[i] = flipped[i] === 1 ? (y + 1 + rng.int(classes - 1)) % classes : y;
  }
  return { n, d, vectors, labels, clean, flipped, centres };
}

/**
 * The plain float JS implementation of KNN-Shapley (the benchmark baseline and the float reference):
 * Float64 distances, Array.prototype.sort with a comparator on (distance, index), float recursion.
 */
export function floatKnnShapley(vectors: ArrayLike<number>, d: number, labels: ArrayLike<number>, q: ArrayLike<number>, y: number, k: number): number[] {
  const n = labels.length;
  const dist: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) {
      const t = (vectors[i * d + c] as number) - (q[c] as number);
      s += t * t;
    }
    dist[i] = s;
  }
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => (dist[a] as number) - (dist[b] as number) || a - b);
  const s: number[] = new Array(n).fill(0);
  const m = (r: number): number => (labels[order[r] as number] === y ? 1 : 0);
  let v = m(n - 1) / Math.max(n, k);
  s[order[n - 1] as number] = v;
  for (let j = n - 1; j >= 1; j--) {
    v += ((m(j - 1) - m(j)) * Math.min(k, j)) / (k * j);
    s[order[j - 1] as number] = v;
  }
  return s;
}

/**
 * Exhaustive Shapley for the KNN game, exact: returns num_i with v_i = num_i / (N!·K) (bigint), by
 * enumerating every subset (N ≤ 12). Ties in distance are broken by index.
 */
export function bruteForceShapley(dist: ArrayLike<number>, labels: ArrayLike<number>, y: number, k: number): { num: bigint[]; den: bigint } {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (dist[a] as number) - (dist[b] as number) || a - b);
  const count = new Int32Array(1 << n); // matches among the min(K,|S|) nearest of S
  for (let mask = 1; mask < 1 << n; mask++) {
    let c = 0;
    let taken = 0;
    for (let r = 0; r < n && taken < k; r++) {
      const p = order[r] as number;
      if ((mask >> p) & 1) {
        taken++;
        if (labels[p] === y) c++;
      }
    }
    count[mask] = c;
  }
  const fact = [1n];
  for (let i = 1; i <= n; i++) fact.push((fact[i - 1] as bigint) * BigInt(i));
  const num = new Array<bigint>(n).fill(0n);
  for (let mask = 0; mask < 1 << n; mask++) {
    let size = 0;
    for (let t = mask; t !== 0; t &= t - 1) size++;
    for (let i = 0; i < n; i++) {
      if ((mask >> i) & 1) continue;
      const w = (fact[size] as bigint) * (fact[n - size - 1] as bigint);
      num[i] = (num[i] as bigint) + w * BigInt((count[mask | (1 << i)] as number) - (count[mask] as number));
    }
  }
  return { num, den: (fact[n] as bigint) * BigInt(k) };
}

/** ROC AUC of `score` for detecting positives as LOW scores (ties count one half). */
export function aucLow(score: ArrayLike<number>, positive: ArrayLike<number>): number {
  const n = score.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => (score[a] as number) - (score[b] as number));
  let pos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) pos++;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  // count pairs (p, q) with score[p] < score[q], p positive, q negative
  let good = 0;
  let r = 0;
  let posBelow = 0;
  while (r < n) {
    let e = r;
    while (e < n && score[idx[e] as number] === score[idx[r] as number]) e++;
    let gp = 0;
    let gn = 0;
    for (let t = r; t < e; t++) if (positive[idx[t] as number]) gp++;
    else gn++;
    good += gn * posBelow + 0.5 * gn * gp;
    posBelow += gp;
    r = e;
  }
  return good / (pos * neg);
}

/**
 * OpenDataVal's `kmeans_f1` (noisy_detection): exact 1-D 2-means clustering of the scores (sort, prefix
 * sums, the split with the least within-cluster squared error); the LOW cluster is the prediction
 * (pass negated scores when high = suspicious); F1 against the positives.
 */
export function kmeansF1Low(score: ArrayLike<number>, positive: ArrayLike<number>): number {
  const n = score.length;
  if (n < 2) return Number.NaN;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => (score[a] as number) - (score[b] as number) || a - b);
  const s = idx.map((i) => score[i] as number);
  const pre = new Float64Array(n + 1);
  const pre2 = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    pre[i + 1] = (pre[i] as number) + (s[i] as number);
    pre2[i + 1] = (pre2[i] as number) + (s[i] as number) * (s[i] as number);
  }
  const sse = (a: number, b: number) => (pre2[b] as number) - (pre2[a] as number) - ((pre[b] as number) - (pre[a] as number)) ** 2 / (b - a);
  let best = 1;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let cut = 1; cut < n; cut++) {
    if (s[cut] === s[cut - 1]) continue; // equal scores stay in one cluster
    const c = sse(0, cut) + sse(cut, n);
    if (c < bestCost) {
      bestCost = c;
      best = cut;
    }
  }
  let tp = 0;
  let pos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) pos++;
  for (let r = 0; r < best; r++) if (positive[idx[r] as number]) tp++;
  const precision = tp / best;
  const recall = pos === 0 ? 0 : tp / pos;
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}
