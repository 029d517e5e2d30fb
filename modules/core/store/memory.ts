/** MemoryBackend: an in-memory ordered KvBackend for unit tests and simulations. */
import type { Bytes } from "../abci.ts";
import { fromKeyString, toKeyString } from "../bytes.ts";
import { bounds } from "./cache.ts";
import type { BatchOp, IterateOptions, KV, KVStore, KvBackend } from "./types.ts";

export class MemoryBackend implements KvBackend, KVStore {
  private readonly map = new Map<string, Bytes>();
  private sorted: string[] | null = null;
  writes = 0;

  get(key: Bytes): Bytes | undefined {
    return this.map.get(toKeyString(key));
  }

  has(key: Bytes): boolean {
    return this.map.has(toKeyString(key));
  }

  set(key: Bytes, value: Bytes): void {
    const k = toKeyString(key);
    if (!this.map.has(k)) this.sorted = null;
    this.map.set(k, Uint8Array.from(value));
  }

  delete(key: Bytes): void {
    if (this.map.delete(toKeyString(key))) this.sorted = null;
  }

  async write(ops: readonly BatchOp[], _opts: { sync: boolean }): Promise<void> {
    this.writes++;
    for (const op of ops) {
      if (op.type === "put") this.set(op.key, op.value);
      else this.delete(op.key);
    }
  }

  async *iterate(opts: IterateOptions = {}): AsyncIterable<KV> {
    if (this.sorted === null) this.sorted = [...this.map.keys()].sort();
    const keys = this.sorted;
    const { lo, hi } = bounds(opts);
    const loS = lo === undefined ? undefined : toKeyString(lo);
    const hiS = hi === undefined ? undefined : toKeyString(hi);
    const sel = keys.filter((k) => (loS === undefined || k >= loS) && (hiS === undefined || k < hiS));
    if (opts.reverse === true) sel.reverse();
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    let n = 0;
    for (const k of sel) {
      if (n++ >= limit) return;
      const v = this.map.get(k);
      if (v !== undefined) yield [fromKeyString(k), v];
    }
  }

  async close(): Promise<void> {}
}
