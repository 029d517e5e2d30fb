/**
 * A binary sparse Merkle tree over path = sha256(key) (256 bits), in the shape that ICS-23's SmtSpec
 * verifies (the celestia/lazyledger SMT layout):
 *
 *   leaf hash  = sha256(0x00 || sha256(key) || sha256(value))
 *   inner hash = sha256(0x01 || left || right)
 *   empty      = 32 zero bytes
 *
 * A subtree holding exactly one leaf is represented by that leaf (placed at the shallowest depth where
 * its path prefix is unique); a subtree holding two or more leaves is an inner node, even when one side
 * is empty. The shape therefore depends only on the set of keys (history independent), so the root
 * is the same whatever order the writes came in.
 *
 * Nodes are immutable and content-addressed: a parent names its children by hash, which is what the
 * Merkle root commits to. Every node also has a storage location (`v`, `i`): the version that
 * created it and its index among that version's new nodes, so a store can keep a version's nodes
 * together (commitStore.ts packs them into pages) instead of one record per node. An inner record
 * carries its children's locations beside their hashes, so a walk from a version's root finds every
 * node without a hash index. Location 0 is a node stored by hash alone (the first store format).
 * Every committed version stays readable from its root. Updates are batched: `applyBatch` takes the
 * dirty entries sorted by key hash and rebuilds only the affected paths, hashing each new node once.
 */
import type { Bytes } from "../abci.ts";
import { compare, toHex } from "../bytes.ts";
import { sha256 } from "../hash.ts";

export const HASH_LEN = 32;
export const EMPTY_HASH: Bytes = new Uint8Array(HASH_LEN);
export const LEAF_PREFIX = 0x00;
export const INNER_PREFIX = 0x01;
/** an inner record with its children's locations (format 2): 0x02 ‖ left ‖ right ‖ lv ‖ li ‖ rv ‖ ri. */
export const INNER_LOC_PREFIX = 0x02;

/**
 * Storage locations: `v` ≥ 1 is the version that created the node and `i` its index among that
 * version's new nodes; `v` = 0 is a node stored under its hash (format 1, no location); `v` =
 * PENDING is a node of the batch being built, whose version is known only at commit.
 */
export const LOC_BY_HASH = 0;
export const PENDING = -1;

export type LeafNode = { kind: 0; hash: Bytes; keyHash: Bytes; key: Bytes; value: Bytes; v: number; i: number };
export type InnerNode = {
  kind: 1;
  hash: Bytes;
  left: Bytes;
  right: Bytes;
  v: number;
  i: number;
  /** the left child's location */
  lv: number;
  li: number;
  /** the right child's location */
  rv: number;
  ri: number;
};
export type TreeNode = LeafNode | InnerNode;
/** a stored subtree a batch leaves untouched, known by its parent's pointer (hash and location). */
export type NodeRef = { kind: 2; hash: Bytes; v: number; i: number };

/** a dirty entry of a batch: value null deletes the key. */
export type DirtyEntry = { keyHash: Bytes; key: Bytes; value: Bytes | null };

export function isEmptyHash(h: Bytes): boolean {
  if (h === EMPTY_HASH) return true;
  for (let i = 0; i < HASH_LEN; i++) if (h[i] !== 0) return false;
  return true;
}

/** bit `depth` (0 = most significant bit of byte 0) of a path. */
export function bitAt(path: Bytes, depth: number): number {
  return ((path[depth >> 3] as number) >> (7 - (depth & 7))) & 1;
}

const scratch = new Uint8Array(1 + 2 * HASH_LEN);

export function leafHash(keyHash: Bytes, value: Bytes): Bytes {
  const vh = sha256(value);
  scratch[0] = LEAF_PREFIX;
  scratch.set(keyHash, 1);
  scratch.set(vh, 1 + HASH_LEN);
  return sha256(scratch);
}

export function innerHash(left: Bytes, right: Bytes): Bytes {
  scratch[0] = INNER_PREFIX;
  scratch.set(left, 1);
  scratch.set(right, 1 + HASH_LEN);
  return sha256(scratch);
}

