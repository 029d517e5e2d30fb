import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { utf8 } from "../../modules/core/bytes.ts";
import { AppConn } from "../app/appConn.ts";
import { TxPool } from "../mempool/txPool.ts";
import { TEST_MEMPOOL } from "../testing/chain.ts";
import { KvApp } from "../testing/kvApp.ts";
import { silentLogger } from "../util/logger.ts";
import { generateEd25519 } from "../crypto/ed25519.ts";
import { P2PHost } from "./host.ts";
import { decodeMempoolMessage, decodeMempoolMsg, encodeMempoolMessage, encodeMempoolMsg, MempoolReactor, PeerLists } from "./mempoolReactor.ts";
import { rng } from "../../modules/core/store/testing/rng.ts";
import { txHash } from "../types/hash.ts";
import { connect, createTestHost, TEST_P2P_CHAIN_ID, waitFor } from "./testing.ts";

interface Node {
  host: P2PHost;
  app: KvApp;
  pool: TxPool;
  reactor: MempoolReactor;
}

const hosts: P2PHost[] = [];
after(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
});

async function node(o: { syncing?: boolean; wantDelayMs?: number } = {}): Promise<Node> {
  const host = await createTestHost();
  hosts.push(host);
  const app = new KvApp();
  const pool = new TxPool(TEST_MEMPOOL, { app: new AppConn(app), logger: silentLogger() });
  const reactor = new MempoolReactor(
    { maxTxBytes: TEST_MEMPOOL.maxTxBytes, syncing: o.syncing ?? false, ...(o.wantDelayMs !== undefined ? { wantDelayMs: o.wantDelayMs } : {}) },
    { host, pool, logger: silentLogger() },
  );
  await host.start();
  return { host, app, pool, reactor };
}

