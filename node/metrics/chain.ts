/**
 * What the committed blocks' FinalizeBlock responses tell (STYLE §7.10: node-only, observed at the
 * app connection, modules stay clock-free): PoA work per block (receipts from
 * `openledger.attribution.v1.EventInferenceAttributed`, and the time spent inside the PoA engine, measured
 * by the node's phase timer (phases.ts) that the attribution keeper marks), compute verification verdicts (job accepted /
 * result rejected / missed / job failed), slashes by reason (SDK `slash` events) and a tx-result tally.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { AbciEvent, FinalizeBlockResponse } from "../../modules/core/abci.ts";

export interface ChainMetrics {
  poaBlockSeconds: Histogram;
  poaSecondsTotal: Counter;
  poaLastBlockSeconds: Gauge;
  poaIndexSecondsTotal: Counter;
  poaReceiptsTotal: Counter;
  poaReceiptsLastBlock: Gauge;
  verdictsTotal: Counter<"verdict">;
  slashesTotal: Counter<"reason">;
  finalizeBlockSeconds: Histogram;
  txResultsTotal: Counter<"result">;
}

export function createChainMetrics(register: Registry): ChainMetrics {
  const registers = [register];
  const buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  const m: ChainMetrics = {
    poaBlockSeconds: new Histogram({
      name: "openledger_poa_block_seconds",
      help: "PoA time per block: seconds spent inside the Proof of Attribution engine (valuation load, KNN-Shapley, split, shadow method, audit) during a block's FinalizeBlock, for blocks that ran it.",
      buckets,
      registers,
    }),
    poaSecondsTotal: new Counter({ name: "openledger_poa_seconds_total", help: "Seconds spent inside the PoA engine during FinalizeBlock, all blocks.", registers }),
    poaIndexSecondsTotal: new Counter({
      name: "openledger_poa_index_load_seconds_total",
      help: "Of the PoA engine's time, seconds spent loading models' valuations (index rows, dedup and collapse; cached after a model's first use in a process).",
      registers,
    }),
    poaLastBlockSeconds: new Gauge({ name: "openledger_poa_last_block_seconds", help: "Seconds spent inside the PoA engine by the last committed block (0 when it ran none).", registers }),
    poaReceiptsTotal: new Counter({ name: "openledger_poa_receipts_total", help: "Attribution receipts written (EventInferenceAttributed).", registers }),
    poaReceiptsLastBlock: new Gauge({ name: "openledger_poa_receipts_last_block", help: "Attribution receipts written by the last committed block.", registers }),
    verdictsTotal: new Counter({
      name: "openledger_verification_verdicts_total",
      help: "Compute verification verdicts committed: accepted (EventJobAccepted), rejected (EventResultRejected), missed (EventJobMissed), failed (EventJobFailed).",
      labelNames: ["verdict"] as const,
      registers,
    }),
    slashesTotal: new Counter({ name: "openledger_slashes_total", help: "Validator slashes committed (slash events), by reason.", labelNames: ["reason"] as const, registers }),
    finalizeBlockSeconds: new Histogram({ name: "openledger_finalize_block_seconds", help: "FinalizeBlock wall time.", buckets, registers }),
    txResultsTotal: new Counter({ name: "openledger_tx_results_total", help: "Committed tx results by outcome (ok: code 0).", labelNames: ["result"] as const, registers }),
  };
  // every known label exported from the start (0 until it happens), so dashboards and rate() see the series
  for (const verdict of Object.values(VERDICTS)) m.verdictsTotal.inc({ verdict }, 0);
  for (const reason of SLASH_REASONS) m.slashesTotal.inc({ reason }, 0);
  for (const result of ["ok", "failed"]) m.txResultsTotal.inc({ result }, 0);
  return m;
}

/** the `reason` of modules/slashing's slash events (downtime, double sign). */
const SLASH_REASONS = ["missing_signature", "double_sign"];

const VERDICTS: Record<string, string> = {
  "openledger.compute.v1.EventJobAccepted": "accepted",
  "openledger.compute.v1.EventResultRejected": "rejected",
  "openledger.compute.v1.EventJobFailed": "failed",
  "openledger.compute.v1.EventJobMissed": "missed",
};

function attr(e: AbciEvent, key: string): string | undefined {
  return e.attributes.find((a) => a.key === key)?.value;
}

/**
 * counts one committed block's events; `seconds` is its FinalizeBlock wall time, `poaSeconds` the time
 * its FinalizeBlock spent in the PoA engine (phases.ts; undefined when the engine did not run).
 */
export function observeFinalizeBlock(m: ChainMetrics | null, res: FinalizeBlockResponse, seconds: number, poaSeconds?: number, poaIndexSeconds?: number): void {
  if (m === null) return;
  m.finalizeBlockSeconds.observe(seconds);
  const all: AbciEvent[] = [...res.events];
  for (const r of res.txResults) {
    m.txResultsTotal.inc({ result: r.code === 0 ? "ok" : "failed" });
    all.push(...r.events);
  }
  let receipts = 0;
  for (const e of all) {
    if (e.type === "openledger.attribution.v1.EventInferenceAttributed") receipts++;
    const v = VERDICTS[e.type];
    if (v !== undefined) m.verdictsTotal.inc({ verdict: v });
    if (e.type === "slash") m.slashesTotal.inc({ reason: attr(e, "reason") ?? "unknown" });
  }
  m.poaReceiptsLastBlock.set(receipts);
  if (receipts > 0) m.poaReceiptsTotal.inc(receipts);
  m.poaLastBlockSeconds.set(poaSeconds ?? 0);
  if (poaSeconds !== undefined) {
    m.poaBlockSeconds.observe(poaSeconds);
    m.poaSecondsTotal.inc(poaSeconds);
  }
  if (poaIndexSeconds !== undefined) m.poaIndexSecondsTotal.inc(poaIndexSeconds);
}
