/** A Bucket and Batch over modules/core's MemoryBackend, for unit tests of components that stage writes. */
import { concat, prefixEnd } from "../../../modules/core/bytes.ts";
import { MemoryBackend } from "../../../modules/core/store/memory.ts";
import type { BatchOp, IterateOptions, KV } from "../../../modules/core/store/types.ts";
import type { Batch, Bucket } from "../../storage/types.ts";

export class MemoryBatch implements Batch {
  readonly ops: BatchOp[] = [];
  put(key: Uint8Array, value: Uint8Array): void {
    this.ops.push({ type: "put", key: Uint8Array.from(key), value: Uint8Array.from(value) });
  }
  del(key: Uint8Array): void {
    this.ops.push({ type: "del", key: Uint8Array.from(key) });
  }
}

export class MemoryBucket implements Bucket {
  readonly backend: MemoryBackend;
  readonly id: number;
  private readonly prefix: Uint8Array;

  constructor(backend: MemoryBackend = new MemoryBackend(), id = 1) {
    this.backend = backend;
    this.id = id;
    this.prefix = Uint8Array.of(id);
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.backend.get(concat(this.prefix, key));
  }

  async *iterate(opts: IterateOptions = {}): AsyncIterable<KV> {
    const base = opts.prefix === undefined ? this.prefix : concat(this.prefix, opts.prefix);
    const o: IterateOptions = { prefix: base };
    if (opts.gte !== undefined) o.gte = concat(this.prefix, opts.gte);
    const lt = opts.lt === undefined ? prefixEnd(this.prefix) : concat(this.prefix, opts.lt);
    if (lt !== undefined) o.lt = lt;
    if (opts.reverse !== undefined) o.reverse = opts.reverse;
    if (opts.limit !== undefined) o.limit = opts.limit;
    for await (const [k, v] of this.backend.iterate(o)) yield [k.subarray(1), v];
  }

  put(batch: Batch, key: Uint8Array, value: Uint8Array): void {
    batch.put(concat(this.prefix, key), value);
  }

  del(batch: Batch, key: Uint8Array): void {
    batch.del(concat(this.prefix, key));
  }

  /** applies a batch staged through this (or any) bucket of the same backend. */
  async commit(batch: MemoryBatch): Promise<void> {
    await this.backend.write(batch.ops, { sync: false });
    batch.ops.length = 0;
  }
}
