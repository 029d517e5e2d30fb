/**
 * The tx pool (CometBFT clist_mempool, in-process): admission = size check, capacity check, LRU dedup,
 * CheckTx(NEW), per-sender limit; FIFO order (a sender's txs arrive, and so stay, in sequence order);
 * after each commit `update` removes the included txs and rechecks the rest.
 *
 * Locking: admission holds a read lock of `RwLock` from before CheckTx until the tx is added; the block
 * executor takes the write lock (`lock()`) before Commit and releases it after `update` (CometBFT locks
 * the mempool around Commit + update). At most `maxConcurrentChecks` admissions are in flight, so a
 * waiting commit waits for at most that many CheckTx calls.
 */
import type { Bytes, CheckTxResponse, ExecTxResult } from "../../modules/core/abci.ts";
import { EMPTY, toHex } from "../../modules/core/bytes.ts";
import { txHash } from "../types/hash.ts";
import type { Logger } from "pino";
import type { MempoolView } from "../rpc/env.ts";
import type { MempoolAppConn } from "../app/appConn.ts";
import { MEMPOOL_REJECT_REASON, type MempoolMetrics, type MempoolRejectReason } from "../metrics/mempool.ts";
import { NodeError } from "../util/errors.ts";
import { type Release, RwLock, Semaphore, yieldToLoop } from "../util/rwLock.ts";
import { LruCache } from "./cache.ts";

export interface TxPoolOptions {
  maxTxs: number;
  maxTxsBytes: number;
  maxTxBytes: number;
  maxTxsPerSender: number;
  cacheSize: number;
  recheck: boolean;
  /** CheckTx NEW calls in flight at once (default 64). */
  maxConcurrentChecks?: number;
  /** RECHECK calls between two yields to the event loop (default 128). */
  recheckBatch?: number;
}

/** Cosmos SDK root codespace codes the mempool answers with (types/errors/errors.go). */
export const SDK_CODESPACE = "sdk";
export const ERR_MEMPOOL_IS_FULL = 20;
export const ERR_TX_TOO_LARGE = 21;

export type MempoolErrorType = { code: "TX_IN_CACHE"; hash: string } | { code: "MEMPOOL_CLOSED" };

/** thrown (not answered in-band) by checkAndAdd; the RPC maps it to JSON-RPC -32603 with the message. */
export class MempoolError extends NodeError<MempoolErrorType> {
  constructor(type: MempoolErrorType) {
    super(type, type.code === "TX_IN_CACHE" ? "tx already exists in cache" : "mempool is closed");
    this.name = "MempoolError";
  }
}

/** verifies a tx's signatures ahead of CheckTx (e.g. on worker threads); never rejects. */
export interface TxPreverifier {
  preverify(tx: Bytes): Promise<void>;
}

export interface PoolTx {
  tx: Bytes;
  /** SHA-256(tx). */
  hash: Bytes;
  /** height at which it entered the pool. */
  height: bigint;
  gasWanted: bigint;
  sender: string;
  sequence: bigint;
  priority: bigint;
}

export function rejection(code: number, log: string): CheckTxResponse {
  return {
    code,
    data: EMPTY,
    log,
    info: "",
    gasWanted: 0n,
    gasUsed: 0n,
    events: [],
    codespace: SDK_CODESPACE,
    sender: "",
    sequence: 0n,
    priority: 0n,
  };
}

function varintSize(n: number): number {
  let s = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    s++;
  }
  return s;
}

/** bytes one tx adds to the block's Data protobuf (field tag + length + bytes; CometBFT ComputeProtoSizeForTxs). */
export function protoTxSize(len: number): number {
  return 1 + varintSize(len) + len;
}

function keyOf(hash: Bytes): string {
  return toHex(hash);
}

export class TxPool implements MempoolView {
  private readonly opts: Required<TxPoolOptions>;
  private readonly app: MempoolAppConn;
  private readonly logger: Logger;
  private readonly cache: LruCache;
  /** insertion order = FIFO order. */
  private readonly txs = new Map<string, PoolTx>();
  private readonly perSender = new Map<string, number>();
  private bytes = 0;
  private readonly rw = new RwLock();
  private readonly checks: Semaphore;
  private height = 0n;
  private closed = false;
  private readonly availableListeners = new Set<() => void>();
  private readonly preverifier: TxPreverifier | undefined;
  private readonly metrics: MempoolMetrics | null;
  /** counters since start (logged at stop; the localnet bench reads them): CheckTx NEW calls, RECHECK calls, txs dropped on recheck, recheck passes and their ms. */
  readonly stats = { checked: 0, rechecked: 0, recheckDropped: 0, recheckRounds: 0, recheckMs: 0 };
  /** settles when the last admission that waited for pre-verification has gone on (keeps arrival order). */
  private gate: Promise<void> = Promise.resolve();

