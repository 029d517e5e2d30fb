/**
 * The authenticated, versioned application store (CommitStore in types.ts), over any KvBackend.
 *
 * Backend layout (one-byte prefixes; a number is never reused):
 *   0x01 FLAT   || key            -> value          latest committed state, for fast reads and iteration
 *   0x02 NODE   || hash(32)       -> node record    format 1 tree nodes by hash (read, never written)
 *   0x03 ROOT   || version(u64be) -> root ref       root hash(32) ‖ root location: v(u64be) ‖ i(u32be)
 *                                                   (format 1: the root hash alone, stored by hash)
 *   0x04 META   || key            -> value          commit metadata (not part of the tree)
 *   0x05 LATEST                   -> version(u64be) the last committed version
 *   0x06 PAGE   || version(u64be) || page(u32be) -> node page   the version's new nodes k with
 *                                                   k >> PAGE_SHIFT = page (encodePage)
 *
 * The tree (tree.ts) is a binary sparse Merkle tree over sha256(key) in the shape of ICS-23's SmtSpec;
 * its root is the app hash. Nodes are immutable; a node is found through its parent's pointer (hash and
 * location), so every committed version stays readable through its root (getAt, prove). No pruning
 * yet: old nodes are kept forever.
 *
 * Node pages: a version's new nodes (~11 per tx in a block of bank sends) are written as pages of
 * PAGE_NODES records, not one LevelDB key each; the per-key cost of LevelDB's write path (memtable
 * insert, log record, compaction) was the largest part of the store's write work. Nodes are numbered
 * in creation order (post-order), so a page holds neighbouring subtrees.
 *
 * Writes of a block go to the working layer: `working()` is a CacheStore (the same object until the
 * store is closed; branch it per tx) whose writes land in the block's write set. `workingRoot()`
 * flushes the working layer into the write set, sorts the dirty keys by sha256(key) and rebuilds only
 * the affected paths of the last committed tree (each dirty node hashed once); the result is cached
 * until the working layer changes, and `commit()` reuses it. `commit(version, meta)` writes the flat
 * changes, the new nodes, the version's root, the meta entries and the latest version in ONE synced
 * backend batch; a version with an empty write set still records its root. A new store over the same
 * backend resumes at the last version with the same root.
 */
import type { Bytes } from "../abci.ts";
import { fromKeyString, readU64be, toKeyString, u64be } from "../bytes.ts";
import { sha256 } from "../hash.ts";
import { bounds, CacheKVStore, type KeyStringReader, type KeyStringWriter } from "./cache.ts";
import {
  buildExistenceProof,
  encodeExistenceProof,
  encodeNonExistenceProof,
} from "./ics23.ts";
import {
  applyBatch,
  type BatchResult,
  type DirtyEntry,
  EMPTY_HASH,
  EMPTY_ROOT_REF,
  encodeNodeInto,
  LOC_BY_HASH,
  lookup,
  NodeCache,
  neighbours,
  recordLength,
  type RootRef,
  sortEntries,
  stampVersion,
  type TreeNode,
  walk,
} from "./tree.ts";
import type {
  BatchOp,
  CacheStore,
  CommitStore,
  IterateOptions,
  KV,
  KVStoreReader,
  KvBackend,
  ProofResult,
} from "./types.ts";

export const PREFIX = { flat: 0x01, node: 0x02, root: 0x03, meta: 0x04, latest: 0x05, page: 0x06 } as const;

/** nodes per page: 32 records are ~3–6 KB, about one LevelDB block, so a cold read costs about one block. */
export const PAGE_SHIFT = 5;
export const PAGE_NODES = 1 << PAGE_SHIFT;
/** raw pages kept for cold reads (a walk from a root visits neighbouring nodes of one page). */
const PAGE_CACHE = 256;

const LATEST_KEY = Uint8Array.of(PREFIX.latest);
const DEFAULT_CACHE_NODES = 200_000;

export interface CommitStoreOptions {
  /** nodes kept in the in-memory node cache (default 200,000). */
  cacheNodes?: number;
}

