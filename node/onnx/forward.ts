/** The plain JS float64 forward pass of the builder's MLP (the reference the ONNX outputs are checked against). */
import type { MlpSpec } from "./builder.ts";

export function mlpForward(spec: MlpSpec, x: ArrayLike<number>, n: number): { embedding: Float64Array; logits: Float64Array; h: number; c: number } {
  let cur = Float64Array.from(x);
  let width = spec.hidden[0]?.inDim ?? 0;
  const dense = (inp: Float64Array, w: ArrayLike<number>, b: ArrayLike<number>, inDim: number, outDim: number, relu: boolean) => {
    const out = new Float64Array(n * outDim);
    for (let r = 0; r < n; r++) {
      for (let o = 0; o < outDim; o++) {
        let s = b[o] as number;
        for (let i = 0; i < inDim; i++) s += (inp[r * inDim + i] as number) * (w[i * outDim + o] as number);
        out[r * outDim + o] = relu && s < 0 ? 0 : s;
      }
    }
    return out;
  };
  for (const l of spec.hidden) {
    cur = dense(cur, l.weight, l.bias, l.inDim, l.outDim, true);
    width = l.outDim;
  }
  const logits = dense(cur, spec.head.weight, spec.head.bias, spec.head.inDim, spec.head.outDim, false);
  return { embedding: cur, logits, h: width, c: spec.head.outDim };
}
