/** PrefixStore: a view of a store under a key prefix (each module's namespace). */
import type { Bytes } from "../abci.ts";
import { concat } from "../bytes.ts";

function join(prefix: Bytes, key: Bytes): Bytes {
  const out = new Uint8Array(prefix.length + key.length);
  out.set(prefix, 0);
  out.set(key, prefix.length);
  return out;
}
import type { IterateOptions, KV, KVStore } from "./types.ts";

export class PrefixStore implements KVStore {
  readonly parent: KVStore;
  readonly prefix: Bytes;

  constructor(parent: KVStore, prefix: Bytes) {
    this.parent = parent;
    this.prefix = prefix;
  }

  get(key: Bytes): Bytes | undefined {
    return this.parent.get(join(this.prefix, key));
  }

  has(key: Bytes): boolean {
    return this.parent.has(join(this.prefix, key));
  }

  set(key: Bytes, value: Bytes): void {
    this.parent.set(join(this.prefix, key), value);
  }

  delete(key: Bytes): void {
    this.parent.delete(join(this.prefix, key));
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
