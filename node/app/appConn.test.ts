import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { utf8 } from "../../modules/core/bytes.ts";
import { KvApp } from "../testing/kvApp.ts";
import { AppConn } from "./appConn.ts";

describe("app/appConn", () => {
  it("runs a waiting consensus call before queued CheckTx NEW calls, never overlapping", async () => {
    const app = new KvApp();
    app.delayMs = 2;
    const conn = new AppConn(app);
    const order: string[] = [];
    const checks = Array.from({ length: 5 }, (_, i) =>
      conn.checkTx({ tx: utf8(`k${i}=v`), type: "new" }).then(() => order.push(`check${i}`)),
    );
    const info = conn.initChain({
      time: { seconds: 0n, nanos: 0 },
      chainId: "c",
      consensusParams: {
        block: { maxBytes: 1n, maxGas: -1n },
        evidence: { maxAgeNumBlocks: 1n, maxAgeDurationNs: 1n, maxBytes: 1n },
        validator: { pubKeyTypes: ["ed25519"] },
        version: { app: 0n },
        abci: { voteExtensionsEnableHeight: 0n },
      },
      validators: [],
      appStateBytes: utf8("{}"),
      initialHeight: 1n,
    }).then(() => order.push("initChain"));
    await Promise.all([...checks, info]);
    // check0 was already running when initChain arrived; initChain jumps the rest
    assert.deepEqual(order, ["check0", "initChain", "check1", "check2", "check3", "check4"]);
    assert.equal(app.overlapped, false);
  });

  it("propagates app errors to the caller and keeps serving", async () => {
    const conn = new AppConn(new KvApp());
    await assert.rejects(conn.commit(), /Commit without FinalizeBlock/);
    const info = await conn.info();
    assert.equal(info.lastBlockHeight, 0n);
    await conn.close();
    await assert.rejects(conn.info(), /closed/);
  });
});