  constructor(opts: TxPoolOptions, deps: { app: MempoolAppConn; logger: Logger; height?: bigint; preverifier?: TxPreverifier; metrics?: MempoolMetrics | null }) {
    this.metrics = deps.metrics ?? null;
    this.opts = { maxConcurrentChecks: 64, recheckBatch: 128, ...opts };
    this.app = deps.app;
    this.logger = deps.logger;
    this.cache = new LruCache(opts.cacheSize);
    this.checks = new Semaphore(this.opts.maxConcurrentChecks);
    this.height = deps.height ?? 0n;
    this.preverifier = deps.preverifier;
  }

  size(): number {
    return this.txs.size;
  }

  sizeBytes(): number {
    return this.bytes;
  }

  has(hash: Bytes): boolean {
    return this.txs.has(keyOf(hash));
  }

  /**
   * whether checkAndAdd would refuse the tx with this key (hex of its hash) as a duplicate: it is in the
   * pool, being checked, or committed OK recently (the LRU cache). The mempool reactor asks this first,
   * so the copies of a tx that other peers relay cost no CheckTx and no thrown error.
   */
  seen(key: string): boolean {
    return this.cache.has(key) || this.txs.has(key);
  }

  /** the pooled tx with this key (hex of its hash). */
  get(key: string): Bytes | undefined {
    return this.txs.get(key)?.tx;
  }

  /** the pool's txs in FIFO order (a copy). */
  entries(): PoolTx[] {
    return [...this.txs.values()];
  }

