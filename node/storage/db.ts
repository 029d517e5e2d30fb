/**
 * NodeDb: the node database (data/node.db) over a KvBackend, split into numbered buckets
 * (node/storage/buckets.ts). Components stage writes into one NodeBatch so that a height's block,
 * results, tx index and state land in one atomic write; `afterWrite` callbacks run once the batch is
 * durable (repositories use them to advance in-memory counters only when the data is on disk).
 */
import type { Bytes } from "../../modules/core/abci.ts";
import { prefixEnd } from "../../modules/core/bytes.ts";
import type { BatchOp, IterateOptions, KV, KvBackend } from "../../modules/core/store/types.ts";
import type { Batch, Bucket } from "./types.ts";

export interface NodeBatch extends Batch {
  /** number of staged operations. */
  readonly size: number;
  /** runs `fn` after the batch has been written (in registration order). */
  afterWrite(fn: () => void): void;
  /** atomically applies every staged op; with sync the data is on stable storage when it resolves. */
  write(sync: boolean): Promise<void>;
}

/** callbacks registered on NodeBatches (or run immediately for plain Batches). */
export function runAfterWrite(batch: Batch, fn: () => void): void {
  const b = batch as Partial<NodeBatch>;
  if (typeof b.afterWrite === "function") b.afterWrite(fn);
  else fn();
}

function prefixed(id: number, key: Bytes): Bytes {
  const out = new Uint8Array(key.length + 1);
  out[0] = id;
  out.set(key, 1);
  return out;
}

class BucketImpl implements Bucket {
  private readonly backend: KvBackend;
  readonly id: number;
  private readonly self: Bytes;

  constructor(backend: KvBackend, id: number) {
    this.backend = backend;
    this.id = id;
    this.self = new Uint8Array([id]);
  }

  get(key: Bytes): Bytes | undefined {
    return this.backend.get(prefixed(this.id, key));
  }

  async *iterate(opts: IterateOptions = {}): AsyncIterable<KV> {
    const inner: IterateOptions = { prefix: opts.prefix === undefined ? this.self : prefixed(this.id, opts.prefix) };
    if (opts.gte !== undefined) inner.gte = prefixed(this.id, opts.gte);
    if (opts.lt !== undefined) inner.lt = prefixed(this.id, opts.lt);
    else if (opts.prefix === undefined) {
      const end = prefixEnd(this.self);
      if (end !== undefined) inner.lt = end;
    }
    if (opts.reverse !== undefined) inner.reverse = opts.reverse;
    if (opts.limit !== undefined) inner.limit = opts.limit;
    for await (const [k, v] of this.backend.iterate(inner)) {
      if (k[0] !== this.id) return; // defensive: never leak another bucket
      yield [k.subarray(1), v] as KV;
    }
  }

  put(batch: Batch, key: Bytes, value: Bytes): void {
    batch.put(prefixed(this.id, key), value);
  }

  del(batch: Batch, key: Bytes): void {
    batch.del(prefixed(this.id, key));
  }
}

export class NodeDb {
  readonly backend: KvBackend;
  private readonly buckets = new Map<number, Bucket>();

  constructor(backend: KvBackend) {
    this.backend = backend;
  }

  bucket(id: number): Bucket {
    if (!Number.isInteger(id) || id < 0 || id > 255) throw new RangeError(`bucket id must be a byte, got ${id}`);
    let b = this.buckets.get(id);
    if (b === undefined) {
      b = new BucketImpl(this.backend, id);
      this.buckets.set(id, b);
    }
    return b;
  }

  newBatch(): NodeBatch {
    let ops: BatchOp[] = [];
    const callbacks: (() => void)[] = [];
    let written = false;
    const backend = this.backend;
    return {
      get size() {
        return ops.length;
      },
      put(key, value) {
        if (written) throw new Error("batch already written");
        ops.push({ type: "put", key, value });
      },
      del(key) {
        if (written) throw new Error("batch already written");
        ops.push({ type: "del", key });
      },
      afterWrite(fn) {
        callbacks.push(fn);
      },
      async write(sync) {
        if (written) throw new Error("batch already written");
        written = true;
        // the caller often keeps the batch in scope through Commit and the mempool update: without its
        // ops (a block's tx index, results and state, thousands of keys and values) the batch is small,
        // and they die young instead of being promoted to the old generation. The batch lets go of them
        // as soon as the write is under way (the level backend has copied them by then; a backend that
        // reads them later keeps its own reference), not only after the synced write returned
        const writing = backend.write(ops, { sync });
        ops = [];
        await writing;
        for (const fn of callbacks) fn();
        callbacks.length = 0;
      },
    };
  }

  async close(): Promise<void> {
    const b = this.backend as Partial<{ close(): Promise<void> }>;
    if (typeof b.close === "function") await b.close();
  }
}
