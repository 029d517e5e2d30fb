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
 * Nodes are immutable and content-addressed (stored under their hash), so every committed version
 * stays readable from its root. Updates are batched: `applyBatch` takes the dirty entries sorted by
 * key hash and rebuilds only the affected paths, hashing each new node once.
 */
import type { Bytes } from "../abci.ts";
import { compare, toHex } from "../bytes.ts";
import { sha256 } from "../hash.ts";

export const HASH_LEN = 32;
export const EMPTY_HASH: Bytes = new Uint8Array(HASH_LEN);
export const LEAF_PREFIX = 0x00;
export const INNER_PREFIX = 0x01;

export type LeafNode = { kind: 0; hash: Bytes; keyHash: Bytes; key: Bytes; value: Bytes };
export type InnerNode = { kind: 1; hash: Bytes; left: Bytes; right: Bytes };
export type TreeNode = LeafNode | InnerNode;

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
  return { kind: 0, hash: leafHash(keyHash, value), keyHash, key, value };
}

// ---- node records ------------------------------------------------------------------------------
// inner: 0x01 || left(32) || right(32)
// leaf:  0x00 || keyHash(32) || keyLen (u32 BE) || key || value

export const INNER_RECORD_LEN = 1 + 2 * HASH_LEN;

export function encodeInnerInto(out: Uint8Array, n: InnerNode): void {
  out[0] = INNER_PREFIX;
  out.set(n.left, 1);
  out.set(n.right, 1 + HASH_LEN);
}

export function encodeNode(n: TreeNode): Bytes {
  if (n.kind === 1) {
    const out = new Uint8Array(INNER_RECORD_LEN);
    encodeInnerInto(out, n);
    return out;
  }
  const out = new Uint8Array(1 + HASH_LEN + 4 + n.key.length + n.value.length);
  out[0] = LEAF_PREFIX;
  out.set(n.keyHash, 1);
  new DataView(out.buffer).setUint32(1 + HASH_LEN, n.key.length);
  out.set(n.key, 1 + HASH_LEN + 4);
  out.set(n.value, 1 + HASH_LEN + 4 + n.key.length);
  return out;
}

export function decodeNode(hash: Bytes, rec: Bytes): TreeNode {
  if (rec[0] === INNER_PREFIX && rec.length === 1 + 2 * HASH_LEN) {
    return { kind: 1, hash, left: rec.subarray(1, 1 + HASH_LEN), right: rec.subarray(1 + HASH_LEN) };
  }
  if (rec[0] === LEAF_PREFIX && rec.length >= 1 + HASH_LEN + 4) {
    const keyLen = new DataView(rec.buffer, rec.byteOffset, rec.byteLength).getUint32(1 + HASH_LEN);
    const k0 = 1 + HASH_LEN + 4;
    if (k0 + keyLen <= rec.length) {
      return {
        kind: 0,
        hash,
        keyHash: rec.subarray(1, 1 + HASH_LEN),
        key: rec.subarray(k0, k0 + keyLen),
        value: rec.subarray(k0 + keyLen),
      };
    }
  }
  throw new Error("smt: corrupt node record");
}

// ---- node store --------------------------------------------------------------------------------

/**
 * Loads nodes by hash through a bounded in-memory cache (two generations: a hit in the old
 * generation is promoted; when the young one fills, the old one is dropped; an approximate LRU
 * with O(1) work per access). Upper levels of the tree are touched by every batch and stay hot.
 * The cache is keyed by the first 31 bits of the hash (a small integer, cheap to hash) and every hit
 * is checked against the full hash, so a collision is only a miss.
 */
export class NodeCache {
  private young = new Map<number, TreeNode>();
  private old = new Map<number, TreeNode>();
  private readonly half: number;
  private readonly read: (hash: Bytes) => Bytes | undefined;
  /** reads that went to the backend. */
  loads = 0;

  /** `read` returns the stored record of a node (undefined when missing). */
  constructor(read: (hash: Bytes) => Bytes | undefined, capacity: number) {
    this.read = read;
    this.half = Math.max(1, Math.floor(capacity / 2));
  }