export function makeLeaf(key: Bytes, value: Bytes, keyHash: Bytes = sha256(key)): LeafNode {
  return { kind: 0, hash: leafHash(keyHash, value), keyHash, key, value, v: LOC_BY_HASH, i: 0 };
}

// ---- node records ------------------------------------------------------------------------------
// inner (format 1): 0x01 || left(32) || right(32)                       (read only)
// inner (format 2): 0x02 || left(32) || right(32) || lv(u64 BE) || li(u32 BE) || rv(u64 BE) || ri(u32 BE)
// leaf:             0x00 || keyHash(32) || keyLen (u32 BE) || key || value

export const INNER_RECORD_V1_LEN = 1 + 2 * HASH_LEN;
export const INNER_RECORD_LEN = 1 + 2 * HASH_LEN + 2 * 12;

/** bytes of a node's record. */
export function recordLength(n: TreeNode): number {
  return n.kind === 1 ? INNER_RECORD_LEN : 1 + HASH_LEN + 4 + n.key.length + n.value.length;
}

function putU64(out: Uint8Array, o: number, x: number): void {
  const hi = Math.floor(x / 0x1_0000_0000);
  const lo = x >>> 0;
  out[o] = hi >>> 24;
  out[o + 1] = hi >>> 16;
  out[o + 2] = hi >>> 8;
  out[o + 3] = hi;
  out[o + 4] = lo >>> 24;
  out[o + 5] = lo >>> 16;
  out[o + 6] = lo >>> 8;
  out[o + 7] = lo;
}

