import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Bytes } from "../abci.ts";
import { compare, toHex, toKeyString, utf8 } from "../bytes.ts";
import { createCommitStore, EMPTY_ROOT, encodePage, PAGE_NODES, pageRecord, PREFIX } from "./commitStore.ts";
import { verifyMembership, verifyNonMembership } from "./ics23.ts";
import { MemoryBackend } from "./memory.ts";
import { rng } from "./testing/rng.ts";
import { collect, randomBlocks } from "./testing/storeModel.ts";
import { applyBatch, type DirtyEntry, EMPTY_HASH, encodeNode, makeLeaf, NodeCache, sortEntries, type TreeNode } from "./tree.ts";
import { sha256 } from "../hash.ts";

/** the backend's keys under one prefix. */
async function keysUnder(be: MemoryBackend, prefix: number): Promise<Bytes[]> {
  const out: Bytes[] = [];
  for await (const [k] of be.iterate({ gte: Uint8Array.of(prefix), lt: Uint8Array.of(prefix + 1) })) out.push(k);
  return out;
}

/**
 * A backend as the first store format left it: every node under 0x02 ‖ hash (inner records
 * 0x01 ‖ left ‖ right), the root record the hash alone. Built from `kv` as version 1.
 */
function formatOneBackend(kv: Map<string, Bytes>): MemoryBackend {
  const be = new MemoryBackend();
  const table = new Map<string, Bytes>();
  const nodes = new NodeCache((h) => table.get(toHex(h)), 10);
  const entries: DirtyEntry[] = [...kv].map(([k, v]) => ({ key: utf8(k), keyHash: sha256(utf8(k)), value: v }));
  const res = applyBatch(nodes, EMPTY_HASH, sortEntries(entries));
  const v1 = (n: TreeNode): Bytes => (n.kind === 1 ? Uint8Array.of(1, ...n.left, ...n.right) : encodeNode(n));
  for (const n of res.created) be.set(Uint8Array.of(PREFIX.node, ...n.hash), v1(n));
  for (const [k, v] of kv) be.set(Uint8Array.of(PREFIX.flat, ...utf8(k)), v);
  const ver = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1);
  be.set(Uint8Array.of(PREFIX.root, ...ver), res.root);
  be.set(Uint8Array.of(PREFIX.latest), ver);
  return be;
}

