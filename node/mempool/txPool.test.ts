import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CheckTxRequest, CheckTxResponse } from "../../modules/core/abci.ts";
import { EMPTY, fromUtf8, utf8 } from "../../modules/core/bytes.ts";
import { AppConn } from "../app/appConn.ts";
import { KvApp } from "../testing/kvApp.ts";
import { silentLogger } from "../util/logger.ts";
import { ERR_MEMPOOL_IS_FULL, ERR_TX_TOO_LARGE, MempoolError, type TxPoolOptions, TxPool, protoTxSize } from "./txPool.ts";

const OPTS: TxPoolOptions = {
  maxTxs: 100,
  maxTxsBytes: 1 << 20,
  maxTxBytes: 1024,
  maxTxsPerSender: 10,
  cacheSize: 1000,
  recheck: true,
};

/** a scriptable app: tx "sender:seq:payload"; `bad` holds payloads refused (NEW and RECHECK). */
function fakeApp() {
  const bad = new Set<string>();
  const calls: CheckTxRequest[] = [];
  return {
    bad,
    calls,
    async checkTx(req: CheckTxRequest): Promise<CheckTxResponse> {
      calls.push(req);
      const [sender = "", seq = "0", payload = ""] = fromUtf8(req.tx).split(":");
      const refused = bad.has(payload);
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

function pool(opts: Partial<TxPoolOptions> = {}) {
  const app = fakeApp();
  const p = new TxPool({ ...OPTS, ...opts }, { app, logger: silentLogger() });
  return { app, p };
}

const tx = (s: string) => utf8(s);
const strs = (txs: Uint8Array[]) => txs.map((t) => fromUtf8(t));

describe("mempool/txPool", () => {
  it("admits a tx the app accepts and counts its bytes", async () => {
    const { p } = pool();
    const res = await p.checkAndAdd(tx("a:1:x"));
    assert.equal(res.code, 0);
    assert.equal(p.size(), 1);
    assert.equal(p.sizeBytes(), 5);
  });

  it("answers an oversize tx in-band with sdk code 21 without calling the app", async () => {
    const { app, p } = pool({ maxTxBytes: 8 });
    const res = await p.checkAndAdd(tx("a:1:123456789"));
    assert.equal(res.codespace, "sdk");
    assert.equal(res.code, ERR_TX_TOO_LARGE);
    assert.equal(app.calls.length, 0);
    assert.equal(p.size(), 0);
    const only = await p.checkOnly(tx("a:1:123456789"));
    assert.equal(only.code, ERR_TX_TOO_LARGE);
  });

  it("returns an app rejection in-band, does not add it and lets it be resubmitted", async () => {
    const { app, p } = pool();
    app.bad.add("x");
    const r1 = await p.checkAndAdd(tx("a:1:x"));
    assert.equal(r1.code, 5);
    assert.equal(p.size(), 0);
    app.bad.clear();
    const r2 = await p.checkAndAdd(tx("a:1:x"));
    assert.equal(r2.code, 0);
  });

  it("refuses a duplicate with MempoolError 'tx already exists in cache' before CheckTx", async () => {
    const { app, p } = pool();
    await p.checkAndAdd(tx("a:1:x"));
    await assert.rejects(p.checkAndAdd(tx("a:1:x")), (e: unknown) => {
      assert.ok(e instanceof MempoolError);
      assert.equal(e.message, "tx already exists in cache");
      assert.equal(e.type.code, "TX_IN_CACHE");
      return true;
    });
    assert.equal(app.calls.length, 1);
    // concurrent duplicates: exactly one reaches the app
    const { app: app2, p: p2 } = pool();
    const rs = await Promise.allSettled([p2.checkAndAdd(tx("b:1:y")), p2.checkAndAdd(tx("b:1:y"))]);
    assert.deepEqual(rs.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
    assert.equal(app2.calls.length, 1);
  });

  it("answers sdk code 20 'mempool is full' at the tx count and byte limits", async () => {
    const cases: [string, Partial<TxPoolOptions>][] = [
      ["count", { maxTxs: 2 }],
      ["bytes", { maxTxsBytes: 12 }],
    ];
    for (const [name, o] of cases) {
      const { p } = pool(o);
      assert.equal((await p.checkAndAdd(tx("a:1:x"))).code, 0, name);
      assert.equal((await p.checkAndAdd(tx("b:1:x"))).code, 0, name);
      const r = await p.checkAndAdd(tx("c:1:x"));
      assert.equal(r.code, ERR_MEMPOOL_IS_FULL, name);
      assert.equal(r.codespace, "sdk", name);
      assert.match(r.log, /mempool is full/, name);
      assert.equal(p.size(), 2, name);
    }
  });

  it("limits pending txs per sender (CheckTxResponse.sender)", async () => {
    const { p } = pool({ maxTxsPerSender: 2 });
    assert.equal((await p.checkAndAdd(tx("a:1:x"))).code, 0);
    assert.equal((await p.checkAndAdd(tx("a:2:x"))).code, 0);
    const r = await p.checkAndAdd(tx("a:3:x"));
    assert.equal(r.code, ERR_MEMPOOL_IS_FULL);
    assert.match(r.log, /sender a/);
    assert.equal((await p.checkAndAdd(tx("b:1:x"))).code, 0);
    // the refused tx is not cached: it can come back once the sender has room
    const release = await p.lock();
    await p.update(1n, [tx("a:1:x")], [{ code: 0, data: EMPTY, log: "", info: "", gasWanted: 0n, gasUsed: 0n, events: [], codespace: "" }]);
    release();
    assert.equal((await p.checkAndAdd(tx("a:3:x"))).code, 0);
  });

  it("reaps in FIFO order, bounded by bytes and gas, never skipping a tx", async () => {
    const { p } = pool();
    const order = ["a:1:x", "b:1:x", "a:2:x", "c:1:xxxxxxxxxxxxxxxxxxxxxxxx", "a:3:x"];
    for (const s of order) assert.equal((await p.checkAndAdd(tx(s))).code, 0, s);
    assert.deepEqual(strs(p.reap(100)), order);
    assert.deepEqual(strs(p.reap(2)), order.slice(0, 2));
    assert.deepEqual(strs(p.reapMaxBytesMaxGas(-1n, -1n)), order);
    // each gasWanted = 10
    assert.deepEqual(strs(p.reapMaxBytesMaxGas(-1n, 25n)), order.slice(0, 2));
    const three = BigInt(3 * protoTxSize(5));
    // the 4th tx does not fit: the 5th (smaller) must not jump over it
    assert.deepEqual(strs(p.reapMaxBytesMaxGas(three + 10n, -1n)), order.slice(0, 3));
    assert.deepEqual(strs(p.reapMaxBytesMaxGas(-1n, -1n, 2)), order.slice(0, 2));
    assert.deepEqual(strs(p.reapMaxBytesMaxGas(-1n, -1n, 0)), []);
  });

  it("update removes included txs, keeps OK ones cached, uncaches failed ones and drops what recheck refuses", async () => {
    const { app, p } = pool();
    for (const s of ["a:1:ok", "b:1:failed", "c:1:keep", "d:1:stale", "e:1:keep2"]) await p.checkAndAdd(tx(s));
    const ok = { code: 0, data: EMPTY, log: "", info: "", gasWanted: 0n, gasUsed: 0n, events: [], codespace: "" };
    app.bad.add("stale");
    app.calls.length = 0;
    await assert.rejects(p.update(1n, [], []), /without the mempool lock/);
    const release = await p.lock();
    await p.update(1n, [tx("a:1:ok"), tx("b:1:failed")], [ok, { ...ok, code: 7 }]);
    release();
    assert.deepEqual(strs(p.reap(100)), ["c:1:keep", "e:1:keep2"]);
    assert.deepEqual(
      app.calls.map((c) => [c.type, fromUtf8(c.tx)]),
      [
        ["recheck", "c:1:keep"],
        ["recheck", "d:1:stale"],
        ["recheck", "e:1:keep2"],
      ],
    );
    await assert.rejects(p.checkAndAdd(tx("a:1:ok")), MempoolError);
    assert.equal((await p.checkAndAdd(tx("b:1:failed"))).code, 0);
    app.bad.clear();
    assert.equal((await p.checkAndAdd(tx("d:1:stale"))).code, 0, "a tx dropped on recheck leaves the cache");
  });

  it("skips recheck when disabled", async () => {
    const { app, p } = pool({ recheck: false });
    await p.checkAndAdd(tx("a:1:x"));
    app.calls.length = 0;
    const release = await p.lock();
    await p.update(1n, [], []);
    release();
    assert.equal(app.calls.length, 0);
    assert.equal(p.size(), 1);
  });

  it("the commit lock waits for in-flight CheckTx and holds new admissions until released", async () => {
    const events: string[] = [];
    let gate!: () => void;
    const opened = new Promise<void>((r) => (gate = r));
    const app = fakeApp();
    const slow = {
      async checkTx(req: CheckTxRequest) {
        events.push(`check ${fromUtf8(req.tx)}`);
        if (fromUtf8(req.tx) === "a:1:slow") await opened;
        return app.checkTx(req);
      },
    };
    const p = new TxPool(OPTS, { app: slow, logger: silentLogger() });
    const first = p.checkAndAdd(tx("a:1:slow"));
    await new Promise((r) => setImmediate(r));
    const locked = p.lock().then((rel) => {
      events.push("locked");
      return rel;
    });
    const second = p.checkAndAdd(tx("b:1:later"));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(events, ["check a:1:slow"]);
    gate();
    const release = await locked;
    await first;
    assert.deepEqual(events, ["check a:1:slow", "locked"]);
    release();
    await second;
    assert.deepEqual(events, ["check a:1:slow", "locked", "check b:1:later"]);
  });

  it("rechecking many txs yields to the event loop between batches", async () => {
    const { p } = pool({ maxTxs: 10_000, recheckBatch: 50 });
    for (let i = 0; i < 500; i++) await p.checkAndAdd(tx(`s${i}:1:x`));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const release = await p.lock();
    await p.update(1n, [], []);
    release();
    clearInterval(timer);
    assert.ok(ticks > 0, "a timer ran during recheck");
  });

  it("serialises CheckTx with a real AppConn and kv app (no overlapping calls)", async () => {
    const app = new KvApp();
    app.delayMs = 1;
    const conn = new AppConn(app);
    const p = new TxPool(OPTS, { app: conn, logger: silentLogger() });
    const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => p.checkAndAdd(tx(`k${i}=v`))));
    assert.ok(rs.every((r) => r.code === 0));
    assert.equal(app.overlapped, false);
    assert.equal(p.size(), 30);
    const bad = await p.checkAndAdd(tx("no-equals-sign"));
    assert.equal(bad.code, 1);
    assert.equal(bad.codespace, "kv");
  });
  it("with a pre-verifier, CheckTx still runs in arrival order when verifications finish out of order", async () => {
    const app = fakeApp();
    const waits: (() => void)[] = [];
    const preverifier = { preverify: () => new Promise<void>((r) => waits.push(r)) };
    const p = new TxPool(OPTS, { app, logger: silentLogger(), preverifier });
    const all = ["a:0:x", "a:1:y", "b:0:z"].map((t) => p.checkAndAdd(tx(t)));
    await new Promise((r) => setImmediate(r));
    assert.equal(app.calls.length, 0, "no CheckTx before its pre-verification");
    waits[2]?.();
    waits[1]?.();
    await new Promise((r) => setImmediate(r));
    assert.equal(app.calls.length, 0, "a later tx waits for the earlier ones");
    waits[0]?.();
    const res = await Promise.all(all);
    assert.deepEqual(res.map((r) => r.code), [0, 0, 0]);
    assert.deepEqual(app.calls.map((c) => fromUtf8(c.tx)), ["a:0:x", "a:1:y", "b:0:z"]);
  });
});
