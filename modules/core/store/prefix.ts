/** PrefixStore: a view of a store under a key prefix (each module's namespace). */
import type { Bytes } from "../abci.ts";
import { concat, toKeyStringJoined } from "../bytes.ts";

function join(prefix: Bytes, key: Bytes): Bytes {
  const out = new Uint8Array(prefix.length + key.length);
  out.set(prefix, 0);
  out.set(key, prefix.length);
  return out;
}
import type { IterateOptions, KV, KVStore } from "./types.ts";

/** a parent that takes a write by its key string, the key bytes left to it (CacheKVStore's KeyStringWriter). */
interface EntrySink {
  setEntry(ks: string, key: Bytes | undefined, value: Bytes | null): void;
}
/** a parent that reads by key string (CacheKVStore's KeyStringReader): no joined key bytes for a read. */
interface KsReader {
  getByKeyString(ks: string, key: Bytes | undefined): Bytes | undefined;
}

export class PrefixStore implements KVStore {
  readonly parent: KVStore;
  readonly prefix: Bytes;
  /** the parent, when it takes writes by key string (no joined key bytes per write). */
  private readonly sink: EntrySink | null;
  private readonly reader: KsReader | null;

  constructor(parent: KVStore, prefix: Bytes) {
    this.parent = parent;
    this.prefix = prefix;
    this.sink = typeof (parent as Partial<EntrySink>).setEntry === "function" ? (parent as unknown as EntrySink) : null;
    this.reader = typeof (parent as Partial<KsReader>).getByKeyString === "function" ? (parent as unknown as KsReader) : null;
  }

  get(key: Bytes): Bytes | undefined {
    // one flat key string (a prefix string + key string concatenation is a cons string the Map lookup flattens again)
    if (this.reader !== null) return this.reader.getByKeyString(toKeyStringJoined(this.prefix, key), undefined);
    return this.parent.get(join(this.prefix, key));
  }

  has(key: Bytes): boolean {
    if (this.reader !== null) return this.reader.getByKeyString(toKeyStringJoined(this.prefix, key), undefined) !== undefined;
    return this.parent.has(join(this.prefix, key));
  }

  set(key: Bytes, value: Bytes): void {
    // to a key-string parent: one flat key string, no joined key bytes (it rebuilds them if ever needed)
    if (this.sink !== null) this.sink.setEntry(toKeyStringJoined(this.prefix, key), undefined, value);
    else this.parent.set(join(this.prefix, key), value);
  }

  delete(key: Bytes): void {
    if (this.sink !== null) this.sink.setEntry(toKeyStringJoined(this.prefix, key), undefined, null);
    else this.parent.delete(join(this.prefix, key));
  }

  async *iterate(opts: IterateOptions = {}): AsyncIterable<KV> {
    const o: IterateOptions = { prefix: concat(this.prefix, opts.prefix ?? new Uint8Array(0)) };
    if (opts.gte !== undefined) o.gte = concat(this.prefix, opts.gte);
    if (opts.lt !== undefined) o.lt = concat(this.prefix, opts.lt);
    if (opts.reverse !== undefined) o.reverse = opts.reverse;
    if (opts.limit !== undefined) o.limit = opts.limit;
    const n = this.prefix.length;
    for await (const [k, v] of this.parent.iterate(o)) yield [k.subarray(n), v];
  }
}
