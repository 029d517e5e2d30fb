import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { fromUtf8, utf8 } from "../../modules/core/bytes.ts";
import { generateEd25519 } from "../crypto/ed25519.ts";
import { nodeIdFromPubKey } from "../crypto/keyFiles.ts";
import { silentLogger } from "../util/logger.ts";
import { channelSpec } from "./channel.ts";
import { encodeFrame } from "./framing.ts";
import { P2PHost } from "./host.ts";
import { laddrToMultiaddr, libp2pKeyFromNodeKey, parsePeerAddress } from "./nodeId.ts";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { nodeIdOfPeer } from "./nodeId.ts";
import { connect, createTestHost, TEST_P2P_CHAIN_ID, waitFor } from "./testing.ts";
import { StreamState } from "@chainsafe/libp2p-yamux/stream";
import { windowUpdateDue } from "./yamuxWindow.ts";

const text = { encode: (s: string) => utf8(s), decode: (b: Uint8Array) => fromUtf8(b) };
/** a codec that refuses anything starting with "!" */
const strict = {
  encode: (s: string) => utf8(s),
  decode: (b: Uint8Array) => {
    const s = fromUtf8(b);
    if (s.startsWith("!")) throw new Error("bang");
    return s;
  },
};

const hosts: P2PHost[] = [];
async function host(o: Parameters<typeof createTestHost>[0] = {}, withChannels = true) {
  const h = await createTestHost(o);
  const chans = withChannels
    ? {
        mempool: h.channel(channelSpec("mempool", strict, { maxMsgBytes: 1000 })),
        state: h.channel(channelSpec("consensus-state", text)),
      }
    : undefined;
  hosts.push(h);
  return { h, chans };
}

after(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
});

describe("p2p/nodeId", () => {
  it("maps a node key to the same node id through its libp2p PeerId", async () => {
    const key = generateEd25519();
    const pid = peerIdFromPrivateKey(await libp2pKeyFromNodeKey(key));
    assert.equal(nodeIdOfPeer(pid), nodeIdFromPubKey(key.publicKey));
  });

  it("parses laddrs and CometBFT peer addresses", () => {
    const cases: [string, string][] = [
      ["tcp://127.0.0.1:26656", "/ip4/127.0.0.1/tcp/26656"],
      ["0.0.0.0:0", "/ip4/0.0.0.0/tcp/0"],
      ["tcp://[::1]:26656", "/ip6/::1/tcp/26656"],
      ["/ip4/127.0.0.1/tcp/5", "/ip4/127.0.0.1/tcp/5"],
    ];
    for (const [laddr, ma] of cases) assert.equal(laddrToMultiaddr(laddr).toString(), ma, laddr);
    const id = "ab".repeat(20);
    const a = parsePeerAddress(`${id.toUpperCase()}@127.0.0.1:26756`);
    assert.equal(a.nodeId, id);
    assert.equal(a.addr.toString(), "/ip4/127.0.0.1/tcp/26756");
    for (const bad of ["127.0.0.1:1", "abc@127.0.0.1:1", `${id}@127.0.0.1`, `${id}@127.0.0.1:99999`]) {
      assert.throws(() => parsePeerAddress(bad), Error, bad);
    }
    assert.throws(() => laddrToMultiaddr("udp://1.2.3.4:5"));
  });
});