function withPrefix(p: number, key: Bytes): Bytes {
  const out = new Uint8Array(key.length + 1);
  out[0] = p;
  out.set(key, 1);
  return out;
}

/** committed values remembered by the flat reader (an entry per key; null = absent). */
const DEFAULT_READ_CACHE = 200_000;

/**
 * Read-only view of the flat latest-state table, with a bounded memo of committed values (params,
 * module accounts and other hot keys are read by every tx; a LevelDB getSync costs microseconds).
 * The memo is exact: committed state changes only in `commit`, which records every written key in
 * it (`afterCommit`). A full memo is emptied and refills on demand. Values are handed out as stored
 * (never mutated by any layer), so repeated reads return the same object.
 */
class FlatReader implements KVStoreReader, KeyStringReader {
  private readonly backend: KvBackend;
  private readonly memo = new Map<string, Bytes | null>();
  private readonly memoMax: number;
  constructor(backend: KvBackend, memoMax = DEFAULT_READ_CACHE) {
    this.backend = backend;
    this.memoMax = memoMax;
  }
  get(key: Bytes): Bytes | undefined {
    return this.getByKeyString(toKeyString(key), key);
  }
  getByKeyString(ks: string, key: Bytes | undefined): Bytes | undefined {
    const m = this.memo.get(ks);
    if (m !== undefined) return m ?? undefined;
    const v = this.backend.get(withPrefix(PREFIX.flat, key ?? fromKeyString(ks)));
    if (this.memo.size >= this.memoMax) this.memo.clear();
    this.memo.set(ks, v ?? null);
    return v;
  }
  /** records the committed write set (called after the backend batch succeeded). */
  afterCommit(entries: Iterable<{ key: Bytes; value: Bytes | null }>): void {
    for (const e of entries) {
      if (this.memo.size >= this.memoMax) this.memo.clear();
      this.memo.set(toKeyString(e.key), e.value);
    }
  }
  has(key: Bytes): boolean {
    return this.get(key) !== undefined;
  }
  async *iterate(opts: IterateOptions = {}): AsyncIterable<KV> {
    const { lo, hi } = bounds(opts);
    const o: IterateOptions = {
      gte: lo === undefined ? Uint8Array.of(PREFIX.flat) : withPrefix(PREFIX.flat, lo),
      lt: hi === undefined ? Uint8Array.of(PREFIX.flat + 1) : withPrefix(PREFIX.flat, hi),
    };
    if (opts.reverse === true) o.reverse = true;
    if (opts.limit !== undefined) o.limit = opts.limit;
    for await (const [k, v] of this.backend.iterate(o)) yield [k.subarray(1), v];
  }
}

/** the working layer: a CacheKVStore that counts mutations (to invalidate the cached working root). */
class WorkingStore extends CacheKVStore {
  mutations = 0;
  override set(key: Bytes, value: Bytes): void {
    super.set(key, value);
    this.mutations++;
  }
  override delete(key: Bytes): void {
    super.delete(key);
    this.mutations++;
  }
  override setEntry(ks: string, key: Bytes | undefined, value: Bytes | null): void {
    super.setEntry(ks, key, value);
    this.mutations++;
  }
}

class SmtCommitStore implements CommitStore {
  private readonly backend: KvBackend;
  private readonly flat: FlatReader;
  private readonly nodes: NodeCache;
  private readonly pages: PageReader;
  private _version: bigint;
  private _root: RootRef;
  /** the block's write set: a cache layer over the flat table, fed by `work`'s flushes. */
  private writeSet: CacheKVStore;
  private readonly work: WorkingStore;
  private dropping = false;
  /** sha256(key) of recently written keys (the same accounts and balances change block after block). */
  private readonly keyHashes = new Map<string, Bytes>();
  private cached: { mutations: number; result: BatchResult; dirty: DirtyEntry[]; dirtyKs: string[] } | null = null;
  /** the key strings the last commit changed (lastChangedKeys). */
  private changedKs: readonly string[] | undefined = undefined;
  private closed = false;

