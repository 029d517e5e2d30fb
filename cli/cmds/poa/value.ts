/**
 * `openledgerd poa value`: the offline valuation behind the command (issue 4 item 7), callable
 * in-process. Three methods over one valuation space (raw features, or the model's float embeddings):
 *
 * - knn-shapley: every training row is valued for each test row (its own label); value = mean over
 *   the test rows.
 * - audit: every training row is also a query, labelled with its own label (or the model's argmax
 *   prediction with a model), played by the other N−1 rows; value = Σ over the N queries / N.
 * - self-influence: g_iᵀ(H+λI)⁻¹g_i of the model's softmax head (node/poa/softmaxHead.ts); high = suspicious.
 *
 * KNN values are computed twice from one (float distance, row index) order: the float recursion
 * (`value`) and the engine's fixed-point recursion (`value_fixed`, scale 2^40, exact sums over
 * queries, mean floored), by handing the engine the players in that order as a 1-D index whose
 * coordinates are their ranks (KNN-Shapley depends on the order alone, so this is the engine's exact
 * result for that order). The two agree within N/2^40 + rounding; the summary reports the largest gap.
 * With `dedup`, the engine's exact dedup and near-duplicate collapse run on the space quantised at
 * `scale` quanta per unit (dropped rows get value 0 and name the row they collapsed to), and each
 * query keeps only its top-K′ players (engine truncation, with a dust floor in fixed-point units).
 */
import {
  autoTau,
  collapseDuplicates,
  createEmbeddingIndex,
  createKnnWorkspace,
  floorDivBig,
  knnShapleyOrdered,
  SCALE_BITS,
  truncateTopK,
  type KnnWorkspace,
} from "../../../modules/attribution/engine/index.ts";
import { readHead } from "../../../node/onnx/head.ts";
import { OnnxModel } from "../../../node/onnx/service.ts";
import type { PoaTable } from "../../../node/poa/csv.ts";
import { addKnnShapley, argmaxRows, orderByDistance, squaredDistancesFloat } from "../../../node/poa/knn.ts";
import { selfInfluence } from "../../../node/poa/softmaxHead.ts";
import { UserError } from "../../util/errors.ts";

export const POA_METHODS = ["knn-shapley", "audit", "self-influence"] as const;
export type PoaMethod = (typeof POA_METHODS)[number];

