/**
 * CacheStore: a write-buffering layer over a parent KVStoreReader (Cosmos CacheKVStore). Writes and
 * deletes live in a Map keyed by latin1 strings (whose order equals byte order); iteration merges the
 * sorted overlay with the parent's ordered iteration. `write()` flushes into the parent, which must then
 * be a KVStore (or a sink function given at construction).
 */
import type { Bytes } from "../abci.ts";
import { compare, fromKeyString, prefixEnd, toKeyString } from "../bytes.ts";
import type { CacheStore, IterateOptions, KV, KVStore, KVStoreReader } from "./types.ts";

type Entry = { readonly key: Bytes; value: Bytes | null };

/**
 * A buffered write. The key bytes are rebuilt from the latin1 key string on first use only (the map
 * key already holds them, one char per byte): a check state or a block's working layer keeps its entries
 * until commit, and most are never asked for their bytes (CheckTx's never; a block's once, when the
 * commit store hashes its dirty keys), so no key copy is kept per write.
 */
class KeyedEntry implements Entry {
  readonly ks: string;
  private bytes: Bytes | undefined;
  value: Bytes | null;
  constructor(ks: string, key: Bytes | undefined, value: Bytes | null) {
    this.ks = ks;
    this.bytes = key;
    this.value = value;
  }
  get key(): Bytes {
    if (this.bytes === undefined) this.bytes = keyBytes(this.ks);
    return this.bytes;
  }
  /** the key bytes if some layer already has them (an owned copy), without building them. */
  get keyIfKnown(): Bytes | undefined {
    return this.bytes;
  }
}

/** toKeyString's inverse: one byte per char. */
function keyBytes(ks: string): Bytes {
  const n = ks.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = ks.charCodeAt(i);
  return out;
}

export type FlushSink = (entries: Iterable<Entry>) => void;

/**
 * Optional fast paths between layers (all of them CacheKVStores or the commit store's readers): a read
 * or a flushed write that already carries the latin1 key string does not compute it again, and a
 * flushed entry's key (already an owned copy) is not copied again.
 */
export interface KeyStringReader {
  /** get(key) where `ks` is toKeyString(key); `key` may be left out (rebuilt from `ks` only if a layer needs the bytes). */
  getByKeyString(ks: string, key: Bytes | undefined): Bytes | undefined;
}
export interface KeyStringWriter {
  /** `key`: an owned copy of the key's bytes, or undefined (rebuilt from `ks` when a layer needs them). */
  setEntry(ks: string, key: Bytes | undefined, value: Bytes | null): void;
}

function hasGetByKeyString(r: KVStoreReader): r is KVStoreReader & KeyStringReader {
  return typeof (r as Partial<KeyStringReader>).getByKeyString === "function";
}
function hasSetEntry(r: KVStoreReader): r is KVStoreReader & KeyStringWriter {
  return typeof (r as Partial<KeyStringWriter>).setEntry === "function";
}

export class CacheKVStore implements CacheStore, KeyStringReader, KeyStringWriter {
  private readonly parent: KVStoreReader;
  private readonly parentKs: (KVStoreReader & KeyStringReader) | null;
  private readonly sink: FlushSink | null;
  private readonly cache = new Map<string, KeyedEntry>();

  /** `sink` receives the writes on `write()`; by default they are applied to `parent` (a KVStore). */
  constructor(parent: KVStoreReader, sink?: FlushSink) {
    this.parent = parent;
    this.parentKs = hasGetByKeyString(parent) ? parent : null;
    this.sink = sink ?? null;
  }

  get size(): number {
    return this.cache.size;
  }

  get(key: Bytes): Bytes | undefined {
    return this.getByKeyString(toKeyString(key), key);
  }

  /** get(key) where `ks` is toKeyString(key) (`key` may be left out). */
  getByKeyString(ks: string, key: Bytes | undefined): Bytes | undefined {
    const e = this.cache.get(ks);
    if (e !== undefined) return e.value ?? undefined;
    return this.parentKs !== null ? this.parentKs.getByKeyString(ks, key) : this.parent.get(key ?? fromKeyString(ks));
  }

  has(key: Bytes): boolean {
    return this.get(key) !== undefined;
  }

  set(key: Bytes, value: Bytes): void {
    if (key.length === 0) throw new Error("store: empty key");
    const ks = toKeyString(key);
    this.cache.set(ks, new KeyedEntry(ks, undefined, value));
  }