  constructor(backend: KvBackend, cacheNodes: number, version: bigint, root: RootRef) {
    this.backend = backend;
    this.flat = new FlatReader(backend);
    const nodeKey = new Uint8Array(1 + 32);
    nodeKey[0] = PREFIX.node;
    const pages = new PageReader(backend);
    this.pages = pages;
    // backend.get is synchronous and does not keep the key, so one scratch key serves every load
    this.nodes = new NodeCache((h, v, i) => {
      if (v !== LOC_BY_HASH) return pages.record(v, i);
      nodeKey.set(h, 1);
      return backend.get(nodeKey);
    }, cacheNodes);
    this._version = version;
    this._root = root;
    this.writeSet = new CacheKVStore(this.flat);
    // `work` reads through to the current write set and flushes into it
    const parent: KVStoreReader & KeyStringReader & KeyStringWriter = {
      get: (k) => this.writeSet.get(k),
      getByKeyString: (ks, k) => this.writeSet.getByKeyString(ks, k),
      has: (k) => this.writeSet.has(k),
      iterate: (o) => this.writeSet.iterate(o),
      setEntry: (ks, k, v) => {
        if (!this.dropping) this.writeSet.setEntry(ks, k, v);
      },
    };
    this.work = new WorkingStore(parent);
  }

  get version(): bigint {
    return this._version;
  }

  get root(): Bytes {
    return this._root.hash;
  }

  committed(): KVStoreReader {
    return this.flat;
  }

  working(): CacheStore {
    return this.work;
  }

  workingRoot(): Bytes {
    return this.compute().result.root;
  }

  private compute(): { result: BatchResult; dirty: DirtyEntry[]; dirtyKs: string[] } {
    this.assertOpen();
    const m = this.work.mutations;
    if (this.cached !== null && this.cached.mutations === m) return this.cached;
    this.work.write();
    // writes that leave a key as committed (a value rewritten unchanged, e.g. an index entry set on
    // every account update; a delete of an absent key) change neither the tree nor the flat table
    const dirty: DirtyEntry[] = [];
    const dirtyKs: string[] = [];
    // forEach: no [key, entry] pair per entry
    this.writeSet.forEachKeyed((e, ks) => {
      const cur = this.flat.getByKeyString(ks, undefined);
      if (e.value === null ? cur === undefined : cur !== undefined && equalBytes(cur, e.value)) return;
      let kh = this.keyHashes.get(ks);
      if (kh === undefined) {
        kh = sha256(e.key);
        if (this.keyHashes.size >= DEFAULT_READ_CACHE) this.keyHashes.clear();
        this.keyHashes.set(ks, kh);
      }
      dirty.push({ keyHash: kh, key: e.key, value: e.value });
      dirtyKs.push(ks);
    });
    const result = applyBatch(this.nodes, this._root, sortEntries(dirty));
    this.cached = { mutations: m, result, dirty, dirtyKs };
    return this.cached;
  }

  async commit(version: bigint, meta: readonly KV[] = []): Promise<Bytes> {
    this.assertOpen();
    if (version <= this._version) throw new Error(`store: commit version ${version} <= ${this._version}`);
    const { result, dirty, dirtyKs } = this.compute();
    if (version > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`store: version ${version} out of range`);
    // the batch's nodes get their location's version now; a failed write leaves them stamped, so the
    // next commit builds the batch again
    this.cached = null;
    stampVersion(result, Number(version));
    await this.writeVersion(version, meta, result, dirty);
    this.flat.afterCommit(dirty);
    // the cache follows the latest tree, which the next batches walk: the nodes this version replaced
    // leave it (kept, they would fill it with stale paths, ~10,000 nodes per 400-tx block, and every
    // full GC would mark them), the new ones enter it
    for (let i = 0; i < result.replaced.length; i++) this.nodes.evict(result.replaced[i] as Bytes);
    for (let i = 0; i < result.created.length; i++) this.nodes.add(result.created[i] as TreeNode);
    this._version = version;
    this._root = { hash: result.root, v: result.rootV, i: result.rootI };
    this.writeSet = new CacheKVStore(this.flat);
    this.changedKs = dirtyKs;
    // a compute() during the write built on the old root: drop it
    this.cached = null;
    return result.root;
  }

  lastChangedKeys(): readonly string[] | undefined {
    return this.changedKs;
  }