export interface PoaValueOptions {
  readonly method: PoaMethod;
  readonly k: number;
  /** the model artifact's bytes (required for self-influence). */
  readonly model?: Uint8Array;
  readonly threads?: number;
  readonly executionProvider?: string;
  readonly dedup?: boolean;
  /** squared-distance collapse threshold in valuation-space units (default 0: identical vectors). */
  readonly tau?: number | "auto";
  /** quanta per unit for dedup (default 256: int16-style 2^-8). */
  readonly scale?: number;
  /** K′ (default K) and the dust floor (fixed-point units, default 0) of the top-K′ truncation. */
  readonly kPrime?: number;
  readonly dust?: number;
  readonly dampingFactor?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface PoaValueResult {
  readonly method: PoaMethod;
  readonly n: number;
  readonly queries: number;
  /** float values, training-row order. */
  readonly values: Float64Array;
  /** fixed-point values (scale 2^40) for the KNN methods, else null. */
  readonly fixed: bigint[] | null;
  /** with dedup: the kept row each row collapsed to (itself when kept). */
  readonly representative: Uint32Array | null;
  /** max |value − value_fixed/2^40| (KNN methods). */
  readonly maxFixedFloatGap: number | null;
  readonly space: "features" | "embedding";
  readonly labelClasses: string[];
  readonly modelSha256: string | null;
  readonly lambda: number | null;
  /** with dedup: the collapse threshold used, in squared quanta (τ·scale², or the auto value). */
  readonly tauQuanta?: number | null;
}

/** label strings → engine labels: class indices as they are when every label is one, else sorted strings. */
export function mapLabels(tables: PoaTable[], numericOnly: boolean): { ids: Int32Array[]; classes: string[] } {
  const all = tables.flatMap((t) => t.labels);
  const numeric = all.every((y) => /^(0|[1-9][0-9]{0,8})$/.test(y));
  if (numeric) {
    const max = all.reduce((m, y) => Math.max(m, Number(y)), 0);
    return { ids: tables.map((t) => Int32Array.from(t.labels, Number)), classes: Array.from({ length: max + 1 }, (_, i) => String(i)) };
  }
  if (numericOnly) {
    const bad = all.find((y) => !/^(0|[1-9][0-9]{0,8})$/.test(y));
    throw new UserError(`label "${bad}" is not a class index: with --model every label must be an integer in [0, C)`);
  }
  const classes = [...new Set(all)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const id = new Map(classes.map((c, i) => [c, i]));
  return { ids: tables.map((t) => Int32Array.from(t.labels, (y) => id.get(y) as number)), classes };
}

/** exact Σ of fixed-point values (each |v| < 2^41): double partial sums flushed to bigint every 2^11 adds. */
class ExactAccumulator {
  readonly acc: Float64Array;
  readonly total: bigint[];
  private pending: Uint16Array;
  constructor(n: number) {
    this.acc = new Float64Array(n);
    this.total = new Array<bigint>(n).fill(0n);
    this.pending = new Uint16Array(n);
  }
  add(i: number, v: number): void {
    this.acc[i] = (this.acc[i] as number) + v;
    if (++(this.pending[i] as number) >= 2048) {
      this.total[i] = (this.total[i] as bigint) + BigInt(this.acc[i] as number);
      this.acc[i] = 0;
      this.pending[i] = 0;
    }
  }
  result(): bigint[] {
    for (let i = 0; i < this.acc.length; i++) {
      this.total[i] = (this.total[i] as bigint) + BigInt(this.acc[i] as number);
      this.acc[i] = 0;
      this.pending[i] = 0;
    }
    return this.total;
  }
}

function quantizeSpace(x: Float64Array | Float32Array, scale: number): Int32Array {
  const q = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.round((x[i] as number) * scale);
    if (!Number.isSafeInteger(v) || Math.abs(v) > 2 ** 31 - 1) throw new UserError(`--dedup: value ${x[i]} × scale ${scale} does not fit an int32; use a smaller --scale`);
    q[i] = v;
  }
  return q;
}

export async function poaValue(train: PoaTable, test: PoaTable | null, o: PoaValueOptions): Promise<PoaValueResult> {
  const n = train.n;
  const { method } = o;
  if (method === "self-influence" && o.model === undefined) throw new UserError("--method self-influence needs --model (the softmax head of the model is what it measures)");
  if (method === "knn-shapley" && test === null) throw new UserError("--method knn-shapley needs --test (the query rows); use --method audit to value the training rows against each other");
  if (method !== "self-influence" && (!Number.isInteger(o.k) || o.k < 1)) throw new UserError(`--k must be a positive integer, got ${o.k}`);
  if (test !== null && method === "knn-shapley") {
    if (test.featureNames.join("\u0000") !== train.featureNames.join("\u0000")) throw new UserError(`${test.name} has feature columns (${test.featureNames.join(",")}), ${train.name} has (${train.featureNames.join(",")}): they must match`);
  }
  const tables = method === "knn-shapley" && test !== null ? [train, test] : [train];
  const { ids, classes } = mapLabels(tables, o.model !== undefined);
  const trainLabels = ids[0] as Int32Array;
  const testLabels = ids[1] ?? null;

  // the valuation space
  let space: Float64Array | Float32Array = train.features;
  let testSpace: Float64Array | Float32Array | null = method === "knn-shapley" && test !== null ? test.features : null;
  let d = train.d;
  let logits: Float32Array | null = null;
  let c = 0;
  let modelSha256: string | null = null;
  let head: ReturnType<typeof readHead> | null = null;
  if (o.model !== undefined) {
    let model: OnnxModel;
    try {
      model = await OnnxModel.fromBytes(o.model, { intraOpNumThreads: o.threads ?? 1, executionProvider: o.executionProvider ?? "cpu" });
    } catch (e) {
      throw new UserError(`--model: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      if (model.inputDim > 0 && model.inputDim !== train.d) throw new UserError(`--model takes ${model.inputDim} features, ${train.name} has ${train.d} (${train.featureNames.join(",")})`);
      const out = await model.run(train.features, n);
      space = out.embedding;
      logits = out.logits;
      d = out.h;
      c = out.c;
      modelSha256 = model.sha256;
      if (testSpace !== null && test !== null) testSpace = (await model.run(test.features, test.n)).embedding;
    } finally {
      await model.release();
    }
    for (const [t, lab] of [[train, trainLabels], ...(testLabels !== null && test !== null ? [[test, testLabels]] : [])] as [PoaTable, Int32Array][]) {
      for (let i = 0; i < lab.length; i++) if ((lab[i] as number) >= c) throw new UserError(`${t.name}: line ${i + 2}: label ${lab[i]} is not a class of the model (it has ${c})`);
    }
    if (method === "self-influence") {
      try {
        head = readHead(o.model);
      } catch (e) {
        throw new UserError(`--model: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (head.h !== d || head.c !== c) throw new UserError(`--model: the head is ${head.h}×${head.c}, the outputs are embedding ${d} and logits ${c}`);
    }
  }

  // dedup / near-duplicate collapse (engine, on the quantised space)
  let players: Uint32Array = Uint32Array.from({ length: n }, (_, i) => i);
  let representative: Uint32Array | null = null;
  let tauQuanta: number | null = null;
  if (o.dedup === true) {
    const scale = o.scale ?? 256;
    let col;
    try {
      const qIndex = createEmbeddingIndex(quantizeSpace(space, scale), trainLabels, d);
      tauQuanta = o.tau === "auto" ? autoTau(qIndex) : Math.floor((o.tau ?? 0) * scale * scale);
      col = collapseDuplicates(qIndex, tauQuanta);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`--dedup: ${e instanceof Error ? e.message : String(e)}`);
    }
    players = col.kept;
    representative = col.representative;
  }

  const values = new Float64Array(n);
  if (method === "self-influence") {
    if (head === null || logits === null) throw new Error("unreachable: self-influence without a model");
    const m = players.length;
    const emb = new Float64Array(m * d);
    const lab = new Int32Array(m);
    for (let r = 0; r < m; r++) {
      const i = players[r] as number;
      for (let k = 0; k < d; k++) emb[r * d + k] = space[i * d + k] as number;
      lab[r] = trainLabels[i] as number;
    }
    // the head must be the last Gemm on `embedding`: check the graph's logits against φᵀW + b
    let gap = 0;
    for (let i = 0; i < Math.min(n, 64); i++) {
      for (let a = 0; a < c; a++) {
        let z = head.bias[a] as number;
        for (let k = 0; k < d; k++) z += (space[i * d + k] as number) * (head.weight[k * c + a] as number);
        gap = Math.max(gap, Math.abs(z - (logits[i * c + a] as number)) / (1 + Math.abs(z)));
      }
    }
    if (gap > 1e-4) throw new UserError(`--model: its logits differ from embedding·head.weight + head.bias by ${gap.toExponential(2)}: the head initializers are not the last layer`);
    const r = selfInfluence({ embedding: emb, n: m, h: d, c, labels: lab }, head, o.dampingFactor === undefined ? {} : { dampingFactor: o.dampingFactor });
    for (let t = 0; t < m; t++) values[players[t] as number] = r.scores[t] as number;
    return { tauQuanta, method, n, queries: 0, values, fixed: null, representative, maxFixedFloatGap: null, space: o.model === undefined ? "features" : "embedding", labelClasses: classes, modelSha256, lambda: r.lambda };
  }

  // KNN methods: queries
  let qSpace: Float64Array | Float32Array;
  let qLabels: Int32Array;
  let qSelf: Int32Array | null = null; // audit: the query's own row (left out of its game)
  if (method === "knn-shapley") {
    qSpace = testSpace as Float64Array | Float32Array;
    qLabels = testLabels as Int32Array;
  } else {
    // audit: every kept row is a query, played by the other kept rows
    const m = players.length;
    qSpace = new Float64Array(m * d);
    qLabels = new Int32Array(m);
    qSelf = new Int32Array(m);
    const pred = logits !== null ? argmaxRows(logits, n, c) : null;
    for (let r = 0; r < m; r++) {
      const i = players[r] as number;
      for (let k = 0; k < d; k++) qSpace[r * d + k] = space[i * d + k] as number;
      qLabels[r] = pred !== null ? (pred[i] as number) : (trainLabels[i] as number);
      qSelf[r] = r;
    }
  }
  const M = qLabels.length;
  const P = players.length;
  const pSpace = new Float64Array(P * d);
  const pLabels = new Int32Array(P);
  for (let r = 0; r < P; r++) {
    const i = players[r] as number;
    for (let k = 0; k < d; k++) pSpace[r * d + k] = space[i * d + k] as number;
    pLabels[r] = trainLabels[i] as number;
  }
  const kPrime = o.kPrime ?? o.k;
  const dust = o.dust ?? 0;
  const dist = new Float64Array(P);
  const accF = new Float64Array(P);
  const tmpF = new Float64Array(P);
  const accX = new ExactAccumulator(P);
  const m = qSelf !== null ? P - 1 : P;
  // the engine's fixed-point recursion straight on the float (distance, row) order (knnShapleyOrdered)
  let ws: KnnWorkspace | null = P > 0 ? createKnnWorkspace(P) : null;
  const byPlayer = new Float64Array(P);
  const q = new Float64Array(d);
  const every = Math.max(1, Math.floor(M / 100));
  for (let j = 0; j < M; j++) {
    for (let k = 0; k < d; k++) q[k] = qSpace[j * d + k] as number;
    squaredDistancesFloat(pSpace, P, d, q, dist);
    const order = orderByDistance(dist, P, qSelf !== null ? (qSelf[j] as number) : -1);
    const y = qLabels[j] as number;
    if (m > 0 && ws !== null) {
      knnShapleyOrdered(order, m, pLabels, y, o.k, ws, byPlayer);
      if (o.dedup === true) {
        const t = truncateTopK(byPlayer, order, kPrime, dust);
        tmpF.fill(0);
        addKnnShapley(order, pLabels, y, o.k, tmpF);
        for (let s = 0; s < t.points.length; s++) {
          const i = t.points[s] as number;
          accX.add(i, t.values[s] as number);
          accF[i] = (accF[i] as number) + (tmpF[i] as number);
        }
      } else {
        for (let r = 0; r < m; r++) {
          const i = order[r] as number;
          accX.add(i, byPlayer[i] as number);
        }
        addKnnShapley(order, pLabels, y, o.k, accF);
      }
    }
    if (o.onProgress !== undefined && ((j + 1) % every === 0 || j + 1 === M)) o.onProgress(j + 1, M);
  }
  ws = null;
  const sums = accX.result();
  const fixed = new Array<bigint>(n).fill(0n);
  const bM = BigInt(Math.max(M, 1));
  let gap = 0;
  for (let r = 0; r < P; r++) {
    const i = players[r] as number;
    values[i] = M > 0 ? (accF[r] as number) / M : 0;
    fixed[i] = floorDivBig(sums[r] as bigint, bM);
    gap = Math.max(gap, Math.abs((values[i] as number) - Number(fixed[i]) / 2 ** SCALE_BITS));
  }
  return { tauQuanta, method, n, queries: M, values, fixed, representative, maxFixedFloatGap: gap, space: o.model === undefined ? "features" : "embedding", labelClasses: classes, modelSha256, lambda: null };
}
