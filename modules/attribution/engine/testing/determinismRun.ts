/**
 * A fixed PoA workload whose integer outputs are printed as canonical JSON (bigints as decimal
 * strings). The determinism test runs it in two separate processes and compares the bytes; run it by
 * hand with `node modules/attribution/engine/testing/determinismRun.ts`.
 */
import { sha256 } from "../../../core/hash.ts";
import { attributeQuery, prepareValuation } from "../attribute.ts";
import { createEmbeddingIndex, subsetIndex } from "../embeddings.ts";
import { auditValues, knnShapleySum } from "../knnShapley.ts";
import { gaussianMixture } from "./reference.ts";

function toJson(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Float64Array || v instanceof Uint32Array || v instanceof Int32Array) return Array.from(v);
    return v;
  });
}

function hashOfValues(values: ArrayLike<number | bigint>): string {
  const bytes = new Uint8Array(values.length * 8);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) dv.setBigInt64(i * 8, BigInt(values[i] as number | bigint));
  return Buffer.from(sha256(bytes)).toString("hex");
}

export function determinismReport(): string {
  const d = 8;
  const mx = gaussianMixture({ n: 600, d, seed: 2024, flip: 0.1, classes: 4, noise: 1.5 });
  // plant exact and near copies at the end (registration order)
  const extra = 40;
  const vectors = new Int16Array((mx.n + extra) * d);
  vectors.set(mx.vectors);
  const labels = Int32Array.from([...mx.labels, ...mx.labels.subarray(0, extra)]);
  for (let j = 0; j < extra; j++) {
    vectors.set(mx.vectors.subarray(j * d, j * d + d), (mx.n + j) * d);
    if (j % 2 === 1) vectors[(mx.n + j) * d] = (vectors[(mx.n + j) * d] as number) + 3;
  }
  const index = createEmbeddingIndex(vectors, labels, d);
  const contributors = Float64Array.from({ length: index.n }, (_, i) => i % 17);
  const v = prepareValuation(index, contributors, 16);
  const qs = gaussianMixture({ n: 25, d, seed: 7, classes: 4, centres: mx.centres });
  const receipts = [];
  for (let j = 0; j < qs.n; j++) {
    receipts.push(attributeQuery(v, qs.vectors.subarray(j * d, j * d + d), qs.labels[j] as number, { k: 5, kPrime: 20, dust: 1024 }, 1_000_003n + BigInt(j)));
  }
  const sum = knnShapleySum(v.index, qs.vectors, qs.labels, 5);
  const audit = auditValues(subsetIndex(v.index, Uint32Array.from({ length: 250 }, (_, i) => i)), 7);
  return toJson({
    collapse: { method: v.collapse.method, version: v.collapse.version, kept: v.collapse.kept.length, dropped: v.collapse.dropped },
    receipts,
    sum: { method: sum.method, version: sum.version, matches: sum.matches, hash: hashOfValues(sum.values) },
    audit: { method: audit.method, version: audit.version, hash: hashOfValues(audit.values), head: audit.values.slice(0, 10) },
  });
}

if (import.meta.main) process.stdout.write(`${determinismReport()}\n`);
