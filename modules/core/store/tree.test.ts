import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Bytes } from "../abci.ts";
import { compare, concat, toHex, utf8 } from "../bytes.ts";
import { sha256 } from "../hash.ts";
import { rng } from "./testing/rng.ts";
import {
  applyBatch,
  bitAt,
  decodeNode,
  type DirtyEntry,
  EMPTY_HASH,
  encodeNode,
  innerHash,
  leafHash,
  lookup,
  makeLeaf,
  INNER_RECORD_LEN,
  NodeCache,
  neighbours,
  PENDING,
  type RootRef,
  sortEntries,
  stampVersion,
  type TreeNode,
} from "./tree.ts";

/** an independent from-scratch root of a key set (the definition of the tree's shape). */
function naiveRoot(kv: Map<string, Bytes>): Bytes {
  const leaves = [...kv].map(([k, v]) => ({ kh: sha256(utf8(k)), v }));
  leaves.sort((a, b) => compare(a.kh, b.kh));
  const rec = (ls: typeof leaves, depth: number): Bytes => {
    if (ls.length === 0) return EMPTY_HASH;
    if (ls.length === 1) return leafHash(ls[0]!.kh, ls[0]!.v);
    const l = ls.filter((x) => bitAt(x.kh, depth) === 0);
    const r = ls.filter((x) => bitAt(x.kh, depth) === 1);
    return innerHash(rec(l, depth + 1), rec(r, depth + 1));
  };
  return rec(leaves, 0);
}

/**
 * An in-memory node table around a NodeCache, persisting what each batch creates under its location
 * (version, index), as the store's pages do; a read checks that the location holds the named node.
 */
function memTree(capacity = 1000) {
  const table = new Map<string, { hash: Bytes; rec: Bytes }>();
  const nodes = new NodeCache((h, v, i) => {
    const e = table.get(`${v}/${i}`);
    if (e !== undefined) assert.equal(toHex(e.hash), toHex(h), `node at ${v}/${i}`);
    return e?.rec;
  }, capacity);
  let root: RootRef = { hash: EMPTY_HASH, v: 0, i: 0 };
  let version = 0;
  return {
    nodes,
    table,
    get root() {
      return root.hash;
    },
    get rootRef() {
      return root;
    },
    apply(entries: Array<[string, Bytes | null]>) {
      const es: DirtyEntry[] = entries.map(([k, v]) => ({ key: utf8(k), keyHash: sha256(utf8(k)), value: v }));
      const res = applyBatch(nodes, root, sortEntries(es));
      version++;
      stampVersion(res, version);
      res.created.forEach((n, k) => {
        assert.equal(n.v, version);
        assert.equal(n.i, k);
        table.set(`${n.v}/${n.i}`, { hash: n.hash, rec: encodeNode(n) });
      });
      root = { hash: res.root, v: res.rootV, i: res.rootI };
      return res;
    },
  };
}

