/**
 * The validators' replay of compute jobs (modules/compute ComputeVerifier, called from ExtendVote):
 * loads the model's ONNX artifact from the blob store by its hash, re-runs the job input with
 * onnxruntime-node and compares with the reported output. Time-boxed: tasks left when the budget is
 * spent get no verdict (the job waits for the next height's extensions, or its verification deadline).
 * Embedding-index jobs: rows sampled from the block hash, replayed against the provider's blob; training
 * jobs: one sampled checkpoint segment, replayed bit-exactly.
 */
import type { ComputeVerifier, ReplayVerdict, VerificationTask } from "../../modules/compute/index.ts";
import { equal, toHex } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import type { OnnxModel, OnnxServiceConfig } from "../onnx/service.ts";
import { featuresFromBytes, featuresToBytes, int16FromBytes, int16RowsToFloat32, outputsMatch, quantize, runInference, withinTolerance } from "./inference.ts";

import { replayTraining } from "./training.ts";

/** resolves to undefined once `end` (performance.now() ms) passes; the promise itself runs on (a model keeps loading for the next height). */
async function before<T>(p: Promise<T | undefined>, end: number): Promise<T | undefined> {
  const left = end - performance.now();
  if (left <= 0) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const out = await Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), left)))]);
  clearTimeout(timer);
  return out;
}

/** rows per session.run of a replay batch. */
const BATCH = 512;

export interface BlobSource {
  get(hashHex: string): Promise<Uint8Array | undefined>;
  /** where a validator keeps the trained artifacts it rebuilt (optional). */
  put?(bytes: Uint8Array): Promise<string>;
}

export interface ReplayLogger {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export interface OnnxVerifierOptions {
  blobs: BlobSource;
  /** wall-clock budget of one ExtendVote's replays (ms); default 1500. */
  budgetMs?: number;
  onnx?: OnnxServiceConfig;
  logger?: ReplayLogger;
  /** most models kept loaded; default 4. */
  cacheSize?: number;
  /** tests: replay this many sampled training segments instead of modules/compute/training.ts replayCount. */
  trainingReplaySegments?: number;
}

/** JOB_TYPE_INFERENCE / JOB_TYPE_EMBEDDING_INDEX (proto enum values). */
const INFERENCE = 1;
const EMBEDDING_INDEX = 2;
const TRAINING = 3;

export class OnnxVerifier implements ComputeVerifier {
  readonly stats = { replayed: 0, matched: 0, mismatched: 0, skipped: 0, seconds: 0, trainingSegments: 0, trainingReplayMs: 0, lastMs: 0 };
  private readonly models = new Map<string, Promise<OnnxModel | undefined>>();
  private readonly o: OnnxVerifierOptions;

  constructor(o: OnnxVerifierOptions) {
    this.o = o;
  }

  private model(hash: Uint8Array): Promise<OnnxModel | undefined> {
    const key = toHex(hash);
    let m = this.models.get(key);
    if (m === undefined) {
      m = (async () => {
        const bytes = await this.o.blobs.get(key);
        if (bytes === undefined) return undefined;
        // onnxruntime loads on the first replay only (a node without compute jobs never pays for it)
        const { OnnxModel: Onnx } = await import("../onnx/service.ts");
        return Onnx.fromBytes(bytes, this.o.onnx ?? {});
      })().catch((e: unknown) => {
        this.o.logger?.warn({ model: key, err: e instanceof Error ? e.message : String(e) }, "compute replay: cannot load the model");
        this.models.delete(key);
        return undefined;
      });
      if (this.models.size >= (this.o.cacheSize ?? 4)) this.models.delete(this.models.keys().next().value as string);
      this.models.set(key, m);
    }
    return m;
  }

