/**
 * Counterfactual validity (specs/attribution.md §2.3, §7.3): the Linear Datamodeling Score, head-only.
 * Run: `node test/bench/poaLds.ts [--quick]`.
 *
 * Data: the seeded Gaussian mixture (N = 1000 training points, d = 8, 4 classes, spread 0.6, noise 1,
 * no flips) as float features, which serve directly as the embedding (h = 8); 200 targets from the same
 * mixture; m = 100 random subsets S_j of 50% (seeded).
 *
 * - poa-lds-knn-shapley: τ(z) = the engine's exact KNN-Shapley values (K = 10) of the full set for target
 *   z; the ground truth of the KNN surrogate is its own utility U_S(z) = (1/K)·#{label y_z among the K
 *   nearest points of S}; LDS(z) = Spearman ρ over the subsets of (U_S(z), Σ_{i∈S} τ_i(z)).
 * - poa-lds-head-influence: τ_i(z) = g_zᵀ(H+λI)⁻¹g_i of the softmax head fitted on the full set
 *   (node/poa/softmaxHead.ts, attribution.md §1.4); the ground truth is the target's margin
 *   log p_y − log(1 − p_y) under a head retrained (Newton, L2 1e-3) on each subset.
 * Each line: the mean LDS over targets, and a random-attribution baseline (LDS of random τ) from the same
 * subsets.
 */
import { createEmbeddingIndex } from "../../modules/attribution/engine/embeddings.ts";
import { createKnnWorkspace, knnShapley, SCALE } from "../../modules/attribution/engine/knnShapley.ts";
import { createRng, gaussianMixture } from "../../modules/attribution/engine/testing/reference.ts";
import { fitSoftmaxHead, headInfluence, headProbabilities, type HeadData } from "../../node/poa/softmaxHead.ts";

const QUICK = process.argv.includes("--quick");
const N = 1000;
const D = 8;
const C = 4;
const K = 10;
const TARGETS = QUICK ? 50 : 200;
const SUBSETS = QUICK ? 40 : 100;
const round = (x: number, digits = 4) => Number(x.toFixed(digits));
const bench = (line: Record<string, unknown>) => process.stdout.write(`BENCH ${JSON.stringify(line)}\n`);

function ranks(xs: ArrayLike<number>): Float64Array {
  const n = xs.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => (xs[a] as number) - (xs[b] as number));
  const r = new Float64Array(n);
  for (let s = 0; s < n; ) {
    let e = s;
    while (e + 1 < n && xs[idx[e + 1] as number] === xs[idx[s] as number]) e++;
    for (let t = s; t <= e; t++) r[idx[t] as number] = (s + e) / 2;
    s = e + 1;
  }
  return r;
}

function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  const ma = ra.reduce((s, x) => s + x, 0) / n;
  const mb = rb.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = (ra[i] as number) - ma;
    const y = (rb[i] as number) - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

const train = gaussianMixture({ n: N, d: D, classes: C, spread: 0.6, noise: 1, seed: 8080 });
const targets = gaussianMixture({ n: TARGETS, d: D, classes: C, spread: 0.6, noise: 1, seed: 8081, centres: train.centres });
const scale = 256;
const features = Float64Array.from(train.vectors, (v) => v / scale);
const tFeatures = Float64Array.from(targets.vectors, (v) => v / scale);
const rng = createRng(8082);
const subsets: Uint8Array[] = [];
for (let j = 0; j < SUBSETS; j++) {
  // exactly half: a seeded shuffle
  const order = Array.from({ length: N }, (_, i) => i);
  for (let i = N - 1; i > 0; i--) {
    const r = rng.int(i + 1);
    [order[i], order[r]] = [order[r] as number, order[i] as number];
  }
  const m = new Uint8Array(N);
  for (let t = 0; t < N / 2; t++) m[order[t] as number] = 1;
  subsets.push(m);
}
const randomTau = () => Float64Array.from({ length: N }, () => rng.normal());

