/**
 * Sampled-replay verification of a model's embedding index (DESIGN.md, attribution: "one quantized
 * integer embedding per data point, built by a compute job and verified by sampled replay").
 *
 * Pure and deterministic (no IO, clock or randomness): the sample is drawn from a consensus seed
 * (block hash ‖ model id), and the comparison of stored vs replayed rows is integer-only. The float
 * part (re-running the ONNX model on the sampled points' inputs and quantising the embedding) lives
 * in node/ (node/poa/replay.ts); its verdict reaches state through the vote extension.
 *
 * Spec (specs/attribution.md §1.12.1–2): the index rows are committed quantised outputs; a validator
 * recomputes them and accepts within ±`tolerance` quanta per coordinate (ONNX outputs are not
 * bit-reproducible across hardware; 1–2 quanta at scale 2^-8).
 */
import type { Bytes } from "../core/abci.ts";
import { concat, u64be, utf8 } from "../core/bytes.ts";
import { sha256 } from "../core/hash.ts";

const SEED_DOMAIN = concat(utf8("openledger.attribution.index-sample.v1"), Uint8Array.of(0));
const DRAW_DOMAIN = concat(utf8("openledger.attribution.index-draw.v1"), Uint8Array.of(0));
const TWO64 = 1n << 64n;

/** the default per-coordinate tolerance in quanta (scale 2^-8). */
export const DEFAULT_REPLAY_TOLERANCE = 2;

/** seed = sha256(domain ‖ 0x00 ‖ block hash ‖ u64be(model id)); the block hash must be consensus data. */
export function indexSampleSeed(blockHash: Bytes, modelId: bigint): Bytes {
  return sha256(concat(SEED_DOMAIN, blockHash, u64be(modelId)));
}

/**
 * `count` distinct row indices in [0, n), ascending, drawn without replacement from `seed`:
 * draw t takes u = the first 8 bytes (big-endian) of sha256(domain ‖ seed ‖ u64be(t)), rejects u
 * above the largest multiple of n (no modulo bias) and repeats (rejections and repeats consume draws).
 * count ≥ n returns every row. Bit-identical everywhere: integers and sha256 only.
 */
export function sampleIndexRows(seed: Bytes, n: number | bigint, count: number): number[] {
  const N = BigInt(n);
  if (N < 0n || N > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`poa: sample from ${n} rows`);
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`poa: sample count ${count}`);
  if (N === 0n || count === 0) return [];
  if (BigInt(count) >= N) return Array.from({ length: Number(N) }, (_, i) => i);
  const limit = TWO64 - (TWO64 % N); // accept u < limit
  const picked = new Set<number>();
  const prefix = concat(DRAW_DOMAIN, seed);
  for (let t = 0n; picked.size < count; t++) {
    const h = sha256(concat(prefix, u64be(t)));
    let u = 0n;
    for (let i = 0; i < 8; i++) u = (u << 8n) | BigInt(h[i] as number);
    if (u >= limit) continue;
    picked.add(Number(u % N));
  }
  return [...picked].sort((a, b) => a - b);
}

export interface RowMismatch {
  /** the index row (0-based, = snapshot leaf). */
  readonly row: number;
  /** first coordinate out of tolerance. */
  readonly coord: number;
  readonly stored: number;
  readonly replayed: number;
}

export interface RowVerification {
  readonly ok: boolean;
  readonly checked: number;
  /** largest |stored − replayed| over every checked coordinate. */
  readonly maxDiff: number;
  /** rows with a coordinate off by more than the tolerance (at most one entry per row). */
  readonly mismatches: readonly RowMismatch[];
}

/**
 * Compares the stored rows of an index with replayed rows, coordinate by coordinate, within
 * ±tolerance quanta. `rows[j]` names the row of `stored`/`replayed` slice j (each `d` values, in
 * the order of `rows`), e.g. the output of `sampleIndexRows`.
 */
export function verifyIndexRows(rows: readonly number[], stored: ArrayLike<number>, replayed: ArrayLike<number>, d: number, tolerance: number = DEFAULT_REPLAY_TOLERANCE): RowVerification {
  if (!Number.isSafeInteger(d) || d < 1) throw new RangeError(`poa: dimension ${d}`);
  if (!Number.isSafeInteger(tolerance) || tolerance < 0) throw new RangeError(`poa: tolerance ${tolerance}`);
  if (stored.length !== rows.length * d || replayed.length !== rows.length * d) throw new RangeError(`poa: ${rows.length} rows of ${d} need ${rows.length * d} values (stored ${stored.length}, replayed ${replayed.length})`);
  let maxDiff = 0;
  const mismatches: RowMismatch[] = [];
  for (let j = 0; j < rows.length; j++) {
    let bad: RowMismatch | undefined;
    for (let c = 0; c < d; c++) {
      const s = stored[j * d + c] as number;
      const r = replayed[j * d + c] as number;
      if (!Number.isSafeInteger(s) || !Number.isSafeInteger(r)) throw new RangeError(`poa: row ${rows[j]} coordinate ${c} is not an integer`);
      const diff = Math.abs(s - r);
      if (diff > maxDiff) maxDiff = diff;
      if (diff > tolerance && bad === undefined) bad = { row: rows[j] as number, coord: c, stored: s, replayed: r };
    }
    if (bad !== undefined) mismatches.push(bad);
  }
  return { ok: mismatches.length === 0, checked: rows.length, maxDiff, mismatches };
}
