import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { equal, utf8 } from "../../modules/core/bytes.ts";
import { MemoryBackend } from "../../modules/core/store/memory.ts";
import type { KvBackend } from "../../modules/core/store/types.ts";
import type { FailPoint } from "../execution/types.ts";
import { cloneBackend, KvApp, kvAppHash } from "../testing/kvApp.ts";
import { openTestChain, SimulatedCrash, type TestChain, testGenesis } from "../testing/chain.ts";
import { MemPV } from "../testing/memStores.ts";
import { BlockStore } from "../storage/blockStore.ts";
import { StateStore } from "../storage/stateStore.ts";
import { NodeDb } from "../storage/db.ts";
import { AppConn } from "./appConn.ts";
import { HandshakeError, replayAllBlocks } from "./handshake.ts";

const TXS = ["a=1", "b=2", "c=3", "a=4", "d=5", "e=6", "f=7", "g=8"];

async function run(c: TestChain, n: number, from = 0): Promise<void> {
  for (let i = 0; i < n; i++) {
    await c.mempool.checkAndAdd(utf8(TXS[(from + i) % TXS.length]! + `-${from + i}`));
    await c.producer.produceBlock();
  }
}

/** a reference run without crashes: app hash after each height. */
async function reference(n: number): Promise<Uint8Array[]> {
  const c = await openTestChain();
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    await run(c, 1, i);
    out.push(c.state().appHash);
  }
  return out;
}

