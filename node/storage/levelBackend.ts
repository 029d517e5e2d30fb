/**
 * LevelBackend: the node's KvBackend over classic-level (LevelDB). Keys and values are raw bytes
 * ('view' encodings, i.e. Uint8Array in and out), ordered by bytes (LevelDB's bytewise comparator).
 * Reads are synchronous (getSync), iteration is an async iterator that pulls entries in chunks
 * (nextv) and closes the LevelDB iterator when the consumer stops early, and `write` is one atomic
 * batch (optionally fsynced).
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import type { Bytes } from "../../modules/core/abci.ts";
import { bounds } from "../../modules/core/store/cache.ts";
import type { BatchOp, IterateOptions, KV, KvBackend } from "../../modules/core/store/types.ts";

type Db = ClassicLevel<Uint8Array, Uint8Array>;

const ENC = { keyEncoding: "view", valueEncoding: "view" } as const;
/** entries fetched per nextv call while iterating. */
const CHUNK = 256;

/** what a backend has written since it opened (the node's store metrics read it; no clock, no IO). */
export interface WriteStats {
  /** write() calls that wrote anything (a synced empty batch counts: it still fsyncs). */
  batches: number;
  /** of which synced (fsync before the write resolves). */
  syncedBatches: number;
  /** puts and deletes. */
  ops: number;
  /** key bytes of every op plus value bytes of every put (before LevelDB's own log and compression). */
  bytes: number;
}

/** bytes of the files in a LevelDB directory (tables, log, manifest); 0 when it cannot be listed. */
export function dirBytes(path: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return 0;
  }
  for (const n of names) {
    try {
      const st = statSync(join(path, n));
      if (st.isFile()) total += st.size;
    } catch {
      // a table LevelDB deleted between the listing and the stat (compaction)
    }
  }
  return total;
}

export class LevelBackend implements KvBackend {
  readonly path: string;
  /** counted as each batch is handed to LevelDB (a failed write halts the node). */
  readonly writeStats: WriteStats = { batches: 0, syncedBatches: 0, ops: 0, bytes: 0 };
  private readonly db: Db;

  constructor(path: string, db: Db) {
    this.path = path;
    this.db = db;
  }

  get(key: Bytes): Bytes | undefined {
    const v = this.db.getSync(key, ENC);
    return v === undefined ? undefined : plain(v);
  }

  async *iterate(opts: IterateOptions = {}): AsyncIterable<KV> {
    const { lo, hi } = bounds(opts);
    const limit = opts.limit ?? -1;
    if (limit === 0) return;
    const iopts: {
      gte?: Uint8Array;
      lt?: Uint8Array;
      reverse: boolean;
      limit: number;
      keyEncoding: "view";
      valueEncoding: "view";
    } = { ...ENC, reverse: opts.reverse === true, limit: Number.isFinite(limit) ? limit : -1 };
    if (lo !== undefined) iopts.gte = lo;
    if (hi !== undefined) iopts.lt = hi;
    const it = this.db.iterator(iopts);
    try {
      for (;;) {
        const chunk = await it.nextv(CHUNK);
        if (chunk.length === 0) return;
        for (const [k, v] of chunk) yield [plain(k), plain(v)] as KV;
      }
    } finally {
      await it.close();
    }
  }

  /**
   * Not an async function: the ops are copied into LevelDB's native batch before this returns, and no
   * frame keeps `ops` (a block's keys and values, thousands of small arrays) alive through the synced
   * write, while CheckTx keeps allocating: alive at a young-generation GC, they were copied by it.
   */
  write(ops: readonly BatchOp[], opts: { sync: boolean }): Promise<void> {
    if (ops.length === 0 && !opts.sync) return Promise.resolve();
    try {
      const batch = this.db.batch();
      // indexed loop: this runs once per block over thousands of ops, often before it is optimized,
      // where for-of allocates an iterator result per op
      let bytes = 0;
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i] as BatchOp;
        if (op.type === "put") {
          batch.put(op.key, op.value, ENC);
          bytes += op.key.length + op.value.length;
        } else {
          batch.del(op.key, ENC);
          bytes += op.key.length;
        }
      }
      const st = this.writeStats;
      st.batches++;
      if (opts.sync) st.syncedBatches++;
      st.ops += ops.length;
      st.bytes += bytes;
      return batch.write({ sync: opts.sync });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** LevelDB hands back Buffers; expose plain Uint8Array views (no copy) so deepEqual and subclass checks agree. */
function plain(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export interface LevelBackendOptions {
  /** LevelDB block cache in bytes (default 128 MiB; LevelDB's own default of 8 MiB thrashes on tree reads). */
  cacheSize?: number;
  /** memtable size in bytes (default 32 MiB, so that one block's commit batch rarely forces a flush). */
  writeBufferSize?: number;
}

/** opens (creating if missing) the LevelDB at `path`. */
export async function openLevelBackend(path: string, opts: LevelBackendOptions = {}): Promise<LevelBackend> {
  const db: Db = new ClassicLevel<Uint8Array, Uint8Array>(path, {
    ...ENC,
    cacheSize: opts.cacheSize ?? 128 << 20,
    writeBufferSize: opts.writeBufferSize ?? 32 << 20,
  });
  await db.open();
  return new LevelBackend(path, db);
}