  delete(key: Bytes): void {
    const ks = toKeyString(key);
    this.cache.set(ks, new KeyedEntry(ks, undefined, null));
  }

  /** a flushed entry from a child layer: `ks` is toKeyString(key), `key` an owned copy or undefined (value null deletes). */
  setEntry(ks: string, key: Bytes | undefined, value: Bytes | null): void {
    this.cache.set(ks, new KeyedEntry(ks, key, value));
  }

  branch(): CacheStore {
    return new CacheKVStore(this);
  }

  write(): void {
    if (this.cache.size === 0) return;
    if (this.sink !== null) {
      this.sink(this.cache.values());
    } else if (hasSetEntry(this.parent)) {
      // forEach: no [key, value] pair allocated per entry
      const p = this.parent;
      this.cache.forEach((e, ks) => p.setEntry(ks, e.keyIfKnown, e.value));
    } else {
      const p = this.parent as KVStore;
      this.cache.forEach((e) => {
        if (e.value === null) p.delete(e.key);
        else p.set(e.key, e.value);
      });
    }
    this.cache.clear();
  }

  /** calls fn for each buffered entry with its key string, in insertion order (no pair allocated per entry). */
  forEachKeyed(fn: (e: Entry, ks: string) => void): void {
    this.cache.forEach(fn);
  }

  /** buffered entries with their key strings, in insertion order (for a flush sink that keeps latin1-keyed maps). */
  keyedEntries(): IterableIterator<[string, Entry]> {
    return this.cache.entries();
  }

  /** buffered entries in key order (deletes have value null). */
  entries(): Entry[] {
    const keys = [...this.cache.keys()].sort();
    return keys.map((k) => this.cache.get(k) as Entry);
  }

  async *iterate(opts: IterateOptions = {}): AsyncIterable<KV> {
    const { lo, hi } = bounds(opts);
    const reverse = opts.reverse === true;
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return;
    // overlay entries within bounds, sorted in iteration order
    const loS = lo === undefined ? undefined : toKeyString(lo);
    const hiS = hi === undefined ? undefined : toKeyString(hi);
    const mine: KeyedEntry[] = [];
    // forEach: no [key, value] pair allocated per entry (a block's working layer holds thousands)
    this.cache.forEach((e, k) => {
      if (loS !== undefined && k < loS) return;
      if (hiS !== undefined && k >= hiS) return;
      mine.push(e);
    });
    // latin1 key strings order as the bytes do: no key bytes built to sort
    mine.sort((a, b) => (a.ks === b.ks ? 0 : (a.ks < b.ks) !== reverse ? -1 : 1));
    const parentOpts: IterateOptions = { reverse };
    if (lo !== undefined) parentOpts.gte = lo;
    if (hi !== undefined) parentOpts.lt = hi;
    const it = this.parent.iterate(parentOpts)[Symbol.asyncIterator]();
    let p = await it.next();
    let i = 0;
    let n = 0;
    const before = (a: Bytes, b: Bytes) => (reverse ? compare(a, b) > 0 : compare(a, b) < 0);
    try {
      while (n < limit) {
        const m = mine[i];
        if (p.done && m === undefined) break;
        if (m !== undefined && (p.done || !before(p.value[0], m.key))) {
          // overlay entry comes first or shadows the parent's equal key
          if (!p.done && compare(p.value[0], m.key) === 0) p = await it.next();
          i++;
          if (m.value !== null) {
            n++;
            yield [m.key, m.value];
          }
        } else if (!p.done) {
          n++;
          yield p.value;
          p = await it.next();
        }
      }
    } finally {
      await it.return?.();
    }
  }
}

export function bounds(opts: IterateOptions): { lo: Bytes | undefined; hi: Bytes | undefined } {
  let lo = opts.gte;
  let hi = opts.lt;
  if (opts.prefix !== undefined && opts.prefix.length > 0) {
    const pEnd = prefixEnd(opts.prefix);
    if (lo === undefined || compare(lo, opts.prefix) < 0) lo = opts.prefix;
    if (pEnd !== undefined && (hi === undefined || compare(hi, pEnd) > 0)) hi = pEnd;
  }
  return { lo, hi };
}

/** rebuilds a key from a cache map key (exported for stores that keep latin1-keyed maps). */
export const keyFromString = fromKeyString;
