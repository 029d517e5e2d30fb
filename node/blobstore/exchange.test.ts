import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { utf8 } from "../../modules/core/bytes.ts";
import type { P2PHost } from "../p2p/host.ts";
import { connect, createTestHost, waitFor } from "../p2p/testing.ts";
import { silentLogger } from "../util/logger.ts";
import { BlobExchange, blobsChannelSpec, BlobNotFoundError, decodeBlobMsg, encodeBlobMsg } from "./exchange.ts";
import { BlobStore } from "./store.ts";

const dirs: string[] = [];
const hosts: P2PHost[] = [];
after(async () => {
  for (const h of hosts) await h.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function node(): Promise<{ host: P2PHost; store: BlobStore; ex: BlobExchange }> {
  const d = mkdtempSync(join(tmpdir(), "blobex-"));
  dirs.push(d);
  const host = await createTestHost();
  hosts.push(host);
  const store = new BlobStore(join(d, "blobs"), { maxBytes: 1024 * 1024 });
  const ex = new BlobExchange({ requestTimeoutMs: 2000 }, { host, store, logger: silentLogger() });
  await host.start();
  return { host, store, ex };
}

describe("blob exchange over libp2p", () => {
  it("codec round trip; malformed messages refused", () => {
    const h = "ab".repeat(32);
    assert.deepEqual(decodeBlobMsg(encodeBlobMsg({ type: "request", id: 9, hash: h })), { type: "request", id: 9, hash: h });
    const r = decodeBlobMsg(encodeBlobMsg({ type: "response", id: 4294967295, found: true, data: utf8("x") }));
    assert.deepEqual(r, { type: "response", id: 4294967295, found: true, data: utf8("x") });
    assert.throws(() => decodeBlobMsg(new Uint8Array([1, 0, 0, 0, 1, 2])), /want 37/);
    assert.throws(() => decodeBlobMsg(new Uint8Array([9, 0, 0, 0, 1, 0])), /unknown/);
  });

  it("B fetches a blob it lacks from A, verifies and stores it; a lying peer is penalised and skipped", async () => {
    const a = await node();
    const b = await node();
    // the liar speaks the blobs protocol but answers every request with other bytes
    const liarHost = await createTestHost();
    hosts.push(liarHost);
    const liarCh = liarHost.channel(blobsChannelSpec(1024 * 1024));
    liarCh.onMessage((peer, m) => {
      if (m.type === "request") liarCh.send(peer, { type: "response", id: m.id, found: true, data: utf8("forged payload") });
    });
    await liarHost.start();
    await connect(b.host, a.host);
    await connect(b.host, liarHost);

    const payload = new Uint8Array(300_000).map((_, i) => (i * 31) & 0xff);
    const h = await a.store.put(payload);
    assert.equal(await b.store.has(h), false);

    const got = await b.ex.fetch(h, { peers: [liarHost.nodeId, a.host.nodeId] });
    assert.deepEqual(got, payload);
    assert.deepEqual(await b.store.get(h), payload, "stored locally after verification");
    assert.equal(b.ex.stats.lies, 1);
    assert.equal(b.ex.stats.fetched, 1);
    assert.equal(a.ex.stats.served, 1);
    assert.ok(b.host.scores.score(liarHost.nodeId) <= -50, "liar penalised");
    await waitFor(() => !b.host.isConnected(liarHost.nodeId), 5000, "liar disconnected");

    // now local: no request goes out
    assert.deepEqual(await b.ex.fetch(h), payload);
    assert.equal(a.ex.stats.served, 1);

    // nobody has it: not found, and an honest "not found" costs nothing
    await assert.rejects(b.ex.fetch("cd".repeat(32)), BlobNotFoundError);
    assert.ok(b.host.scores.score(a.host.nodeId) >= 0);
  });
});