describe("p2p/host", () => {
  it("sends, broadcasts (except) and delivers in order per peer", async () => {
    const [a, b, c] = [await host(), await host(), await host()];
    for (const x of [a, b, c]) await x.h.start();
    await connect(a.h, b.h);
    await connect(a.h, c.h);
    const got: string[] = [];
    b.chans!.mempool.onMessage((peer, m) => {
      assert.equal(peer, a.h.nodeId);
      got.push(`b:${m}`);
    });
    c.chans!.mempool.onMessage((_p, m) => {
      got.push(`c:${m}`);
    });
    for (let i = 0; i < 50; i++) assert.equal(a.chans!.mempool.send(b.h.nodeId, `m${i}`), true);
    assert.equal(a.chans!.mempool.broadcast("all"), 2);
    assert.equal(a.chans!.mempool.broadcast("notB", b.h.nodeId), 1);
    await waitFor(() => got.length === 50 + 2 + 1, 30_000, "messages");
    const toB = got.filter((g) => g.startsWith("b:"));
    assert.deepEqual(toB.slice(0, 50), Array.from({ length: 50 }, (_, i) => `b:m${i}`));
    assert.ok(got.includes("c:all") && got.includes("c:notB") && got.includes("b:all") && !got.includes("b:notB"));
    assert.equal(a.chans!.mempool.send("00".repeat(20), "nobody"), false);
    assert.deepEqual(a.h.peers().map((p) => p.id).sort(), [b.h.nodeId, c.h.nodeId].sort());
  });

  it("yamux: window updates only once half the receive window is used; 3 MB in 1 MB and 1 KB messages still arrive whole and in order", async () => {
    // the threshold itself (yamuxWindow.ts): flags and paused streams always go through
    assert.equal(windowUpdateDue({ state: StreamState.Established, recvWindow: 1000, recvWindowCapacity: 600 }), false);
    assert.equal(windowUpdateDue({ state: StreamState.Established, recvWindow: 1000, recvWindowCapacity: 500 }), true);
    assert.equal(windowUpdateDue({ state: StreamState.SYNReceived, recvWindow: 1000, recvWindowCapacity: 1000 }), true);
    assert.equal(windowUpdateDue({ state: StreamState.Paused, recvWindow: 1000, recvWindowCapacity: 1000 }), true);
    // flow control over real libp2p: messages larger than the 256 KB initial window, and many small ones
    const big = { encode: (b: Uint8Array) => b, decode: (b: Uint8Array) => b };
    const a = await createTestHost();
    const b = await createTestHost();
    hosts.push(a, b);
    const ca = a.channel(channelSpec("blocksync", big)); // drop-newest: a full queue refuses, the loop retries
    const cb = b.channel(channelSpec("blocksync", big));
    await a.start();
    await b.start();
    await connect(a, b);
    const got: Uint8Array[] = [];
    cb.onMessage((_p, m) => {
      got.push(m);
    });
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) sent.push(new Uint8Array(1024 * 1024).fill(i + 1));
    for (let i = 0; i < 1000; i++) sent.push(new Uint8Array(1024).fill(i & 0xff));
    for (const m of sent) await waitFor(() => ca.send(b.nodeId, m), 30_000, "queue room");
    await waitFor(() => got.length === sent.length, 60_000, "all messages");
    for (let i = 0; i < sent.length; i++) assert.ok(Buffer.from(got[i]!).equals(sent[i]!), `message ${i}`);
  });

  it("drops frames beyond a full queue (drop-newest) and sends the rest", async () => {
    const a = await createTestHost();
    const b = await createTestHost();
    hosts.push(a, b);
    const ca = a.channel(channelSpec("mempool", text, { maxQueueMsgs: 10 }));
    const cb = b.channel(channelSpec("mempool", text));
    await a.start();
    await b.start();
    await connect(a, b);
    let n = 0;
    cb.onMessage(() => {
      n++;
    });
    let accepted = 0;
    for (let i = 0; i < 30; i++) if (ca.send(b.nodeId, `x${i}`)) accepted++; // all synchronous: the pump has not run
    assert.equal(accepted, 10);
    await waitFor(() => n === 10, 30_000, "10 messages");
    assert.equal(ca.stats.dropped, 20);
  });

  it("penalises undecodable messages and oversize frames, and disconnects below the threshold", async () => {
    const a = await host();
    const b = await host();
    await a.h.start();
    await b.h.start();
    await connect(a.h, b.h);
    const got: string[] = [];
    b.chans!.mempool.onMessage((_p, m) => {
      got.push(m);
    });
    a.chans!.mempool.send(b.h.nodeId, "!bad");
    a.chans!.mempool.send(b.h.nodeId, "good");
    await waitFor(() => got.length === 1, 30_000, "good message");
    assert.ok(Math.abs(b.h.scores.score(a.h.nodeId) + 10) < 0.01);
    // an oversize frame, written raw on a's own stream: the stream is reset, a is penalised again
    const stream = await (a.h as unknown as { openStream(p: unknown, proto: string): Promise<import("@libp2p/interface").Stream> }).openStream(
      (a.h as unknown as { peersById: Map<string, { peerId: unknown }> }).peersById.get(b.h.nodeId)!.peerId,
      a.chans!.mempool.protocol,
    );
    stream.send(encodeFrame(new Uint8Array(2000)));
    await waitFor(() => b.h.scores.score(a.h.nodeId) <= -19.9, 30_000, "oversize penalty");
    // a reject verdict from a handler is the third strike: below −20, b hangs up and refuses a
    b.chans!.state.onMessage(() => "reject");
    a.chans!.state.send(b.h.nodeId, "anything");
    await waitFor(() => !b.h.isConnected(a.h.nodeId) && !a.h.isConnected(b.h.nodeId), 30_000, "disconnect");
    assert.equal(b.h.scores.state(a.h.nodeId), "disconnected");
    await a.h.dial(b.h.listenAddresses()[0]!).catch(() => {});
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(b.h.isConnected(a.h.nodeId), false);
    assert.equal(a.h.isConnected(b.h.nodeId), false);
  });

  it("re-dials persistent peers with backoff, also after a disconnect; bans refuse them", async () => {
    const b = await host();
    await b.h.start();
    const addr = b.h.listenAddresses()[0]!;
    // a persistent peer that is not up yet: a's first dials fail, later ones succeed
    const port = Number(addr.split(":").pop());
    await b.h.stop();
    const b2h = await P2PHost.create(
      { chainId: TEST_P2P_CHAIN_ID, laddr: `tcp://127.0.0.1:${port}` },
      { nodeKey: generateEd25519(), logger: silentLogger() },
    );
    hosts.push(b2h);
    b2h.channel(channelSpec("mempool", text));
    const a = await host({ persistentPeers: [`${b2h.nodeId}@127.0.0.1:${port}`] });
    await a.h.start();
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(a.h.isConnected(b2h.nodeId), false);
    await b2h.start();
    await waitFor(() => a.h.isConnected(b2h.nodeId) && b2h.isConnected(a.h.nodeId), 30_000, "persistent dial");
    assert.equal(a.h.peers()[0]?.persistent, true);
    // b2 hangs up: a re-dials
    const events: string[] = [];
    a.h.onPeer((ev) => events.push(ev.type));
    b2h.disconnect(a.h.nodeId, "test");
    await waitFor(() => events.length === 2, 30_000, "drop and re-dial");
    assert.deepEqual(events, ["down", "up"]);
    assert.equal(a.h.isConnected(b2h.nodeId), true);
    // a bans b2 for a short time: hung up, not re-dialled until the ban ends (the first "up" after the ban
    // comes no earlier than its end; timed from the ban, so a slow machine cannot make it pass or fail)
    const BAN_MS = 600;
    let upAfterBanMs = -1;
    const bannedAt = Date.now();
    a.h.onPeer((ev) => {
      if (ev.type === "up" && ev.peer === b2h.nodeId && upAfterBanMs < 0) upAfterBanMs = Date.now() - bannedAt;
    });
    a.h.ban(b2h.nodeId, "test", BAN_MS);
    await waitFor(() => !a.h.isConnected(b2h.nodeId), 30_000, "ban drop");
    await waitFor(() => a.h.isConnected(b2h.nodeId), 30_000, "re-dial after the ban");
    assert.ok(upAfterBanMs >= BAN_MS, `re-dialled ${upAfterBanMs} ms after a ${BAN_MS} ms ban`);
  });

  it("refuses a persistent peer address that answers with another node id", async () => {
    const b = await host();
    await b.h.start();
    const port = b.h.listenAddresses()[0]!.split(":").pop();
    const wrong = "12".repeat(20);
    const a = await host({ persistentPeers: [`${wrong}@127.0.0.1:${port}`] });
    await a.h.start();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(a.h.isConnected(b.h.nodeId), false);
    assert.equal(b.h.isConnected(a.h.nodeId), false);
  });

  it("refuses peers beyond maxPeers and peers of another chain", async () => {
    const a = await host({ maxPeers: 1 });
    const [b, c] = [await host(), await host()];
    for (const x of [a, b, c]) await x.h.start();
    await connect(b.h, a.h);
    await c.h.dial(a.h.listenAddresses()[0]!).catch(() => {});
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(a.h.connectedPeers(), [b.h.nodeId]);
    const other = await createTestHost({ chainId: "other-chain" });
    hosts.push(other);
    other.channel(channelSpec("mempool", text));
    await other.start();
    await other.dial(b.h.listenAddresses()[0]!);
    await waitFor(() => !b.h.isConnected(other.nodeId), 30_000, "other chain dropped");
  });

  it("stops cleanly with queued frames and open streams", async () => {
    const a = await host();
    const b = await host();
    await a.h.start();
    await b.h.start();
    await connect(a.h, b.h);
    for (let i = 0; i < 100; i++) a.chans!.state.send(b.h.nodeId, `s${i}`);
    await a.h.stop();
    await waitFor(() => !b.h.isConnected(a.h.nodeId), 30_000, "b sees a gone");
  });
});
