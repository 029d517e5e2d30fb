import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { CheckTxRequest, CheckTxResponse } from "../../modules/core/abci.ts";
import { EMPTY, fromUtf8, toBase64, utf8 } from "../../modules/core/bytes.ts";
import { MemoryBackend } from "../../modules/core/store/memory.ts";
import { MempoolError, TxPool } from "../mempool/txPool.ts";
import { startNode } from "../node.ts";
import { DEFAULT_NODE_OPTIONS, type NodeOptions } from "../options.ts";
import { testGenesis, TEST_CHAIN_ID } from "../testing/chain.ts";
import { KvApp } from "../testing/kvApp.ts";
import { MemPV } from "../testing/memStores.ts";
import { silentLogger } from "../util/logger.ts";
import { createNodeMetrics } from "./registry.ts";

/** the unlabelled value, or the one with `labels` (`reason="x"`), of a metric in Prometheus text format. */
function sample(text: string, name: string, labels = ""): number | undefined {
  const key = labels === "" ? name : `${name}{${labels}}`;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${key} `)) return Number(line.slice(key.length + 1));
  }
  return undefined;
}

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
  return res.text();
}

async function rpc(port: number, method: string, params: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return res.json();
}

async function waitFor(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

function fakeApp() {
  return {
    async checkTx(req: CheckTxRequest): Promise<CheckTxResponse> {
      const [sender = "", seq = "0", payload = ""] = fromUtf8(req.tx).split(":");
      const refused = payload === "bad";
      return {
        code: refused ? 5 : 0,
        data: EMPTY,
        log: refused ? "refused" : "",
        info: "",
        gasWanted: 10n,
        gasUsed: 0n,
        events: [],
        codespace: refused ? "test" : "",
        sender,
        sequence: BigInt(seq),
        priority: 0n,
      };
    },
  };
}

describe("node/metrics", () => {
  it("mempool gauges follow adds and removals; rejections are counted by reason", async () => {
    const m = createNodeMetrics({ defaultMetrics: false });
    const p = new TxPool(
      { maxTxs: 100, maxTxsBytes: 1 << 20, maxTxBytes: 64, maxTxsPerSender: 10, cacheSize: 100, recheck: false },
      { app: fakeApp(), logger: silentLogger(), metrics: m.mempool },
    );
    const a = utf8("alice:1:x");
    const b = utf8("bob:1:yy");
    await p.checkAndAdd(a);
    await p.checkAndAdd(b);
    let text = await m.register.metrics();
    assert.equal(sample(text, "openledger_mempool_size"), 2);
    assert.equal(sample(text, "openledger_mempool_size_bytes"), a.length + b.length);

    assert.notEqual((await p.checkAndAdd(utf8("carol:1:bad"))).code, 0);
    assert.notEqual((await p.checkAndAdd(new Uint8Array(65))).code, 0);
    await assert.rejects(p.checkAndAdd(a), MempoolError);
    text = await m.register.metrics();
    assert.equal(sample(text, "openledger_mempool_rejected_total", 'reason="check_tx"'), 1);
    assert.equal(sample(text, "openledger_mempool_rejected_total", 'reason="too_large"'), 1);
    assert.equal(sample(text, "openledger_mempool_rejected_total", 'reason="in_cache"'), 1);

    const release = await p.lock();
    await p.update(1n, [a], []);
    release();
    text = await m.register.metrics();
    assert.equal(sample(text, "openledger_mempool_size"), 1);
    assert.equal(sample(text, "openledger_mempool_size_bytes"), b.length);
    p.flush();
    assert.equal(sample(await m.register.metrics(), "openledger_mempool_size"), 0);
    p.close();
  });

  it("a node serves /metrics: height equals the RPC height, the mempool and committed-tx metrics move", async () => {
    const home = mkdtempSync(join(tmpdir(), "openledgerd-metrics-"));
    try {
      const pv = new MemPV();
      const opts: NodeOptions = {
        ...DEFAULT_NODE_OPTIONS,
        home,
        chainId: TEST_CHAIN_ID,
        rpc: { ...DEFAULT_NODE_OPTIONS.rpc, laddr: "127.0.0.1:0" },
        // 1 s between blocks: the checks below rely on the chain standing still right after a commit (a shared, loaded machine needs the margin)
        consensus: { blockIntervalMs: 1000, createEmptyBlocks: true },
        instrumentation: { prometheus: true, laddr: "127.0.0.1:0" },
      };
      const node = await startNode(opts, {
        app: new KvApp(),
        logger: silentLogger(),
        genesis: testGenesis(pv),
        genesisJson: "{}",
        privValidator: pv,
        nodeDbBackend: new MemoryBackend(),
      });
      try {
        assert.ok(node.metricsPort > 0);
        assert.equal((await fetch(`http://127.0.0.1:${node.metricsPort}/other`)).status, 404);
        await waitFor(() => node.height() >= 2n);
        // right after a commit the producer sleeps ~1 s: the chain stands still while we look
        const h0 = node.height();
        await waitFor(() => node.height() > h0);
        const status = await rpc(node.rpcPort, "status");
        let text = await scrape(node.metricsPort);
        assert.equal(sample(text, "openledger_consensus_height"), Number(status.result.sync_info.latest_block_height));
        assert.equal(sample(text, "openledger_consensus_height"), Number(node.height()));
        assert.equal(sample(text, "openledger_consensus_round"), 0);
        assert.equal(sample(text, "openledger_consensus_block_txs"), 0);
        assert.ok((sample(text, "openledger_consensus_block_interval_seconds") ?? -1) >= 0);
        assert.ok((sample(text, "openledger_state_block_processing_seconds_count") ?? 0) >= 2);
        assert.equal(sample(text, "openledger_mempool_size"), 0);
        assert.equal(sample(text, "openledger_txs_committed_total"), 0);
        assert.equal(sample(text, "openledger_p2p_peers"), 0);
        assert.ok(sample(text, "process_cpu_seconds_total") !== undefined, "default process metrics");

        const h1 = node.height();
        await waitFor(() => node.height() > h1);
        const txs = ["a=1", "bb=2", "ccc=3"].map(utf8);
        for (const tx of txs) assert.equal((await rpc(node.rpcPort, "broadcast_tx_sync", { tx: toBase64(tx) })).result.code, 0);
        text = await scrape(node.metricsPort);
        assert.equal(node.height(), h1 + 1n, "no block in between (the test relies on the block interval)");
        assert.equal(sample(text, "openledger_mempool_size"), 3);
        assert.equal(sample(text, "openledger_mempool_size_bytes"), txs.reduce((n, t) => n + t.length, 0));

        await waitFor(() => node.height() > h1 + 1n);
        text = await scrape(node.metricsPort);
        assert.equal(sample(text, "openledger_mempool_size"), 0);
        assert.equal(sample(text, "openledger_mempool_size_bytes"), 0);
        assert.equal(sample(text, "openledger_consensus_block_txs"), 3);
        assert.equal(sample(text, "openledger_txs_committed_total"), 3);
      } finally {
        await node.stop();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
