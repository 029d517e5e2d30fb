/**
 * Breaks a node's LevelDB database down by key prefix: keys, bytes (key + value) and mean value size per
 * prefix, and per tx when the tx count is given. The first byte is the bucket (node/storage/buckets.ts);
 * in the tx index bucket (0x20) the second byte is the record kind too (node/storage/txIndex.ts).
 *
 *   node test/bench/dbPrefixes.ts HOME/data/node.db [TXS]
 *
 * With BENCH_KEEP_HOME=1, test/bench/bankSend.ts keeps the node's home and prints its path. The node must
 * be stopped (LevelDB's lock).
 */
import { ClassicLevel } from "classic-level";

const path = process.argv[2];
if (path === undefined) {
  console.error("usage: node test/bench/dbPrefixes.ts DB_DIR [TXS]");
  process.exit(2);
}
const txs = Number(process.argv[3] ?? 0);
const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: "view", valueEncoding: "view", createIfMissing: false });
const byPrefix = new Map<string, { keys: number; keyBytes: number; valueBytes: number }>();
for await (const [k, v] of db.iterator()) {
  const first = k[0] ?? 0;
  const hex = (b: number) => b.toString(16).padStart(2, "0");
  const p = first === 0x20 && k.length > 1 ? `${hex(first)}.${hex(k[1] as number)}` : hex(first);
  const e = byPrefix.get(p) ?? { keys: 0, keyBytes: 0, valueBytes: 0 };
  e.keys++;
  e.keyBytes += k.length;
  e.valueBytes += v.length;
  byPrefix.set(p, e);
}
await db.close();
let total = 0;
for (const [p, e] of [...byPrefix].sort(([a], [b]) => (a < b ? -1 : 1))) {
  const bytes = e.keyBytes + e.valueBytes;
  total += bytes;
  const perTx = txs > 0 ? `  ${(e.keys / txs).toFixed(2).padStart(6)} keys/tx  ${(bytes / txs).toFixed(0).padStart(6)} B/tx` : "";
  console.log(`${p.padEnd(6)} ${String(e.keys).padStart(9)} keys  ${String(bytes).padStart(11)} B  mean value ${(e.valueBytes / e.keys).toFixed(0).padStart(8)} B${perTx}`);
}
console.log(`total ${total} B${txs > 0 ? `, ${(total / txs).toFixed(0)} B/tx` : ""}`);
