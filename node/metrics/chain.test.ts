import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import type { ExecTxResult, FinalizeBlockResponse } from "../../modules/core/abci.ts";
import { createChainMetrics, observeFinalizeBlock } from "./chain.ts";

const ev = (type: string, attrs: Record<string, string> = {}) => ({ type, attributes: Object.entries(attrs).map(([key, value]) => ({ key, value, index: true })) });
const txr = (code: number, events: ReturnType<typeof ev>[]): ExecTxResult =>
  ({ code, data: new Uint8Array(0), log: "", info: "", gasWanted: 0n, gasUsed: 0n, events, codespace: "" }) as ExecTxResult;

function block(events: ReturnType<typeof ev>[], txs: ExecTxResult[]): FinalizeBlockResponse {
  return { events, txResults: txs, validatorUpdates: [], appHash: new Uint8Array(32) } as unknown as FinalizeBlockResponse;
}

describe("node/metrics/chain", () => {
  it("counts PoA receipts and the PoA engine's time of the blocks that ran it, verification verdicts, slashes by reason, tx outcomes", async () => {
    const register = new Registry();
    const m = createChainMetrics(register);
    observeFinalizeBlock(m, block([ev("slash", { reason: "double_sign" })], [txr(0, [ev("transfer")])]), 0.01);
    observeFinalizeBlock(
      m,
      block(
        [ev("openledger.compute.v1.EventJobFailed", { reason: "\"timeout\"" })],
        [
          txr(0, [ev("openledger.attribution.v1.EventInferenceAttributed"), ev("openledger.compute.v1.EventJobAccepted")]),
          txr(0, [ev("openledger.attribution.v1.EventInferenceAttributed"), ev("openledger.compute.v1.EventJobAccepted")]),
          txr(0, [ev("openledger.compute.v1.EventResultRejected"), ev("openledger.compute.v1.EventJobMissed")]),
          txr(5, []),
        ],
      ),
      0.2,
      0.05,
    );
    const text = await register.metrics();
    const val = (line: string) => Number(text.split("\n").find((l) => l.startsWith(`${line} `))?.split(" ")[1]);
    assert.equal(val("openledger_poa_receipts_total"), 2);
    assert.equal(val("openledger_poa_receipts_last_block"), 2);
    assert.equal(val("openledger_poa_block_seconds_count"), 1, "only the block that ran the engine");
    assert.equal(val("openledger_poa_block_seconds_sum"), 0.05, "the engine's time, not the block's");
    assert.equal(val("openledger_poa_seconds_total"), 0.05);
    assert.equal(val("openledger_poa_last_block_seconds"), 0.05);
    assert.equal(val('openledger_verification_verdicts_total{verdict="accepted"}'), 2);
    assert.equal(val('openledger_verification_verdicts_total{verdict="rejected"}'), 1);
    assert.equal(val('openledger_verification_verdicts_total{verdict="failed"}'), 1);
    assert.equal(val('openledger_verification_verdicts_total{verdict="missed"}'), 1);
    assert.equal(val('openledger_slashes_total{reason="double_sign"}'), 1);
    assert.equal(val('openledger_tx_results_total{result="ok"}'), 4);
    assert.equal(val('openledger_tx_results_total{result="failed"}'), 1);
    assert.equal(val("openledger_finalize_block_seconds_count"), 2);
  });

  it("null metrics: nothing to do", () => {
    observeFinalizeBlock(null, block([], []), 1);
  });
});