  /**
   * The version's one synced backend batch. Not async, and the ops live in this frame only: the backend
   * copies them before its write is under way, so they (a key and often a value per dirty entry and new
   * node) are not kept alive through the fsync, while CheckTx keeps allocating.
   */
  private writeVersion(version: bigint, meta: readonly KV[], result: BatchResult, dirty: readonly DirtyEntry[]): Promise<void> {
    const ops: BatchOp[] = [];
    for (let i = 0; i < dirty.length; i++) {
      const e = dirty[i] as DirtyEntry;
      if (e.value === null) ops.push({ type: "del", key: withPrefix(PREFIX.flat, e.key) });
      else ops.push({ type: "put", key: withPrefix(PREFIX.flat, e.key), value: e.value });
    }
    pushPageOps(ops, version, result.created);
    const v = u64be(version);
    ops.push({ type: "put", key: withPrefix(PREFIX.root, v), value: encodeRootRef(result.root, result.rootV, result.rootI) });
    for (const [k, val] of meta) ops.push({ type: "put", key: withPrefix(PREFIX.meta, k), value: val });
    ops.push({ type: "put", key: LATEST_KEY, value: v });
    return this.backend.write(ops, { sync: true });
  }

  discard(): void {
    this.dropping = true;
    try {
      this.work.write();
    } finally {
      this.dropping = false;
    }
    this.writeSet = new CacheKVStore(this.flat);
    this.cached = null;
    this.work.mutations++;
  }

  getMeta(key: Bytes): Bytes | undefined {
    return this.backend.get(withPrefix(PREFIX.meta, key));
  }

  rootAt(version: bigint): Bytes | undefined {
    return this.rootRefAt(version)?.hash;
  }

  private rootRefAt(version: bigint): RootRef | undefined {
    if (version < 1n || version > this._version) return undefined;
    if (version === this._version) return this._root;
    const rec = this.backend.get(withPrefix(PREFIX.root, u64be(version)));
    return rec === undefined ? undefined : decodeRootRef(rec);
  }

  private rootOrThrow(version: bigint): RootRef {
    const r = this.rootRefAt(version);
    if (r === undefined) throw new Error(`store: no committed version ${version}`);
    return r;
  }

  getAt(key: Bytes, version: bigint): Bytes | undefined {
    return lookup(this.nodes, this.rootOrThrow(version), sha256(key))?.value;
  }

  prove(key: Bytes, version: bigint): ProofResult {
    const root = this.rootOrThrow(version);
    const kh = sha256(key);
    const w = walk(this.nodes, root, kh);
    if (w.terminal !== null && equalHash(w.terminal.keyHash, kh)) {
      const value = w.terminal.value;
      return { kind: "exist", key, value, proof: encodeExistenceProof(buildExistenceProof(key, value, w.siblings)) };
    }
    const { left, right } = neighbours(this.nodes, root, kh);
    const side = (leaf: { key: Bytes; value: Bytes; keyHash: Bytes }) =>
      buildExistenceProof(leaf.key, leaf.value, walk(this.nodes, root, leaf.keyHash).siblings);
    const np: Parameters<typeof encodeNonExistenceProof>[0] = { key };
    if (left !== undefined) np.left = side(left);
    if (right !== undefined) np.right = side(right);
    return { kind: "nonexist", key, proof: encodeNonExistenceProof(np) };
  }

  /** closes the store and its backend (the store owns the backend it was created over). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.backend.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("store: closed");
  }
}

/**
 * A page: u32be(count) ‖ count × u32be(end of record k, from the start of the records) ‖ records.
 * The page's nodes are created[first .. first + count) of one version.
 */
export function encodePage(created: readonly TreeNode[], first: number, count: number): Bytes {
  let size = 4 + 4 * count;
  for (let k = 0; k < count; k++) size += recordLength(created[first + k] as TreeNode);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, count);
  const base = 4 + 4 * count;
  let o = base;
  for (let k = 0; k < count; k++) {
    o = encodeNodeInto(out, o, created[first + k] as TreeNode);
    dv.setUint32(4 + 4 * k, o - base);
  }
  return out;
}

