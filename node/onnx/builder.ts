/**
 * Builds the project's small ONNX models from TypeScript (no Python): an MLP
 *
 *   x [batch, dIn] → Gemm(l{i}.weight, l{i}.bias) → Relu → … → `embedding` [batch, h]
 *                  → Gemm(head.weight, head.bias) → `logits` [batch, C]
 *
 * with the given float32 weights (row-major, Gemm's B layout: weight [in, out], Y = A·B + C). This is
 * the model contract of specs/attribution.md §5: input `x`, outputs `embedding` and `logits`, and the
 * head is the last Gemm on `embedding`, its weights the initializers `head.weight` / `head.bias`.
 */
import { createHash } from "node:crypto";
import { modelProtoType, ONNX_FLOAT } from "./schema.ts";

export const INPUT_NAME = "x";
export const EMBEDDING_NAME = "embedding";
export const LOGITS_NAME = "logits";
export const HEAD_WEIGHT = "head.weight";
export const HEAD_BIAS = "head.bias";

/** one dense layer: weight [inDim, outDim] row-major, bias [outDim]. */
export interface DenseLayer {
  readonly weight: Float32Array | Float64Array | readonly number[];
  readonly bias: Float32Array | Float64Array | readonly number[];
  readonly inDim: number;
  readonly outDim: number;
}

export interface MlpSpec {
  /** hidden layers, each followed by Relu; the last one's output is `embedding`. At least one. */
  readonly hidden: readonly DenseLayer[];
  /** the softmax head on the embedding (inDim = h, outDim = C). */
  readonly head: DenseLayer;
  readonly producerName?: string;
  readonly docString?: string;
}

function floatBytes(v: ArrayLike<number>): Uint8Array {
  const f = Float32Array.from(v as ArrayLike<number>);
  const out = new Uint8Array(f.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < f.length; i++) dv.setFloat32(i * 4, f[i] as number, true);
  return out;
}

function tensor(name: string, dims: number[], data: ArrayLike<number>): Record<string, unknown> {
  const n = dims.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new RangeError(`onnx: initializer ${name} has ${data.length} values, dims ${dims.join("×")} need ${n}`);
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i] as number)) throw new RangeError(`onnx: initializer ${name} has a non-finite value at ${i}`);
  return { name, dims, dataType: ONNX_FLOAT, rawData: floatBytes(data) };
}

function valueInfo(name: string, width: number): Record<string, unknown> {
  return { name, type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim: [{ dimParam: "batch" }, { dimValue: width }] } } } };
}

function checkLayer(l: DenseLayer, what: string): void {
  if (!Number.isInteger(l.inDim) || l.inDim < 1 || !Number.isInteger(l.outDim) || l.outDim < 1) throw new RangeError(`onnx: ${what} has bad shape ${l.inDim}×${l.outDim}`);
  if (l.weight.length !== l.inDim * l.outDim) throw new RangeError(`onnx: ${what} weight has ${l.weight.length} values, expected ${l.inDim}×${l.outDim}`);
  if (l.bias.length !== l.outDim) throw new RangeError(`onnx: ${what} bias has ${l.bias.length} values, expected ${l.outDim}`);
}

/** the serialized ModelProto (ir_version 8, opset 13). Deterministic: same spec, same bytes. */
export function buildMlpModel(spec: MlpSpec): Uint8Array {
  if (spec.hidden.length === 0) throw new RangeError("onnx: an MLP needs at least one hidden layer");
  const nodes: Record<string, unknown>[] = [];
  const inits: Record<string, unknown>[] = [];
  let prev = INPUT_NAME;
  let width = spec.hidden[0]?.inDim ?? 0;
  spec.hidden.forEach((l, i) => {
    checkLayer(l, `hidden layer ${i}`);
    if (l.inDim !== width) throw new RangeError(`onnx: hidden layer ${i} takes ${l.inDim} inputs, the previous layer gives ${width}`);
    const w = `l${i}.weight`;
    const b = `l${i}.bias`;
    inits.push(tensor(w, [l.inDim, l.outDim], l.weight), tensor(b, [l.outDim], l.bias));
    const pre = `l${i}.pre`;
    const out = i === spec.hidden.length - 1 ? EMBEDDING_NAME : `l${i}.out`;
    nodes.push({ name: `l${i}.gemm`, opType: "Gemm", input: [prev, w, b], output: [pre] });
    nodes.push({ name: `l${i}.relu`, opType: "Relu", input: [pre], output: [out] });
    prev = out;
    width = l.outDim;
  });
  checkLayer(spec.head, "head");
  if (spec.head.inDim !== width) throw new RangeError(`onnx: the head takes ${spec.head.inDim} inputs, the embedding has ${width}`);
  inits.push(tensor(HEAD_WEIGHT, [spec.head.inDim, spec.head.outDim], spec.head.weight), tensor(HEAD_BIAS, [spec.head.outDim], spec.head.bias));
  nodes.push({ name: "head.gemm", opType: "Gemm", input: [EMBEDDING_NAME, HEAD_WEIGHT, HEAD_BIAS], output: [LOGITS_NAME] });
  const model = {
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    producerName: spec.producerName ?? "openledgerd",
    producerVersion: "1",
    docString: spec.docString ?? "",
    graph: {
      name: "poa-mlp",
      node: nodes,
      initializer: inits,
      input: [valueInfo(INPUT_NAME, spec.hidden[0]?.inDim ?? 0)],
      output: [valueInfo(EMBEDDING_NAME, width), valueInfo(LOGITS_NAME, spec.head.outDim)],
    },
  };
  const T = modelProtoType();
  const err = T.verify(model);
  if (err !== null) throw new Error(`onnx: ModelProto does not verify: ${err}`);
  return T.encode(T.fromObject(model)).finish();
}

/** lowercase hex sha256 of an artifact (what a model registration binds to). */
export function artifactSha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Xavier-uniform-ish weights from a caller-supplied uniform [0,1) source (seeded by the caller). */
export function randomDense(inDim: number, outDim: number, uniform: () => number, gain = 1): DenseLayer {
  const a = gain * Math.sqrt(6 / (inDim + outDim));
  const weight = new Float32Array(inDim * outDim);
  for (let i = 0; i < weight.length; i++) weight[i] = (uniform() * 2 - 1) * a;
  const bias = new Float32Array(outDim);
  for (let i = 0; i < outDim; i++) bias[i] = (uniform() * 2 - 1) * 0.1;
  return { weight, bias, inDim, outDim };
}