describe("store/tree", () => {
  it("the empty tree is 32 zero bytes and a single key's root is its leaf hash", () => {
    const t = memTree();
    t.apply([]);
    assert.deepEqual(t.root, EMPTY_HASH);
    t.apply([["a", utf8("1")]]);
    assert.deepEqual(t.root, leafHash(sha256(utf8("a")), utf8("1")));
    t.apply([["a", null]]);
    assert.deepEqual(t.root, EMPTY_HASH);
  });

  it("encodes and decodes leaf and inner records", () => {
    const leaf = makeLeaf(utf8("key"), utf8("value"));
    const l2 = decodeNode(leaf.hash, encodeNode(leaf));
    assert.deepEqual({ ...l2 }, { ...leaf });
    const inner: TreeNode = {
      kind: 1,
      hash: innerHash(leaf.hash, EMPTY_HASH),
      left: leaf.hash,
      right: EMPTY_HASH,
      v: 9,
      i: 3,
      lv: 2 ** 40 + 5,
      li: 2 ** 32 - 1,
      rv: 0,
      ri: 0,
    };
    const rec = encodeNode(inner);
    assert.equal(rec.length, INNER_RECORD_LEN);
    assert.deepEqual(decodeNode(inner.hash, rec, 9, 3), inner);
    // format 1 inner records (0x01 ‖ left ‖ right) still decode, their children stored by hash
    const v1 = decodeNode(inner.hash, concat(Uint8Array.of(1), leaf.hash, EMPTY_HASH));
    assert.deepEqual({ ...v1 }, { ...inner, v: 0, i: 0, lv: 0, li: 0 });
    assert.throws(() => decodeNode(inner.hash, Uint8Array.of(7, 1, 2)));
    // a pending child location cannot be written
    assert.throws(() => encodeNode({ ...inner, lv: PENDING }), /pending/);
  });

  it("batched updates equal the from-scratch root over random put/delete blocks (seed 7)", () => {
    const r = rng(7);
    const t = memTree(64); // small cache: most loads go to the table
    const model = new Map<string, Bytes>();
    for (let block = 0; block < 40; block++) {
      const batch = new Map<string, Bytes | null>();
      const n = 1 + r.int(block < 5 ? 60 : 25);
      for (let i = 0; i < n; i++) {
        const k = `k${r.int(300)}`;
        const v = r.int(4) === 0 ? null : r.bytes(1 + r.int(20));
        batch.set(k, v);
      }
      for (const [k, v] of batch) {
        if (v === null) model.delete(k);
        else model.set(k, v);
      }
      t.apply([...batch]);
      assert.deepEqual(toHex(t.root), toHex(naiveRoot(model)), `block ${block}`);
    }
    for (const [k, v] of model) assert.deepEqual(lookup(t.nodes, t.rootRef, sha256(utf8(k)))?.value, v, k);
    assert.equal(lookup(t.nodes, t.rootRef, sha256(utf8("absent"))), undefined);
  });

  it("a batch's replaced hashes are the old tree's nodes that left the tree (what the store's cache drops)", () => {
    const r = rng(11);
    const t = memTree(64);
    const reachable = (root: Bytes): Set<string> => {
      const out = new Set<string>();
      const rec = (h: Bytes): void => {
        if (h.every((b) => b === 0)) return;
        out.add(toHex(h));
        const n = t.nodes.get(h, loc.get(toHex(h))![0], loc.get(toHex(h))![1]);
        if (n.kind === 1) {
          loc.set(toHex(n.left), [n.lv, n.li]);
          loc.set(toHex(n.right), [n.rv, n.ri]);
          rec(n.left);
          rec(n.right);
        }
      };
      const loc = new Map<string, [number, number]>([[toHex(root), [t.rootRef.v, t.rootRef.i]]]);
      rec(root);
      return out;
    };
    for (let block = 0; block < 30; block++) {
      const before = reachable(t.root);
      const batch = new Map<string, Bytes | null>();
      const n = 1 + r.int(block < 3 ? 80 : 20);
      for (let i = 0; i < n; i++) batch.set(`k${r.int(200)}`, r.int(4) === 0 ? null : r.bytes(1 + r.int(8)));
      // some unchanged rewrites and deletes of absent keys too
      if (block > 0) batch.set("zz-absent", null);
      const res = t.apply([...batch]);
      const after = reachable(t.root);
      const created = new Set(res.created.map((c) => toHex(c.hash)));
      const gone = [...before].filter((h) => !after.has(h)).sort();
      // a node rebuilt identical is replaced and created again: the store evicts, then adds it back
      const dropped = [...new Set(res.replaced.map(toHex))].filter((h) => !created.has(h)).sort();
      assert.deepEqual(dropped, gone, `block ${block}`);
      for (const h of res.replaced) assert.ok(before.has(toHex(h)), `block ${block}: replaced a node of the old tree`);
    }
  });

  it("deleting everything collapses back to the empty root; re-adding gives the same root", () => {
    const t = memTree();
    const keys = Array.from({ length: 50 }, (_, i) => `x${i}`);
    t.apply(keys.map((k) => [k, utf8(k)]));
    const full = t.root;
    t.apply(keys.slice(0, 49).map((k) => [k, null]));
    assert.deepEqual(t.root, leafHash(sha256(utf8("x49")), utf8("x49")), "one left: root is its leaf");
    t.apply(keys.slice(0, 49).map((k) => [k, utf8(k)]));
    assert.deepEqual(t.root, full);
  });

  it("the root does not depend on how writes are split into batches or ordered", () => {
    const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
    const a = memTree();
    a.apply(keys.map((k) => [k, utf8(`v${k}`)]));
    const b = memTree();
    for (let i = keys.length - 1; i >= 0; i -= 7) b.apply(keys.slice(Math.max(0, i - 6), i + 1).reverse().map((k) => [k, utf8(`v${k}`)]));
    assert.deepEqual(a.root, b.root);
  });

  it("an unchanged write rebuilds the same root and no-op deletes change nothing", () => {
    const t = memTree();
    t.apply([["a", utf8("1")], ["b", utf8("2")], ["c", utf8("3")]]);
    const root = t.root;
    t.apply([["b", utf8("2")]]);
    assert.deepEqual(t.root, root);
    t.apply([["zz", null]]);
    assert.deepEqual(t.root, root);
  });

  it("neighbours are the predecessor and successor in key-hash order", () => {
    const t = memTree();
    const keys = Array.from({ length: 64 }, (_, i) => `n${i}`);
    t.apply(keys.map((k) => [k, utf8(k)]));
    const sorted = keys.map((k) => ({ k, kh: sha256(utf8(k)) })).sort((x, y) => compare(x.kh, y.kh));
    for (let i = 0; i < 40; i++) {
      const probe = `absent${i}`;
      const kh = sha256(utf8(probe));
      const below = sorted.filter((s) => compare(s.kh, kh) < 0).at(-1);
      const above = sorted.find((s) => compare(s.kh, kh) > 0);
      const nb = neighbours(t.nodes, t.rootRef, kh);
      assert.equal(nb.left === undefined ? undefined : toHex(nb.left.key), below && toHex(utf8(below.k)), probe);
      assert.equal(nb.right === undefined ? undefined : toHex(nb.right.key), above && toHex(utf8(above.k)), probe);
    }
  });
});
