/**
 * Two full nodes (startNode, BFT engine, real libp2p on 127.0.0.1:0): a payload uploaded to node 0 with
 * blob_put is served by node 1's blob_get, which fetches it from node 0 over the blobs channel and keeps it.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { createTestNetwork, type TestNetwork } from "../consensus/testing/network.ts";

async function rpc(port: number, method: string, params: Record<string, unknown>): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return res.json();
}

describe("blobstore in the node (2 BFT nodes)", () => {
  let net: TestNetwork;
  before(async () => {
    net = await createTestNetwork(2);
    for (let i = 0; i < 2; i++) await net.start(i);
    for (let i = 0; i < 2; i++) await net.connect(i);
  });
  after(async () => {
    await net?.close();
  });

  it("blob_put on node 0, blob_get on node 1 fetches over p2p, verifies and stores under data/blobs", async () => {
    const n0 = net.vals[0]!.node!;
    const n1 = net.vals[1]!.node!;
    const payload = Buffer.from("datanet payload bytes ".repeat(100));
    const put = await rpc(n0.rpcPort, "blob_put", { data: payload.toString("base64") });
    assert.equal(put.error, undefined, JSON.stringify(put.error));
    const hash: string = put.result.hash;
    assert.equal(put.result.uri, `blob://${hash}`);
    assert.ok(existsSync(n0.blobs.store.pathOf(hash)));
    assert.equal(await n1.blobs.store.has(hash), false);
    const got = await rpc(n1.rpcPort, "blob_get", { hash });
    assert.equal(got.error, undefined, JSON.stringify(got.error));
    assert.deepEqual(Buffer.from(got.result.data, "base64"), payload);
    assert.equal(await n1.blobs.store.has(hash), true, "kept after the fetch");
    assert.equal(n1.bft?.blobExchange.stats.fetched, 1);
    assert.equal(n0.bft?.blobExchange.stats.served, 1);
  });
});