  get(hash: Bytes): TreeNode {
    const k = cacheKey(hash);
    let n = this.young.get(k);
    if (n !== undefined && sameHash(n.hash, hash)) return n;
    n = this.old.get(k);
    if (n === undefined || !sameHash(n.hash, hash)) {
      const rec = this.read(hash);
      if (rec === undefined) throw new Error(`smt: missing node ${toHex(hash)}`);
      this.loads++;
      n = decodeNode(hash, rec);
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

/** a subtree result: null = empty, Bytes = an untouched existing subtree (by hash), or a node. */
type Sub = TreeNode | Bytes | null;

export interface BatchResult {
  root: Bytes;
  /** nodes created by this batch (to persist), in creation order. */
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
 * Applies dirty entries (sorted by keyHash, unique keys) to the tree rooted at `root` and returns the
 * new root with the nodes it created. Only nodes on paths to dirty keys are loaded and rehashed.
 */
export function applyBatch(nodes: NodeCache, root: Bytes, entries: readonly DirtyEntry[]): BatchResult {
  const b = new BatchBuilder(nodes, entries);
  const res = b.update(root, 0, 0, entries.length);
  return { root: hashOf(res), created: b.created, replaced: b.replaced };
}

function hashOf(s: Sub): Bytes {
  return s === null ? EMPTY_HASH : s instanceof Uint8Array ? s : s.hash;
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
    return s === null ? false : s instanceof Uint8Array ? this.nodes.get(s).kind === 0 : s.kind === 0;
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
    const left = hashOf(l);
    const right = hashOf(r);
    const n: InnerNode = { kind: 1, hash: innerHash(left, right), left, right };
    this.created.push(n);
    return n;
  }

  private leafOf(e: DirtyEntry): LeafNode {
    const n: LeafNode = { kind: 0, hash: leafHash(e.keyHash, e.value as Bytes), keyHash: e.keyHash, key: e.key, value: e.value as Bytes };
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

  update(hash: Bytes, depth: number, lo: number, hi: number): Sub {
    if (lo === hi) return isEmptyHash(hash) ? null : hash;
    if (isEmptyHash(hash)) return this.build(depth, lo, hi, null);
    const node = this.nodes.get(hash);
    if (node.kind === 0) {
      // a leaf not overridden moves down (or stays) with its hash; an overridden one leaves the tree
      if (!this.findKey(lo, hi, node.keyHash)) return this.build(depth, lo, hi, node);
      this.replaced.push(hash);
      return this.build(depth, lo, hi, null);
    }
    const mid = this.split(lo, hi, depth);
    const l = this.update(node.left, depth + 1, lo, mid);
    const r = this.update(node.right, depth + 1, mid, hi);
    if (l === node.left && r === node.right) return hash;
    this.replaced.push(hash);
    return this.join(l, r);
  }
}

// ---- reads and proof paths ---------------------------------------------------------------------

export interface PathWalk {
  /** sibling hashes from the root down (siblings[d] is the sibling at depth d). */
  siblings: Bytes[];
  /** the node where the walk ended: a leaf (maybe of another key) or null (empty subtree). */
  terminal: LeafNode | null;
}

/** walks from `root` along `keyHash` until a leaf or an empty subtree. */
export function walk(nodes: NodeCache, root: Bytes, keyHash: Bytes): PathWalk {
  const siblings: Bytes[] = [];
  let h = root;
  for (let depth = 0; ; depth++) {
    if (isEmptyHash(h)) return { siblings, terminal: null };
    const n = nodes.get(h);
    if (n.kind === 0) return { siblings, terminal: n };
    if (bitAt(keyHash, depth) === 0) {
      siblings.push(n.right);
      h = n.left;
    } else {
      siblings.push(n.left);
      h = n.right;
    }
  }
}

/** the value of the key with this key hash in the tree at `root`. */
export function lookup(nodes: NodeCache, root: Bytes, keyHash: Bytes): LeafNode | undefined {
  let h = root;
  for (let depth = 0; ; depth++) {
    if (isEmptyHash(h)) return undefined;
    const n = nodes.get(h);
    if (n.kind === 0) return compare(n.keyHash, keyHash) === 0 ? n : undefined;
    h = bitAt(keyHash, depth) === 0 ? n.left : n.right;
  }
}

/** the leaf with the greatest (dir 1) or smallest (dir 0) key hash in the subtree at `h`. */
function extreme(nodes: NodeCache, h: Bytes, dir: 0 | 1): LeafNode {
  for (;;) {
    const n = nodes.get(h);
    if (n.kind === 0) return n;
    const first = dir === 1 ? n.right : n.left;
    h = isEmptyHash(first) ? (dir === 1 ? n.left : n.right) : first;
  }
}

/**
 * The neighbours of an absent key hash in key-hash order: the leaf with the greatest key hash below
 * it and the one with the smallest above it (either may be missing at the edges).
 */
export function neighbours(
  nodes: NodeCache,
  root: Bytes,
  keyHash: Bytes,
): { left: LeafNode | undefined; right: LeafNode | undefined } {
  const stack: InnerNode[] = [];
  let h = root;
  let terminal: LeafNode | null = null;
  for (let depth = 0; ; depth++) {
    if (isEmptyHash(h)) break;
    const n = nodes.get(h);
    if (n.kind === 0) {
      terminal = n;
      break;
    }
    stack.push(n);
    h = bitAt(keyHash, depth) === 0 ? n.left : n.right;
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
      if (left === undefined && !isEmptyHash(n.left)) left = extreme(nodes, n.left, 1);
    } else if (right === undefined && !isEmptyHash(n.right)) {
      right = extreme(nodes, n.right, 0);
    }
  }
  return { left, right };
}
