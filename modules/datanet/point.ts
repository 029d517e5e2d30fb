/**
 * Data point schema v1 ("vector-label/v1"): a fixed-length vector of `dim` int16 quantised features
 * and a class label. One canonical encoding:
 *
 *     u16le(dim) ‖ dim × i16le(feature) ‖ u32le(label)
 *
 * and point_hash = sha256(utf8("openledger.datanet.point.v1") ‖ 0x00 ‖ encoding). On the wire
 * (DataPoint.features) the features are already the i16le bytes, so the encoding is
 * u16le(features.length / 2) ‖ features ‖ u32le(label). Exact duplicates (same hash) are refused.
 */
import type { Bytes } from "../core/abci.ts";
import { concat, utf8 } from "../core/bytes.ts";
import { sha256 } from "../core/hash.ts";

export const SCHEMA_VECTOR_LABEL_V1 = "vector-label/v1";
const DOMAIN = concat(utf8("openledger.datanet.point.v1"), Uint8Array.of(0));

export interface PointV1 {
  features: Bytes;
  label: number;
}

export function encodePointV1(p: PointV1): Bytes {
  if (p.features.length % 2 !== 0) throw new RangeError("features must hold whole int16 values");
  const dim = p.features.length / 2;
  if (dim > 0xffff) throw new RangeError(`dimension ${dim} exceeds u16`);
  if (!Number.isInteger(p.label) || p.label < 0 || p.label > 0xffffffff) throw new RangeError(`label ${p.label} is not a u32`);
  const out = new Uint8Array(2 + p.features.length + 4);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, dim, true);
  out.set(p.features, 2);
  dv.setUint32(2 + p.features.length, p.label, true);
  return out;
}

export function pointHashV1(p: PointV1): Bytes {
  return sha256(concat(DOMAIN, encodePointV1(p)));
}

/** int16 features → wire bytes (i16le). */
export function featuresToBytes(v: ArrayLike<number>): Bytes {
  const out = new Uint8Array(v.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    if (!Number.isInteger(x) || x < -32768 || x > 32767) throw new RangeError(`feature ${i} = ${x} is not an int16`);
    dv.setInt16(2 * i, x, true);
  }
  return out;
}

/** wire bytes (i16le) → int16 features. */
export function featuresFromBytes(b: Bytes): Int16Array {
  if (b.length % 2 !== 0) throw new RangeError("features must hold whole int16 values");
  const out = new Int16Array(b.length / 2);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = dv.getInt16(2 * i, true);
  return out;
}
