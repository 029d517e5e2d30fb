/**
 * Store metrics (STYLE §7.10): what the node's two LevelDB databases (data/node.db: blocks, state, tx
 * index; data/application.db: the app's state tree) have been handed to write, and their size on disk.
 * Read at scrape time from the backends' own counters (node/storage/levelBackend.ts WriteStats), so
 * the write path pays no metrics call. Bytes written ÷ txs committed is the node's write volume per tx
 * (test/bench/bankSend.ts reports it); LevelDB's log, compaction and compression come on top.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { WriteStats } from "../storage/levelBackend.ts";

export interface StoreSource {
  /** label value: "node" or "application". */
  db: string;
  stats: WriteStats;
  /** bytes on disk (a directory listing at scrape time); absent: not reported. */
  diskBytes?: () => number;
}

export interface StoreMetrics {
  /** the databases to report (replaces any earlier ones). */
  bind(sources: readonly StoreSource[]): void;
}

export function createStoreMetrics(register: Registry): StoreMetrics {
  const registers = [register];
  let sources: readonly StoreSource[] = [];
  const counter = (name: string, help: string, pick: (s: WriteStats) => number) =>
    new Counter({
      name,
      help,
      labelNames: ["db"] as const,
      registers,
      collect() {
        // the backend's count is the truth: set the counter to it (never decreases while the node runs)
        this.reset();
        for (const s of sources) this.inc({ db: s.db }, pick(s.stats));
      },
    });
  counter("openledger_store_write_batches_total", "Atomic write batches handed to LevelDB, by database.", (s) => s.batches);
  counter("openledger_store_synced_batches_total", "Write batches fsynced before they resolved, by database.", (s) => s.syncedBatches);
  counter("openledger_store_write_ops_total", "Keys put or deleted, by database.", (s) => s.ops);
  counter("openledger_store_write_bytes_total", "Key and value bytes handed to LevelDB (before its log, compaction and compression), by database.", (s) => s.bytes);
  new Gauge({
    name: "openledger_store_disk_bytes",
    help: "Bytes of the database's files on disk, by database.",
    labelNames: ["db"] as const,
    registers,
    collect() {
      this.reset();
      for (const s of sources) if (s.diskBytes !== undefined) this.set({ db: s.db }, s.diskBytes());
    },
  });
  return {
    bind(next) {
      sources = next;
    },
  };
}