describe("store/commitStore", () => {
  it("starts at version 0 with the empty root", async () => {
    const s = await createCommitStore(new MemoryBackend());
    assert.equal(s.version, 0n);
    assert.deepEqual(s.root, EMPTY_ROOT);
    assert.deepEqual(s.workingRoot(), EMPTY_ROOT);
    assert.equal(s.rootAt(0n), undefined);
    assert.throws(() => s.getAt(utf8("a"), 1n));
  });

  it("random blocks match a model Map, in working and committed views", async () => {
    const s = await createCommitStore(new MemoryBackend(), { cacheNodes: 16 });
    const model = new Map<string, Bytes>();
    await randomBlocks(s, model, 11, 40);
    assert.ok(s.version > 20n);
  });

  it("workingRoot is cached until the working layer changes, and equals a fresh store's root", async () => {
    const s = await createCommitStore(new MemoryBackend());
    s.working().set(utf8("a"), utf8("1"));
    const r1 = s.workingRoot();
    assert.equal(s.workingRoot(), r1, "same object while nothing changed");
    const br = s.working().branch();
    br.set(utf8("b"), utf8("2"));
    assert.equal(s.workingRoot(), r1, "an unflushed branch is not part of the working layer");
    br.write();
    const r2 = s.workingRoot();
    assert.notDeepEqual(r2, r1);
    s.working().delete(utf8("b"));
    assert.deepEqual(s.workingRoot(), r1);
  });

  it("a version with no writes still records its root; versions must increase", async () => {
    const s = await createCommitStore(new MemoryBackend());
    s.working().set(utf8("a"), utf8("1"));
    const r1 = await s.commit(1n);
    const r2 = await s.commit(2n);
    assert.deepEqual(r2, r1);
    assert.deepEqual(s.rootAt(2n), r1);
    assert.deepEqual(s.rootAt(1n), r1);
    await assert.rejects(s.commit(2n));
    await s.commit(5n); // gaps are allowed (initial height)
    assert.equal(s.rootAt(4n), undefined);
    assert.deepEqual(s.rootAt(5n), r1);
  });

  it("commit is one synced backend write with flat state, nodes, root, meta and latest version", async () => {
    const be = new MemoryBackend();
    const writes: Array<{ n: number; sync: boolean }> = [];
    const orig = be.write.bind(be);
    be.write = async (ops, opts) => {
      writes.push({ n: ops.length, sync: opts.sync });
      const prefixes = new Set(ops.map((o) => o.key[0]));
      for (const p of [PREFIX.flat, PREFIX.page, PREFIX.root, PREFIX.meta, PREFIX.latest]) assert.ok(prefixes.has(p), `prefix ${p}`);
      assert.ok(!prefixes.has(PREFIX.node), "format 1 node records are never written");
      return orig(ops, opts);
    };
    const s = await createCommitStore(be);
    s.working().set(utf8("a"), utf8("1"));
    s.working().set(utf8("b"), utf8("2"));
    await s.commit(1n, [[utf8("app"), utf8("x")]]);
    assert.equal(writes.length, 1);
    assert.equal(writes[0]!.sync, true);
    assert.deepEqual(s.getMeta(utf8("app")), utf8("x"));
    assert.equal(s.getMeta(utf8("nope")), undefined);
  });

  it("a new store over the same backend resumes with the same version, root, meta and state", async () => {
    const be = new MemoryBackend();
    const s = await createCommitStore(be);
    const model = new Map<string, Bytes>();
    await randomBlocks(s, model, 5, 15);
    // a copy of the backend, as a restarted process would find it
    const be2 = new MemoryBackend();
    for await (const [k, v] of be.iterate()) be2.set(k, v);
    const s2 = await createCommitStore(be2);
    assert.equal(s2.version, s.version);
    assert.deepEqual(s2.root, s.root);
    assert.deepEqual(s2.getMeta(utf8("height")), utf8(String(s.version)));
    // both continue with the same blocks and stay identical
    const m2 = new Map(model);
    await randomBlocks(s, model, 99, 10);
    await randomBlocks(s2, m2, 99, 10);
    assert.deepEqual(s2.root, s.root);
  });

  it("two stores fed the same blocks in different write orders have the same roots", async () => {
    const r = rng(3);
    const blocks = Array.from({ length: 10 }, () =>
      Array.from({ length: 40 }, () => [r.bytes(1 + r.int(6)), r.int(5) === 0 ? null : r.bytes(4)] as const),
    );
    const a = await createCommitStore(new MemoryBackend());
    const b = await createCommitStore(new MemoryBackend());
    for (const [i, ops] of blocks.entries()) {
      // b applies the block's final write set in reverse key order; a applies the ops as they come
      for (const [k, v] of ops) v === null ? a.working().delete(k) : a.working().set(k, v);
      const last = new Map<string, readonly [Bytes, Bytes | null]>();
      for (const op of ops) last.set(toKeyString(op[0]), op);
      const final = [...last.values()].sort((x, y) => compare(y[0], x[0]));
      for (const [k, v] of final) v === null ? b.working().delete(k) : b.working().set(k, v);
      const ra = await a.commit(BigInt(i + 1));
      const rb = await b.commit(BigInt(i + 1));
      assert.deepEqual(toHex(ra), toHex(rb), `block ${i}`);
    }
  });

  it("getAt reads old versions from their trees", async () => {
    const s = await createCommitStore(new MemoryBackend(), { cacheNodes: 4 });
    const k = utf8("k");
    s.working().set(k, utf8("v1"));
    await s.commit(1n);
    s.working().set(k, utf8("v2"));
    s.working().set(utf8("other"), utf8("o"));
    await s.commit(2n);
    s.working().delete(k);
    await s.commit(3n);
    assert.deepEqual(s.getAt(k, 1n), utf8("v1"));
    assert.deepEqual(s.getAt(k, 2n), utf8("v2"));
    assert.equal(s.getAt(k, 3n), undefined);
    assert.equal(s.committed().get(k), undefined);
    assert.throws(() => s.getAt(k, 4n));
  });

  it("iterate merges working writes and deletes over committed state", async () => {
    const s = await createCommitStore(new MemoryBackend());
    const w = s.working();
    for (const x of [1, 3, 5, 7]) w.set(Uint8Array.of(x), Uint8Array.of(x));
    await s.commit(1n);
    w.set(Uint8Array.of(4), Uint8Array.of(40));
    w.delete(Uint8Array.of(5));
    w.set(Uint8Array.of(7), Uint8Array.of(70));
    const tx = w.branch();
    tx.set(Uint8Array.of(2), Uint8Array.of(20));
    tx.delete(Uint8Array.of(1));
    assert.deepEqual(await collect(tx.iterate()), ["03=03", "04=28", "07=46", "02=14"].sort());
    assert.deepEqual(await collect(w.iterate({ reverse: true })), ["07=46", "04=28", "03=03", "01=01"]);
    assert.deepEqual(await collect(s.committed().iterate()), ["01=01", "03=03", "05=05", "07=07"]);
    tx.write();
    await s.commit(2n);
    assert.deepEqual(await collect(s.committed().iterate({ gte: Uint8Array.of(3), lt: Uint8Array.of(7) })), ["03=03", "04=28"]);
  });

  it("proves presence and absence at current and older versions", async () => {
    const s = await createCommitStore(new MemoryBackend(), { cacheNodes: 8 });
    const keys = Array.from({ length: 100 }, (_, i) => utf8(`key${i}`));
    for (const k of keys) s.working().set(k, utf8(`v1-${toHex(k)}`));
    await s.commit(1n);
    for (const k of keys.slice(0, 50)) s.working().set(k, utf8("v2"));
    for (const k of keys.slice(90)) s.working().delete(k);
    await s.commit(2n);
    for (const version of [1n, 2n]) {
      const root = s.rootAt(version)!;
      for (const [i, k] of keys.entries()) {
        const p = s.prove(k, version);
        const present = version === 1n || i < 90;
        assert.equal(p.kind, present ? "exist" : "nonexist", `v${version} key${i}`);
        if (p.kind === "exist") {
          assert.deepEqual(p.value, s.getAt(k, version));
          assert.ok(verifyMembership(root, p.proof, k, p.value), `v${version} key${i} exist`);
          assert.ok(!verifyMembership(root, p.proof, k, utf8("wrong")), "changed value");
          assert.ok(!verifyMembership(root, p.proof, utf8("key-other"), p.value), "other key");
          assert.ok(!verifyNonMembership(root, p.proof, k), "exist proof is no absence proof");
        } else {
          assert.ok(verifyNonMembership(root, p.proof, k), `v${version} key${i} nonexist`);
        }
        const other = version === 1n ? s.rootAt(2n)! : s.rootAt(1n)!;
        if (p.kind === "exist" && i < 50) assert.ok(!verifyMembership(other, p.proof, k, p.value), "other root");
      }
      for (let i = 0; i < 50; i++) {
        const k = utf8(`absent${i}`);
        const p = s.prove(k, version);
        assert.equal(p.kind, "nonexist");
        assert.ok(verifyNonMembership(root, p.proof, k), `absent${i}`);
        assert.ok(!verifyNonMembership(root, p.proof, keys[0]!), "a present key");
      }
    }
  });

  it("proves in the empty tree and the single-key tree", async () => {
    const s = await createCommitStore(new MemoryBackend());
    await s.commit(1n);
    const p0 = s.prove(utf8("a"), 1n);
    assert.equal(p0.kind, "nonexist");
    assert.ok(verifyNonMembership(EMPTY_ROOT, p0.proof, utf8("a")));
    s.working().set(utf8("only"), utf8("1"));
    const root = await s.commit(2n);
    const p1 = s.prove(utf8("only"), 2n);
    assert.equal(p1.kind, "exist");
    assert.ok(verifyMembership(root, p1.proof, utf8("only"), utf8("1")));
    const p2 = s.prove(utf8("a"), 2n);
    assert.equal(p2.kind, "nonexist");
    assert.ok(verifyNonMembership(root, p2.proof, utf8("a")));
    assert.ok(!verifyNonMembership(EMPTY_ROOT, p2.proof, utf8("a")));
    assert.ok(!verifyNonMembership(root, p0.proof, utf8("a")), "an empty-tree proof only holds for the empty root");
  });

  it("a version's new nodes go into pages of PAGE_NODES records, read back cold after a restart", async () => {
    const be = new MemoryBackend();
    const s = await createCommitStore(be);
    const model = new Map<string, Bytes>();
    for (let i = 0; i < 300; i++) {
      model.set(`key-${i}`, utf8(`value-${i}`));
      s.working().set(utf8(`key-${i}`), utf8(`value-${i}`));
    }
    await s.commit(1n);
    // 300 leaves and at least 299 inner nodes, PAGE_NODES to a page but the last
    const pages = await keysUnder(be, PREFIX.page);
    const counts = pages.map((k) => new DataView(be.get(k)!.buffer, be.get(k)!.byteOffset).getUint32(0));
    assert.ok(counts.slice(0, -1).every((c) => c === PAGE_NODES), String(counts));
    assert.ok(counts.reduce((a, b) => a + b, 0) >= 599);
    assert.ok(pages.length >= Math.ceil(599 / PAGE_NODES) && pages.length < 40, String(pages.length));
    assert.deepEqual((await keysUnder(be, PREFIX.node)).length, 0);
    // version 2 rewrites a few paths: its pages are keyed by version 2
    s.working().set(utf8("key-7"), utf8("seven"));
    s.working().delete(utf8("key-8"));
    await s.commit(2n);
    const v2 = (await keysUnder(be, PREFIX.page)).filter((k) => k[8] === 2);
    assert.ok(v2.length >= 1 && v2.length <= 2, `version 2 pages: ${v2.length}`);
    // a restarted store with a tiny node cache walks both versions through the pages
    const s2 = await createCommitStore(be, { cacheNodes: 2 });
    assert.deepEqual(s2.root, s.root);
    for (const [k, v] of model) assert.deepEqual(s2.getAt(utf8(k), 1n), v, k);
    assert.deepEqual(s2.getAt(utf8("key-7"), 2n), utf8("seven"));
    assert.equal(s2.getAt(utf8("key-8"), 2n), undefined);
    const p = s2.prove(utf8("key-42"), 2n);
    assert.equal(p.kind, "exist");
    assert.ok(verifyMembership(s2.root, p.proof, utf8("key-42"), utf8("value-42")));
    const np = s2.prove(utf8("key-8"), 2n);
    assert.ok(verifyNonMembership(s2.root, np.proof, utf8("key-8")));
    // and builds version 3 on the cold tree, equal to the warm store's
    s.working().set(utf8("key-1"), utf8("one"));
    s2.working().set(utf8("key-1"), utf8("one"));
    assert.deepEqual(toHex(await s2.commit(3n)), toHex(await s.commit(3n)));
  });

  it("a store written in the first format (nodes by hash) opens, proves and goes on in the page format", async () => {
    const kv = new Map<string, Bytes>();
    for (let i = 0; i < 100; i++) kv.set(`k${i}`, utf8(`v${i}`));
    const be = formatOneBackend(kv);
    const fresh = await createCommitStore(new MemoryBackend());
    for (const [k, v] of kv) fresh.working().set(utf8(k), v);
    await fresh.commit(1n);
    const s = await createCommitStore(be, { cacheNodes: 2 });
    assert.equal(s.version, 1n);
    assert.deepEqual(toHex(s.root), toHex(fresh.root));
    for (const [k, v] of kv) assert.deepEqual(s.getAt(utf8(k), 1n), v);
    // version 2 mixes new page nodes with untouched format 1 subtrees
    for (const st of [s, fresh]) {
      st.working().set(utf8("k3"), utf8("three"));
      st.working().set(utf8("new"), utf8("n"));
      st.working().delete(utf8("k50"));
    }
    assert.deepEqual(toHex(await s.commit(2n)), toHex(await fresh.commit(2n)));
    const s2 = await createCommitStore(be, { cacheNodes: 2 });
    for (const [k, v] of kv) {
      const want = k === "k3" ? utf8("three") : k === "k50" ? undefined : v;
      assert.deepEqual(s2.getAt(utf8(k), 2n), want, k);
      assert.deepEqual(s2.getAt(utf8(k), 1n), v, k);
    }
    const p = s2.prove(utf8("k10"), 2n);
    assert.ok(verifyMembership(s2.root, p.proof, utf8("k10"), utf8("v10")));
    assert.ok(verifyNonMembership(s2.root, s2.prove(utf8("k50"), 2n).proof, utf8("k50")));
  });

  it("a failed commit write leaves nothing stamped for the next try, at another version", async () => {
    const be = new MemoryBackend();
    const s = await createCommitStore(be);
    for (let i = 0; i < 50; i++) s.working().set(utf8(`a${i}`), utf8(`${i}`));
    await s.commit(1n);
    for (let i = 0; i < 50; i += 3) s.working().set(utf8(`a${i}`), utf8("x"));
    const want = s.workingRoot();
    const orig = be.write.bind(be);
    be.write = async () => {
      throw new Error("disk full");
    };
    await assert.rejects(s.commit(2n), /disk full/);
    be.write = orig;
    assert.deepEqual(toHex(await s.commit(3n)), toHex(want));
    const s2 = await createCommitStore(be, { cacheNodes: 2 });
    assert.equal(s2.version, 3n);
    for (let i = 0; i < 50; i++) assert.deepEqual(s2.getAt(utf8(`a${i}`), 3n), utf8(i % 3 === 0 ? "x" : `${i}`));
    assert.equal(s2.rootAt(2n), undefined);
  });

  it("page records: offsets index the records; a truncated page is an error", () => {
    const nodes = [makeLeaf(utf8("a"), utf8("1")), makeLeaf(utf8("bb"), utf8("22")), makeLeaf(utf8("c"), utf8(""))];
    const page = encodePage(nodes, 0, 3);
    for (let k = 0; k < 3; k++) assert.deepEqual(pageRecord(page, k), encodeNode(nodes[k]!));
    assert.equal(pageRecord(page, 3), undefined);
    assert.throws(() => pageRecord(page.subarray(0, page.length - 1), 2), /corrupt/);
    assert.throws(() => pageRecord(Uint8Array.of(0, 0), 0), /corrupt/);
  });
});