  async verify(tasks: readonly VerificationTask[], block: { height: bigint; hash: Uint8Array }): Promise<ReplayVerdict[]> {
    const start = performance.now();
    const end = start + (this.o.budgetMs ?? 1500);
    const out: ReplayVerdict[] = [];
    const verdict = (t: VerificationTask, match: boolean) => {
      this.stats.replayed++;
      if (match) this.stats.matched++;
      else this.stats.mismatched++;
      out.push({ jobId: t.jobId, resultHash: t.resultHash, match });
    };
    const timeUp = () => {
      if (performance.now() < end) return false;
      this.o.logger?.warn({ height: block.height.toString(), tasks: tasks.length, voted: out.length }, "compute replay: time box spent");
      return true;
    };
    // inferences: grouped by model, replayed in batches (one session.run per BATCH rows)
    const groups = new Map<string, VerificationTask[]>();
    for (const t of tasks) {
      if (t.jobType !== INFERENCE) continue;
      const k = toHex(t.onnxHash);
      groups.set(k, [...(groups.get(k) ?? []), t]);
    }
    for (const group of groups.values()) {
      if (timeUp()) break;
      const model = await before(this.model((group[0] as VerificationTask).onnxHash), end);
      if (model === undefined) {
        this.stats.skipped += group.length;
        continue;
      }
      const ready: { t: VerificationTask; x: Float32Array }[] = [];
      for (const t of group) {
        const input = t.inputInBlob ? await before(this.o.blobs.get(toHex(t.inputHash)), end) : t.input;
        if (input === undefined) {
          this.stats.skipped++;
          continue;
        }
        let x: Float32Array;
        try {
          x = featuresFromBytes(input);
        } catch {
          verdict(t, false); // not float32 features: no provider can have run it
          continue;
        }
        // an input the model cannot take is a wrong job for any provider: the result cannot be right
        if (model.inputDim > 0 && x.length !== model.inputDim) verdict(t, false);
        else ready.push({ t, x });
      }
      for (let s = 0; s < ready.length; s += BATCH) {
        if (timeUp()) break;
        const part = ready.slice(s, s + BATCH);
        const d = (part[0] as { x: Float32Array }).x.length;
        if (part.some((p) => p.x.length !== d)) {
          for (const p of part) verdict(p.t, outputsMatch(await runInference(model, featuresToBytes(p.x)), int16FromBytes(p.t.result.queryEmbedding), p.t.result.predictedLabel, p.t.embeddingTolerance));
          continue;
        }
        const x = new Float32Array(part.length * d);
        part.forEach((p, i) => x.set(p.x, i * d));
        const r = await model.run(x, part.length);
        part.forEach((p, i) => {
          let label = 0;
          for (let c = 1; c < r.c; c++) if ((r.logits[i * r.c + c] as number) > (r.logits[i * r.c + label] as number)) label = c;
          const embedding = quantize(r.embedding.subarray(i * r.h, (i + 1) * r.h));
          verdict(p.t, outputsMatch({ embedding, label }, int16FromBytes(p.t.result.queryEmbedding), p.t.result.predictedLabel, p.t.embeddingTolerance));
        });
      }
    }
    // embedding-index jobs: the provider's rows are the blob under output_hash (all num_points rows); the rows
    // sampled from the block hash are replayed in one batch and compared within the tolerance
    for (const t of tasks) {
      if (t.jobType !== EMBEDDING_INDEX || t.index === undefined) continue;
      if (timeUp()) break;
      const idx = t.index;
      try {
        const [model, blob] = await Promise.all([before(this.model(t.onnxHash), end), before(this.o.blobs.get(toHex(t.result.outputHash)), end)]);
        if (model === undefined || blob === undefined || idx.inputs.some((r) => r.length === 0)) {
          this.stats.skipped++;
          continue;
        }
        const d = t.embeddingDim;
        // the blob store is content-addressed; a blob of the wrong size is an index no model run produces
        if (!equal(sha256(blob), t.result.outputHash) || blob.length !== idx.numPoints * d * 2) {
          verdict(t, false);
          continue;
        }
        const all = int16FromBytes(blob);
        const stored = new Int16Array(idx.rows.length * d);
        idx.rows.forEach((r, j) => stored.set(all.subarray(r * d, (r + 1) * d), j * d));
        const run = await model.run(int16RowsToFloat32(idx.inputs), idx.rows.length);
        const replayed = quantize(run.embedding);
        // every coordinate of every sampled row within ±tolerance (attribution/replay.ts verifyIndexRows' rule)
        verdict(t, withinTolerance(replayed, stored, t.embeddingTolerance));
      } catch (e: unknown) {
        this.o.logger?.info({ job: t.jobId.toString(), err: e instanceof Error ? e.message : String(e) }, "compute index replay failed");
        this.stats.skipped++;
      }
    }
    // training jobs: segments sampled from the block hash, replayed bit-exactly; the trained artifact rebuilt
    for (const t of tasks) {
      if (t.jobType !== TRAINING || t.training === undefined) continue;
      if (timeUp()) break;
      const base = await before(this.o.blobs.get(toHex(t.onnxHash)), end);
      if (base === undefined) {
        this.stats.skipped++;
        continue;
      }
      const tr = t.training;
      const t0 = performance.now();
      try {
        const r = await replayTraining(base, { jobId: t.jobId, config: tr.config, rows: tr.rows, labels: tr.labels, chain: t.result.checkpointChain, trainedArtifactHash: t.result.trainedArtifactHash }, block.hash, (h) => before(this.o.blobs.get(h), end), this.o.trainingReplaySegments);
        this.stats.trainingReplayMs += performance.now() - t0;
        if (r.verdict === "unknown") {
          this.o.logger?.info({ job: t.jobId.toString(), reason: r.reason }, "compute training replay: no verdict");
          this.stats.skipped++;
          continue;
        }
        this.o.logger?.info({ job: t.jobId.toString(), verdict: r.verdict, segments: r.segments, reason: r.reason, ms: Math.round(performance.now() - t0) }, "compute training replay");
        if (r.artifact !== undefined && this.o.blobs.put !== undefined) await this.o.blobs.put(r.artifact);
        this.stats.trainingSegments += r.segments.length;
        verdict(t, r.verdict === "match");
      } catch (e: unknown) {
        // a base artifact without a softmax head (or not ONNX): no provider can have trained it
        this.o.logger?.info({ job: t.jobId.toString(), err: e instanceof Error ? e.message : String(e) }, "compute training replay: bad base artifact");
        verdict(t, false);
      }
    }
    const ms = performance.now() - start;
    this.stats.seconds += ms / 1000;
    this.stats.lastMs = ms;
    // the verification time of this height, measured in the node (the inference bench reads these lines)
    if (tasks.length > 0) this.o.logger?.info({ height: block.height.toString(), tasks: tasks.length, verdicts: out.length, ms: Number(ms.toFixed(2)) }, "compute replay: extend vote verified");
    return out;
  }

  async close(): Promise<void> {
    for (const m of this.models.values()) await (await m)?.release();
    this.models.clear();
  }
}