function getU32(b: Uint8Array, o: number): number {
  return (((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number)) >>> 0;
}

function getU64(b: Uint8Array, o: number): number {
  const x = getU32(b, o) * 0x1_0000_0000 + getU32(b, o + 4);
  if (!Number.isSafeInteger(x)) throw new Error("smt: node location out of range");
  return x;
}

/**
 * Writes a node's record at `out[o..]` and returns the offset after it. Locations must be final
 * (no PENDING): the store stamps a batch's nodes with their version before it encodes them.
 */
export function encodeNodeInto(out: Uint8Array, o: number, n: TreeNode): number {
  if (n.kind === 1) {
    if (n.lv < 0 || n.rv < 0) throw new Error("smt: encoding a node with a pending child location");
    out[o] = INNER_LOC_PREFIX;
    out.set(n.left, o + 1);
    out.set(n.right, o + 1 + HASH_LEN);
    let p = o + 1 + 2 * HASH_LEN;
    putU64(out, p, n.lv);
    putU32(out, p + 8, n.li);
    p += 12;
    putU64(out, p, n.rv);
    putU32(out, p + 8, n.ri);
    return p + 12;
  }
  out[o] = LEAF_PREFIX;
  out.set(n.keyHash, o + 1);
  putU32(out, o + 1 + HASH_LEN, n.key.length);
  const k0 = o + 1 + HASH_LEN + 4;
  out.set(n.key, k0);
  out.set(n.value, k0 + n.key.length);
  return k0 + n.key.length + n.value.length;
}

function putU32(out: Uint8Array, o: number, x: number): void {
  out[o] = x >>> 24;
  out[o + 1] = x >>> 16;
  out[o + 2] = x >>> 8;
  out[o + 3] = x;
}

export function encodeNode(n: TreeNode): Bytes {
  const out = new Uint8Array(recordLength(n));
  encodeNodeInto(out, 0, n);
  return out;
}

/** decodes a node record; `v`, `i` are the location it was read from. */
export function decodeNode(hash: Bytes, rec: Bytes, v: number = LOC_BY_HASH, i = 0): TreeNode {
  if (rec[0] === INNER_LOC_PREFIX && rec.length === INNER_RECORD_LEN) {
    const p = 1 + 2 * HASH_LEN;
    return {
      kind: 1,
      hash,
      left: rec.subarray(1, 1 + HASH_LEN),
      right: rec.subarray(1 + HASH_LEN, p),
      v,
      i,
      lv: getU64(rec, p),
      li: getU32(rec, p + 8),
      rv: getU64(rec, p + 12),
      ri: getU32(rec, p + 20),
    };
  }
  if (rec[0] === INNER_PREFIX && rec.length === INNER_RECORD_V1_LEN) {
    // format 1: children are stored by hash
    return {
      kind: 1,
      hash,
      left: rec.subarray(1, 1 + HASH_LEN),
      right: rec.subarray(1 + HASH_LEN),
      v,
      i,
      lv: LOC_BY_HASH,
      li: 0,
      rv: LOC_BY_HASH,
      ri: 0,
    };
  }
  if (rec[0] === LEAF_PREFIX && rec.length >= 1 + HASH_LEN + 4) {
    const keyLen = getU32(rec, 1 + HASH_LEN);
    const k0 = 1 + HASH_LEN + 4;
    if (k0 + keyLen <= rec.length) {
      return {
        kind: 0,
        hash,
        keyHash: rec.subarray(1, 1 + HASH_LEN),
        key: rec.subarray(k0, k0 + keyLen),
        value: rec.subarray(k0 + keyLen),
        v,
        i,
      };
    }
  }
  throw new Error("smt: corrupt node record");
}

// ---- node store --------------------------------------------------------------------------------

/**
 * Loads nodes through a bounded in-memory cache (two generations: a hit in the old
 * generation is promoted; when the young one fills, the old one is dropped; an approximate LRU
 * with O(1) work per access). Upper levels of the tree are touched by every batch and stay hot.
 * The cache is keyed by the first 31 bits of the hash (a small integer, cheap to hash) and every hit
 * is checked against the full hash, so a collision is only a miss.
 */
export class NodeCache {
  private young = new Map<number, TreeNode>();
  private old = new Map<number, TreeNode>();
  private readonly half: number;
  private readonly read: (hash: Bytes, v: number, i: number) => Bytes | undefined;
  /** reads that went to the backend. */
  loads = 0;

  /**
   * `read` returns the stored record of the node with this hash at location (`v`, `i`) (undefined
   * when missing); `v` = 0 means by hash alone.
   */
  constructor(read: (hash: Bytes, v: number, i: number) => Bytes | undefined, capacity: number) {
    this.read = read;
    this.half = Math.max(1, Math.floor(capacity / 2));
  }

  /** the node with this hash, stored at (`v`, `i`): the location its parent (or root record) gives. */
  get(hash: Bytes, v: number, i: number): TreeNode {
    const k = cacheKey(hash);
    let n = this.young.get(k);
    if (n !== undefined && sameHash(n.hash, hash)) return n;
    n = this.old.get(k);
    if (n === undefined || !sameHash(n.hash, hash)) {
      if (v < 0) throw new Error(`smt: node ${toHex(hash)} has a pending location`);
      const rec = this.read(hash, v, i);
      if (rec === undefined) throw new Error(`smt: missing node ${toHex(hash)} (at ${v}/${i})`);
      this.loads++;
      n = decodeNode(hash, rec, v, i);
    }
    this.insert(k, n);
    return n;
  }

  add(n: TreeNode): void {
    this.insert(cacheKey(n.hash), n);
  }

  /** forgets a node (one that left the latest tree): a later get reads it from the backend again. */
  evict(hash: Bytes): void {
    const k = cacheKey(hash);
    const y = this.young.get(k);
    if (y !== undefined && sameHash(y.hash, hash)) this.young.delete(k);
    const o = this.old.get(k);
    if (o !== undefined && sameHash(o.hash, hash)) this.old.delete(k);
  }

  private insert(k: number, n: TreeNode): void {
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(k, n);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }
}

function cacheKey(h: Bytes): number {
  return (((h[0] as number) & 0x7f) << 24) | ((h[1] as number) << 16) | ((h[2] as number) << 8) | (h[3] as number);
}

function sameHash(a: Bytes, b: Bytes): boolean {
  if (a === b) return true;
  for (let i = 0; i < HASH_LEN; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---- batch update ------------------------------------------------------------------------------

/** a subtree result: null = empty, a NodeRef = an existing subtree kept whole, or a node. */
type Sub = TreeNode | NodeRef | null;

/** `update`'s answer for a subtree no dirty entry reaches: the caller knows its pointer. */
const UNTOUCHED: { kind: 3 } = { kind: 3 };

/** where the tree of a version starts: its root hash and the root node's location. */
export interface RootRef {
  hash: Bytes;
  v: number;
  i: number;
}

export const EMPTY_ROOT_REF: RootRef = { hash: EMPTY_HASH, v: LOC_BY_HASH, i: 0 };

export interface BatchResult {
  root: Bytes;
  /** the new root's location (PENDING when this batch created it). */
  rootV: number;
  rootI: number;
  /** nodes created by this batch (to persist), in creation order: created[k].i === k. */
  created: TreeNode[];
  /**
   * hashes of the old tree's nodes this batch replaced: inner nodes on a changed path and leaves
   * rewritten or deleted. They stay stored (old versions remain readable) but leave the latest tree,
   * which is what the next batches walk, so the store drops them from its node cache at commit.
   */
  replaced: Bytes[];
}

export function sortEntries(entries: DirtyEntry[]): DirtyEntry[] {
  return entries.sort((a, b) => compare(a.keyHash, b.keyHash));
}

/**
 * Applies dirty entries (sorted by keyHash, unique keys) to the tree at `root` and returns the new
 * root with the nodes it created. Only nodes on paths to dirty keys are loaded and rehashed. New
 * nodes have location (PENDING, k); `stampVersion` gives them their version at commit.
 */
export function applyBatch(nodes: NodeCache, root: RootRef | Bytes, entries: readonly DirtyEntry[]): BatchResult {
  const r: RootRef = root instanceof Uint8Array ? { hash: root, v: LOC_BY_HASH, i: 0 } : root;
  const b = new BatchBuilder(nodes, entries);
  const res = b.update(r.hash, r.v, r.i, 0, 0, entries.length);
  if (res !== null && res.kind === 3) return { root: r.hash, rootV: r.v, rootI: r.i, created: b.created, replaced: b.replaced };
  if (res === null) return { root: EMPTY_HASH, rootV: LOC_BY_HASH, rootI: 0, created: b.created, replaced: b.replaced };
  return { root: res.hash, rootV: res.v, rootI: res.i, created: b.created, replaced: b.replaced };
}

/**
 * Gives a batch's new nodes (and the child pointers between them) their version. Call once, when
 * the version is known and before the nodes are encoded or cached.
 */
export function stampVersion(res: BatchResult, version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) throw new Error(`smt: bad version ${version}`);
  const created = res.created;
  for (let k = 0; k < created.length; k++) {
    const n = created[k] as TreeNode;
    if (n.v === PENDING) n.v = version;
    if (n.kind === 1) {
      if (n.lv === PENDING) n.lv = version;
      if (n.rv === PENDING) n.rv = version;
    }
  }
  if (res.rootV === PENDING) res.rootV = version;
}

/**
 * One batch update's state and steps. Methods of a class, not closures made per call: each block's
 * batch built fresh closures, and V8 kept re-optimizing them on its background threads block after
 * block (join, update, leafOf, split, hashOf: ~100 ms of TurboFan work per 20 blocks in gcPipe).
 */
class BatchBuilder {
  private readonly nodes: NodeCache;
  private readonly entries: readonly DirtyEntry[];
  /** puts[i] = number of puts among entries[0..i) */
  private readonly puts: Uint32Array;
  readonly created: TreeNode[] = [];
  readonly replaced: Bytes[] = [];

  constructor(nodes: NodeCache, entries: readonly DirtyEntry[]) {
    this.nodes = nodes;
    this.entries = entries;
    const puts = new Uint32Array(entries.length + 1);
    for (let i = 0; i < entries.length; i++) puts[i + 1] = (puts[i] as number) + (entries[i]!.value === null ? 0 : 1);
    this.puts = puts;
  }

  private isLeaf(s: Sub): boolean {
    if (s === null) return false;
    if (s.kind === 2) return this.nodes.get(s.hash, s.v, s.i).kind === 0;
    return s.kind === 0;
  }

  /** first index in [lo, hi) whose key hash has bit `depth` set (entries share the prefix above). */
  private split(lo: number, hi: number, depth: number): number {
    const entries = this.entries;
    let a = lo;
    let b = hi;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (bitAt(entries[m]!.keyHash, depth) === 0) a = m + 1;
      else b = m;
    }
    return a;
  }

  private join(l: Sub, r: Sub): Sub {
    if (l === null && r === null) return null;
    if (l === null && this.isLeaf(r)) return r;
    if (r === null && this.isLeaf(l)) return l;
    const left = l === null ? EMPTY_HASH : l.hash;
    const right = r === null ? EMPTY_HASH : r.hash;
    const n: InnerNode = {
      kind: 1,
      hash: innerHash(left, right),
      left,
      right,
      v: PENDING,
      i: this.created.length,
      lv: l === null ? LOC_BY_HASH : l.v,
      li: l === null ? 0 : l.i,
      rv: r === null ? LOC_BY_HASH : r.v,
      ri: r === null ? 0 : r.i,
    };
    this.created.push(n);
    return n;
  }

  private leafOf(e: DirtyEntry): LeafNode {
    const n: LeafNode = {
      kind: 0,
      hash: leafHash(e.keyHash, e.value as Bytes),
      keyHash: e.keyHash,
      key: e.key,
      value: e.value as Bytes,
      v: PENDING,
      i: this.created.length,
    };
    this.created.push(n);
    return n;
  }

  /** canonical subtree of the puts in [lo, hi) plus `extra` (an existing leaf not overridden). */
  private build(depth: number, lo: number, hi: number, extra: LeafNode | null): Sub {
    const n = (this.puts[hi] as number) - (this.puts[lo] as number) + (extra === null ? 0 : 1);
    if (n === 0) return null;
    if (n === 1) {
      if (extra !== null) return extra;
      for (let i = lo; i < hi; i++) if (this.entries[i]!.value !== null) return this.leafOf(this.entries[i]!);
      throw new Error("smt: unreachable");
    }
    if (depth >= 256) throw new Error("smt: key hash collision");
    const mid = this.split(lo, hi, depth);
    let xl: LeafNode | null = null;
    let xr: LeafNode | null = null;
    if (extra !== null) {
      if (bitAt(extra.keyHash, depth) === 0) xl = extra;
      else xr = extra;
    }
    return this.join(this.build(depth + 1, lo, mid, xl), this.build(depth + 1, mid, hi, xr));
  }

  private findKey(lo: number, hi: number, kh: Bytes): boolean {
    const entries = this.entries;
    let a = lo;
    let b = hi;
    while (a < b) {
      const m = (a + b) >>> 1;
      const c = compare(entries[m]!.keyHash, kh);
      if (c === 0) return true;
      if (c < 0) a = m + 1;
      else b = m;
    }
    return false;
  }

  /** the subtree at (hash, v, i) with entries [lo, hi) applied; UNTOUCHED when none reach it. */
  update(hash: Bytes, v: number, i: number, depth: number, lo: number, hi: number): Sub | typeof UNTOUCHED {
    if (lo === hi) return isEmptyHash(hash) ? null : UNTOUCHED;
    if (isEmptyHash(hash)) return this.build(depth, lo, hi, null);
    const node = this.nodes.get(hash, v, i);
    if (node.kind === 0) {
      // a leaf not overridden moves down (or stays) with its hash; an overridden one leaves the tree
      if (!this.findKey(lo, hi, node.keyHash)) return this.build(depth, lo, hi, node);
      this.replaced.push(hash);
      return this.build(depth, lo, hi, null);
    }
    const mid = this.split(lo, hi, depth);
    const l = this.update(node.left, node.lv, node.li, depth + 1, lo, mid);
    const r = this.update(node.right, node.rv, node.ri, depth + 1, mid, hi);
    // lo < hi, so at least one side was reached
    this.replaced.push(hash);
    return this.join(
      l !== null && l.kind === 3 ? { kind: 2, hash: node.left, v: node.lv, i: node.li } : l,
      r !== null && r.kind === 3 ? { kind: 2, hash: node.right, v: node.rv, i: node.ri } : r,
    );
  }
}

// ---- reads and proof paths ---------------------------------------------------------------------

export interface PathWalk {
  /** sibling hashes from the root down (siblings[d] is the sibling at depth d). */
  siblings: Bytes[];
  /** the node where the walk ended: a leaf (maybe of another key) or null (empty subtree). */
  terminal: LeafNode | null;
}

/** the root node of the tree at `root` (null when empty). */
function rootNode(nodes: NodeCache, root: RootRef | Bytes): TreeNode | null {
  if (root instanceof Uint8Array) return isEmptyHash(root) ? null : nodes.get(root, LOC_BY_HASH, 0);
  return isEmptyHash(root.hash) ? null : nodes.get(root.hash, root.v, root.i);
}

/** the child of `n` on `side` (0 left, 1 right), through the pointer `n` holds; null when empty. */
export function childOf(nodes: NodeCache, n: InnerNode, side: number): TreeNode | null {
  if (side === 0) return isEmptyHash(n.left) ? null : nodes.get(n.left, n.lv, n.li);
  return isEmptyHash(n.right) ? null : nodes.get(n.right, n.rv, n.ri);
}

/** walks from `root` along `keyHash` until a leaf or an empty subtree. */
export function walk(nodes: NodeCache, root: RootRef | Bytes, keyHash: Bytes): PathWalk {
  const siblings: Bytes[] = [];
  let n = rootNode(nodes, root);
  for (let depth = 0; ; depth++) {
    if (n === null) return { siblings, terminal: null };
    if (n.kind === 0) return { siblings, terminal: n };
    const bit = bitAt(keyHash, depth);
    siblings.push(bit === 0 ? n.right : n.left);
    n = childOf(nodes, n, bit);
  }
}

/** the value of the key with this key hash in the tree at `root`. */
export function lookup(nodes: NodeCache, root: RootRef | Bytes, keyHash: Bytes): LeafNode | undefined {
  let n = rootNode(nodes, root);
  for (let depth = 0; ; depth++) {
    if (n === null) return undefined;
    if (n.kind === 0) return compare(n.keyHash, keyHash) === 0 ? n : undefined;
    n = childOf(nodes, n, bitAt(keyHash, depth));
  }
}

/** the leaf with the greatest (dir 1) or smallest (dir 0) key hash in the (non-empty) subtree `n`. */
function extreme(nodes: NodeCache, n: TreeNode, dir: 0 | 1): LeafNode {
  for (;;) {
    if (n.kind === 0) return n;
    // an inner node has two or more leaves below it: when the preferred side is empty, the other is not
    n = (childOf(nodes, n, dir) ?? childOf(nodes, n, 1 - dir)) as TreeNode;
  }
}

/**
 * The neighbours of an absent key hash in key-hash order: the leaf with the greatest key hash below
 * it and the one with the smallest above it (either may be missing at the edges).
 */
export function neighbours(
  nodes: NodeCache,
  root: RootRef | Bytes,
  keyHash: Bytes,
): { left: LeafNode | undefined; right: LeafNode | undefined } {
  const stack: InnerNode[] = [];
  let n = rootNode(nodes, root);
  let terminal: LeafNode | null = null;
  for (let depth = 0; n !== null; depth++) {
    if (n.kind === 0) {
      terminal = n;
      break;
    }
    stack.push(n);
    n = childOf(nodes, n, bitAt(keyHash, depth));
  }
  let left: LeafNode | undefined;
  let right: LeafNode | undefined;
  if (terminal !== null) {
    const c = compare(terminal.keyHash, keyHash);
    if (c === 0) throw new Error("smt: neighbours of a present key");
    if (c < 0) left = terminal;
    else right = terminal;
  }
  for (let depth = stack.length - 1; depth >= 0 && (left === undefined || right === undefined); depth--) {
    const n = stack[depth] as InnerNode;
    if (bitAt(keyHash, depth) === 1) {
      if (left === undefined && !isEmptyHash(n.left)) left = extreme(nodes, childOf(nodes, n, 0) as TreeNode, 1);
    } else if (right === undefined && !isEmptyHash(n.right)) {
      right = extreme(nodes, childOf(nodes, n, 1) as TreeNode, 0);
    }
  }
  return { left, right };
}
