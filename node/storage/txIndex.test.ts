import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { ExecTxResult } from "../../modules/core/abci.ts";
import { toHex, utf8 } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import type { TxRecord } from "../rpc/env.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBackend } from "../../modules/core/store/memory.ts";
import { BUCKET } from "./buckets.ts";
import { NodeDb } from "./db.ts";
import { StateStore } from "./stateStore.ts";
import { openLevelBackend } from "./levelBackend.ts";
import { matches, parseQuery } from "../types/query.ts";
import { decodeTxRecord, encodeTxRecord, isAddressLike, TxIndex, TxSearchError, txEventMap } from "./txIndex.ts";
import { toBech32 } from "../../modules/core/address.ts";

/** seeded PRNG (mulberry32) */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SENDERS = ["open1alice", "open1bob", "open1carol", "open1dave", "open1erin"];

function makeResult(rnd: () => number, i: number): ExecTxResult {
  const sender = SENDERS[Math.floor(rnd() * SENDERS.length)]!;
  const recipient = SENDERS[Math.floor(rnd() * SENDERS.length)]!;
  const amount = Math.floor(rnd() * 1000);
  const failed = rnd() < 0.15;
  return {
    code: failed ? 5 : 0,
    data: failed ? new Uint8Array(0) : Uint8Array.of(0x12, 0x00),
    log: failed ? "insufficient funds" : "",
    info: "",
    gasWanted: 200000n,
    gasUsed: BigInt(50000 + i),
    codespace: failed ? "sdk" : "",
    events: [
      { type: "tx", attributes: [{ key: "fee", value: "5000uopen", index: true }, { key: "acc_seq", value: `${sender}/${i}`, index: true }] },
      { type: "message", attributes: [{ key: "sender", value: sender, index: true }, { key: "secret", value: "x", index: false }] },
      ...(failed
        ? []
        : [
            {
              type: "transfer",
              attributes: [
                { key: "recipient", value: recipient, index: true },
                { key: "sender", value: sender, index: true },
                { key: "amount", value: `${amount}uopen`, index: true },
              ],
            },
          ]),
    ],
  };
}

