/**
 * One inference of the compute contract, shared by the provider daemon (which reports it) and the
 * validators' replay (which judges it): input = float32 little-endian features of one row; outputs =
 * the quantised embedding (int16, 8 fractional bits, node/onnx quantize) and the argmax label of the
 * logits. Floats stop here: what leaves is integers.
 */
import type { OnnxModel } from "../onnx/service.ts";

/** node/onnx quantize (round(v·2^8) clamped to int16), written here so that this file loads no onnxruntime. */
export function quantize(v: ArrayLike<number>): Int16Array {
  const out = new Int16Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round((v[i] as number) * 256)));
  return out;
}

export interface InferenceOutput {
  embedding: Int16Array;
  label: number;
}

/** float32 LE bytes → Float32Array (copied: the bytes may be unaligned). */
export function featuresFromBytes(b: Uint8Array): Float32Array {
  if (b.length === 0 || b.length % 4 !== 0) throw new RangeError(`inference input of ${b.length} bytes is not float32 features`);
  const out = new Float32Array(b.length / 4);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(4 * i, true);
  return out;
}

export function featuresToBytes(f: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(f.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < f.length; i++) dv.setFloat32(4 * i, f[i] as number, true);
  return out;
}

export function int16ToBytes(v: Int16Array): Uint8Array {
  const out = new Uint8Array(v.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) dv.setInt16(2 * i, v[i] as number, true);
  return out;
}

/** int16 LE feature rows (datanet points) → one float32 batch, row-major. */
export function int16RowsToFloat32(rows: readonly Uint8Array[]): Float32Array {
  const d = (rows[0]?.length ?? 0) / 2;
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    if (r.length !== 2 * d) throw new RangeError(`row ${i} has ${r.length / 2} features, the first ${d}`);
    const dv = new DataView(r.buffer, r.byteOffset, r.byteLength);
    for (let c = 0; c < d; c++) out[i * d + c] = dv.getInt16(2 * c, true);
  });
  return out;
}

/** every coordinate within ±tolerance. */
export function withinTolerance(a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (Math.abs((a[i] as number) - (b[i] as number)) > tolerance) return false;
  return true;
}

export function int16FromBytes(b: Uint8Array): Int16Array {
  const out = new Int16Array(b.length >> 1);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = dv.getInt16(2 * i, true);
  return out;
}

export async function runInference(model: OnnxModel, input: Uint8Array): Promise<InferenceOutput> {
  const x = featuresFromBytes(input);
  const out = await model.run(x, 1);
  let label = 0;
  for (let i = 1; i < out.c; i++) if ((out.logits[i] as number) > (out.logits[label] as number)) label = i;
  return { embedding: quantize(out.embedding), label };
}

/** the replay's judgement: same label, every coordinate within `tolerance` quantised units. */
export function outputsMatch(replayed: InferenceOutput, reportedEmbedding: Int16Array, reportedLabel: number, tolerance: number): boolean {
  if (replayed.label !== reportedLabel || replayed.embedding.length !== reportedEmbedding.length) return false;
  for (let i = 0; i < reportedEmbedding.length; i++) if (Math.abs((replayed.embedding[i] as number) - (reportedEmbedding[i] as number)) > tolerance) return false;
  return true;
}
