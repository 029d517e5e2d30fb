/**
 * Reads and replaces the softmax head of an ONNX artifact (specs/attribution.md §1.4, §5): the
 * initializers `head.weight` [h, C] and `head.bias` [C] of the last Gemm on `embedding`.
 *
 * `writeHead` edits the protobuf at the wire level: it re-emits the ModelProto with only those two
 * TensorProtos rebuilt (their raw_data replaced, any float_data dropped) and the enclosing lengths
 * fixed, so every other byte of the artifact (fields this project's schema does not know included)
 * is kept as it was. The new artifact's sha256 is returned with it.
 */
import { artifactSha256, HEAD_BIAS, HEAD_WEIGHT } from "./builder.ts";
import { modelProtoType, ONNX_FLOAT } from "./schema.ts";

export interface FloatInitializer {
  readonly name: string;
  readonly dims: number[];
  readonly data: Float32Array;
}

export interface SoftmaxHead {
  /** h·C row-major (Gemm B layout: weight[j·C + c]). */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  /** embedding width. */
  readonly h: number;
  /** classes. */
  readonly c: number;
}

interface DecodedTensor {
  name?: string;
  dims?: (number | { toNumber(): number })[];
  dataType?: number;
  rawData?: Uint8Array;
  floatData?: number[];
}

const num = (v: number | { toNumber(): number }): number => (typeof v === "number" ? v : v.toNumber());

/** every FLOAT initializer of the graph, by name. */
export function readFloatInitializers(bytes: Uint8Array): Map<string, FloatInitializer> {
  const T = modelProtoType();
  let m: { graph?: { initializer?: DecodedTensor[] } };
  try {
    m = T.toObject(T.decode(bytes), { defaults: false }) as typeof m;
  } catch (e) {
    throw new Error(`onnx: not a ModelProto: ${e instanceof Error ? e.message : String(e)}`);
  }
  const out = new Map<string, FloatInitializer>();
  for (const t of m.graph?.initializer ?? []) {
    if (t.name === undefined || (t.dataType ?? 0) !== ONNX_FLOAT) continue;
    const dims = (t.dims ?? []).map(num);
    let data: Float32Array;
    if (t.rawData !== undefined && t.rawData.length > 0) {
      const dv = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
      data = new Float32Array(t.rawData.byteLength / 4);
      for (let i = 0; i < data.length; i++) data[i] = dv.getFloat32(i * 4, true);
    } else data = Float32Array.from(t.floatData ?? []);
    out.set(t.name, { name: t.name, dims, data });
  }
  return out;
}

/** the head initializers; throws when they are missing or misshapen. */
export function readHead(bytes: Uint8Array): SoftmaxHead {
  const inits = readFloatInitializers(bytes);
  const w = inits.get(HEAD_WEIGHT);
  const b = inits.get(HEAD_BIAS);
  if (w === undefined || b === undefined) throw new Error(`onnx: the artifact has no float initializers ${HEAD_WEIGHT} and ${HEAD_BIAS} (the softmax head)`);
  if (w.dims.length !== 2 || b.dims.length !== 1) throw new Error(`onnx: head dims ${w.dims.join("×")} / ${b.dims.join("×")}: expected [h, C] and [C]`);
  const [h, c] = w.dims as [number, number];
  if (b.dims[0] !== c || w.data.length !== h * c || b.data.length !== c) throw new Error(`onnx: head shapes disagree: weight ${h}×${c} (${w.data.length} values), bias ${b.dims[0]} (${b.data.length} values)`);
  return { weight: w.data, bias: b.data, h, c };
}

// ---- protobuf wire format ----

interface Field {
  readonly no: number;
  readonly wt: number;
  /** the whole field (tag included). */
  readonly start: number;
  readonly end: number;
  /** the payload of a length-delimited field. */
  readonly pStart: number;
  readonly pEnd: number;
}

function readVarint(b: Uint8Array, p: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (p >= b.length) throw new Error("onnx: truncated varint");
    const x = b[p++] as number;
    v += (x & 0x7f) * mul;
    if ((x & 0x80) === 0) return [v, p];
    mul *= 128;
  }
  throw new Error("onnx: varint too long");
}

