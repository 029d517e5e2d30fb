/**
 * Squared distances of a query to every point of an int16 index through a small WebAssembly SIMD kernel
 * (integer only): ‖x − q‖² = ‖x‖² + ‖q‖² − 2·x·q, with x·q from `i32x4.dot_i16x8_s` (pairs of int16
 * products summed in int32) widened to int64 lanes (`i64x2.extend_*_i32x4_s`, `i64x2.add`). Every step is
 * exact integer arithmetic, so the distances are the same integers as the plain JS loop
 * (`squaredDistances` in embeddings.ts), on every machine; it is ~5x faster at d = 64.
 *
 * Exactness bound: a pair x₀q₀ + x₁q₁ fits int32 when |x|, |q| ≤ 32767 (2·32767² < 2^31); −32768 in
 * the index or the query falls back to the JS loop. Per point, |x·q| ≤ d·2^30 < 2^53 (d ≤ 2^16) and
 * ‖x‖² + ‖q‖² ≤ 2^31·d, so the f64 results are exact. Rows are zero-padded to a multiple of 8
 * coordinates (zeros add nothing to a dot product).
 *
 * The module is assembled here from its instructions (no build step, no binary blob): one function
 * `d(x, n, dp, q, out)` writing n f64 dot products x_i·q to `out`.
 */

/** the kernel's WebAssembly binary (module with an imported memory "e"."m" and an exported function "d"). */
function kernelBytes(): Uint8Array {
  const SIMD = 0xfd;
  const body = [
    // locals: 3 × i32 (i = 5, c = 6, qc = 7), 2 × v128 (acc = 8, t = 9)
    0x02, 0x03, 0x7f, 0x02, 0x7b,
    0x02, 0x40, // block
    0x20, 0x01, 0x45, 0x0d, 0x00, // if n == 0: out
    0x03, 0x40, // loop (per point)
    SIMD, 0x0c, ...new Array<number>(16).fill(0), 0x21, 0x08, // acc = 0
    0x41, 0x00, 0x21, 0x06, // c = 0
    0x20, 0x03, 0x21, 0x07, // qc = q
    0x03, 0x40, // loop (8 coordinates)
    0x20, 0x08, // acc
    0x20, 0x00, SIMD, 0x00, 0x00, 0x00, // v128.load x
    0x20, 0x07, SIMD, 0x00, 0x00, 0x00, // v128.load qc
    SIMD, 0xba, 0x01, // i32x4.dot_i16x8_s
    0x22, 0x09, // local.tee t
    SIMD, 0xc7, 0x01, // i64x2.extend_low_i32x4_s
    SIMD, 0xce, 0x01, // i64x2.add
    0x20, 0x09, // t
    SIMD, 0xc8, 0x01, // i64x2.extend_high_i32x4_s
    SIMD, 0xce, 0x01, // i64x2.add
    0x21, 0x08, // acc =
    0x20, 0x00, 0x41, 0x10, 0x6a, 0x21, 0x00, // x += 16
    0x20, 0x07, 0x41, 0x10, 0x6a, 0x21, 0x07, // qc += 16
    0x20, 0x06, 0x41, 0x08, 0x6a, 0x22, 0x06, 0x20, 0x02, 0x49, 0x0d, 0x00, // c += 8; if c < dp: again
    0x0b, // end loop
    0x20, 0x04, // out
    0x20, 0x08, SIMD, 0x1d, 0x00, // i64x2.extract_lane 0
    0x20, 0x08, SIMD, 0x1d, 0x01, // i64x2.extract_lane 1
    0x7c, // i64.add
    0xb9, // f64.convert_i64_s
    0x39, 0x03, 0x00, // f64.store
    0x20, 0x04, 0x41, 0x08, 0x6a, 0x21, 0x04, // out += 8
    0x20, 0x05, 0x41, 0x01, 0x6a, 0x22, 0x05, 0x20, 0x01, 0x49, 0x0d, 0x00, // i += 1; if i < n: again
    0x0b, // end loop
    0x0b, // end block
    0x0b, // end function
  ];
  const leb = (v: number): number[] => {
    const out: number[] = [];
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      out.push(b);
    } while (v !== 0);
    return out;
  };
  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
  const bodyWithSize = [...leb(body.length), ...body];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]), // type: (i32 × 5) → ()
    ...section(2, [0x01, 0x01, 0x65, 0x01, 0x6d, 0x02, 0x00, 0x01]), // import "e"."m": memory, min 1 page
    ...section(3, [0x01, 0x00]), // function 0 has type 0
    ...section(7, [0x01, 0x01, 0x64, 0x00, 0x00]), // export "d": function 0
    ...section(10, [0x01, ...bodyWithSize]),
  ]);
}

/** the part of the WebAssembly JS API used here (the project's lib/types do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

function kernelModule(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = kernelBytes();
    compiled = wasm !== undefined && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** the largest |coordinate| the kernel takes (pairs of products must fit int32). */
export const SIMD_MAX_ABS = 32767;
/** largest wasm memory one index may take (bytes); bigger indexes use the JS loop. */
const MAX_BYTES = 1 << 30;

export interface DotKernel {
  /** out[i] = ‖x_i − q‖² for every point; returns the largest, or −1 when q is outside the kernel's range (the caller falls back). */
  distances(q: ArrayLike<number>, out: Float64Array): number;
}

/**
 * A kernel over `n` rows of `d` int16-range coordinates (row-major), or undefined when WebAssembly SIMD
 * is unavailable or the values are outside ±32767.
 */
export function createDotKernel(vectors: ArrayLike<number>, n: number, d: number, maxAbs: number): DotKernel | undefined {
  if (maxAbs > SIMD_MAX_ABS || n === 0) return undefined;
  const mod = kernelModule();
  if (mod === null || wasm === undefined) return undefined;
  const dp = Math.ceil(d / 8) * 8;
  const xBytes = n * dp * 2;
  const qOff = xBytes; // 16-aligned: dp·2 is a multiple of 16
  const outOff = qOff + dp * 2; // 8-aligned
  const total = outOff + n * 8;
  if (total > MAX_BYTES) return undefined;
  let memory: { buffer: ArrayBuffer };
  let fn: (x: number, n: number, dp: number, q: number, out: number) => void;
  try {
    // an allocation failure (memory-dependent, so not the same on every node) must not fail the block: JS loop instead
    memory = new wasm.Memory({ initial: Math.ceil(total / 65536) });
    fn = new wasm.Instance(mod, { e: { m: memory } }).exports.d as typeof fn;
  } catch {
    return undefined;
  }
  const x16 = new Int16Array(memory.buffer, 0, n * dp);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) {
      const v = vectors[i * d + c] as number;
      x16[i * dp + c] = v;
      s += v * v;
    }
    norms[i] = s;
  }
  const q16 = new Int16Array(memory.buffer, qOff, dp);
  const dots = new Float64Array(memory.buffer, outOff, n);
  return {
    distances(q, out) {
      let qn = 0;
      for (let c = 0; c < d; c++) {
        const v = q[c] as number;
        if (v > SIMD_MAX_ABS || v < -SIMD_MAX_ABS) return -1;
        q16[c] = v;
        qn += v * v;
      }
      fn(0, n, dp, qOff, outOff);
      let max = 0;
      for (let i = 0; i < n; i++) {
        const s = (norms[i] as number) + qn - 2 * (dots[i] as number);
        out[i] = s;
        if (s > max) max = s;
      }
      return max;
    },
  };
}
