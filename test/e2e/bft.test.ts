/**
 * Four real `openledgerd start` processes on 127.0.0.1 with a 4-validator genesis (each home's
 * priv_validator_key.json, power 10) and persistent peers in config.toml: blocks with identical hashes
 * and app hashes on every node (the real app, vote extensions on: each block from height 2 starts with
 * the previous height's extended commit); kill -9 of one validator under signed-tx load → the others go
 * on; restarted → it catches up to the same chain; afterwards the shared checks (bftNet.ChainChecker:
 * one block per height, identical app hashes, every acknowledged tx committed once and indexed on every
 * node).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fromBase64 } from "../../modules/core/bytes.ts";
import { decodeCommitVerdictsTx } from "../../modules/core/voteExtension.ts";
import { rpc, waitFor } from "./harness.ts";
import { join } from "node:path";
import { blockHash, CHAIN_ID, ChainChecker, heightOf, kill, launch, type Proc, setupNet, teardown } from "./bftNet.ts";
import { genesisAccounts, makeAccounts, setAccountNumbers, TxLoad } from "./txLoad.ts";

describe("e2e: 4 validators, real processes (BFT over libp2p)", { timeout: 180_000 }, () => {
  const procs: Proc[] = [];
  const accounts = makeAccounts("bft", 2);

  before(async () => {
    procs.push(...(await setupNet("bft", genesisAccounts(accounts))));
    setAccountNumbers(accounts, join(procs[0]!.home, "config/genesis.json"));
    for (const p of procs) launch(p);
  });

  after(async () => {
    await teardown(procs);
  });

  it("commits identical blocks on all four nodes", async () => {
    for (const p of procs) await waitFor(`node ${p.rpcPort} at height 3`, async () => ((await heightOf(p)) >= 3 ? true : undefined), 90_000, 250);
    for (let h = 1; h <= 3; h++) {
      const hashes = new Set(await Promise.all(procs.map((p) => blockHash(p, h))));
      assert.equal(hashes.size, 1, `height ${h}`);
    }
    // vote extensions (on from height 1): block h ≥ 2 starts with the extended commit of h−1, signed by > 2/3
    for (let h = 2; h <= 3; h++) {
      const blk = await rpc(procs[0]!.rpcUrl, "block", { height: String(h) });
      const cv = decodeCommitVerdictsTx(fromBase64(blk.block.data.txs[0]));
      assert.ok(cv !== null, `block ${h}: first tx is the extended commit`);
      assert.equal(cv.height, BigInt(h - 1));
      assert.ok(cv.votes.filter((v) => v.blockIdFlag === 2 && v.extensionSignature.length === 64).length >= 3);
      const res = await rpc(procs[0]!.rpcUrl, "block_results", { height: String(h) });
      assert.equal(res.txs_results[0].code, 0);
    }
    const st = await rpc(procs[0]!.rpcUrl, "status");
    assert.equal(st.sync_info.catching_up, false);
    const ni = await rpc(procs[0]!.rpcUrl, "net_info");
    assert.equal(Number(ni.n_peers), 3);
  });

  it("survives kill -9 of one validator, which restarts and catches up", async () => {
    const up = (p: Proc) => p.proc !== undefined && p.proc.exitCode === null && p.proc.signalCode === null;
    const load = new TxLoad({ chainId: CHAIN_ID, accounts, targets: () => procs.filter(up).map((p) => p.rpcUrl), pauseMs: 300 });
    load.start();
    await new Promise((r) => setTimeout(r, 1000));
    await kill(procs[3]!, "SIGKILL");
    const h0 = await heightOf(procs[0]!);
    for (const p of procs.slice(0, 3)) await waitFor(`height ${h0 + 2}`, async () => ((await heightOf(p)) >= h0 + 2 ? true : undefined), 60_000, 250);
    launch(procs[3]!);
    const target = (await heightOf(procs[0]!)) + 1;
    await waitFor(`restarted node at ${target}`, async () => ((await heightOf(procs[3]!)) >= target ? true : undefined), 60_000, 250);
    await load.stop();
    assert.ok(load.acked.length > 0, "txs acknowledged around the kill");
    const r = await new ChainChecker().check(procs, load.acked.map((a) => a.hash), { timeoutMs: 60_000 });
    assert.ok(r.height >= target);
  });
});