function fields(b: Uint8Array, start: number, end: number): Field[] {
  const out: Field[] = [];
  let p = start;
  while (p < end) {
    const s = p;
    const [tag, q] = readVarint(b, p);
    p = q;
    const no = Math.floor(tag / 8);
    const wt = tag % 8;
    let pStart = p;
    let pEnd = p;
    if (wt === 0) p = readVarint(b, p)[1];
    else if (wt === 1) p += 8;
    else if (wt === 5) p += 4;
    else if (wt === 2) {
      const [len, r] = readVarint(b, p);
      pStart = r;
      pEnd = r + len;
      p = pEnd;
    } else throw new Error(`onnx: unsupported wire type ${wt} (field ${no})`);
    if (p > end) throw new Error(`onnx: field ${no} runs past its message`);
    out.push({ no, wt, start: s, end: p, pStart, pEnd });
  }
  return out;
}

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function lengthDelimited(no: number, payload: Uint8Array): Uint8Array {
  const head = [...varint(no * 8 + 2), ...varint(payload.length)];
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function tensorName(b: Uint8Array, f: Field): string | undefined {
  for (const g of fields(b, f.pStart, f.pEnd)) if (g.no === 8 && g.wt === 2) return new TextDecoder().decode(b.subarray(g.pStart, g.pEnd));
  return undefined;
}

function tensorDims(b: Uint8Array, f: Field): number[] {
  const dims: number[] = [];
  for (const g of fields(b, f.pStart, f.pEnd)) {
    if (g.no !== 1) continue;
    if (g.wt === 0) dims.push(readVarint(b, g.start + varint(8).length)[0]);
    else if (g.wt === 2) for (let p = g.pStart; p < g.pEnd; ) {
      const [v, q] = readVarint(b, p);
      dims.push(v);
      p = q;
    }
  }
  return dims;
}

function rebuildTensor(b: Uint8Array, f: Field, data: Float32Array, name: string): Uint8Array {
  const keep: Uint8Array[] = [];
  for (const g of fields(b, f.pStart, f.pEnd)) {
    if (g.no === 2 && g.wt === 0 && readVarint(b, g.start + 1)[0] !== ONNX_FLOAT) throw new Error(`onnx: initializer ${name} is not FLOAT`);
    if (g.no === 14 && g.wt === 0 && readVarint(b, g.start + 1)[0] !== 0) throw new Error(`onnx: initializer ${name} is stored externally`);
    if (g.no === 4 || g.no === 9) continue;
    keep.push(b.subarray(g.start, g.end));
  }
  const raw = new Uint8Array(data.length * 4);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(i * 4, data[i] as number, true);
  keep.push(lengthDelimited(9, raw));
  return lengthDelimited(5, concat(keep));
}

/**
 * The artifact with its head replaced by (weight [h·C], bias [C]) and the new sha256. The shapes must
 * equal the old head's. Deterministic: same artifact and weights, same bytes.
 */
export function writeHead(bytes: Uint8Array, weight: ArrayLike<number>, bias: ArrayLike<number>): { bytes: Uint8Array; sha256: string } {
  const old = readHead(bytes);
  if (weight.length !== old.h * old.c || bias.length !== old.c) throw new RangeError(`onnx: new head has ${weight.length}+${bias.length} values, the artifact's is ${old.h}×${old.c} + ${old.c}`);
  const w = Float32Array.from(weight);
  const bb = Float32Array.from(bias);
  for (const v of [...w, ...bb]) if (!Number.isFinite(v)) throw new RangeError("onnx: the new head has a non-finite value (or one beyond float32 range)");
  const parts: Uint8Array[] = [];
  let done = 0;
  for (const top of fields(bytes, 0, bytes.length)) {
    if (top.no !== 7 || top.wt !== 2) {
      parts.push(bytes.subarray(top.start, top.end));
      continue;
    }
    const g: Uint8Array[] = [];
    for (const gf of fields(bytes, top.pStart, top.pEnd)) {
      const name = gf.no === 5 && gf.wt === 2 ? tensorName(bytes, gf) : undefined;
      if (name === HEAD_WEIGHT || name === HEAD_BIAS) {
        const dims = tensorDims(bytes, gf);
        const want = name === HEAD_WEIGHT ? [old.h, old.c] : [old.c];
        if (dims.join(",") !== want.join(",")) throw new Error(`onnx: ${name} dims ${dims.join("×")}, expected ${want.join("×")}`);
        g.push(rebuildTensor(bytes, gf, name === HEAD_WEIGHT ? w : bb, name));
        done++;
      } else g.push(bytes.subarray(gf.start, gf.end));
    }
    parts.push(lengthDelimited(7, concat(g)));
  }
  if (done !== 2) throw new Error(`onnx: found ${done} of the 2 head initializers`);
  const out = concat(parts);
  return { bytes: out, sha256: artifactSha256(out) };
}
