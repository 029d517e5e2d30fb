import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { fromUtf8, utf8 } from "../../modules/core/bytes.ts";
import { generateEd25519 } from "../crypto/ed25519.ts";
import { nodeIdFromPubKey } from "../crypto/keyFiles.ts";
import { silentLogger } from "../util/logger.ts";
import { channelSpec } from "./channel.ts";
import { P2PHost } from "./host.ts";
import { libp2pKeyFromNodeKey } from "./nodeId.ts";
import { DelayLine, NO_FAULTS, parseFaultRules, TEST_PARTITION_ENV, TestFaults, toNodeId } from "./testFaults.ts";
import { TEST_P2P_CHAIN_ID, waitFor } from "./testing.ts";

const text = { encode: (s: string) => utf8(s), decode: (b: Uint8Array) => fromUtf8(b) };
const dir = mkdtempSync(join(tmpdir(), "ol-faults-"));
const hosts: P2PHost[] = [];
after(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** writes the fault file as a harness would (write + rename: atomic). */
function writeRules(path: string, rules: object | undefined): void {
  if (rules === undefined) {
    rmSync(path, { force: true });
    return;
  }
  writeFileSync(`${path}.tmp`, JSON.stringify(rules));
  renameSync(`${path}.tmp`, path);
}

async function makeHost(opts: { persistentPeers?: string[]; faults?: TestFaults } = {}) {
  const h = await P2PHost.create(
    { chainId: TEST_P2P_CHAIN_ID, laddr: "tcp://127.0.0.1:0", backoffInitialMs: 3_600_000, backoffMaxMs: 3_600_000, dialTimeoutMs: 3000, persistentPeers: opts.persistentPeers ?? [] },
    { nodeKey: generateEd25519(), logger: silentLogger(), testFaults: opts.faults },
  );
  const got: { from: string; msg: string }[] = [];
  const ch = h.channel(channelSpec("consensus-state", text));
  ch.onMessage((from, msg) => {
    got.push({ from, msg });
  });
  hosts.push(h);
  await h.start();
  return { h, ch, got };
}

describe("p2p/testFaults: rules", () => {
  it("parses node ids and libp2p peer ids; refuses malformed files", async () => {
    const key = generateEd25519();
    const nodeId = nodeIdFromPubKey(key.publicKey);
    const peerId = peerIdFromPrivateKey(await libp2pKeyFromNodeKey(key)).toString();
    assert.equal(toNodeId(peerId), nodeId);
    assert.equal(toNodeId(nodeId.toUpperCase()), nodeId);
    const r = parseFaultRules(JSON.stringify({ deny: [peerId], dropFrom: [nodeId], dropPercent: 5, jitterMs: 200 }));
    assert.deepEqual([...r.deny], [nodeId]);
    assert.deepEqual([...r.dropFrom], [nodeId]);
    assert.equal(r.dropPercent, 5);
    assert.equal(r.jitterMs, 200);
    assert.equal(r.delayMs, 0);
    assert.equal(parseFaultRules(""), NO_FAULTS);
    assert.throws(() => parseFaultRules("[]"), /JSON object/);
    assert.throws(() => parseFaultRules('{"deny":["nope"]}'), /not a node id/);
    assert.throws(() => parseFaultRules('{"dropPercent":101}'), /dropPercent/);
    assert.throws(() => parseFaultRules('{"jitter":5}'), /unknown field/);
  });

  it("is inert without the env var and refused on a chain id that is not a test network's", () => {
    const path = join(dir, "env.json");
    assert.equal(TestFaults.fromEnv({}, "openledger-1", silentLogger()), undefined);
    assert.equal(TestFaults.fromEnv({ [TEST_PARTITION_ENV]: "" }, "openledger-localnet-1", silentLogger()), undefined);
    assert.throws(() => TestFaults.fromEnv({ [TEST_PARTITION_ENV]: path }, "openledger-1", silentLogger()), /refused on chain id "openledger-1"/);
    assert.throws(() => TestFaults.fromEnv({ [TEST_PARTITION_ENV]: path }, "openledger-testnet-1", silentLogger()), /refused/);
    for (const id of ["openledger-localnet-1", "openledger-dev-1", "test-chain-1", "localnet"]) {
      const f = TestFaults.fromEnv({ [TEST_PARTITION_ENV]: path }, id, silentLogger());
      assert.ok(f !== undefined, id);
      assert.deepEqual(f.current(), NO_FAULTS, "a missing file means no faults");
    }
  });

  it("re-reads the file; a bad file keeps the previous rules; drop % and delays per message", () => {
    const path = join(dir, "reload.json");
    const peer = "ab".repeat(20);
    let x = 0;
    const seq = [0.01, 0.5, 0.99, 0.2];
    const f = new TestFaults(path, silentLogger(), { random: () => seq[x++ % seq.length]! });
    assert.equal(f.inbound(peer), 0);
    writeRules(path, { dropFrom: [peer] });
    assert.equal(f.reload(), true);
    assert.equal(f.inbound(peer), -1);
    assert.equal(f.isDenied(peer), false);
    writeFileSync(path, "{ not json");
    assert.equal(f.reload(), false);
    assert.equal(f.inbound(peer), -1, "previous rules kept");
    writeRules(path, { dropPercent: 30, delayMs: 10, jitterMs: 100 });
    assert.equal(f.reload(), true);
    assert.equal(f.inbound(peer), -1); // 0.01 < 0.30: dropped
    assert.equal(f.inbound(peer), 10 + Math.floor(0.99 * 101)); // 0.5 kept, jitter from 0.99
    writeRules(path, undefined);
    assert.equal(f.reload(), true);
    assert.deepEqual(f.current(), NO_FAULTS);
  });

  it("a delay line keeps arrival order whatever the delays", async () => {
    const out: number[] = [];
    const line = new DelayLine<number>((n) => out.push(n));
    const delays = [50, 0, 30, 5, 0, 80, 1];
    for (const [i, d] of delays.entries()) line.push(i, d);
    await waitFor(() => out.length === delays.length, 30_000, "all delivered");
    assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 6]);
  });
});