describe("storage/txIndex", () => {
  // the real node database layout (NodeDb bucket) over an in-memory backend; another bucket with
  // data on both sides checks that scans never leak across buckets
  const db = new NodeDb(new MemoryBackend());
  const idx = new TxIndex(db.bucket(BUCKET.txIndex));
  const all: TxRecord[] = [];

  before(async () => {
    const rnd = prng(42);
    let n = 0;
    for (let h = 1n; h <= 60n; h++) {
      const count = Math.floor(rnd() * 7);
      const txs: Uint8Array[] = [];
      const results: ExecTxResult[] = [];
      for (let i = 0; i < count; i++) {
        const tx = utf8(`tx-${h}-${i}-${n++}`);
        const result = makeResult(rnd, n);
        txs.push(tx);
        results.push(result);
        all.push({ height: h, index: i, tx, hash: sha256(tx), result });
      }
      const batch = db.newBatch();
      idx.indexBlock(batch, h, txs, results);
      db.bucket(BUCKET.txIndex - 1).put(batch, Uint8Array.of(0xff, 0xff), Uint8Array.of(1));
      db.bucket(BUCKET.txIndex + 1).put(batch, Uint8Array.of(0x00), Uint8Array.of(1));
      await batch.write(false);
    }
    assert.ok(all.length > 100, `generated ${all.length} txs`);
  });

  it("round-trips a record through its encoding", () => {
    const r = all[3]!;
    assert.deepEqual(decodeTxRecord(encodeTxRecord(r)), r);
  });

  it("round-trips records whose strings cross a slab boundary (every offset of the 64 KiB slab)", () => {
    // a string field that does not fit the rest of the slab moves the value to a fresh slab; its length
    // prefix must land in the moved copy (it was written at the old offset: "tx index record truncated")
    for (let pad = 0; pad < 700; pad++) {
      const tx = new Uint8Array(97 + (pad % 13)).fill(pad & 0xff);
      const r: TxRecord = {
        height: 7n,
        index: pad,
        hash: sha256(tx),
        tx,
        result: { ...makeResult(prng(pad), pad), log: "l".repeat(200 + pad), info: "é".repeat(pad % 50) },
      };
      assert.deepEqual(decodeTxRecord(encodeTxRecord(r)), r, `record ${pad}`);
    }
  });

  it("finds by hash (any case) and reports unknown hashes as undefined", async () => {
    const r = all[10]!;
    assert.deepEqual(idx.getByHash(r.hash), r);
    assert.equal(idx.getByHash(new Uint8Array(32)), undefined);
    for (const hex of [toHex(r.hash).toUpperCase(), toHex(r.hash)]) {
      const res = await idx.search(`tx.hash='${hex}'`, { page: 1, perPage: 30, orderBy: "asc" });
      assert.equal(res.total, 1, hex);
      assert.deepEqual(res.txs[0], r);
    }
    const none = await idx.search(`tx.hash='${"00".repeat(32)}'`, { page: 1, perPage: 30, orderBy: "asc" });
    assert.deepEqual(none, { total: 0, txs: [] });
    assert.equal((await idx.search("tx.hash='zz'", {})).total, 0);
  });

  const queries = [
    "tx.height=5",
    "tx.height>=5 AND tx.height<10",
    "tx.height>58",
    "tx.height<=3",
    "tx.height>5.5 AND tx.height<7.5",
    "message.sender='open1alice'",
    "tm.event='Tx' AND message.sender='open1bob'",
    "message.sender='open1alice' AND transfer.recipient='open1bob'",
    "message.sender='open1alice' AND tx.height>20",
    "transfer.amount>500",
    "transfer.amount>500 AND transfer.amount<=600 AND message.sender='open1carol'",
    "transfer.amount CONTAINS '99'",
    "transfer.recipient EXISTS",
    "message.secret='x'",
    "message.sender='nobody'",
    "tx.fee='5000uopen'",
    "tm.event='NewBlock'",
    "",
    "tx.height='5'",
    "transfer.sender='open1dave' AND transfer.recipient='open1dave'",
  ];

  for (const q of queries) {
    it(`search ${JSON.stringify(q)} equals a brute-force scan`, async () => {
      const parsed = parseQuery(q);
      let want = q.includes("NewBlock") ? [] : all.filter((r) => matches(parsed, txEventMap(r)));
      if (q.includes("tx.height='5'")) want = all.filter((r) => r.height === 5n);
      const res = await idx.search(q, { page: 1, perPage: 100, orderBy: "asc" });
      assert.equal(res.total, want.length, `total of ${q}`);
      assert.deepEqual(
        res.txs.map((t) => `${t.height}/${t.index}`),
        want.slice(0, 100).map((t) => `${t.height}/${t.index}`),
        `txs of ${q}`,
      );
    });
  }

  it("includes failed txs", async () => {
    const failed = all.filter((r) => r.result.code !== 0);
    assert.ok(failed.length > 0);
    const f = failed[0]!;
    const res = await idx.search(`tx.hash='${toHex(f.hash).toUpperCase()}'`, {});
    assert.equal(res.txs[0]?.result.code, 5);
  });

  it("pages through every match exactly once, ascending and descending", async () => {
    const q = "message.sender='open1alice'";
    const want = all.filter((r) => matches(parseQuery(q), txEventMap(r)));
    for (const orderBy of ["asc", "desc"] as const) {
      const got: TxRecord[] = [];
      let page = 1;
      for (;;) {
        const res = await idx.search(q, { page, perPage: 7, orderBy });
        assert.equal(res.total, want.length);
        got.push(...res.txs);
        if (got.length >= res.total) break;
        page++;
      }
      const exp = orderBy === "asc" ? want : [...want].reverse();
      assert.deepEqual(got.map((t) => `${t.height}/${t.index}`), exp.map((t) => `${t.height}/${t.index}`), orderBy);
      await assert.rejects(
        idx.search(q, { page: page + 1, perPage: 7, orderBy }),
        (e: unknown) => e instanceof TxSearchError && e.kind === "page" && e.message === `page should be within [1, ${page}] range, given ${page + 1}`,
      );
    }
  });

  it("defaults perPage to 30, caps it at 100, allows page 1 of nothing, refuses page 0", async () => {
    const everything = await idx.search("", {});
    assert.equal(everything.total, all.length);
    assert.equal(everything.txs.length, 30);
    assert.equal((await idx.search("", { perPage: 1000 })).txs.length, 100);
    assert.deepEqual(await idx.search("message.sender='nobody'", { page: 1 }), { total: 0, txs: [] });
    await assert.rejects(idx.search("", { page: 0 }), TxSearchError);
    await assert.rejects(idx.search("message.sender='nobody'", { page: 2 }), /\[1, 1\] range, given 2/);
  });

  it("rejects a query that does not parse", async () => {
    await assert.rejects(idx.search("tx.height >> 5", {}), (e: unknown) => e instanceof TxSearchError && e.kind === "query");
  });

  it("writes one event key per distinct indexed (type.key, value) and block, also for non-ASCII and surrogate parts", () => {
    const puts: [string, string][] = [];
    const batch = { put: (k: Uint8Array, v: Uint8Array) => puts.push([toHex(k), toHex(v)]), del: () => {} };
    const db = new NodeDb(new MemoryBackend());
    const idx = new TxIndex(db.bucket(BUCKET.txIndex));
    const attrs = (pairs: [string, string, boolean?][]) => pairs.map(([key, value, index]) => ({ key, value, index: index ?? true }));
    const eventsOf = (sender: string) => [
      { type: "message", attributes: attrs([["sender", sender], ["module", "bank"], ["sender", sender], ["skip", "x", false]]) },
      { type: "transfer", attributes: attrs([["sender", sender], ["amount", "5uopen"], ["amount", "5uopen"]]) },
      { type: "ünï", attributes: attrs([["kéy", "välue"], ["kéy", "välue"]]) },
      { type: "a\ud83d", attributes: attrs([["\ude00b", "v"]]) },
      { type: "a.b", attributes: attrs([["c", "1"]]) },
      { type: "a", attributes: attrs([["b.c", "1"]]) },
      { type: "", attributes: attrs([["k", "v"]]) },
      { type: "long", attributes: attrs([["v", "x".repeat(70_000)]]) },
    ];
    // three txs: the first and third share everything but the sender; the second has no events
    const senders = ["open1alice", undefined, "open1bob"];
    const txs = senders.map((_, i) => utf8(`tx-events-${i}`));
    const results: ExecTxResult[] = senders.map((s) => ({ code: 0, data: new Uint8Array(0), log: "", info: "", gasWanted: 1n, gasUsed: 1n, events: s === undefined ? [] : eventsOf(s), codespace: "" }));
    idx.indexBlock(batch, 7n, txs, results);
    // expected: bucket | 0x04 | lp16 utf8("type.key") | lp16 utf8(value) | u64 height → the positions (u32 each), distinct
    const lp16 = (b: Uint8Array) => [b.length >> 8, b.length & 0xff, ...b];
    const want = new Map<string, number[]>();
    senders.forEach((s, pos) => {
      for (const ev of s === undefined ? [] : eventsOf(s)) {
        if (ev.type === "") continue;
        for (const a of ev.attributes) {
          if (!a.index || a.value.length > 0xffff) continue;
          const k = toHex(Uint8Array.from([BUCKET.txIndex, 0x04, ...lp16(utf8(`${ev.type}.${a.key}`)), ...lp16(utf8(a.value)), 0, 0, 0, 0, 0, 0, 0, 7]));
          const ps = want.get(k) ?? [];
          if (!ps.includes(pos)) ps.push(pos);
          want.set(k, ps);
        }
      }
    });
    const eventPuts = puts.filter(([k]) => k.startsWith(toHex(Uint8Array.of(BUCKET.txIndex, 0x04))));
    assert.equal(eventPuts.length, want.size);
    assert.deepEqual(new Map(eventPuts), new Map([...want].map(([k, ps]) => [k, toHex(Uint8Array.from(ps.flatMap((p) => [0, 0, 0, p])))])));
    assert.equal(puts.filter(([k]) => k.startsWith(toHex(Uint8Array.of(BUCKET.txIndex, 0x03)))).length, 0);
    // shared values are one key for both txs
    assert.deepEqual(want.get(toHex(Uint8Array.from([BUCKET.txIndex, 0x04, ...lp16(utf8("message.module")), ...lp16(utf8("bank")), 0, 0, 0, 0, 0, 0, 0, 7]))), [0, 2]);
  });

  it("address values: one key per (address, block) for every attribute that names it, found by every kind of query", async () => {
    const addr = (i: number) => toBech32("ol", Uint8Array.from({ length: 20 }, (_, j) => (i * 31 + j) & 0xff));
    const val = toBech32("olvaloper", Uint8Array.from({ length: 32 }, (_, j) => j));
    assert.ok(isAddressLike(addr(1)) && isAddressLike(val));
    for (const v of ["open1alice", "5uopen", "ol1", `${addr(1)}/7`, addr(1).toUpperCase(), "bank"]) assert.ok(!isAddressLike(v), v);
    const attrs = (pairs: [string, string][]) => pairs.map(([key, value]) => ({ key, value, index: true }));
    // a bank send's events: the sender under four attributes, the recipient under two
    const send = (from: string, to: string, amount: number): ExecTxResult => ({
      code: 0, data: new Uint8Array(0), log: "", info: "", gasWanted: 1n, gasUsed: 1n, codespace: "",
      events: [
        { type: "tx", attributes: attrs([["fee", "2uopen"], ["fee_payer", from]]) },
        { type: "tx", attributes: attrs([["acc_seq", `${from}/1`]]) },
        { type: "message", attributes: attrs([["action", "/cosmos.bank.v1beta1.MsgSend"], ["sender", from], ["module", "bank"]]) },
        { type: "coin_spent", attributes: attrs([["spender", from], ["amount", `${amount}uopen`]]) },
        { type: "coin_received", attributes: attrs([["receiver", to], ["amount", `${amount}uopen`]]) },
        { type: "transfer", attributes: attrs([["recipient", to], ["sender", from], ["amount", `${amount}uopen`]]) },
      ],
    });
    const db2 = new NodeDb(new MemoryBackend());
    const idx2 = new TxIndex(db2.bucket(BUCKET.txIndex));
    const puts: string[] = [];
    const blocks: [bigint, [string, string, number][]][] = [
      [5n, [[addr(1), addr(2), 10], [addr(3), addr(1), 20], [addr(4), val, 30]]],
      [6n, [[addr(2), addr(1), 40]]],
    ];
    for (const [h, sends] of blocks) {
      const b = db2.newBatch();
      const put = b.put.bind(b);
      b.put = (k: Uint8Array, v: Uint8Array) => {
        puts.push(toHex(k));
        put(k, v);
      };
      idx2.indexBlock(b, h, sends.map((_, i) => utf8(`send-${h}-${i}`)), sends.map(([f, t, a]) => send(f, t, a)));
      await b.write(false);
    }
    // height 5 names five addresses (addr 1 in two txs): five 0x05 keys; no 0x04 key holds an address
    const at = (prefix: number) => puts.filter((k) => k.startsWith(toHex(Uint8Array.of(BUCKET.txIndex, prefix))));
    assert.equal(at(0x05).length, 5 + 2);
    // (tx.acc_seq "address/sequence" is no address: it stays under 0x04)
    const asValue = (a: string) => toHex(Uint8Array.of(0, a.length, ...utf8(a), 0, 0, 0, 0, 0, 0, 0));
    for (const k of at(0x04)) for (let i = 1; i <= 4; i++) assert.ok(!k.includes(asValue(addr(i))), "an address value in a 0x04 key");
    assert.equal(at(0x04).filter((k) => k.includes(toHex(utf8("tx.acc_seq")))).length, 4);
    const q = async (text: string) => (await idx2.search(text, { perPage: 100 })).txs.map((t) => `${t.height}/${t.index}`);
    assert.deepEqual(await q(`message.sender='${addr(1)}'`), ["5/0"]);
    assert.deepEqual(await q(`transfer.recipient='${addr(1)}'`), ["5/1", "6/0"]);
    assert.deepEqual(await q(`coin_received.receiver='${addr(1)}'`), ["5/1", "6/0"]);
    assert.deepEqual(await q(`tx.fee_payer='${addr(2)}'`), ["6/0"]);
    assert.deepEqual(await q(`transfer.recipient='${val}'`), ["5/2"]);
    assert.deepEqual(await q(`transfer.sender='${val}'`), []);
    assert.deepEqual(await q(`message.sender='${addr(1)}' AND transfer.recipient='${addr(2)}'`), ["5/0"]);
    assert.deepEqual(await q(`transfer.recipient='${addr(1)}' AND tx.height>5`), ["6/0"]);
    assert.deepEqual(await q(`message.sender EXISTS`), ["5/0", "5/1", "5/2", "6/0"]);
    assert.deepEqual(await q(`transfer.recipient CONTAINS 'olvaloper'`), ["5/2"]);
    assert.deepEqual(await q(`coin_spent.spender CONTAINS '${addr(3).slice(5, 20)}'`), ["5/1"]);
    assert.deepEqual(await q(`tx.acc_seq='${addr(3)}/1'`), ["5/1"]);
    // numbers never match an address: answered from 0x04 alone
    assert.deepEqual(await q(`transfer.amount>25`), ["5/2", "6/0"]);
    // the event map the records answer with is unchanged
    const rec = idx2.getByPosition(5n, 1)!;
    assert.ok(matches(parseQuery(`transfer.recipient='${addr(1)}'`), txEventMap(rec)));
  });

  it("still finds txs indexed by older nodes (one event key per tx, value = hash)", async () => {
    const db2 = new NodeDb(new MemoryBackend());
    const bucket = db2.bucket(BUCKET.txIndex);
    const idx2 = new TxIndex(bucket);
    const lp16 = (b: Uint8Array) => [b.length >> 8, b.length & 0xff, ...b];
    const mk = (sender: string): ExecTxResult => ({ code: 0, data: new Uint8Array(0), log: "", info: "", gasWanted: 1n, gasUsed: 1n, codespace: "", events: [{ type: "message", attributes: [{ key: "sender", value: sender, index: true }] }] });
    // height 3: written as an older node did (record, position, 0x03 event key → hash)
    const oldTx = utf8("old-tx");
    const oldHash = sha256(oldTx);
    const b1 = db2.newBatch();
    bucket.put(b1, Uint8Array.of(0x01, ...oldHash), encodeTxRecord({ height: 3n, index: 1, tx: oldTx, hash: oldHash, result: mk("open1alice") }));
    bucket.put(b1, Uint8Array.of(0x02, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1), oldHash);
    bucket.put(b1, Uint8Array.of(0x03, ...lp16(utf8("message.sender")), ...lp16(utf8("open1alice")), 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1), oldHash);
    await b1.write(false);
    // height 4: written now
    const b2 = db2.newBatch();
    idx2.indexBlock(b2, 4n, [utf8("new-a"), utf8("new-b")], [mk("open1bob"), mk("open1alice")]);
    await b2.write(false);
    for (const [q, want] of [
      ["message.sender='open1alice'", ["3/1", "4/1"]],
      ["message.sender CONTAINS 'open1'", ["3/1", "4/0", "4/1"]],
      ["message.sender EXISTS AND tx.height<4", ["3/1"]],
      ["message.sender='open1alice' AND message.sender CONTAINS 'alice'", ["3/1", "4/1"]],
    ] as const) {
      const r = await idx2.search(q, {});
      assert.deepEqual(r.txs.map((t) => `${t.height}/${t.index}`), want, q);
      assert.equal(r.total, want.length, q);
    }
  });

  it("a failed re-inclusion does not hide the successful record", async () => {
    const r = all.find((x) => x.result.code === 0)!;
    const batch = db.newBatch();
    idx.indexBlock(batch, 999n, [r.tx], [{ ...r.result, code: 7 }]);
    await batch.write(false);
    assert.equal(idx.getByHash(r.hash)?.height, r.height);
  });

  it("with a result source (the node), records point at the stored FinalizeBlock responses and answer the same", async () => {
    const db2 = new NodeDb(new MemoryBackend());
    const ss = new StateStore(db2);
    const idx2 = new TxIndex(db2.bucket(BUCKET.txIndex), (h, i) => ss.loadTxResult(h, i));
    const byHeight = new Map<bigint, TxRecord[]>();
    for (const r of all) byHeight.set(r.height, [...(byHeight.get(r.height) ?? []), r]);
    // the first 20 heights as an older node wrote them (whole records), the rest as the node does now
    const old = new TxIndex(db2.bucket(BUCKET.txIndex));
    for (const [h, rs] of byHeight) {
      const batch = db2.newBatch();
      const results = rs.map((r) => r.result);
      ss.saveFinalizeBlockResponse(batch, h, { events: [], txResults: results, validatorUpdates: [], consensusParamUpdates: null, appHash: new Uint8Array(0) });
      (h <= 20n ? old : idx2).indexBlock(batch, h, rs.map((r) => r.tx), results);
      await batch.write(false);
    }
    for (const r of all) {
      const raw = db2.bucket(BUCKET.txIndex).get(Uint8Array.of(0x01, ...r.hash))!;
      assert.equal(raw[0], r.height <= 20n ? 1 : 2, "record version");
      if (r.height > 20n) assert.ok(raw.length < 30 + r.tx.length, `record of ${raw.length} bytes`);
      assert.deepEqual(idx2.getByHash(r.hash), idx.getByHash(r.hash));
      assert.deepEqual(idx2.getByPosition(r.height, r.index), idx.getByPosition(r.height, r.index));
    }
    for (const q of ["message.sender='open1alice' AND tx.height>15", "transfer.amount>500", "tx.height>=5 AND tx.height<30", "", "tx.fee='5000uopen' AND tx.height<=25"]) {
      for (const orderBy of ["asc", "desc"] as const) {
        assert.deepEqual(await idx2.search(q, { perPage: 100, orderBy }), await idx.search(q, { perPage: 100, orderBy }), q);
      }
    }
    // a failed re-inclusion does not hide a successful version-2 record
    const ok = all.find((x) => x.result.code === 0 && x.height > 20n)!;
    const batch = db2.newBatch();
    ss.saveFinalizeBlockResponse(batch, 999n, { events: [], txResults: [{ ...ok.result, code: 7 }], validatorUpdates: [], consensusParamUpdates: null, appHash: new Uint8Array(0) });
    idx2.indexBlock(batch, 999n, [ok.tx], [{ ...ok.result, code: 7 }]);
    await batch.write(false);
    assert.deepEqual(idx2.getByHash(ok.hash), ok);
    // a version-2 record without its response is no record; without a source it is an error
    const lone = new TxIndex(db2.bucket(BUCKET.txIndex), () => undefined);
    assert.equal(lone.getByHash(ok.hash), undefined);
    assert.throws(() => new TxIndex(db2.bucket(BUCKET.txIndex)).getByHash(ok.hash), /version 2 without a result source/);
  });

  it("works over LevelDB (LevelBackend) with the same answers", async () => {
    const dir = await mkdtemp(join(tmpdir(), "txindex-"));
    const ldb = new NodeDb(await openLevelBackend(join(dir, "node.db")));
    try {
      const lidx = new TxIndex(ldb.bucket(BUCKET.txIndex));
      const byHeight = new Map<bigint, TxRecord[]>();
      for (const r of all) byHeight.set(r.height, [...(byHeight.get(r.height) ?? []), r]);
      for (const [h, rs] of byHeight) {
        const batch = ldb.newBatch();
        lidx.indexBlock(batch, h, rs.map((r) => r.tx), rs.map((r) => r.result));
        await batch.write(false);
      }
      for (const q of ["message.sender='open1alice' AND tx.height>20", "transfer.amount>500", "tx.height>=5 AND tx.height<10", ""]) {
        const a = await idx.search(q, { page: 2, perPage: 5, orderBy: "desc" });
        const b = await lidx.search(q, { page: 2, perPage: 5, orderBy: "desc" });
        assert.equal(b.total, a.total, q);
        assert.deepEqual(b.txs, a.txs, q);
      }
    } finally {
      await ldb.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
