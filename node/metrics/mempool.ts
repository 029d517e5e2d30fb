/** Mempool metrics (STYLE §7.7, §7.10): size and bytes follow every add / remove; rejections by reason. */
import { Counter, Gauge, type Registry } from "prom-client";

export const MEMPOOL_REJECT_REASON = {
  tooLarge: "too_large",
  full: "full",
  senderLimit: "sender_limit",
  inCache: "in_cache",
  checkTx: "check_tx",
  recheck: "recheck",
} as const;
export type MempoolRejectReason = (typeof MEMPOOL_REJECT_REASON)[keyof typeof MEMPOOL_REJECT_REASON];

export interface MempoolMetrics {
  size: Gauge;
  sizeBytes: Gauge;
  rejectedTotal: Counter<"reason">;
}

export function createMempoolMetrics(register: Registry): MempoolMetrics {
  const registers = [register];
  return {
    size: new Gauge({ name: "openledger_mempool_size", help: "Txs in the mempool.", registers }),
    sizeBytes: new Gauge({ name: "openledger_mempool_size_bytes", help: "Total bytes of the txs in the mempool.", registers }),
    rejectedTotal: new Counter({
      name: "openledger_mempool_rejected_total",
      help: "Txs refused by the mempool (or dropped on recheck), by reason.",
      labelNames: ["reason"] as const,
      registers,
    }),
  };
}
