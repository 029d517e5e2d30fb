/**
 * The demo scenario (issue 5 §7), deterministic from a seed: 3 classes in d = 8 dimensions; carol
 * contributes honest points, dave the same kind of points with flipped labels, erin honest points plus
 * near-copies of them (one coordinate moved by one unit: distinct hashes, so the datanet accepts them;
 * the PoA engine collapses them). 20 paid inferences near the class centres. Embeddings are the int16
 * features themselves (an identity base graph), so a near-copy is within τ of its original.
 */
export const DIM = 8;
export const CLASSES = 3;
export const PER_CONTRIBUTOR = 40;
export const INFERENCES = 20;
export const FEE = 100_000n;
/** squared L2 distance (embedding units) under which points collapse: a near-copy is at distance² 1. */
export const TAU = 4n;

export interface Point {
  f: number[];
  label: number;
}

export interface Scenario {
  centres: number[][];
  contributions: { who: "carol" | "dave" | "erin"; points: Point[] }[];
  queries: Point[];
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** feature scale: the in-process run embeds features as they are; the dev-chain run feeds them to an ONNX model as floats (small, non-negative: its hidden layer is a Relu and embeddings are quantised ×256). */
export interface ScenarioScale {
  centreLo: number;
  centreHi: number;
  noise: number;
}
export const IN_PROCESS_SCALE: ScenarioScale = { centreLo: -6000, centreHi: 6000, noise: 900 };
export const ONNX_SCALE: ScenarioScale = { centreLo: 10, centreHi: 110, noise: 14 };

export function buildScenario(withNearCopies: boolean, seed = 2026, scale: ScenarioScale = IN_PROCESS_SCALE): Scenario {
  const r = rng(seed);
  const centres = Array.from({ length: CLASSES }, () => Array.from({ length: DIM }, () => Math.round(scale.centreLo + r() * (scale.centreHi - scale.centreLo))));
  const sample = (k: number): number[] => (centres[k] as number[]).map((c) => Math.max(scale.centreLo < 0 ? -32768 : 0, c + Math.round((r() * 2 - 1) * scale.noise)));
  const honest = (n: number): Point[] => Array.from({ length: n }, (_, i) => ({ f: sample(i % CLASSES), label: i % CLASSES }));
  const carol = honest(PER_CONTRIBUTOR);
  const dave = honest(PER_CONTRIBUTOR).map((p) => ({ f: p.f, label: (p.label + 1) % CLASSES }));
  const erin = honest(PER_CONTRIBUTOR);
  const copies = erin.map((p, i) => ({ f: p.f.map((x, j) => (j === i % DIM ? x + 1 : x)), label: p.label }));
  const queries = Array.from({ length: INFERENCES }, (_, i) => ({ f: sample(i % CLASSES), label: i % CLASSES }));
  return {
    centres,
    contributions: [
      { who: "carol", points: carol },
      { who: "dave", points: dave },
      { who: "erin", points: withNearCopies ? [...erin, ...copies] : erin },
    ],
    queries,
  };
}

export interface Outcome {
  earnings: Record<"carol" | "dave" | "erin", bigint>;
  supplyConserved: boolean;
  supplyNote: string;
}

/** the acceptance checks of `make demo`; returns failures (empty: pass). */
export function checkOutcomes(withCopies: Outcome, without: Outcome): string[] {
  const fail: string[] = [];
  for (const [name, o] of [["with near-copies", withCopies], ["without near-copies", without]] as const) {
    const e = o.earnings;
    if (!(e.dave < e.carol && e.dave < e.erin)) fail.push(`${name}: the flipped-label contributor (dave, ${e.dave}) does not earn least (carol ${e.carol}, erin ${e.erin})`);
    if (!o.supplyConserved) fail.push(`${name}: supply not conserved: ${o.supplyNote}`);
  }
  const a = withCopies.earnings.erin;
  const b = without.earnings.erin;
  if (a * 100n > b * 101n) fail.push(`near-copies raised erin's earnings by more than 1%: ${b} → ${a}`);
  return fail;
}

/** a plain text table. */
export function table(head: string[], rows: (string | number | bigint)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i] as number) : c.padStart(w[i] as number))).join("  ");
  return [line(cells[0] as string[]), w.map((n) => "-".repeat(n)).join("  "), ...cells.slice(1).map(line)].join("\n");
}
