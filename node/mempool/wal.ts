/**
 * Mempool WAL: the txs this node acknowledged to a client (broadcast_tx_sync / _async / _commit answered
 * code 0) are appended and fsynced before the answer leaves, and put back through CheckTx on restart.
 * Without it, a tx acknowledged by a node that is killed before its gossip reaches a peer is lost (the
 * crash e2e found exactly that at kill -9 right after EndHeight). CometBFT had the same idea as
 * `mempool.wal_dir`; here it is on by default for RPC submissions only (peers' txs are in their own WALs).
 *
 * Format: records `u32 big-endian length ‖ tx`; a torn tail (crash mid-append) is ignored on load.
 * Appends are group-committed: callers arriving while an fsync runs share the next one. The file is
 * rewritten (tmp + fsync + rename) with the pool's current txs at start and whenever it grows past
 * `compactBytes`, so committed txs do not pile up.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";
import type { Bytes, CheckTxResponse } from "../../modules/core/abci.ts";
import type { MempoolView } from "../rpc/env.ts";

type Op = { kind: "append"; buf: Bytes; done: () => void; fail: (e: unknown) => void } | { kind: "rewrite"; txs: readonly Bytes[]; done: () => void; fail: (e: unknown) => void };

export class MempoolWal {
  private fh: FileHandle | undefined;
  private queue: Op[] = [];
  private flushing: Promise<void> | undefined;
  private written = 0;

  readonly path: string;
  private readonly compactBytes: number;

  constructor(path: string, compactBytes = 16 * 1024 * 1024) {
    this.path = path;
    this.compactBytes = compactBytes;
  }

  /** the txs of the file (a torn tail is dropped). */
  load(): Bytes[] {
    if (!existsSync(this.path)) return [];
    const b = readFileSync(this.path);
    const out: Bytes[] = [];
    let off = 0;
    while (off + 4 <= b.length) {
      const n = b.readUInt32BE(off);
      if (off + 4 + n > b.length) break;
      out.push(new Uint8Array(b.subarray(off + 4, off + 4 + n)));
      off += 4 + n;
    }
    return out;
  }

  /** replaces the file with exactly `txs` (atomically), in order with the appends queued before it. */
  rewrite(txs: readonly Bytes[]): Promise<void> {
    return this.enqueue((done, fail) => ({ kind: "rewrite", txs, done, fail }));
  }

  /** resolves once `tx` is on disk. */
  append(tx: Bytes): Promise<void> {
    return this.enqueue((done, fail) => ({ kind: "append", buf: frame(tx), done, fail }));
  }

  /** true when the file has grown past the compaction threshold since the last rewrite. */
  get needsCompaction(): boolean {
    return this.written > this.compactBytes;
  }

  async close(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    await this.fh?.close();
    this.fh = undefined;
  }

  private enqueue(make: (done: () => void, fail: (e: unknown) => void) => Op): Promise<void> {
    return new Promise((done, fail) => {
      this.queue.push(make(done, fail));
      this.kick();
    });
  }

  /** one flush loop at a time; an op queued after the loop's last check starts the next one. */
  private kick(): void {
    if (this.flushing !== undefined || this.queue.length === 0) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      this.kick();
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const first = this.queue[0]!;
      if (first.kind === "rewrite") {
        this.queue.shift();
        try {
          await this.doRewrite(first.txs);
          first.done();
        } catch (e: unknown) {
          first.fail(e);
        }
        continue;
      }
      // group commit: every append up to the next rewrite shares one write + fdatasync
      let n = 0;
      while (n < this.queue.length && this.queue[n]!.kind === "append") n++;
      const batch = this.queue.splice(0, n) as Extract<Op, { kind: "append" }>[];
      try {
        this.fh ??= await open(this.path, "a");
        const buf = Buffer.concat(batch.map((x) => x.buf));
        await this.fh.write(buf);
        await this.fh.datasync();
        this.written += buf.length;
        for (const x of batch) x.done();
      } catch (e: unknown) {
        for (const x of batch) x.fail(e);
      }
    }
  }

  private async doRewrite(txs: readonly Bytes[]): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      for (const tx of txs) writeSync(fd, frame(tx));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    this.written = 0;
  }
}

function frame(tx: Bytes): Bytes {
  const b = Buffer.allocUnsafe(4 + tx.length);
  b.writeUInt32BE(tx.length, 0);
  b.set(tx, 4);
  return b;
}

/**
 * The RPC's mempool view with durable acknowledgements: an accepted tx is in the WAL before checkAndAdd
 * resolves; when the WAL has grown, it is compacted to the pool's current txs.
 */
export function durableMempoolView(view: MempoolView, wal: MempoolWal, poolTxs: () => Bytes[]): MempoolView {
  let compacting = false;
  return {
    async checkAndAdd(tx: Bytes): Promise<CheckTxResponse> {
      const res = await view.checkAndAdd(tx);
      if (res.code === 0) {
        await wal.append(tx);
        if (wal.needsCompaction && !compacting) {
          // the pool's txs now (every tx appended so far was pooled before its append), queued in order
          compacting = true;
          void wal.rewrite(poolTxs()).finally(() => (compacting = false));
        }
      }
      return res;
    },
    checkOnly: (tx) => view.checkOnly(tx),
    size: () => view.size(),
    sizeBytes: () => view.sizeBytes(),
    reap: (limit) => view.reap(limit),
  };
}