describe("p2p/testFaults: on real hosts", () => {
  it("hosts without fault rules have no inbound hook", async () => {
    const { h } = await makeHost();
    assert.equal(h.inboundFault, undefined);
  });

  it("deny closes the connection and refuses re-dials both ways; removing it re-dials persistent peers at once", async () => {
    const b = await makeHost();
    const c = await makeHost();
    const path = join(dir, "a.json");
    const faults = new TestFaults(path, silentLogger(), { pollMs: 50 });
    const a = await makeHost({ persistentPeers: [b.h.listenAddresses()[0]!, c.h.listenAddresses()[0]!], faults });
    await waitFor(() => a.h.isConnected(b.h.nodeId) && a.h.isConnected(c.h.nodeId), 30_000, "a connected to b and c");

    writeRules(path, { deny: [b.h.nodeId] });
    await waitFor(() => !a.h.isConnected(b.h.nodeId) && !b.h.isConnected(a.h.nodeId), 30_000, "a and b disconnected");
    assert.ok(a.h.isConnected(c.h.nodeId), "c is not denied");
    await b.h.dial(a.h.listenAddresses()[0]!).catch(() => undefined); // inbound from a denied peer: refused by a's gater
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!a.h.isConnected(b.h.nodeId) && !b.h.isConnected(a.h.nodeId), "still apart");

    // the persistent backoff is an hour here: a new connection can only come from the heal's re-dial
    writeRules(path, {});
    await waitFor(() => a.h.isConnected(b.h.nodeId) && b.h.isConnected(a.h.nodeId), 30_000, "healed: a re-dialled b");
    a.ch.send(b.h.nodeId, "after heal");
    await waitFor(() => b.got.some((m) => m.msg === "after heal"), 30_000, "message after heal");
  });

  it("dropFrom cuts one direction only; dropPercent 100 drops everything; jitter keeps order", async () => {
    const path = join(dir, "one-way.json");
    const faults = new TestFaults(path, silentLogger(), { pollMs: 50 });
    const b = await makeHost();
    const a = await makeHost({ persistentPeers: [b.h.listenAddresses()[0]!], faults });
    await waitFor(() => a.h.isConnected(b.h.nodeId) && b.h.isConnected(a.h.nodeId), 30_000, "connected");

    writeRules(path, { dropFrom: [b.h.nodeId] });
    faults.reload();
    b.ch.send(a.h.nodeId, "b→a lost");
    a.ch.send(b.h.nodeId, "a→b arrives");
    await waitFor(() => b.got.some((m) => m.msg === "a→b arrives"), 30_000, "a→b");
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!a.got.some((m) => m.msg === "b→a lost"), "b→a dropped");
    assert.ok(a.h.isConnected(b.h.nodeId), "a one-way cut keeps the connection");

    writeRules(path, { dropPercent: 100 });
    faults.reload();
    for (let i = 0; i < 20; i++) b.ch.send(a.h.nodeId, `drop ${i}`);
    b.ch.send(a.h.nodeId, "marker"); // also dropped
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!a.got.some((m) => m.msg.startsWith("drop ") || m.msg === "marker"), "all dropped");

    writeRules(path, { jitterMs: 80, delayMs: 5 });
    faults.reload();
    const n = 60;
    for (let i = 0; i < n; i++) b.ch.send(a.h.nodeId, `j${i}`);
    await waitFor(() => a.got.filter((m) => m.msg.startsWith("j")).length === n, 60_000, "jittered messages");
    assert.deepEqual(a.got.filter((m) => m.msg.startsWith("j")).map((m) => m.msg), Array.from({ length: n }, (_, i) => `j${i}`));
  });
});