  /** the first `limit` txs in FIFO order (unconfirmed_txs). */
  reap(limit: number): Bytes[] {
    const out: Bytes[] = [];
    if (limit <= 0) return out;
    for (const e of this.txs.values()) {
      out.push(e.tx);
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * txs in FIFO order while their proto size stays ≤ maxBytes and their summed gasWanted ≤ maxGas
   * (−1 = no limit), at most `maxTxs` of them (−1 = no limit); stops at the first tx that does not fit,
   * so a sender's sequence never has a gap.
   */
  reapMaxBytesMaxGas(maxBytes: bigint, maxGas: bigint, maxTxs = -1): Bytes[] {
    const out: Bytes[] = [];
    if (maxTxs === 0) return out;
    let bytes = 0n;
    let gas = 0n;
    for (const e of this.txs.values()) {
      const size = BigInt(protoTxSize(e.tx.length));
      if (maxBytes > -1n && bytes + size > maxBytes) break;
      const g = gas + e.gasWanted;
      if (maxGas > -1n && g > maxGas) break;
      bytes += size;
      gas = g;
      out.push(e.tx);
      if (out.length === maxTxs) break;
    }
    return out;
  }

  /** called when a tx enters an empty pool (the producer waits on it when empty blocks are off). */
  onTxAvailable(listener: () => void): () => void {
    this.availableListeners.add(listener);
    return () => this.availableListeners.delete(listener);
  }

  private fullReason(extraBytes: number): string | undefined {
    if (this.txs.size >= this.opts.maxTxs || this.bytes + extraBytes > this.opts.maxTxsBytes) {
      return `mempool is full: number of txs ${this.txs.size} (max: ${this.opts.maxTxs}), total txs bytes ${this.bytes} (max: ${this.opts.maxTxsBytes})`;
    }
    return undefined;
  }

  private rejected(reason: MempoolRejectReason): void {
    this.metrics?.rejectedTotal.inc({ reason });
  }

  private updateSizeMetrics(): void {
    if (this.metrics === null) return;
    this.metrics.size.set(this.txs.size);
    this.metrics.sizeBytes.set(this.bytes);
  }

  /** admission (see the class comment); `hash` is SHA-256(tx) and `key` its hex when the caller has them already. */
  async checkAndAdd(tx: Bytes, hash: Bytes = txHash(tx), key: string = keyOf(hash)): Promise<CheckTxResponse> {
    if (this.closed) throw new MempoolError({ code: "MEMPOOL_CLOSED" });
    if (tx.length > this.opts.maxTxBytes) {
      this.rejected(MEMPOOL_REJECT_REASON.tooLarge);
      return rejection(ERR_TX_TOO_LARGE, `tx too large: ${tx.length} bytes (max: ${this.opts.maxTxBytes}): tx too large`);
    }
    const full = this.fullReason(tx.length);
    if (full !== undefined) {
      this.rejected(MEMPOOL_REJECT_REASON.full);
      return rejection(ERR_MEMPOOL_IS_FULL, full);
    }
    if (!this.cache.push(key) || this.txs.has(key)) {
      this.rejected(MEMPOOL_REJECT_REASON.inCache);
      throw new MempoolError({ code: "TX_IN_CACHE", hash: key });
    }
    let releaseCheck: Release | undefined;
    let releaseRead: Release | undefined;
    try {
      if (this.preverifier !== undefined) {
        // the signatures are checked elsewhere meanwhile; CheckTx calls still start in arrival order
        const mine = Promise.all([this.gate, this.preverifier.preverify(tx)]).then(() => {});
        this.gate = mine;
        await mine;
      }
      releaseCheck = await this.checks.acquire();
      releaseRead = await this.rw.read();
      if (this.closed) throw new MempoolError({ code: "MEMPOOL_CLOSED" });
      this.stats.checked++;
      const res = await this.app.checkTx({ tx, type: "new" });
      if (res.code !== 0) {
        this.cache.remove(key);
        this.rejected(MEMPOOL_REJECT_REASON.checkTx);
        return res;
      }
      const fullAfter = this.fullReason(tx.length);
      if (fullAfter !== undefined) {
        this.cache.remove(key);
        this.rejected(MEMPOOL_REJECT_REASON.full);
        return rejection(ERR_MEMPOOL_IS_FULL, fullAfter);
      }
      if (res.sender !== "") {
        const n = this.perSender.get(res.sender) ?? 0;
        if (n >= this.opts.maxTxsPerSender) {
          this.cache.remove(key);
          this.rejected(MEMPOOL_REJECT_REASON.senderLimit);
          return rejection(
            ERR_MEMPOOL_IS_FULL,
            `mempool is full: sender ${res.sender} has ${n} pending txs (max: ${this.opts.maxTxsPerSender})`,
          );
        }
      }
      this.add({
        tx,
        hash,
        height: this.height,
        gasWanted: res.gasWanted,
        sender: res.sender,
        sequence: res.sequence,
        priority: res.priority,
      }, key);
      return res;
    } catch (e: unknown) {
      this.cache.remove(key);
      throw e;
    } finally {
      releaseRead?.();
      releaseCheck?.();
    }
  }

  async checkOnly(tx: Bytes): Promise<CheckTxResponse> {
    if (tx.length > this.opts.maxTxBytes) {
      return rejection(ERR_TX_TOO_LARGE, `tx too large: ${tx.length} bytes (max: ${this.opts.maxTxBytes}): tx too large`);
    }
    const release = await this.rw.read();
    try {
      return await this.app.checkTx({ tx, type: "new" });
    } finally {
      release();
    }
  }

  private add(e: PoolTx, key: string): void {
    const wasEmpty = this.txs.size === 0;
    this.txs.set(key, e);
    this.bytes += e.tx.length;
    if (e.sender !== "") this.perSender.set(e.sender, (this.perSender.get(e.sender) ?? 0) + 1);
    this.updateSizeMetrics();
    if (wasEmpty) for (const l of this.availableListeners) l();
  }

  private removeKey(key: string): PoolTx | undefined {
    const e = this.txs.get(key);
    if (e === undefined) return undefined;
    this.txs.delete(key);
    this.bytes -= e.tx.length;
    this.updateSizeMetrics();
    if (e.sender !== "") {
      const n = (this.perSender.get(e.sender) ?? 1) - 1;
      if (n <= 0) this.perSender.delete(e.sender);
      else this.perSender.set(e.sender, n);
    }
    return e;
  }

  /** exclusive lock: no admission runs while it is held. Take it before app Commit; release after update. */
  lock(): Promise<Release> {
    return this.rw.write();
  }

  /**
   * After the block at `height` committed (caller holds `lock()`): drop the included txs (OK ones stay
   * in the cache so they cannot come back, failed ones leave it), then RECHECK the rest in FIFO order
   * and drop the ones the app now refuses.
   */
  async update(height: bigint, committedTxs: readonly Bytes[], results: readonly ExecTxResult[]): Promise<void> {
    if (!this.rw.writeLocked) throw new Error("TxPool.update called without the mempool lock");
    this.height = height;
    for (let i = 0; i < committedTxs.length; i++) {
      const tx = committedTxs[i] as Bytes;
      const key = keyOf(txHash(tx));
      const r = results[i];
      if (r !== undefined && r.code === 0) this.cache.push(key);
      else this.cache.remove(key);
      this.removeKey(key);
    }
    if (!this.opts.recheck || this.txs.size === 0) return;
    const started = performance.now();
    const before = this.txs.size;
    let n = 0;
    for (const [key, e] of [...this.txs]) {
      if (this.closed) return;
      const res = await this.app.checkTx({ tx: e.tx, type: "recheck" });
      this.stats.rechecked++;
      if (res.code !== 0) {
        this.stats.recheckDropped++;
        this.removeKey(key);
        this.cache.remove(key);
        this.rejected(MEMPOOL_REJECT_REASON.recheck);
        this.logger.debug({ hash: key, code: res.code, codespace: res.codespace, log: res.log }, "tx dropped on recheck");
      } else {
        e.gasWanted = res.gasWanted;
        e.priority = res.priority;
      }
      if (++n % this.opts.recheckBatch === 0) await yieldToLoop();
    }
    const ms = performance.now() - started;
    this.stats.recheckRounds++;
    this.stats.recheckMs += ms;
    this.logger.debug(
      { height, rechecked: before, dropped: before - this.txs.size, ms: Math.round(ms) },
      "mempool rechecked",
    );
  }

  /** removes every tx and empties the cache (unsafe_flush_mempool). */
  flush(): void {
    this.txs.clear();
    this.perSender.clear();
    this.bytes = 0;
    this.cache.reset();
    this.updateSizeMetrics();
  }

  close(): void {
    this.closed = true;
    this.availableListeners.clear();
  }
}