/** record `slot` of a page (a view into it); undefined when the page has no such record. */
export function pageRecord(page: Bytes, slot: number): Bytes | undefined {
  if (page.length < 4) throw new Error("store: corrupt node page");
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const count = dv.getUint32(0);
  const base = 4 + 4 * count;
  if (base > page.length) throw new Error("store: corrupt node page");
  if (slot >= count) return undefined;
  const start = slot === 0 ? 0 : dv.getUint32(4 + 4 * (slot - 1));
  const end = dv.getUint32(4 + 4 * slot);
  if (start > end || base + end > page.length) throw new Error("store: corrupt node page");
  return page.subarray(base + start, base + end);
}

function pageKey(version: number, page: number): Bytes {
  const key = new Uint8Array(1 + 8 + 4);
  const dv = new DataView(key.buffer);
  key[0] = PREFIX.page;
  dv.setUint32(1, Math.floor(version / 0x1_0000_0000));
  dv.setUint32(5, version >>> 0);
  dv.setUint32(9, page);
  return key;
}

/** the page puts of a commit: the version's new nodes, PAGE_NODES per page, in creation order. */
function pushPageOps(ops: BatchOp[], version: bigint, created: readonly TreeNode[]): void {
  const v = Number(version);
  for (let first = 0, page = 0; first < created.length; first += PAGE_NODES, page++) {
    const count = Math.min(PAGE_NODES, created.length - first);
    ops.push({ type: "put", key: pageKey(v, page), value: encodePage(created, first, count) });
  }
}

/** reads records out of node pages, keeping the last PAGE_CACHE pages read (cold walks). */
class PageReader {
  private readonly backend: KvBackend;
  private readonly cache = new Map<string, Bytes>();
  constructor(backend: KvBackend) {
    this.backend = backend;
  }
  record(v: number, i: number): Bytes | undefined {
    const page = Math.floor(i / PAGE_NODES);
    const ck = `${v}/${page}`;
    let p = this.cache.get(ck);
    if (p === undefined) {
      p = this.backend.get(pageKey(v, page));
      if (p === undefined) return undefined;
      if (this.cache.size >= PAGE_CACHE) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(ck, p);
    }
    return pageRecord(p, i % PAGE_NODES);
  }
}

/** a ROOT record: hash(32) ‖ v(u64be) ‖ i(u32be); format 1 stored the hash alone. */
function encodeRootRef(hash: Bytes, v: number, i: number): Bytes {
  const out = new Uint8Array(32 + 12);
  out.set(hash, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(32, Math.floor(v / 0x1_0000_0000));
  dv.setUint32(36, v >>> 0);
  dv.setUint32(40, i);
  return out;
}

function decodeRootRef(rec: Bytes): RootRef {
  if (rec.length === 32) return { hash: rec, v: LOC_BY_HASH, i: 0 };
  if (rec.length !== 44) throw new Error("store: corrupt root record");
  const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  const v = dv.getUint32(32) * 0x1_0000_0000 + dv.getUint32(36);
  return { hash: rec.subarray(0, 32), v, i: dv.getUint32(40) };
}

function equalBytes(a: Bytes, b: Bytes): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function equalHash(a: Bytes, b: Bytes): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** opens the store over `backend`, resuming at its last committed version (0n and the empty root when new). */
export async function createCommitStore(backend: KvBackend, opts: CommitStoreOptions = {}): Promise<CommitStore> {
  const cacheNodes = opts.cacheNodes ?? DEFAULT_CACHE_NODES;
  const latest = backend.get(LATEST_KEY);
  let version = 0n;
  let root: RootRef = EMPTY_ROOT_REF;
  if (latest !== undefined) {
    version = readU64be(latest);
    const r = backend.get(withPrefix(PREFIX.root, u64be(version)));
    if (r === undefined) throw new Error(`store: missing root of latest version ${version}`);
    root = decodeRootRef(r);
  }
  return new SmtCommitStore(backend, cacheNodes, version, root);
}

/** the empty-tree root (32 zero bytes). */
export const EMPTY_ROOT: Bytes = EMPTY_HASH;
