/**
 * Proof of Attribution benchmark (specs/attribution.md §7; issue 4 item 9). Run: `node test/bench/poa.ts`
 * [--quick] (N ≤ 10k only) [--no-audit10k].
 *
 * 1. Per-query exact KNN-Shapley latency on one core at N ∈ {1k, 10k, 100k}, d ∈ {32, 64}: the engine
 *    (int16 embeddings, exact integer distances, radix sort by (distance, index), two-limb fixed-point
 *    recursion) beside the plain float JS baseline (Float64 distances, Array.prototype.sort with a
 *    comparator, float recursion) measured in the same run on the same queries. One line per case:
 *    BENCH {"name":"poa-knn-shapley-N10000-d64","value":<median ms/query>,"unit":"ms/query",
 *           "baseline":<float-js median ms/query>,"ratio":<baseline/value: speedup>, ...}
 *    (wall-clock medians; `cpuMs`/`baselineCpuMs` give the process CPU time per query as well, since a
 *    busy 2-core machine inflates wall time)
 * 2. Audit-mode noisy-label detection on the seeded synthetic Gaussian mixture with 10% label flips:
 *    AUC (flipped points should score low), F1 when flagging the bottom 10% (= bottom-decile recall,
 *    since as many points are flagged as were flipped), and a random-score baseline. N = 1k, and 10k
 *    when the 1k run extrapolates to under 60 s.
 */
import { createEmbeddingIndex } from "../../modules/attribution/engine/embeddings.ts";
import { auditValues, createKnnWorkspace, knnShapley } from "../../modules/attribution/engine/knnShapley.ts";
import { aucLow, createRng, floatKnnShapley, gaussianMixture, kmeansF1Low } from "../../modules/attribution/engine/testing/reference.ts";

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const K = 10;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function bench(line: Record<string, unknown>): void {
  process.stdout.write(`BENCH ${JSON.stringify(line)}\n`);
}

const round = (x: number, digits = 4) => Number(x.toFixed(digits));

// 1. latency
for (const n of QUICK ? [1000, 10000] : [1000, 10000, 100000]) {
  for (const d of [32, 64]) {
    const mx = gaussianMixture({ n, d, seed: 1000 + n + d });
    const qs = gaussianMixture({ n: 300, d, seed: 7 + n + d, centres: mx.centres });
    const index = createEmbeddingIndex(mx.vectors, mx.labels, d);
    const ws = createKnnWorkspace(n);
    const timed = n >= 100000 ? 40 : 200;
    const baseTimed = n >= 100000 ? 10 : n >= 10000 ? 40 : 100;
    const warm = n >= 100000 ? 5 : 30;
    const q = (j: number) => qs.vectors.subarray((j % qs.n) * d, (j % qs.n) * d + d);
    const y = (j: number) => qs.labels[j % qs.n] as number;
    for (let j = 0; j < warm; j++) knnShapley(index, q(j), y(j), K, ws);
    const times: number[] = [];
    let check = 0;
    const cpu0 = process.cpuUsage();
    for (let j = 0; j < timed; j++) {
      const t0 = performance.now();
      const r = knnShapley(index, q(j), y(j), K, ws);
      times.push(performance.now() - t0);
      check += r.matches;
    }
    const cpu = process.cpuUsage(cpu0);
    for (let j = 0; j < Math.min(warm, 10); j++) floatKnnShapley(mx.vectors, d, mx.labels, q(j), y(j), K);
    const baseTimes: number[] = [];
    const bcpu0 = process.cpuUsage();
    for (let j = 0; j < baseTimed; j++) {
      const t0 = performance.now();
      floatKnnShapley(mx.vectors, d, mx.labels, q(j), y(j), K);
      baseTimes.push(performance.now() - t0);
    }
    const bcpu = process.cpuUsage(bcpu0);
    const value = median(times);
    const baseline = median(baseTimes);
    bench({
      name: `poa-knn-shapley-N${n}-d${d}`,
      value: round(value),
      unit: "ms/query",
      baseline: round(baseline),
      ratio: round(baseline / value, 2),
      mean: round(times.reduce((a, b) => a + b, 0) / times.length),
      cpuMs: round((cpu.user + cpu.system) / 1000 / timed),
      baselineCpuMs: round((bcpu.user + bcpu.system) / 1000 / baseTimed),
      queries: timed,
      baselineQueries: baseTimed,
      k: K,
      method: "knn-shapley",
      version: 1,
      matches: check,
    });
  }
}

// 2. audit-mode noisy-label detection
function audit(n: number): number {
  const d = 32;
  const mixture = { n, d, classes: 10, spread: 0.6, noise: 1, flip: 0.1, seed: 31337 + n };
  const mx = gaussianMixture(mixture);
  const index = createEmbeddingIndex(mx.vectors, mx.labels, d);
  const t0 = performance.now();
  const a = auditValues(index, K);
  const seconds = (performance.now() - t0) / 1000;
  const scores = a.values.map(Number);
  const auc = aucLow(scores, mx.flipped);
  const flips = mx.flipped.reduce((s, f) => s + f, 0);
  const lowest = Array.from({ length: n }, (_, i) => i)
    .sort((p, q) => (scores[p] as number) - (scores[q] as number) || p - q)
    .slice(0, flips);
  const caught = lowest.filter((i) => mx.flipped[i] === 1).length;
  const f1 = caught / flips; // flagged = flips, so precision = recall = F1
  const rng = createRng(n);
  const random = Array.from({ length: n }, () => rng.float());
  const randomAuc = aucLow(random, mx.flipped);
  bench({
    name: `poa-audit-noisy-label-N${n}`,
    value: round(auc),
    unit: "AUC",
    target: 0.95,
    f1AtRate: round(f1),
    bottomDecileRecall: round(f1),
    kmeansF1: round(kmeansF1Low(scores, mx.flipped)),
    randomAuc: round(randomAuc),
    randomKmeansF1: round(kmeansF1Low(random, mx.flipped)),
    seconds: round(seconds, 2),
    k: K,
    method: a.method,
    version: a.version,
    mixture: { d, classes: mixture.classes, spread: mixture.spread, noise: mixture.noise, flip: mixture.flip, seed: mixture.seed },
  });
  return seconds;
}

const s1k = audit(1000);
if (!args.has("--no-audit10k") && s1k * 100 < 60) audit(10000);
else process.stderr.write(`poa bench: audit at N=10k skipped (1k took ${s1k.toFixed(2)} s, so ~${(s1k * 100).toFixed(0)} s)\n`);