// 1. KNN-Shapley against its KNN utility
{
  const t0 = performance.now();
  const index = createEmbeddingIndex(train.vectors, train.labels, D);
  const ws = createKnnWorkspace(N);
  const lds: number[] = [];
  const base: number[] = [];
  for (let z = 0; z < TARGETS; z++) {
    const q = targets.vectors.subarray(z * D, z * D + D);
    const y = targets.labels[z] as number;
    const r = knnShapley(index, q, y, K, ws);
    const tau = Float64Array.from(r.values, (v) => v / SCALE); // index order
    const order = Uint32Array.from(r.order);
    const rnd = randomTau();
    const actual: number[] = [];
    const pred: number[] = [];
    const predR: number[] = [];
    for (const s of subsets) {
      let taken = 0;
      let hits = 0;
      for (let j = 0; j < N && taken < K; j++) {
        const i = order[j] as number;
        if (s[i] === 1) {
          taken++;
          if (train.labels[i] === y) hits++;
        }
      }
      actual.push(hits / K);
      let g = 0;
      let gr = 0;
      for (let i = 0; i < N; i++)
        if (s[i] === 1) {
          g += tau[i] as number;
          gr += rnd[i] as number;
        }
      pred.push(g);
      predR.push(gr);
    }
    lds.push(spearman(actual, pred));
    base.push(spearman(actual, predR));
  }
  bench({ name: "poa-lds-knn-shapley", value: round(mean(lds)), unit: "LDS (mean Spearman)", randomBaseline: round(mean(base)), targets: TARGETS, subsets: SUBSETS, alpha: 0.5, k: K, n: N, d: D, classes: C, seconds: round((performance.now() - t0) / 1000, 2) });
}

// 2. last-layer influence against retrained heads
{
  const t0 = performance.now();
  const full: HeadData = { embedding: features, n: N, h: D, c: C, labels: train.labels };
  const head = fitSoftmaxHead(full, { l2: 1e-3 });
  // one retrained head per subset
  const heads = subsets.map((s) => {
    const rows: number[] = [];
    for (let i = 0; i < N; i++) if (s[i] === 1) rows.push(i);
    const emb = new Float64Array(rows.length * D);
    rows.forEach((i, r) => emb.set(features.subarray(i * D, i * D + D), r * D));
    return fitSoftmaxHead({ embedding: emb, n: rows.length, h: D, c: C, labels: rows.map((i) => train.labels[i] as number) }, { l2: 1e-3 });
  });
  const fitS = (performance.now() - t0) / 1000;
  const lds: number[] = [];
  const base: number[] = [];
  for (let z = 0; z < TARGETS; z++) {
    const q = tFeatures.subarray(z * D, z * D + D);
    const y = targets.labels[z] as number;
    const tau = headInfluence(full, head, q, y);
    const rnd = randomTau();
    const qd: HeadData = { embedding: q, n: 1, h: D, c: C, labels: [y] };
    const actual: number[] = [];
    const pred: number[] = [];
    const predR: number[] = [];
    subsets.forEach((s, j) => {
      const p = headProbabilities(qd, heads[j]!)[y] as number;
      actual.push(Math.log(p) - Math.log1p(-p));
      let g = 0;
      let gr = 0;
      for (let i = 0; i < N; i++)
        if (s[i] === 1) {
          g += tau[i] as number;
          gr += rnd[i] as number;
        }
      pred.push(g);
      predR.push(gr);
    });
    lds.push(spearman(actual, pred));
    base.push(spearman(actual, predR));
  }
  bench({ name: "poa-lds-head-influence", value: round(mean(lds)), unit: "LDS (mean Spearman)", randomBaseline: round(mean(base)), targets: TARGETS, subsets: SUBSETS, alpha: 0.5, n: N, h: D, classes: C, l2: 1e-3, fitSeconds: round(fitS, 2), seconds: round((performance.now() - t0) / 1000, 2) });
}
