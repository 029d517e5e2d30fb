/**
 * The validators' replay of compute jobs (modules/compute ComputeVerifier, called from ExtendVote):
 * loads the model's ONNX artifact from the blob store by its hash, re-runs the job input with
 * onnxruntime-node and compares with the reported output. Time-boxed: tasks left when the budget is
 * spent get no verdict (the job waits for the next height's extensions, or its verification deadline).
 * Embedding-index and training jobs are not replayed here (no verdict).
 */
import type { ComputeVerifier, ReplayVerdict, VerificationTask } from "../../modules/compute/index.ts";
import { toHex } from "../../modules/core/bytes.ts";
import type { OnnxModel, OnnxServiceConfig } from "../onnx/service.ts";
import { int16FromBytes, int16RowsToFloat32, outputsMatch, quantize, runInference, withinTolerance } from "./inference.ts";

export interface BlobSource {
  get(hashHex: string): Promise<Uint8Array | undefined>;
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
}

/** JOB_TYPE_INFERENCE / JOB_TYPE_EMBEDDING_INDEX (proto enum values). */
const INFERENCE = 1;
const EMBEDDING_INDEX = 2;

export class OnnxVerifier implements ComputeVerifier {
  readonly stats = { replayed: 0, matched: 0, mismatched: 0, skipped: 0, seconds: 0 };
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
    for (const t of tasks) {
      if (performance.now() >= end) {
        this.stats.skipped += tasks.length - out.length;
        this.o.logger?.warn({ height: block.height.toString(), left: tasks.length - out.length }, "compute replay: time box spent");
        break;
      }
      if (t.jobType === EMBEDDING_INDEX && t.index !== undefined) {
        const idx = t.index;
        try {
          const model = await this.model(t.onnxHash);
          if (model === undefined || idx.inputs.some((r) => r.length === 0)) {
            this.stats.skipped++;
            continue;
          }
          // the sampled rows (chosen from the block hash), replayed in one batch, against the stored index rows
          const run = await model.run(int16RowsToFloat32(idx.inputs), idx.rows.length);
          const match = withinTolerance(quantize(run.embedding), idx.stored, t.embeddingTolerance);
          this.stats.replayed++;
          if (match) this.stats.matched++;
          else this.stats.mismatched++;
          out.push({ jobId: t.jobId, resultHash: t.resultHash, match });
        } catch (e: unknown) {
          this.o.logger?.info({ job: t.jobId.toString(), err: e instanceof Error ? e.message : String(e) }, "compute index replay failed");
          this.stats.skipped++;
        }
        continue;
      }
      if (t.jobType !== INFERENCE) continue;
      try {
        const model = await this.model(t.onnxHash);
        const input = t.inputInBlob ? await this.o.blobs.get(toHex(t.inputHash)) : t.input;
        if (model === undefined || input === undefined) {
          this.stats.skipped++;
          continue;
        }
        const r = await runInference(model, input);
        const match = outputsMatch(r, int16FromBytes(t.result.queryEmbedding), t.result.predictedLabel, t.embeddingTolerance);
        this.stats.replayed++;
        if (match) this.stats.matched++;
        else this.stats.mismatched++;
        out.push({ jobId: t.jobId, resultHash: t.resultHash, match });
      } catch (e: unknown) {
        // an input the model cannot take is a wrong job for any provider: the result cannot be right
        this.o.logger?.info({ job: t.jobId.toString(), err: e instanceof Error ? e.message : String(e) }, "compute replay failed");
        this.stats.replayed++;
        this.stats.mismatched++;
        out.push({ jobId: t.jobId, resultHash: t.resultHash, match: false });
      }
    }
    this.stats.seconds += (performance.now() - start) / 1000;
    return out;
  }

  async close(): Promise<void> {
    for (const m of this.models.values()) await (await m)?.release();
    this.models.clear();
  }
}