describe("p2p/mempoolReactor", () => {
  it("bounded sender lists drop the oldest key when full, as a Map evicting its first key did", () => {
    for (const [seed, max, keys] of [[1, 5, 12], [2, 300, 500], [3, 1, 4]] as const) {
      const r = rng(seed);
      const lists = new PeerLists(max);
      const model = new Map<string, string[]>();
      for (let i = 0; i < 20_000; i++) {
        const k = `k${r.int(keys)}`;
        const p = `p${r.int(4)}`;
        let want: boolean;
        const s = model.get(k);
        if (s === undefined) {
          if (model.size >= max) model.delete(model.keys().next().value as string);
          model.set(k, [p]);
          want = true;
        } else if (s.includes(p)) want = false;
        else {
          s.push(p);
          want = true;
        }
        assert.equal(lists.add(k, p), want, `seed ${seed} op ${i}`);
        if (i % 101 === 0) for (let j = 0; j < keys; j++) assert.deepEqual(lists.get(`k${j}`), model.get(`k${j}`));
      }
    }
  });

  it("encodes CometBFT's mempool Message and refuses garbage", () => {
    const txs = [utf8("a=1"), utf8("b=2"), new Uint8Array(300)];
    assert.deepEqual(decodeMempoolMessage(encodeMempoolMessage(txs)), txs);
    assert.deepEqual([...encodeMempoolMessage([utf8("a")])], [0x0a, 0x03, 0x0a, 0x01, 0x61]);
    for (const bad of [new Uint8Array(0), new Uint8Array([0x12, 0x00]), new Uint8Array([0x0a, 0x00]), new Uint8Array([0x0a, 0x05, 0x0a])]) {
      assert.throws(() => decodeMempoolMessage(bad));
    }
  });

  it("encodes CAT's SeenTx / WantTx (repeated tx_key) and refuses mixed kinds or bad keys", () => {
    const k1 = new Uint8Array(32).fill(1);
    const k2 = new Uint8Array(32).fill(2);
    assert.deepEqual(decodeMempoolMsg(encodeMempoolMsg({ seen: [k1, k2] })), { seen: [k1, k2] });
    assert.deepEqual(decodeMempoolMsg(encodeMempoolMsg({ want: [k1] })), { want: [k1] });
    assert.deepEqual(decodeMempoolMsg(encodeMempoolMsg({ txs: [utf8("a")] })), { txs: [utf8("a")] });
    // one key: celestia-core's SeenTx{tx_key = 1} inside Message{seen_tx = 2}
    assert.deepEqual([...encodeMempoolMsg({ seen: [k1] }).subarray(0, 4)], [0x12, 34, 0x0a, 32]);
    assert.throws(() => decodeMempoolMsg(encodeMempoolMsg({ seen: [new Uint8Array(31)] })));
    const mixed = new Uint8Array([...encodeMempoolMsg({ seen: [k1] }), ...encodeMempoolMsg({ txs: [utf8("a")] })]);
    assert.throws(() => decodeMempoolMsg(mixed));
    assert.throws(() => decodeMempoolMessage(encodeMempoolMsg({ want: [k1] })));
  });

  it("on a full mesh a client's tx crosses each link once whole; relays only announce it", async () => {
    const nodes = [await node(), await node(), await node(), await node()];
    for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) await connect(nodes[i]!.host, nodes[j]!.host);
    const n = 32;
    for (let i = 0; i < n; i++) assert.equal((await nodes[i % 4]!.reactor.checkAndAdd(utf8(`m${i}=v`))).code, 0);
    await waitFor(() => nodes.every((x) => x.pool.size() === n), 30_000, "txs everywhere");
    // let announcements and any wants settle past the want delay
    await new Promise((r) => setTimeout(r, 600));
    for (const x of nodes) {
      assert.equal(x.app.seen.checkTx.length, n, "each tx checked once per node");
      // each node got each of the others' txs whole from its origin, and beyond that only what it asked
      // for (an announcement that overtook the origin's push by more than the want delay); flooding
      // sent each tx on from every relay (~2.6 copies per tx per node on the localnet)
      assert.ok(x.reactor.stats.received >= (n * 3) / 4, `received ${x.reactor.stats.received}`);
      assert.ok(x.reactor.stats.received <= (n * 3) / 4 + x.reactor.stats.wanted, `received ${x.reactor.stats.received}, wanted ${x.reactor.stats.wanted}`);
    }
    const announced = nodes.reduce((s, x) => s + x.reactor.stats.announced, 0);
    assert.ok(announced > 0, "relays announced hashes");
  });

  it("a tx that only an announcer holds is asked for and arrives (line a-b-c and a missed push)", async () => {
    const [a, b, c] = [await node({ wantDelayMs: 20 }), await node({ wantDelayMs: 20 }), await node({ wantDelayMs: 20 })];
    await connect(a.host, b.host);
    await connect(b.host, c.host);
    await b.reactor.checkAndAdd(utf8("w=1")); // pushed whole to a and c
    await waitFor(() => a.pool.size() === 1 && c.pool.size() === 1, 30_000, "pushed");
    // a tx c hears of from b but never got pushed: b holds it, c asks b for it
    const tx = utf8("only=b");
    a.reactor.channel.send(b.host.nodeId, { txs: [tx] }); // b gets it from a peer: announces only
    await waitFor(() => c.pool.size() === 2, 30_000, "asked-for tx at c");
    assert.equal(c.reactor.stats.wanted, 1);
    assert.equal(b.reactor.stats.served, 1);
    assert.deepEqual(c.reactor.sendersOf(tx), [b.host.nodeId]);
    // an announcement of a tx nobody holds is asked of each announcer once, then dropped
    b.reactor.channel.send(c.host.nodeId, { seen: [txHash(utf8("ghost=1"))] });
    await waitFor(() => c.reactor.stats.wanted === 2, 30_000, "ghost asked for");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.reactor.stats.wanted, 2);
    assert.equal(c.pool.size(), 2);
  });

  it("floods an accepted tx along a line of three nodes, never back to its sender", async () => {
    const [a, b, c] = [await node(), await node(), await node()];
    await connect(a.host, b.host);
    await connect(b.host, c.host);
    const n = 40;
    for (let i = 0; i < n; i++) {
      const res = await a.reactor.checkAndAdd(utf8(`k${i}=v${i}`));
      assert.equal(res.code, 0);
    }
    await waitFor(() => c.pool.size() === n && b.pool.size() === n, 30_000, "txs at c");
    assert.deepEqual(b.reactor.sendersOf(utf8("k0=v0")), [a.host.nodeId]);
    assert.deepEqual(c.reactor.sendersOf(utf8("k0=v0")), [b.host.nodeId]);
    // nobody sent a tx back towards its origin: a received nothing, b got each tx once
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(a.reactor.stats.received, 0);
    assert.equal(b.reactor.stats.received, n);
    assert.equal(b.reactor.stats.duplicates, 0);
    // c's CheckTx saw each tx once (b never re-sent to c what c had)
    assert.equal(c.app.seen.checkTx.length, n);
  });

  it("a tx reaching a node from two peers is checked once and the second sender is remembered", async () => {
    const [a, b, c] = [await node(), await node(), await node()];
    await connect(a.host, b.host);
    await connect(b.host, c.host);
    await connect(a.host, c.host);
    await a.reactor.checkAndAdd(utf8("x=1"));
    await waitFor(() => b.pool.size() === 1 && c.pool.size() === 1, 30_000, "tx everywhere");
    const tx = utf8("x=1");
    // b and c each announce the tx to the other: the announcer is remembered as a sender
    await waitFor(() => b.reactor.sendersOf(tx).length + c.reactor.sendersOf(tx).length >= 3, 30_000, "a duplicate's sender is remembered");
    assert.equal(b.app.seen.checkTx.length, 1);
    assert.equal(c.app.seen.checkTx.length, 1);
  });

  it("a copy of a tx the pool holds costs no admission (no CheckTx, no thrown error); a refused tx is checked again when it comes back", async () => {
    const [a, b] = [await node(), await node()];
    await connect(a.host, b.host);
    let admissions = 0;
    const admit = b.pool.checkAndAdd.bind(b.pool);
    b.pool.checkAndAdd = (tx, hash) => {
      admissions++;
      return admit(tx, hash);
    };
    a.reactor.channel.send(b.host.nodeId, { txs: [utf8("d=1")] });
    await waitFor(() => b.pool.size() === 1, 30_000, "first copy admitted");
    a.reactor.channel.send(b.host.nodeId, { txs: [utf8("d=1")] });
    a.reactor.channel.send(b.host.nodeId, { txs: [utf8("d=1"), utf8("bad tx")] });
    await waitFor(() => b.reactor.stats.received === 4, 30_000, "copies received");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(admissions, 2, "the two copies of d=1 were not admitted again");
    assert.equal(b.reactor.stats.duplicates, 2);
    assert.equal(b.app.seen.checkTx.length, 2);
    a.reactor.channel.send(b.host.nodeId, { txs: [utf8("bad tx")] });
    await waitFor(() => b.reactor.stats.refused === 2, 30_000, "refused tx checked again");
    assert.equal(admissions, 3);
  });

  it("ignores invalid txs quietly, penalises oversize ones", async () => {
    const [a, b] = [await node(), await node()];
    await connect(a.host, b.host);
    a.reactor.channel.send(b.host.nodeId, { txs: [utf8("not a kv tx"), utf8("ok=1")] });
    await waitFor(() => b.pool.size() === 1, 30_000, "valid tx");
    assert.equal(b.reactor.stats.refused, 1);
    assert.equal(b.host.scores.score(a.host.nodeId), 0);
    a.reactor.channel.send(b.host.nodeId, { txs: [new Uint8Array(TEST_MEMPOOL.maxTxBytes + 1).fill(0x61)] });
    await waitFor(() => b.host.scores.score(a.host.nodeId) < -9, 30_000, "penalty");
  });

  it("keeps peer txs unchecked while syncing and admits them when syncing ends; offers the pool to peers then and to new peers", async () => {
    const a = await node();
    const b = await node({ syncing: true });
    await connect(a.host, b.host);
    await a.reactor.checkAndAdd(utf8("s=1"));
    await waitFor(() => b.reactor.deferredCount === 1, 30_000, "a's tx kept at b while it syncs");
    assert.equal(b.pool.size(), 0);
    // b's own txs are pooled but not flooded while it syncs
    await b.reactor.checkAndAdd(utf8("mine=1"));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(a.pool.size(), 1);
    b.reactor.setSyncing(false);
    await waitFor(() => a.pool.size() === 2, 30_000, "b's tx at a after sync");
    // the tx a flooded while b was syncing is in b's pool now (a never offers it again)
    await waitFor(() => b.pool.size() === 2, 30_000, "a's tx admitted at b after sync");
    assert.equal(b.reactor.deferredCount, 0);
    // a new peer gets the pool on connect
    const c = await node();
    await connect(c.host, a.host);
    await waitFor(() => c.pool.size() === 2, 30_000, "pool at the new peer");
  });

  it("after a reconnect, txs already sent whole are only announced; a restarted peer asks for what it lacks", async () => {
    const a = await node({ wantDelayMs: 50 });
    const keyB = generateEd25519();
    const mkB = async () => {
      const host = await P2PHost.create({ chainId: TEST_P2P_CHAIN_ID, laddr: "tcp://127.0.0.1:0", backoffInitialMs: 50, backoffMaxMs: 400, dialTimeoutMs: 3000 }, { nodeKey: keyB, logger: silentLogger() });
      hosts.push(host);
      const app = new KvApp();
      const pool = new TxPool(TEST_MEMPOOL, { app: new AppConn(app), logger: silentLogger() });
      const reactor = new MempoolReactor({ maxTxBytes: TEST_MEMPOOL.maxTxBytes, syncing: false, wantDelayMs: 50 }, { host, pool, logger: silentLogger() });
      await host.start();
      return { host, app, pool, reactor };
    };
    const b = await mkB();
    await connect(a.host, b.host);
    for (let i = 0; i < 3; i++) assert.equal((await a.reactor.checkAndAdd(utf8(`r${i}=v`))).code, 0);
    await waitFor(() => b.pool.size() === 3, 30_000, "pushed to b");
    assert.equal(b.reactor.stats.received, 3);
    // a hiccup: the connection drops and comes back; b still holds the txs, so a only announces them
    a.host.disconnect(b.host.nodeId, "test hiccup");
    await waitFor(() => !a.host.isConnected(b.host.nodeId) && !b.host.isConnected(a.host.nodeId), 30_000, "disconnected");
    await connect(a.host, b.host);
    await waitFor(() => b.reactor.stats.announcements === 3, 30_000, "pool announced to b on reconnect");
    assert.equal(b.reactor.stats.received, 3, "no tx sent whole again");
    assert.equal(a.reactor.stats.flooded, 3);
    // b restarts with an empty pool (same node id): it hears of the txs and asks for them
    await b.host.stop();
    await waitFor(() => !a.host.isConnected(b.host.nodeId), 30_000, "b gone");
    const b2 = await mkB();
    await connect(a.host, b2.host);
    await waitFor(() => b2.pool.size() === 3, 30_000, "the restarted peer got the pool by asking");
    assert.equal(b2.reactor.stats.wanted, 3);
    assert.equal(a.reactor.stats.served, 3);
    assert.equal(b2.app.seen.checkTx.length, 3);
  });

  it("batches a burst into few messages", async (t) => {
    const [a, b] = [await node(), await node()];
    await connect(a.host, b.host);
    const n = 500;
    const started = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => a.reactor.checkAndAdd(utf8(`burst${i}=${"v".repeat(100)}`))));
    await waitFor(() => b.pool.size() === n, 30_000, "burst at b");
    const ms = performance.now() - started;
    assert.ok(a.reactor.channel.stats.sent < n / 10, `messages sent ${a.reactor.channel.stats.sent}`);
    t.diagnostic(`mempool gossip: ${n} txs admitted at a and b in ${ms.toFixed(0)} ms over ${a.reactor.channel.stats.sent} messages`);
  });
});
