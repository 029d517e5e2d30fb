/**
 * A simple CommitStore for tests until (and beside) the real Merkle store: the latest state lives in the
 * backend under "s/", meta under "m/", and the root is sha256 over the sorted (len‖key‖len‖value) entries.
 * getAt works for versions committed by this instance (full snapshots in memory) and the latest one.
 * prove() returns an empty proof (tests of the proof format use the real store).
 */
import type { Bytes } from "../abci.ts";
import { concat, fromKeyString, readU64be, startsWith, toKeyString, u64be, utf8 } from "../bytes.ts";
import { sha256 } from "../hash.ts";
import { CacheKVStore } from "../store/cache.ts";
import type { BatchOp, CacheStore, CommitStore, IterateOptions, KV, KVStoreReader, KvBackend, ProofResult } from "../store/types.ts";

const S = utf8("s/");
const M = utf8("m/");
const VERSION_KEY = utf8("v/version");
const ROOT_KEY = utf8("v/root");

function rootOf(map: Map<string, Bytes>): Bytes {
  const keys = [...map.keys()].sort();
  const parts: Bytes[] = [];
  for (const k of keys) {
    const kb = fromKeyString(k);
    const v = map.get(k) as Bytes;
    parts.push(u64be(BigInt(kb.length)), kb, u64be(BigInt(v.length)), v);
  }
  return sha256(concat(...parts));
}

class MapReader implements KVStoreReader {
  readonly map: Map<string, Bytes>;
  constructor(map: Map<string, Bytes>) {
    this.map = map;
  }
  get(key: Bytes) {
    return this.map.get(toKeyString(key));
  }
  has(key: Bytes) {
    return this.map.has(toKeyString(key));
  }
  async *iterate(opts: IterateOptions = {}): AsyncIterable<KV> {
    const mem = new CacheKVStore({ get: () => undefined, has: () => false, iterate: async function* () {} });
    for (const [k, v] of this.map) mem.set(fromKeyString(k), v);
    yield* mem.iterate(opts);
  }
}

export class FakeCommitStore implements CommitStore {
  private readonly backend: KvBackend;
  private state = new Map<string, Bytes>();
  private readonly history = new Map<bigint, Map<string, Bytes>>();
  private readonly meta = new Map<string, Bytes>();
  private work: CacheKVStore | null = null;
  private cachedRoot: Bytes | null = null;
  version = 0n;
  root: Bytes = sha256(new Uint8Array(0));

  constructor(backend: KvBackend) {
    this.backend = backend;
  }

  async load(): Promise<void> {
    for await (const [k, v] of this.backend.iterate({ prefix: S })) this.state.set(toKeyString(k.subarray(S.length)), v);
    for await (const [k, v] of this.backend.iterate({ prefix: M })) this.meta.set(toKeyString(k.subarray(M.length)), v);
    const ver = this.backend.get(VERSION_KEY);
    if (ver !== undefined) this.version = readU64be(ver);
    const r = this.backend.get(ROOT_KEY);
    if (r !== undefined) this.root = r;
    this.history.set(this.version, new Map(this.state));
  }

  committed(): KVStoreReader {
    return new MapReader(this.state);
  }

  working(): CacheStore {
    if (this.work === null) this.work = new CacheKVStore(this.committed());
    return this.work;
  }

  private merged(): Map<string, Bytes> {
    const m = new Map(this.state);
    if (this.work !== null) {
      for (const e of this.work.entries()) {
        if (e.value === null) m.delete(toKeyString(e.key));
        else m.set(toKeyString(e.key), e.value);
      }
    }
    return m;
  }

  workingRoot(): Bytes {
    return rootOf(this.merged());
  }

  async commit(version: bigint, meta: readonly KV[] = []): Promise<Bytes> {
    if (version <= this.version) throw new Error(`commit: version ${version} not above ${this.version}`);
    const ops: BatchOp[] = [];
    if (this.work !== null) {
      for (const e of this.work.entries()) {
        const k = concat(S, e.key);
        if (e.value === null) ops.push({ type: "del", key: k });
        else ops.push({ type: "put", key: k, value: e.value });
      }
    }
    const next = this.merged();
    const root = rootOf(next);
    for (const [k, v] of meta) ops.push({ type: "put", key: concat(M, k), value: v });
    ops.push({ type: "put", key: VERSION_KEY, value: u64be(version) });
    ops.push({ type: "put", key: ROOT_KEY, value: root });
    await this.backend.write(ops, { sync: true });
    for (const [k, v] of meta) this.meta.set(toKeyString(k), v);
    this.state = next;
    this.history.set(version, new Map(next));
    this.version = version;
    this.root = root;
    this.work = null;
    this.cachedRoot = null;
    return root;
  }

  discard(): void {
    this.work = null;
    this.cachedRoot = null;
  }

  getMeta(key: Bytes): Bytes | undefined {
    return this.meta.get(toKeyString(key));
  }

  getAt(key: Bytes, version: bigint): Bytes | undefined {
    const m = this.history.get(version);
    if (m === undefined) throw new Error(`version ${version} not available`);
    return m.get(toKeyString(key));
  }

  prove(key: Bytes, version: bigint): ProofResult {
    const v = this.getAt(key, version);
    return v === undefined ? { kind: "nonexist", key, proof: new Uint8Array(0) } : { kind: "exist", key, value: v, proof: new Uint8Array(0) };
  }

  rootAt(version: bigint): Bytes | undefined {
    const m = this.history.get(version);
    return m === undefined ? undefined : version === this.version ? this.root : rootOf(m);
  }

  async close(): Promise<void> {}
}

export async function createFakeCommitStore(backend: KvBackend): Promise<CommitStore> {
  const s = new FakeCommitStore(backend);
  await s.load();
  return s;
}

export { startsWith };
