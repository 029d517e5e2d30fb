/**
 * Sampled replay of a model's embedding index (the float half of modules/attribution/replay.ts):
 * re-run the ONNX model on the inputs of the sampled rows, quantise the embeddings the way a proposer
 * commits them (int16 at 2^-8), and compare with the stored rows within ±tolerance quanta. The result
 * is a verdict for the vote extension; it never writes state itself. node/ sees modules/ only through
 * types, so the integer comparison (`verifyIndexRows` of modules/attribution/replay.ts, reached through
 * the attribution keeper or module exports by whoever wires the node) is passed in.
 */

/** the signature of modules/attribution/replay.ts `verifyIndexRows`. */
export type VerifyIndexRows = (rows: readonly number[], stored: ArrayLike<number>, replayed: ArrayLike<number>, d: number, tolerance?: number) => RowVerification;
import type { RowVerification } from "../../modules/attribution/replay.ts";
import { type OnnxModel, quantize } from "../onnx/service.ts";

export interface ReplayInput {
  /** the sampled rows (e.g. `sampleIndexRows(indexSampleSeed(blockHash, modelId), n, count)`). */
  readonly rows: readonly number[];
  /** the model inputs of those rows, row-major, rows.length · model.inputDim values. */
  readonly inputs: Float32Array;
  /** the stored int16 rows (keeper.getIndexRows), rows.length · h values. */
  readonly stored: ArrayLike<number>;
  /** ±quanta per coordinate (default: the verifier's, 2). */
  readonly tolerance?: number;
  readonly fracBits?: number;
}

/** replays the sampled rows through `model` and checks them against the stored rows. */
export async function replayIndexRows(model: OnnxModel, input: ReplayInput, verify: VerifyIndexRows): Promise<RowVerification & { readonly replayed: Int16Array }> {
  const n = input.rows.length;
  if (input.inputs.length !== n * model.inputDim) throw new RangeError(`replay: ${n} rows need ${n * model.inputDim} inputs, got ${input.inputs.length}`);
  if (n === 0) return { ok: true, checked: 0, maxDiff: 0, mismatches: [], replayed: new Int16Array(0) };
  const out = await model.run(input.inputs, n);
  const replayed = quantize(out.embedding, input.fracBits ?? 8);
  return { ...(input.tolerance === undefined ? verify(input.rows, input.stored, replayed, out.h) : verify(input.rows, input.stored, replayed, out.h, input.tolerance)), replayed };
}