describe("app/handshake", () => {
  it("InitChain on a fresh node puts the genesis app hash into block 1", async () => {
    const app = new KvApp();
    const c = await openTestChain({ app, genesis: testGenesis(new MemPV(), { appState: { x: "1" } }) });
    assert.equal(app.seen.initChain, 1);
    assert.deepEqual(c.state().appHash, kvAppHash(new Map([["x", "1"]])));
    assert.ok(c.stateStore.load() !== undefined, "state saved after InitChain");
    await c.producer.produceBlock();
    assert.deepEqual(c.blockStore.loadBlock(1n)!.header.appHash, kvAppHash(new Map([["x", "1"]])));
  });

  it("a clean restart continues at the last height with the same app hash, replaying nothing", async () => {
    const nodeBackend = new MemoryBackend();
    const appBackend = new MemoryBackend();
    const pv = new MemPV();
    const c = await openTestChain({ nodeBackend, app: new KvApp({ backend: appBackend }), pv });
    await run(c, 3);
    const hash3 = c.state().appHash;
    const app2 = new KvApp({ backend: appBackend });
    const c2 = await openTestChain({ nodeBackend, app: app2, pv });
    assert.equal(c2.state().lastBlockHeight, 3n);
    assert.deepEqual(c2.state().appHash, hash3);
    assert.equal(app2.seen.finalize.length, 0);
    assert.equal(app2.seen.initChain, 0);
    await run(c2, 2, 3);
    const ref = await reference(5);
    assert.deepEqual(c2.state().appHash, ref[4]);
  });

  const crashCases: { point: FailPoint; replays: number; note: string }[] = [
    { point: "afterSign", replays: 0, note: "signed, nothing saved: block 3 is produced again" },
    { point: "afterSaveBlock", replays: 1, note: "B=S+1, A=S: block 3 applied fully" },
    { point: "afterFinalize", replays: 1, note: "B=S+1, A=S: block 3 applied fully" },
    { point: "afterSaveState", replays: 1, note: "S=B=3, A=2: block 3 replayed into the app" },
    { point: "afterCommit", replays: 0, note: "S=B=A=3" },
    { point: "afterMempoolUpdate", replays: 0, note: "S=B=A=3" },
  ];
  for (const cc of crashCases) {
    it(`a crash at ${cc.point} of height 3 recovers to the same chain (${cc.note})`, async () => {
      const nodeBackend = new MemoryBackend();
      const appBackend = new MemoryBackend();
      const pv = new MemPV();
      const c = await openTestChain({
        nodeBackend,
        app: new KvApp({ backend: appBackend }),
        pv,
        failPoint: (p, h) => {
          if (p === cc.point && h === 3n) throw new SimulatedCrash(p, h);
        },
      });
      await run(c, 2);
      await assert.rejects(run(c, 1, 2), SimulatedCrash);
      // restart over the same databases (the app object and its uncommitted work are gone)
      const app2 = new KvApp({ backend: appBackend });
      const c2 = await openTestChain({ nodeBackend, app: app2, pv: new MemPV(undefined, pv.last) });
      assert.equal(app2.seen.finalize.length, cc.replays, "blocks executed by the handshake");
      const expectedHeight = cc.point === "afterSign" ? 2n : 3n;
      assert.equal(c2.state().lastBlockHeight, expectedHeight);
      assert.deepEqual(c2.state().appHash, kvAppHash(app2.state()));
      const info = await c2.appConn.info();
      assert.equal(info.lastBlockHeight, expectedHeight);
      if (cc.point === "afterSign") await run(c2, 1, 2);
      await run(c2, 2, 3);
      const ref = await reference(5);
      assert.deepEqual(c2.state().appHash, ref[4], "same app hash as an uncrashed chain");
      if (cc.point === "afterSign") {
        // the re-proposed block 3 is the same block: the signer returns its stored signature at round 0
        assert.equal(c2.blockStore.loadSeenCommit(3n)!.round, 0);
      }
      // every block's app hash reproduces from genesis
      const fresh = new AppConn(new KvApp());
      const hashes = await replayAllBlocks({ app: fresh, blockStore: c2.blockStore, stateStore: c2.stateStore, genesis: c2.genesis });
      assert.equal(hashes.length, 5);
      assert.deepEqual(hashes.map((h) => h.appHash), ref);
    });
  }

  it("a crash after signing, with a different block on restart, moves to round 1 instead of double signing", async () => {
    const nodeBackend = new MemoryBackend();
    const appBackend = new MemoryBackend();
    const pv = new MemPV();
    const c = await openTestChain({
      nodeBackend,
      app: new KvApp({ backend: appBackend }),
      pv,
      failPoint: (p, h) => {
        if (p === "afterSign" && h === 2n) throw new SimulatedCrash(p, h);
      },
    });
    await run(c, 1);
    await c.mempool.checkAndAdd(utf8("lost=1"));
    await assert.rejects(c.producer.produceBlock(), SimulatedCrash);
    const pv2 = new MemPV(undefined, pv.last);
    const c2 = await openTestChain({ nodeBackend, app: new KvApp({ backend: appBackend }), pv: pv2 });
    await c2.producer.produceBlock(); // empty mempool now: a different block 2
    const seen = c2.blockStore.loadSeenCommit(2n)!;
    assert.equal(seen.round, 1);
    await c2.producer.produceBlock();
    assert.equal(c2.blockStore.loadBlock(3n)!.lastCommit.round, 1);
  });

  it("an app several blocks behind is caught up by replay", async () => {
    const nodeBackend = new MemoryBackend();
    const appBackend = new MemoryBackend();
    const pv = new MemPV();
    const c = await openTestChain({ nodeBackend, app: new KvApp({ backend: appBackend }), pv });
    await run(c, 2);
    const appAt2 = await cloneBackend(appBackend);
    await run(c, 3, 2);
    const app2 = new KvApp({ backend: appAt2 });
    const c2 = await openTestChain({ nodeBackend, app: app2, pv });
    assert.deepEqual(app2.seen.finalize.map((r) => r.height), [3n, 4n, 5n]);
    assert.deepEqual(c2.state().appHash, c.state().appHash);
    // an app at height 0 (wiped) replays everything after InitChain
    const app3 = new KvApp();
    const c3 = await openTestChain({ nodeBackend, app: app3, pv });
    assert.equal(app3.seen.initChain, 1);
    assert.equal(app3.seen.finalize.length, 5);
    assert.deepEqual(c3.state().appHash, c.state().appHash);
  });

  it("the app ahead of the saved state (A = B = S+1) rebuilds the state from the stored FinalizeBlock response", async () => {
    const pv = new MemPV();
    let nodeAtSave: KvBackend | undefined;
    const nodeBackend = new MemoryBackend();
    const appBackend = new MemoryBackend();
    const c = await openTestChain({
      nodeBackend,
      app: new KvApp({ backend: appBackend }),
      pv,
      failPoint: (p, h) => {
        if (p !== "afterSaveBlock" || h !== 3n) return Promise.resolve();
        return cloneBackend(nodeBackend).then((b) => void (nodeAtSave = b));
      },
    });
    await run(c, 3);
    assert.ok(nodeAtSave !== undefined);
    // node db: block 3 saved, state at 2, no response for 3; app at 3
    await assert.rejects(
      openTestChain({ nodeBackend: nodeAtSave, app: new KvApp({ backend: await cloneBackend(appBackend) }), pv }),
      (e: unknown) => e instanceof HandshakeError && /FinalizeBlock response is not stored/.test(e.message),
    );
    // with the response there (a store that saves it before the state), the state is rebuilt without re-executing
    const db = new NodeDb(nodeAtSave);
    const batch = db.newBatch();
    new StateStore(db).saveFinalizeBlockResponse(batch, 3n, c.stateStore.loadFinalizeBlockResponse(3n)!);
    await batch.write(true);
    const app3 = new KvApp({ backend: await cloneBackend(appBackend) });
    const c3 = await openTestChain({ nodeBackend: nodeAtSave, app: app3, pv });
    assert.equal(app3.seen.finalize.length, 0);
    assert.equal(c3.state().lastBlockHeight, 3n);
    assert.deepEqual(c3.state(), c.stateStore.load());
  });

  it("halts with a precise error on an app hash mismatch and on impossible heights", async () => {
    const nodeBackend = new MemoryBackend();
    const appBackend = new MemoryBackend();
    const pv = new MemPV();
    const c = await openTestChain({ nodeBackend, app: new KvApp({ backend: appBackend }), pv });
    await run(c, 2);
    const appAt2 = await cloneBackend(appBackend);
    const nodeAt2 = await cloneBackend(nodeBackend);
    await run(c, 2, 2);
    // diverged app state at 2 (same recorded height and hash, different data): replaying 3 must not match
    await appAt2.write([{ type: "put", key: utf8("s/a"), value: utf8("tampered") }], { sync: true });
    await assert.rejects(openTestChain({ nodeBackend, app: new KvApp({ backend: appAt2 }), pv }), /app hash mismatch replaying block 3/);
    // app at 4, node db at 2: A > B
    await assert.rejects(
      openTestChain({ nodeBackend: nodeAt2, app: new KvApp({ backend: await cloneBackend(appBackend) }), pv }),
      (e: unknown) => e instanceof HandshakeError && /the app is at height 4 but the block store only reaches 2/.test(e.message),
    );
    // app at the state height but with another app hash
    const other = await cloneBackend(appBackend);
    await other.write([{ type: "put", key: utf8("m/apphash"), value: new Uint8Array(32) }], { sync: true });
    await assert.rejects(openTestChain({ nodeBackend, app: new KvApp({ backend: other }), pv }), /app hash mismatch at height 4/);
  });

  it("replayAllBlocks detects a stored chain that the app does not reproduce", async () => {
    const c = await openTestChain();
    await run(c, 3);
    const ok = await replayAllBlocks({ app: new AppConn(new KvApp()), blockStore: c.blockStore, stateStore: c.stateStore, genesis: c.genesis });
    assert.ok(equal(ok[2]!.appHash, c.state().appHash));
    await assert.rejects(
      replayAllBlocks({
        app: new AppConn(new KvApp()),
        blockStore: c.blockStore,
        stateStore: c.stateStore,
        genesis: { ...c.genesis, appState: { genesis: "different" } },
      }),
      /genesis app hash mismatch/,
    );
    // the read side works over a reopened database too
    const db = new NodeDb(c.nodeBackend);
    const again = await replayAllBlocks({ app: new AppConn(new KvApp()), blockStore: new BlockStore(db), stateStore: new StateStore(db), genesis: c.genesis });
    assert.equal(again.length, 3);
  });
});
