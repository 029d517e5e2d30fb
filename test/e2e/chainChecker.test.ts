/**
 * bftNet.ChainChecker against fake nodes (small JSON-RPC servers on 127.0.0.1:0 serving status, block,
 * abci_info and tx): repeated checks fetch only the new heights (incremental), and they still catch a
 * fork, a tx committed twice, a missing acknowledged tx and a restarted node whose old blocks differ.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, describe, it } from "node:test";
import type { AddressInfo } from "node:net";
import { ChainChecker, type Proc } from "./bftNet.ts";
import { txHashHex } from "./txLoad.ts";

interface FakeNode {
  proc: Proc;
  server: Server;
  blocks: Map<number, { hash: string; app: string; txs: string[] }>;
  /** block requests served (by height). */
  blockCalls: number[];
  /** blockchain requests served ([min, max]). */
  blockchainCalls: [number, number][];
}

const hashOf = (tag: string) => Buffer.from(tag.padEnd(32, ".")).toString("hex").toUpperCase();
const txB64 = (n: number) => Buffer.from(`tx-${n}`).toString("base64");
const txHash = (n: number) => txHashHex(Buffer.from(`tx-${n}`));

async function fakeNode(): Promise<FakeNode> {
  const blocks = new Map<number, { hash: string; app: string; txs: string[] }>();
  const blockCalls: number[] = [];
  const blockchainCalls: [number, number][] = [];
  const top = () => Math.max(0, ...blocks.keys());
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const { method, params } = JSON.parse(body) as { method: string; params: Record<string, string> };
      let result: unknown;
      if (method === "status") result = { sync_info: { latest_block_height: String(top()) } };
      else if (method === "block") {
        const h = Number(params["height"]);
        blockCalls.push(h);
        const b = blocks.get(h)!;
        result = { block_id: { hash: b.hash }, block: { header: { app_hash: b.app }, data: { txs: b.txs } } };
      } else if (method === "blockchain") {
        const lo = Number(params["minHeight"]);
        const hi = Math.min(Number(params["maxHeight"]), top(), lo + 19);
        blockchainCalls.push([lo, hi]);
        const metas = [];
        for (let h = hi; h >= lo; h--) metas.push({ block_id: { hash: blocks.get(h)!.hash }, header: { height: String(h), app_hash: blocks.get(h)!.app } });
        result = { last_height: String(top()), block_metas: metas };
      } else if (method === "abci_info") {
        const h = top();
        result = { response: { last_block_height: String(h), last_block_app_hash: Buffer.from(`app-${h + 1}`).toString("base64") } };
      } else if (method === "tx") {
        const hash = params["hash"]!.slice(2);
        const h = [...blocks].find(([, b]) => b.txs.some((t) => txHashHex(Buffer.from(t, "base64")) === hash))?.[0];
        result = { tx_result: { code: 0 }, height: String(h) };
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { proc: { home: "", rpcUrl: `http://127.0.0.1:${port}`, rpcPort: port, p2pPort: 0, proc: undefined }, server, blocks, blockCalls, blockchainCalls };
}

/** the same chain on every node: block h carries tx h when `txs` says so; app hash of the header at h+1 = "app-(h+1)" as hex. */
function grow(nodes: FakeNode[], to: number, txAt: (h: number) => number[] = () => []): void {
  for (const n of nodes) {
    for (let h = n.blocks.size + 1; h <= to; h++) {
      n.blocks.set(h, { hash: hashOf(`b${h}`), app: Buffer.from(`app-${h}`).toString("hex").toUpperCase(), txs: txAt(h).map(txB64) });
    }
  }
}

describe("bftNet.ChainChecker (incremental)", () => {
  const all: FakeNode[] = [];
  after(() => {
    for (const n of all) n.server.close();
  });

  it("a second check fetches only the new heights; a restarted or relaunched node is compared from height 1 again", async () => {
    const nodes = await Promise.all([fakeNode(), fakeNode(), fakeNode()]);
    all.push(...nodes);
    grow(nodes, 20, (h) => (h % 5 === 0 ? [h] : []));
    const checker = new ChainChecker();
    const procs = nodes.map((n) => n.proc);
    let r = await checker.check(procs, [txHash(5), txHash(10)], { timeoutMs: 1_000 });
    assert.deepEqual(r, { height: 20, txs: 2 });
    for (const n of nodes) assert.equal(n.blockCalls.length, 20);
    grow(nodes, 25, (h) => (h % 5 === 0 ? [h] : []));
    for (const n of nodes) n.blockCalls.length = 0;
    r = await checker.check(procs, [txHash(5), txHash(10), txHash(25)], { timeoutMs: 1_000 });
    assert.deepEqual(r, { height: 25, txs: 3 });
    for (const n of nodes) assert.deepEqual(n.blockCalls, [21, 22, 23, 24, 25], "only the new heights");
    for (const n of nodes) n.blockCalls.length = 0;
    await checker.check(procs, [], { restarted: [nodes[1]!.proc] });
    assert.equal(nodes[0]!.blockCalls.length + nodes[0]!.blockchainCalls.length, 0);
    assert.deepEqual(nodes[1]!.blockchainCalls, [[1, 20], [21, 25]], "the restarted node is compared again in full, 20 heights a call");
    nodes[2]!.proc.proc = {} as Proc["proc"]; // relaunched (a new process object)
    for (const n of nodes) n.blockchainCalls.length = 0;
    grow(nodes, 27);
    await checker.check(procs, []);
    assert.deepEqual(nodes[2]!.blockchainCalls, [[1, 20], [21, 25]], "a relaunched node is compared again in full");
    assert.deepEqual(nodes[2]!.blockCalls, [26, 27], "then the new heights");
    assert.equal(nodes[0]!.blockchainCalls.length + nodes[1]!.blockchainCalls.length, 0);
  });

  it("still fails on a fork at a new height, on an old height of a restarted node, on a tx committed twice and on a missing tx", async () => {
    const nodes = await Promise.all([fakeNode(), fakeNode()]);
    all.push(...nodes);
    const procs = nodes.map((n) => n.proc);
    grow(nodes, 10, (h) => (h === 3 ? [3] : []));
    const checker = new ChainChecker();
    await checker.check(procs, [txHash(3)], { timeoutMs: 1_000 });
    // another block at a new height on one node
    grow(nodes, 12);
    nodes[1]!.blocks.set(12, { ...nodes[1]!.blocks.get(12)!, hash: hashOf("fork") });
    await assert.rejects(checker.check(procs, [], { timeoutMs: 1_000 }), /I1: one block at height 12/);
    // a restarted node whose height-4 block changed: found when it is compared again
    const c2 = new ChainChecker();
    const [x, y] = await Promise.all([fakeNode(), fakeNode()]);
    all.push(x, y);
    grow([x, y], 8);
    await c2.check([x.proc, y.proc], []);
    y.blocks.set(4, { ...y.blocks.get(4)!, hash: hashOf("other4") });
    await c2.check([x.proc, y.proc], []); // not restarted: its old blocks are not fetched again
    await assert.rejects(c2.check([x.proc, y.proc], [], { restarted: [y.proc] }), /I1: one block at height 4/);
    y.blocks.set(4, { ...x.blocks.get(4)!, app: "AB" });
    await assert.rejects(new ChainChecker().check([x.proc, y.proc], []), /I3: one app hash in the headers at height 4/);
    // a tx in two blocks
    const c3 = new ChainChecker();
    const [u, v] = await Promise.all([fakeNode(), fakeNode()]);
    all.push(u, v);
    grow([u, v], 6, (h) => (h === 2 ? [7] : []));
    await c3.check([u.proc, v.proc], [txHash(7)], { timeoutMs: 1_000 });
    grow([u, v], 8, (h) => (h === 8 ? [7] : []));
    await assert.rejects(c3.check([u.proc, v.proc], [txHash(7)], { timeoutMs: 1_000 }), /I4: tx .* committed twice \(heights 2 and 8\)/);
    // an acknowledged tx that never commits
    await assert.rejects(new ChainChecker().check([u.proc, v.proc], [txHash(99)], { timeoutMs: 300 }), /I4: 1 of 1 acknowledged txs not committed/);
  });
});
